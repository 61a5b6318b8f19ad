import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configCheck } from '../src/doctor/checks/config.js';
import { relayCheck } from '../src/doctor/checks/relay.js';
import { runDoctor } from '../src/doctor/run-doctor.js';
import { tempDir } from './helpers.js';

const base = {
  transport: 'graph',
  mailbox: 'alerts@contoso.example',
  auth: { tenant: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'UNUSED' } },
};

describe('doctor relay check', () => {
  const dir = tempDir();
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
    for (const [name, days] of [
      ['soon', 10],
      ['later', 90],
    ] as const) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir.path, `${name}-key.pem`), '-out', join(dir.path, `${name}.pem`), '-days', String(days), '-subj', '/CN=localhost'], { stdio: 'ignore' });
    }
  });
  afterAll(() => {
    busy.close();
    dir.cleanup();
  });

  const relayResult = async (relay: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => {
    const file = dir.write(`config-${Math.random().toString(36).slice(2)}.json`, { ...base, relay });
    const results = await runDoctor({ config: file }, { env, checks: [configCheck, relayCheck] });
    return results.find((r) => r.id === 'relay');
  };

  it('is left out without a relay section', async () => {
    const file = dir.write('plain.json', base);
    const results = await runDoctor({ config: file }, { env: {}, checks: [configCheck, relayCheck] });
    expect(results.map((r) => r.id)).toEqual(['config']);
  });

  it('passes with free ports, a certificate valid for 90 days and resolvable secrets', async () => {
    const result = await relayResult({ listen: [{ port: 0, tls: 'starttls' }], tls: { certFile: 'later.pem', keyFile: 'later-key.pem' }, users: [{ username: 'u', password: { env: 'RELAY_PW' } }] }, { RELAY_PW: 'x' });
    expect(result).toMatchObject({ status: 'pass', message: expect.stringMatching(/certificate valid until/) });
  });

  it('fails on a port in use, with the code and a hint', async () => {
    const result = await relayResult({ listen: [{ host: '127.0.0.1', port: busyPort, tls: 'none' }] });
    expect(result).toMatchObject({ status: 'fail', code: 'RELAY_LISTEN_FAILED', message: expect.stringMatching(/in use/), hint: expect.any(String) });
  });

  it('a port held by a running mailbridge relay is not a problem', async () => {
    const relayLike = createServer((socket) => socket.write('220 relay.test ESMTP mailbridge relay\r\n'));
    await new Promise<void>((resolve) => relayLike.listen(0, '127.0.0.1', resolve));
    const port = (relayLike.address() as { port: number }).port;
    try {
      expect(await relayResult({ listen: [{ host: '127.0.0.1', port, tls: 'none' }] })).toMatchObject({ status: 'pass', message: expect.stringMatching(/served by a running mailbridge relay/) });
    } finally {
      relayLike.close();
    }
  });

  it('warns 30 days ahead of the certificate expiry', async () => {
    const result = await relayResult({ listen: [{ port: 0, tls: 'implicit' }], tls: { certFile: 'soon.pem', keyFile: 'soon-key.pem' } });
    expect(result).toMatchObject({ status: 'warn', code: 'RELAY_TLS_INVALID', message: expect.stringMatching(/expires on .* in (9|10) days/) });
  });

  it('fails on a certificate and key that do not match, and on an unresolvable user secret', async () => {
    expect(await relayResult({ listen: [{ port: 0, tls: 'implicit' }], tls: { certFile: 'soon.pem', keyFile: 'later-key.pem' } })).toMatchObject({ status: 'fail', code: 'RELAY_TLS_INVALID' });
    expect(await relayResult({ users: [{ username: 'u', password: { env: 'MISSING_RELAY_PW' } }], listen: [{ port: 0 }] })).toMatchObject({
      status: 'fail',
      code: 'SECRET_UNRESOLVED',
      message: expect.stringMatching(/relay\.users\[0\]\.password: environment variable MISSING_RELAY_PW is not set/),
    });
  });
});
