import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AdapterModule, createTransport, MailbridgeError, parseConfig } from '@mailbridge/core';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Graph through core's createTransport(config): the token comes from the simulator, Graph is a
 * loopback HTTPS server this test starts with a certificate for other names, or of another CA than
 * the ones in network.caFile. Certificates come from the openssl binary.
 */

let dir: string;
let simulator: Simulator;
const servers: Server[] = [];
let wrongName = '';
let otherCa = '';
let caFile = '';

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
function makeCa(name: string): void {
  openssl(['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=mailbridge ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}
function makeServerCert(name: string, ca: string, altNames: string): { key: string; cert: string } {
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.cnf`), `subjectAltName=${altNames}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.cnf`]);
  return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') };
}
async function serve(credentials: { key: string; cert: string }): Promise<string> {
  const server = createServer(credentials, (_req, res) => res.end('{}'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  simulator = await startSimulator();
  dir = mkdtempSync(join(tmpdir(), 'mailbridge-graph-tls-'));
  makeCa('trusted-ca');
  makeCa('other-ca');
  // network.caFile holds both the simulator's CA (for the token) and the test's trusted CA.
  caFile = join(dir, 'ca-bundle.pem');
  writeFileSync(caFile, readFileSync(simulator.caFile, 'utf8') + readFileSync(join(dir, 'trusted-ca.pem'), 'utf8'));
  wrongName = await serve(makeServerCert('wrong-name', 'trusted-ca', 'DNS:graph.contoso.test'));
  otherCa = await serve(makeServerCert('other-ca-server', 'other-ca', 'IP:127.0.0.1,DNS:localhost'));
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
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
