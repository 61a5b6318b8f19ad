import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, createRetryPolicy, type HttpClient, MailbridgeError, type MailTransport } from '@mailbridge/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEwsTransport } from '../src/index.js';

/**
 * TLS failure hints on both EWS paths — core's HTTP client (OAuth, Basic) and the NTLM connections
 * the adapter opens itself — against loopback HTTPS servers this test starts: a certificate for
 * other names, and one signed by another CA than network.caFile's. Certificates come from the
 * openssl binary.
 */

let dir: string;
const servers: Server[] = [];
let wrongName = '';
let otherCa = '';
let trustedCaPem = '';

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
  const server = createServer(credentials, (_req, res) => res.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
}

let http: HttpClient;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailbridge-ews-tls-'));
  makeCa('trusted-ca');
  makeCa('other-ca');
  trustedCaPem = readFileSync(join(dir, 'trusted-ca.pem'), 'utf8');
  wrongName = await serve(makeServerCert('wrong-name', 'trusted-ca', 'DNS:exchange.contoso.test'));
  otherCa = await serve(makeServerCert('other-ca-server', 'other-ca', 'IP:127.0.0.1,DNS:localhost'));
  http = createHttpClient({ caFile: join(dir, 'trusted-ca.pem') });
});
afterAll(async () => {
  await http?.close();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function sendFailure(transport: MailTransport): Promise<MailbridgeError> {
  const error = await transport.send({ to: ['ops@contoso.test'], subject: 'x', text: 'x' }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  await transport.close();
  expect(MailbridgeError.isInstance(error), String(error)).toBe(true);
  return error as MailbridgeError;
}

const retry = createRetryPolicy({ maxAttempts: 1 });
const basic = (url: string) => createEwsTransport({ url, mailbox: 'alerts@contoso.test', authentication: { kind: 'basic', username: 'svc', password: 'pw' }, http, retry });
const ntlm = (url: string, caPem?: string) => createEwsTransport({ url, mailbox: 'alerts@contoso.test', authentication: { kind: 'ntlm', username: 'svc', password: 'pw' }, http, retry, ...(caPem ? { ntlmCaPem: caPem } : {}) });

describe('EWS TLS failures', () => {
  it.each([
    ['core HTTP client (Basic)', () => basic(wrongName)],
    ['NTLM connections', () => ntlm(wrongName, trustedCaPem)],
  ])('%s, a certificate for other names: names them and the URL; caFile does not help', async (_label, make) => {
    const error = await sendFailure(make());
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toContain('issued for exchange.contoso.test, not for 127.0.0.1');
    expect(error.hint).toMatch(/endpoints\.ews/);
    expect(error.hint).toMatch(/network\.caFile does not help/);
    expect(error.hint).not.toMatch(/set network\.caFile/);
  });

  it.each([
    ['core HTTP client (Basic)', () => basic(otherCa)],
    ['NTLM connections', () => ntlm(otherCa, trustedCaPem)],
  ])('%s with network.caFile, a certificate of another CA: the CA in that file did not sign it', async (_label, make) => {
    const error = await sendFailure(make());
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toMatch(/the CA in that file did not sign this server's certificate/);
    expect(error.hint).not.toMatch(/set network\.caFile/);
  });

  it('NTLM without network.caFile, an untrusted certificate: suggests network.caFile', async () => {
    const error = await sendFailure(ntlm(otherCa));
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toMatch(/set network\.caFile/);
  });
});
