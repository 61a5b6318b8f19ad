import type { DelegatedTokenProvider, LoadedConfig, MailbridgeConfig, ReceivedMessage, TokenClaims } from '@mailbridge/core';
import { createRuntime, loadCliConfig, type CliRuntime } from '../commands/runtime.js';
import type { GlobalOptions } from '../output/cli-io.js';

/** Check ids, in the order doctor runs them (PRODUCT.md). */
export const CHECK_IDS = ['config', 'authority', 'token', 'permissions', 'secret-expiry', 'mailbox', 'send'] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckResult {
  id: CheckId;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
  hint?: string;
  code?: string;
}

export interface DoctorOptions {
  sendTest?: string;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** How long --send-test waits for the message to arrive. */
  deliveryTimeoutMs?: number;
  onProgress?: (id: CheckId) => void;
}

const MARKER = Symbol.for('mailbridge.error');
type CodedError = Error & { code: string; hint: string; details?: Record<string, unknown> };
const isCoded = (error: unknown): error is CodedError => typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;

function failFrom(id: CheckId, error: unknown, prefix = ''): CheckResult {
  if (isCoded(error)) return { id, status: 'fail', message: prefix + error.message, hint: error.hint, code: error.code };
  return { id, status: 'fail', message: prefix + (error instanceof Error ? error.message : String(error)), hint: 'Run again with --verbose.', code: 'INTERNAL' };
}

const DAY = 86_400_000;

function secretExpiryCheck(config: MailbridgeConfig, now: Date): CheckResult {
  const auth = config.auth as { flow: string; clientSecret?: unknown; secretExpiresAt?: string };
  if (auth.flow !== 'client-credentials' || auth.clientSecret === undefined) {
    return { id: 'secret-expiry', status: 'skip', message: 'No client secret in use (certificate, federated assertion or a person signs in).' };
  }
  if (!auth.secretExpiresAt) {
    return {
      id: 'secret-expiry',
      status: 'warn',
      message: 'auth.secretExpiresAt is not set, so mailbridge cannot remind you before the client secret expires (Entra secrets live at most two years).',
      hint: 'Look up the expiry in Entra admin center > App registrations > your app > Certificates & secrets, and set auth.secretExpiresAt (e.g. "2028-11-01").',
    };
  }
  const expires = new Date(auth.secretExpiresAt);
  const days = Math.floor((expires.getTime() - now.getTime()) / DAY);
  const date = expires.toISOString().slice(0, 10);
  const renew =
    'Create a new secret in Entra admin center > App registrations > your app > Certificates & secrets > New client secret, put its Value where the config reads it, and update auth.secretExpiresAt.';
  if (days < 0) return { id: 'secret-expiry', status: 'fail', message: `The client secret expired on ${date}.`, hint: renew, code: 'AUTH_SECRET_EXPIRED' };
  if (days <= 30) return { id: 'secret-expiry', status: 'warn', message: `The client secret expires on ${date}, in ${days} day${days === 1 ? '' : 's'}.`, hint: `${renew} Do it before ${date}.` };
  return { id: 'secret-expiry', status: 'pass', message: `The client secret is valid until ${date} (${days} days).` };
}

