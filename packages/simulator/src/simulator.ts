import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailbridgeError } from '@mailbridge/core';
import { createAdminModule } from './admin/admin-module.js';
import { simulatorConfig } from './config/simulator-config.js';
import { demoSeed } from './demo/demo-seed.js';
import { createEntraModule } from './entra/index.js';
import { createEwsModule } from './ews/index.js';
import { FaultRegistry } from './faults/fault-registry.js';
import { createRedirectCatcher } from './faults/redirect-catcher.js';
import { createGraphModule } from './graph/graph-module.js';
import { DEFAULT_THROTTLE_LIMITS } from './graph/mailbox-throttle.js';
import { seedMessages } from './mail/seed-messages.js';
import { SendingLimitGate } from './mail/sending-limits.js';
import type { ApiModule } from './server/http-types.js';
import { RequestLog } from './server/request-log.js';
import { startSimServer } from './server/sim-server.js';
import { readSeedFile, SimState } from './state/sim-state.js';
import type { StoredMessage } from './state/stored-message.js';
import { processCertificates } from './tls/certificates.js';
import type { FaultSpec, SeedData, SeedMessage, Simulator, SimulatorOptions, StoredMessageView } from './types.js';
import { createUploadModule } from './upload/upload-module.js';
import { UploadSessions } from './upload/upload-sessions.js';

function messageView(message: StoredMessage, folderName: string): StoredMessageView {
  const headers: Record<string, string> = {};
  for (const header of message.internetMessageHeaders) if (/^x-/i.test(header.name)) headers[header.name] = header.value;
  return {
    id: message.id,
    ewsId: message.ewsId,
    folder: folderName,
    internetMessageId: message.internetMessageId,
    from: message.from?.address ?? '',
    to: message.toRecipients.map((r) => r.address),
    cc: message.ccRecipients.map((r) => r.address),
    bcc: message.bccRecipients.map((r) => r.address),
    subject: message.subject,
    isRead: message.isRead,
    receivedAt: message.receivedDateTime,
    attachments: message.attachments.map((a) => ({
      name: a.name,
      size: a.size,
      contentType: a.contentType,
      isInline: a.isInline,
      ...(a.contentId ? { contentId: a.contentId } : {}),
    })),
    headers,
    ...(message.bodyText !== undefined ? { bodyText: message.bodyText } : {}),
    ...(message.bodyHtml !== undefined ? { bodyHtml: message.bodyHtml } : {}),
  };
}

