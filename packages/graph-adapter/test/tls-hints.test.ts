import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AdapterModule, createTransport, MailbridgeError, parseConfig } from '@mailbridge/core';
import { createTestPki, type TestPki } from '@mailbridge/core/testing';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Graph through core's createTransport(config): the token comes from the simulator, Graph is a
 * loopback HTTPS server this test starts with a certificate for other names, or of another CA than
 * the ones in network.caFile. Certificates come from the openssl binary.
 */

let dir: string;
let simulator: Simulator;
let pki: TestPki;
let wrongName = '';
let otherCa = '';
let caFile = '';

beforeAll(async () => {
  simulator = await startSimulator();
  dir = mkdtempSync(join(tmpdir(), 'mailbridge-graph-tls-'));
  pki = createTestPki(dir);
  pki.ca('trusted-ca');
  pki.ca('other-ca');
  // network.caFile holds both the simulator's CA (for the token) and the test's trusted CA.
  caFile = join(dir, 'ca-bundle.pem');
  writeFileSync(caFile, readFileSync(simulator.caFile, 'utf8') + readFileSync(join(dir, 'trusted-ca.pem'), 'utf8'));
  wrongName = await pki.serve(pki.serverCertificate('wrong-name', 'trusted-ca', 'DNS:graph.contoso.test'));
  otherCa = await pki.serve(pki.serverCertificate('other-ca-server', 'other-ca', 'IP:127.0.0.1,DNS:localhost'));
});
afterAll(async () => {
  await pki?.close();
  await simulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function sendFailure(graph: string): Promise<MailbridgeError> {
  const input = structuredClone(simulator.config({ transport: 'graph' })) as { endpoints: Record<string, string>; network: Record<string, unknown> };
  input.endpoints.graph = graph;
  input.network.caFile = caFile;
  const adapter = (): Promise<AdapterModule> => import('../src/index.js');
  const transport = await createTransport(parseConfig(input as never, { env: {} }), { adapters: { graph: adapter }, env: {} });
  try {
    const error = await transport.send({ to: [DEMO.secondMailbox], subject: 'tls', text: 'x' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(MailbridgeError.isInstance(error), String(error)).toBe(true);
    return error as MailbridgeError;
  } finally {
    await transport.close();
  }
}

describe('Graph TLS failures', () => {
  it('a certificate for other names: the hint names them and the URL; network.caFile does not help', async () => {
    const error = await sendFailure(wrongName);
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toContain('issued for graph.contoso.test, not for 127.0.0.1');
    expect(error.hint).toMatch(/endpoints\.graph/);
    expect(error.hint).toMatch(/network\.caFile does not help/);
    expect(error.hint).not.toMatch(/set network\.caFile/);
  });

  it('network.caFile set, a certificate of another CA: the CA in that file did not sign it', async () => {
    const error = await sendFailure(otherCa);
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toMatch(/the CA in that file did not sign this server's certificate/);
    expect(error.hint).not.toMatch(/set network\.caFile/);
  });
});