/** Runs the checks in order, stopping where the rest would be meaningless (they are reported as `skip`). */
export async function runDoctor(globals: GlobalOptions, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const now = options.now ?? (() => new Date());
  const results: CheckResult[] = [];
  let loadedConfig: MailbridgeConfig | undefined;
  const skipRest = (reason: string) => {
    for (const id of CHECK_IDS) {
      if (results.some((result) => result.id === id)) continue;
      if (id === 'send' && !options.sendTest) continue;
      // The secret's expiry needs no network: it is always checked once the config is loaded.
      if (id === 'secret-expiry' && loadedConfig) results.push(secretExpiryCheck(loadedConfig, now()));
      else results.push({ id, status: 'skip', message: reason });
    }
  };
  const progress = (id: CheckId) => options.onProgress?.(id);

  // 1. config
  progress('config');
  let loaded: LoadedConfig;
  try {
    loaded = await loadCliConfig(globals, options.env);
  } catch (error) {
    results.push(failFrom('config', error));
    skipRest('Skipped: the config must be valid first.');
    return results;
  }
  const { config } = loaded;
  loadedConfig = config;
  // The secret's expiry has its own check below: reported once, there, not also as a config warning.
  const warnings = loaded.warnings.filter((warning) => warning.path !== 'auth.secretExpiresAt');
  results.push(
    warnings.length > 0
      ? {
          id: 'config',
          status: 'warn',
          message: warnings.map((warning) => `${warning.path}: ${warning.message}`).join(' '),
          hint: warnings.map((warning) => warning.hint).join(' '),
          code: warnings[0]?.code,
        }
      : { id: 'config', status: 'pass', message: `${loaded.path ?? 'config'} is valid: ${config.transport} transport, mailbox ${config.mailbox}, ${config.auth.flow}.` },
  );

  let runtime: CliRuntime | undefined;
  try {
    runtime = await createRuntime(loaded);
    // 2. authority
    progress('authority');
    const authority = await checkAuthority(runtime, config);
    results.push(authority);
    if (authority.status === 'fail') {
      skipRest('Skipped: the tenant must be reachable first.');
      return results;
    }

    // 3. token
    progress('token');
    const core = await import('@mailbridge/core');
    const resource = config.transport === 'ews' ? 'ews' : 'graph';
    let claims;
    if (config.auth.flow === 'basic' || config.auth.flow === 'ntlm') {
      results.push({ id: 'token', status: 'skip', message: `No token: ${config.auth.flow} authentication to Exchange Server.` });
      results.push({ id: 'permissions', status: 'skip', message: 'Permissions of a Basic/NTLM account are checked by the mailbox probe.' });
    } else {
      try {
        if (core.isDelegatedTokenProvider(runtime.tokens)) {
          // Delegated (device code): the kept sign-in, then a forced silent renewal.
          const delegated = await delegatedTokenCheck(runtime.tokens, resource);
          claims = delegated.claims;
          results.push(delegated.result);
        } else {
          const token = await runtime.tokens.getToken(resource);
          claims = token.claims;
          const who = claims.appid ?? claims.azp ?? '';
          results.push({
            id: 'token',
            status: 'pass',
            message: `Got ${runtime.tokens.kind === 'app-only' ? 'an app-only' : 'a delegated'} token for ${claims.aud} (app ${who}, tenant ${claims.tid}), valid until ${token.expiresAt.toISOString()}.`,
          });
        }
      } catch (error) {
        results.push(failFrom('token', error));
        results.push(secretExpiryCheck(config, now()));
        skipRest('Skipped: a token is needed first.');
        return results;
      }

      // 4. permissions — from the decoded token, not from guesses.
      progress('permissions');
      const check = core.checkPermissions(claims, { transport: config.transport, operations: ['send', 'read'], kind: runtime.tokens.kind });
      if (check.ok) {
        const held = claims.roles?.join(', ') ?? claims.scp ?? '';
        results.push({ id: 'permissions', status: 'pass', message: `The token holds what ${config.transport === 'ews' ? 'EWS' : 'Graph'} needs: ${held}.` });
      } else {
        results.push({
          id: 'permissions',
          status: 'fail',
          message: `The token lacks ${check.missing.join(', ')} (it holds ${(claims.roles ?? []).join(', ') || claims.scp || 'no permissions at all'}).`,
          hint: check.hint,
          code: 'AUTH_MISSING_PERMISSION',
        });
      }
    }

    // 5. secret-expiry
    progress('secret-expiry');
    results.push(secretExpiryCheck(config, now()));

    if (results.some((result) => result.id === 'permissions' && result.status === 'fail')) {
      skipRest('Skipped: the token must hold the permissions first.');
      return results;
    }

    // 6. mailbox
    progress('mailbox');
    let transport;
    try {
      transport = await runtime.transport();
      const probe = await transport.probe();
      const counts = probe.inbox?.total !== undefined ? ` Inbox: ${probe.inbox.total} messages, ${probe.inbox.unread ?? 0} unread.` : '';
      const ewsOnline = config.transport === 'ews' && config.auth.flow !== 'basic' && config.auth.flow !== 'ntlm';
      if (ewsOnline) {
        results.push({
          id: 'mailbox',
          status: 'warn',
          message: `${probe.mailbox} is reachable over EWS.${counts} EWS in Exchange Online is blocked for apps not on the tenant's allow list since 2026-10-01 and switched off on 2027-04-01.`,
          hint: 'Move to Microsoft Graph: set "transport": "graph", add the Graph application permissions Mail.Send and Mail.ReadWrite, and have an administrator click "Grant admin consent". (Exchange Server on-premises keeps EWS.)',
        });
      } else {
        results.push({ id: 'mailbox', status: 'pass', message: `${probe.mailbox} is reachable over ${config.transport === 'ews' ? 'EWS' : 'Graph'}.${counts}` });
      }
    } catch (error) {
      results.push(failFrom('mailbox', error));
      skipRest('Skipped: the mailbox must be reachable first.');
      return results;
    }

    // 7. send (only with --send-test)
    if (options.sendTest) {
      progress('send');
      results.push(await sendTest(transport, config, options.sendTest, options.deliveryTimeoutMs ?? 60_000));
    }
    return results;
  } finally {
    await runtime?.close();
  }
}

