import { lstat, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, relative } from 'node:path';
import { readBoundedFile } from '@mailbridge/core';
import { writeNewFile } from '../files/write-new-file.js';

/** What of a running simulator the sandbox needs to write a config. */
export interface SandboxSimulator {
  config(options?: Record<string, unknown>): Record<string, unknown>;
  writeFederatedAssertionFile(path: string, options: { subject: string }): Promise<string>;
}

/** Options of {@link writeSandboxConfig}. */
export interface SandboxConfigOptions {
  /** The app's client secret, written to `<config>.secret` (0600) beside the config. */
  secret: string;
  /** @default "graph" */
  transport?: 'graph' | 'ews';
  /** Another app than the demo app (a seeded one). */
  clientId?: string;
  /** Another mailbox than the demo mailbox. */
  mailbox?: string;
  /** What auth.secretExpiresAt says (YYYY-MM-DD); default the secret's real expiry, or a year from today. */
  secretExpiresAt?: string;
  /** Replace a config at the path that the sandbox did not write. */
  force: boolean;
  /** Sign in with a federated assertion file instead of the secret (workload identity). */
  federated?: { subject: string; file: string };
  /** Add `relay` and `outbox` sections (the main sandbox config). @default false */
  relayAndOutbox?: boolean;
}

/**
 * True when `path` holds a config an earlier `mailbridge sandbox` wrote (its endpoints on loopback):
 * that one is replaced freely, as the port changes at every start. Anything else — a production
 * config, a symbolic link — is only replaced with --force.
 */
async function isSandboxConfig(path: string): Promise<boolean> {
  try {
    if ((await lstat(path)).isSymbolicLink()) return false;
    const text = (await readBoundedFile(path, { maxBytes: 64 * 1024, timeoutMs: 1_000 })).toString('utf8');
    const authorityHost = (JSON.parse(text) as { endpoints?: { authorityHost?: unknown } }).endpoints?.authorityHost;
    return typeof authorityHost === 'string' && /^https:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(authorityHost);
  } catch {
    return false;
  }
}

/** A port free on loopback now (the relay and its status page bind it when they start). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `mailbridge.sandbox.json` → `mailbridge.sandbox.<name>.json`: the config of a seeded app beside the main one. */
export function seededConfigPath(configPath: string, name: string): string {
  return `${configPath.replace(/\.json$/, '')}.${name}.json`;
}

/** A loopback address a sandbox config names (relay listener, status page). */
export interface SandboxAddress {
  host: string;
  port: number;
}

/** What a written sandbox config holds beyond the simulator's endpoints: where its relay and outbox are. */
export interface WrittenSandboxConfig {
  /** With `relayAndOutbox`: the relay's SMTP listener (no TLS, no auth) and its status page. */
  relay?: { smtp: SandboxAddress; status: SandboxAddress };
  /** With `relayAndOutbox`: the file outbox's folder (absolute). */
  outboxDir?: string;
}

/** Writes a sandbox config: the simulator's endpoints and CA, the app's secret in a 0600 file beside it. */
export async function writeSandboxConfig(simulator: SandboxSimulator, configPath: string, options: SandboxConfigOptions): Promise<WrittenSandboxConfig> {
  const folder = dirname(configPath);
  await mkdir(folder, { recursive: true });
  const replace = options.force || (await isSandboxConfig(configPath));
  const secretFile = `${configPath.replace(/\.json$/, '')}.secret`;
  const config = simulator.config({
    transport: options.transport ?? 'graph',
    ...(options.clientId ? { clientId: options.clientId, secret: options.secret } : {}),
    ...(options.mailbox ? { mailbox: options.mailbox } : {}),
  });
  const auth = { ...(config.auth as Record<string, unknown>) };
  auth.clientSecret = { file: `./${relative(folder, secretFile)}` };
  if (options.secretExpiresAt) auth.secretExpiresAt = options.secretExpiresAt;
  auth.secretExpiresAt ??= new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const federated = options.federated;
  if (federated) {
    // Workload identity rehearsed: a token file as Kubernetes projects it, accepted by the demo app's federated credential.
    await simulator.writeFederatedAssertionFile(federated.file, federated);
    delete auth.clientSecret;
    delete auth.secretExpiresAt;
    auth.clientAssertionFile = `./${relative(folder, federated.file)}`;
  }
  const sections: Record<string, unknown> = {};
  const written: WrittenSandboxConfig = {};
  if (options.relayAndOutbox) {
    // `mailbridge relay --config F` relays into the simulator: loopback, no TLS, no auth, a file outbox beside F.
    const outboxDir = `${configPath.replace(/\.json$/, '')}-outbox`;
    const smtp = { host: '127.0.0.1', port: await freeLoopbackPort() };
    const status = { host: '127.0.0.1', port: await freeLoopbackPort() };
    sections.outbox = { store: { type: 'file', dir: `./${relative(folder, outboxDir)}` } };
    sections.relay = { listen: [{ ...smtp, tls: 'none' }], status };
    Object.assign(written, { relay: { smtp, status }, outboxDir });
  }
  // The config first: refusing to replace it leaves nothing half written.
  await writeNewFile(configPath, `${JSON.stringify({ $schema: 'https://unpkg.com/@mailbridge/core/schema/mailbridge.schema.json', ...config, auth, ...sections }, null, 2)}\n`, { mode: 0o600, replace });
  const sameSecret = await readBoundedFile(secretFile, { maxBytes: 1024, timeoutMs: 1_000 }).then(
    (bytes) => bytes.toString('utf8') === `${options.secret}\n`,
    () => false,
  );
  const secretIsLink = await lstat(secretFile).then(
    (info) => info.isSymbolicLink(),
    () => false,
  );
  if (!federated) await writeNewFile(secretFile, `${options.secret}\n`, { mode: 0o600, replace: replace || (sameSecret && !secretIsLink) });
  return written;
}
