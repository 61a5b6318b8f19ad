import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MailbridgeConfig, parseConfig } from '@mailbridge/core';
import { type CreateRelayOptions, createRelay, type Relay, type RelayOutbox } from '../../src/index.js';

/** The mailbox the test configs send from. */
export const MAILBOX = 'alerts@contoso.example';

/** A self-signed certificate for 127.0.0.1/localhost, made by openssl, in a fresh folder. */
export function makeCertificate(dir = mkdtempSync(join(tmpdir(), 'relay-tls-'))): { dir: string; certFile: string; keyFile: string; certPem: string } {
  const certFile = join(dir, 'relay.pem');
  const keyFile = join(dir, 'relay-key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { dir, certFile, keyFile, certPem: execFileSync('cat', [certFile], { encoding: 'utf8' }) };
}

/** A parsed config with a relay section (listeners on free loopback ports). */
export function relayConfig(relay: Record<string, unknown>, extra: Record<string, unknown> = {}): MailbridgeConfig {
  return parseConfig({
    transport: 'graph',
    mailbox: MAILBOX,
    auth: { tenant: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'UNUSED_SECRET' } },
    relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }], ...relay },
    ...extra,
  }).config;
}

/** Starts a relay; `stop()` closes it. */
export async function startRelay(config: MailbridgeConfig, outbox: RelayOutbox, options: Partial<CreateRelayOptions> = {}): Promise<{ relay: Relay; port: number; ports: number[]; stop(): Promise<void> }> {
  const relay = await createRelay(config, { outbox, tlsReloadIntervalMs: 100, name: 'relay.test', ...options });
  return { relay, port: relay.listeners[0]!.port, ports: relay.listeners.map((l) => l.port), stop: () => relay.close() };
}

/** Writes a file and returns its path. */
export function writeTemp(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** `process.env.CI === 'true'` makes a missing tool a failure instead of a skip. */
export function toolAvailable(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`${tool} is required on CI but is not installed`);
    console.warn(`skipping: ${tool} is not installed`);
    return false;
  }
}

/**
 * swaks with its TLS module (Debian's libnet-ssleay-perl). Without it swaks silently cannot do
 * STARTTLS or implicit TLS; like a missing tool, that fails under `CI=true` and skips otherwise.
 */
export function swaksTlsAvailable(): boolean {
  if (!toolAvailable('swaks')) return false;
  const support = spawnSync('swaks', ['--support'], { encoding: 'utf8' });
  if (/^=== TLS supported/m.test(`${support.stdout}${support.stderr}`)) return true;
  const reason = 'swaks has no TLS support: Net::SSLeay is not installed (apt-get install libnet-ssleay-perl libio-socket-ssl-perl)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must run the swaks TLS tests`);
  console.warn(`skipping: ${reason}`);
  return false;
}

/** Polls `probe` (every 25 ms) until it gives a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