/**
 * The `token` check of the device-code flow: someone must be signed in (the token cache holds an
 * account), a token must come from the cache, and the kept refresh token must still renew silently
 * (a forced renewal: a revoked or expired sign-in fails here, with "run mailbridge login").
 */
async function delegatedTokenCheck(tokens: DelegatedTokenProvider, resource: 'graph' | 'ews'): Promise<{ claims: TokenClaims; result: CheckResult }> {
  const core = await import('@mailbridge/core');
  const account = await tokens.account();
  if (!account) {
    throw new core.MailbridgeError({
      code: 'AUTH_INTERACTION_REQUIRED',
      message: `No one is signed in: the token cache ${tokens.tokenCachePath} holds no account.`,
      hint: 'Run `mailbridge login` and sign in as the person whose mailbox this is.',
    });
  }
  await tokens.getToken(resource);
  const renewed = await tokens.getToken(resource, { forceRefresh: true });
  const claims = renewed.claims;
  const who = claims.appid ?? claims.azp ?? '';
  return {
    claims,
    result: {
      id: 'token',
      status: 'pass',
      message:
        `Signed in as ${account.username} (tenant ${account.tenantId}); got a delegated token for ${claims.aud} (app ${who}), ` +
        `and the kept refresh token renews silently (new token valid until ${renewed.expiresAt.toISOString()}).`,
    },
  };
}

async function checkAuthority(runtime: CliRuntime, config: MailbridgeConfig): Promise<CheckResult> {
  if (config.auth.flow === 'basic' || config.auth.flow === 'ntlm') {
    return { id: 'authority', status: 'skip', message: 'No Entra ID authority: Basic/NTLM authentication to Exchange Server.' };
  }
  const core = await import('@mailbridge/core');
  const endpoints = core.resolveEndpoints(config);
  const tenant = config.auth.tenant;
  const url = `${endpoints.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
  try {
    const response = await runtime.http.fetch(url, { headers: { accept: 'application/json' } });
    const body = (await response.json().catch(() => undefined)) as { issuer?: string; error?: string } | undefined;
    if (response.ok && body?.issuer) return { id: 'authority', status: 'pass', message: `Tenant ${tenant} exists at ${endpoints.authorityHost} (issuer ${body.issuer}).` };
    const error = core.mapEntraError(body ?? {}, { status: response.status });
    return { id: 'authority', status: 'fail', message: error.message, hint: error.hint, code: error.code };
  } catch (error) {
    return failFrom('authority', error, `Cannot reach the authority ${endpoints.authorityHost}: `);
  }
}

async function sendTest(transport: Awaited<ReturnType<CliRuntime['transport']>>, config: MailbridgeConfig, address: string, timeoutMs: number): Promise<CheckResult> {
  const started = Date.now();
  let sent;
  try {
    sent = await transport.send({
      to: [address],
      subject: `mailbridge doctor test ${new Date().toISOString()}`,
      text: 'This message was sent by `mailbridge doctor --send-test` to prove that sending works. It can be deleted.',
    });
  } catch (error) {
    return failFrom('send', error);
  }
  if (address.toLowerCase() !== config.mailbox.toLowerCase()) {
    return { id: 'send', status: 'pass', message: `Sent a test message to ${address} (${sent.internetMessageId}). Check that it arrived there.` };
  }
  // Sent to ourselves: wait until it is in the Inbox, which proves delivery end to end.
  const since = new Date(started - 5 * 60_000);
  while (Date.now() - started < timeoutMs) {
    let found: ReceivedMessage | undefined;
    for await (const message of transport.receive({ since, limit: 50, includeBody: false })) {
      if (message.internetMessageId === sent.internetMessageId) {
        found = message;
        break;
      }
    }
    if (found) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      return { id: 'send', status: 'pass', message: `Sent a test message to ${address} and saw it arrive in the Inbox after ${seconds} s (${sent.internetMessageId}).` };
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return {
    id: 'send',
    status: 'fail',
    message: `Sent a test message (${sent.internetMessageId}) but it did not arrive in the Inbox of ${address} within ${Math.round(timeoutMs / 1000)} s.`,
    hint: 'Check message trace in the Exchange admin center (Mail flow > Message trace) for that message id; transport rules or anti-spam may hold it.',
    code: 'SERVICE_ERROR',
  };
}