/**
 * Starts a simulated Microsoft 365 (Entra ID, Graph mail, EWS) over HTTPS on loopback, with a CA
 * and server certificate generated for this process (trust {@link Simulator.caFile}, nothing else).
 * Close it when done.
 *
 * - Entra ID v2 at `{url}/{tenant}/oauth2/v2.0/token` (and discovery, JWKS, device code).
 * - Graph v1.0 at `{url}/v1.0/me|users/{id}/…`; attachment upload URLs are on `https://localhost:{port}`,
 *   a different host, as Outlook's upload host differs from Graph's.
 * - EWS at {@link Simulator.ewsUrl}.
 * - Admin endpoints (header `x-simulator-admin-key: {adminKey}`): `POST|GET|DELETE /_admin/faults`,
 *   `GET|DELETE /_admin/requests`, `GET /_admin/outbound`, `POST /_admin/seed`, `POST /_admin/device/approve`,
 *   `POST /_admin/sign-ins/revoke`, `POST /_admin/token-lifetime`, `POST /_admin/messages`,
 *   `POST /_admin/conditional-access`, `POST /_admin/federated-assertion`.
 *
 * Graph throttles per app per mailbox as Outlook does (4 concurrent requests, 10,000 per 10 minutes);
 * raise `throttling` for load tests that are not about throttling. EWS throttles per budget owner as
 * Exchange Online does (27 concurrent requests, and a resource budget: `ewsThrottling`). With
 * `sendingLimits`, every send keeps to Exchange Online's sending limits (mail/sending-limits.ts).
 *
 * @example
 * ```ts
 * const sim = await startSimulator();            // demo tenant, app and mailbox (see DEMO)
 * const config = sim.config();                    // a ready mailbridge config pointing at it
 * sim.inject({ kind: 'status', status: 429, api: 'graph', count: 2 });
 * await sim.close();
 * ```
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
    throw new MailbridgeError({ code: 'USAGE', message: `The simulator binds to loopback only; got host "${host}".`, hint: 'Use 127.0.0.1 (the default), ::1 or localhost.' });
  }

  const state = new SimState();
  state.clockSkewMs = options.clockSkewMs ?? 0;
  if (options.sendingLimits) state.sendingLimits = new SendingLimitGate(options.sendingLimits === true ? {} : options.sendingLimits, () => state.now());
  const seed: SeedData = typeof options.seed === 'string' ? readSeedFile(options.seed) : (options.seed ?? demoSeed());
  const applySeed = (data: Partial<SeedData>): void => {
    state.seedDirectory(data);
    seedMessages(state, data.users ?? []);
  };
  applySeed(seed);

  const certificates = await processCertificates();
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'mailbridge-sim-')));
  const caFile = join(dataDir, 'simulator-ca.pem');
  await writeFile(caFile, certificates.caPem, { mode: 0o644 });

  const faults = new FaultRegistry();
  const log = new RequestLog();
  const adminKey = randomBytes(24).toString('base64url');
  const modules: ApiModule[] = [];

  const catcher = createRedirectCatcher({ host, certPem: certificates.certPem, keyPem: certificates.keyPem });
  let server: Awaited<ReturnType<typeof startSimServer>>;
  try {
    server = await startSimServer({
      host,
      port: options.port ?? 0,
      certPem: certificates.certPem,
      keyPem: certificates.keyPem,
      modules: () => modules,
      faults,
      log,
      now: () => state.now(),
      redirectTarget: () => catcher.origin(),
    });
  } catch (error) {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
  const ewsUrl = `${url}/EWS/Exchange.asmx`;

  const entra = createEntraModule({ directory: state, baseUrl: url, ...(options.deviceCodeIntervalSeconds !== undefined ? { deviceCodeIntervalSeconds: options.deviceCodeIntervalSeconds } : {}) });
  const uploads = new UploadSessions();

  /** Faults that are state, not per-request: applied at once and undone by the returned function. */
  const inject = (fault: FaultSpec): (() => void) => {
    if (fault.kind === 'clock-skew') {
      const previous = state.clockSkewMs;
      state.clockSkewMs = fault.ms;
      return () => {
        state.clockSkewMs = previous;
      };
    }
    if (fault.kind === 'late-sent-copy') {
      const previous = state.sentCopyDelayMs;
      state.sentCopyDelayMs = fault.ms;
      return () => {
        state.sentCopyDelayMs = previous;
      };
    }
    if (fault.kind === 'token-outage') {
      entra.setOutage(fault.count ?? true);
      // `untilMs`: the outage lasts this many milliseconds.
      const timer = fault.untilMs !== undefined ? setTimeout(() => entra.setOutage(false), fault.untilMs) : undefined;
      timer?.unref();
      return () => {
        if (timer) clearTimeout(timer);
        entra.setOutage(false);
      };
    }
    return faults.add(fault);
  };
  const clearFaults = (): void => {
    faults.clear();
    entra.setOutage(false);
    state.clockSkewMs = options.clockSkewMs ?? 0;
    state.sentCopyDelayMs = 0;
  };
  const approveDeviceCode = (userCode: string, userMail: string, approveOptions?: { decline?: boolean }): void => entra.approveDeviceCode(userCode, userMail, approveOptions);
  const seedMailbox = (mailbox: string, messages: SeedMessage[]): void => {
    const user = state.user(mailbox);
    if (!user || !state.mailbox(mailbox)) throw new Error(`No mailbox ${mailbox} in the simulator.`);
    seedMessages(state, [{ ...user, messages }]);
  };
  const writeAssertionFile = async (path: string, assertionOptions: Parameters<Simulator['issueFederatedAssertion']>[0]): Promise<string> => {
    await writeFile(path, `${await entra.issueFederatedAssertion(assertionOptions)}\n`, { mode: 0o600 });
    await chmod(path, 0o600);
    return path;
  };

  modules.push(
    createAdminModule({
      adminKey,
      inject,
      clearFaults,
      faults: () => faults.list(),
      requests: () => log.list(),
      clearRequests: () => log.clear(),
      outbound: () => state.outbound(),
      seed: applySeed,
      approveDeviceCode,
      revokeSignIns: (userMail) => entra.revokeRefreshTokens(userMail),
      setAccessTokenLifetime: (seconds) => entra.setAccessTokenLifetime(seconds),
      seedMessages: seedMailbox,
      setConditionalAccessBlock: (principal, blocked, blockOptions) => entra.setConditionalAccessBlock(principal, blocked, blockOptions),
      issueFederatedAssertion: (assertionOptions) => entra.issueFederatedAssertion(assertionOptions),
    }),
    createUploadModule({ state, sessions: uploads }),
    createGraphModule({
      state,
      tokens: () => entra,
      uploads,
      throttle: { ...DEFAULT_THROTTLE_LIMITS, ...options.throttling },
      // Outlook's upload URLs are on another host than Graph's; `localhost` (in our certificate) plays it,
      // so clients that attach tokens only to the Graph host behave as they do against Microsoft.
      uploadHost: 'localhost',
      faults,
    }),
    // EWS (part 2): SOAP at /EWS/Exchange.asmx on the same store, mail flow and faults.
    createEwsModule({
      directory: state,
      store: state,
      tokens: entra,
      faults,
      mode: options.ewsMode ?? 'online',
      validate: options.validateEws ?? true,
      ...(options.ewsThrottling ? { throttling: options.ewsThrottling } : {}),
    }),
    entra,
  );

  let closed = false;
  return {
    url,
    port: server.port,
    authorityHost: url,
    graphUrl: url,
    ewsUrl,
    caFile,
    caPem: certificates.caPem,
    adminKey,
    seed: applySeed,
    messages(mailboxAddress, folderName) {
      const mailbox = state.mailbox(mailboxAddress);
      if (!mailbox) throw new Error(`No mailbox ${mailboxAddress} in the simulator.`);
      const folders = folderName ? [mailbox.folder(folderName)] : [...mailbox.folders.values()];
      const result: StoredMessageView[] = [];
      for (const folder of folders) {
        if (!folder) throw new Error(`No folder ${folderName} in ${mailboxAddress}.`);
        const name = folder.wellKnownName ?? folder.displayName;
        for (const message of mailbox.messagesIn(folder)) result.push(messageView(message, name));
      }
      return result;
    },
    deliveries(internetMessageId) {
      const mailboxes: Array<{ mailbox: string; folder: string }> = [];
      for (const mailbox of state.mailboxes()) {
        for (const message of mailbox.allMessages()) {
          if (message.internetMessageId !== internetMessageId) continue;
          const folder = mailbox.folders.get(message.folderId)!;
          mailboxes.push({ mailbox: mailbox.address, folder: folder.wellKnownName ?? folder.displayName });
        }
      }
      const outbound = state.outbound().filter((message) => message.internetMessageId === internetMessageId).length;
      return { mailboxes, outbound };
    },
    outbound: () => state.outbound(),
    sendingLimitStats: (mailbox) => state.sendingLimits?.stats(mailbox) ?? { sent: 0, maxInWindow: 0, rateRefusals: 0, quotaRefusals: 0, perMessageRefusals: 0, recipients24h: 0 },
    inject,
    clearFaults,
    requests: () => log.list(),
    clearRequests: () => log.clear(),
    caughtRedirects: () => catcher.caught(),
    clearCaughtRedirects: () => catcher.clear(),
    approveDeviceCode,
    revokeSignIns: (userMail) => entra.revokeRefreshTokens(userMail),
    setAccessTokenLifetime: (seconds) => entra.setAccessTokenLifetime(seconds),
    seedMessages: seedMailbox,
    setConditionalAccessBlock: (principal, blocked, blockOptions) => entra.setConditionalAccessBlock(principal, blocked, blockOptions),
    issueFederatedAssertion: (assertionOptions) => entra.issueFederatedAssertion(assertionOptions),
    writeFederatedAssertionFile: writeAssertionFile,
    config: (configOptions) => simulatorConfig(state, { url, ewsUrl, caFile }, configOptions),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([server.close(), catcher.close()]);
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
