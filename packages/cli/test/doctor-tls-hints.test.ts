import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '@mailbridge/core/testing';
import { type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

/**
 * `doctor` on TLS failures: the authority (or Graph) is a loopback HTTPS server this test starts,
 * with a certificate for other names or of another CA than network.caFile's; the hint doctor shows
 * must fit the cause. Certificates come from the openssl binary.
 */

const dir = tempDir();
let simulator: Simulator;
let pki: TestPki;
let wrongName = '';
let otherCa = '';
let caFile = '';

beforeAll(async () => {
  simulator = await startSimulator();
  pki = createTestPki(dir.path);
  pki.ca('trusted-ca');
  pki.ca('other-ca');
  caFile = dir.write('ca-bundle.pem', readFileSync(simulator.caFile, 'utf8') + readFileSync(join(dir.path, 'trusted-ca.pem'), 'utf8'));
  wrongName = await pki.serve(pki.serverCertificate('wrong-name', 'trusted-ca', 'DNS:login.contoso.test'));
  otherCa = await pki.serve(pki.serverCertificate('other-ca-server', 'other-ca', 'IP:127.0.0.1,DNS:localhost'));
});
afterAll(async () => {
  await pki?.close();
  await simulator?.close();
  dir.cleanup();
});

type Check = { id: string; status: string; message: string; hint?: string; code?: string };

async function doctor(endpoints: Record<string, string>): Promise<Check[]> {
  const config = structuredClone(simulator.config({ transport: 'graph' })) as { endpoints: Record<string, string>; network: Record<string, unknown> };
  Object.assign(config.endpoints, endpoints);
  config.network.caFile = caFile;
  const file = dir.write(`config-${Object.keys(endpoints).join('-')}-${Math.random().toString(36).slice(2)}.json`, config);
  const run = await runCli(['--json', '--config', file, 'doctor']);
  return run.json<{ checks: Check[] }>().checks;
}

describe('mailbridge doctor: TLS hints', () => {
  it('the authority with a certificate for other names: names them, the URL must use one; caFile does not help', async () => {
    const checks = await doctor({ authorityHost: wrongName });
    const authority = checks.find((check) => check.id === 'authority');
    expect(authority).toMatchObject({ status: 'fail', code: 'TLS_ERROR' });
    expect(authority?.hint).toContain('issued for login.contoso.test, not for 127.0.0.1');
    expect(authority?.hint).toMatch(/network\.caFile does not help/);
    expect(authority?.hint).not.toMatch(/set network\.caFile/);
  });

  it('Graph with a certificate of another CA than network.caFile: the CA in that file did not sign it', async () => {
    const checks = await doctor({ graph: otherCa });
    const failed = checks.filter((check) => check.status === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    for (const check of failed) {
      expect(check.code, check.id).toBe('TLS_ERROR');
      expect(check.hint, check.id).toMatch(/the CA in that file did not sign this server's certificate/);
      expect(check.hint, check.id).not.toMatch(/set network\.caFile/);
    }
  });
});
