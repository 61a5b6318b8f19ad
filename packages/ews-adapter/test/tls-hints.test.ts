import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, createRetryPolicy, type HttpClient, MailbridgeError, type MailTransport } from '@mailbridge/core';
import { createTestPki, type TestPki } from '@mailbridge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEwsTransport } from '../src/index.js';

/**
 * TLS failure hints on both EWS paths — core's HTTP client (OAuth, Basic) and the NTLM connections
 * the adapter opens itself — against loopback HTTPS servers this test starts: a certificate for
 * other names, and one signed by another CA than network.caFile's. Certificates come from the
 * openssl binary.
 */

let dir: string;
let pki: TestPki;
let wrongName = '';
let otherCa = '';
let trustedCaPem = '';

let http: HttpClient;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailbridge-ews-tls-'));
  pki = createTestPki(dir);
  pki.ca('trusted-ca');
  pki.ca('other-ca');
  trustedCaPem = readFileSync(join(dir, 'trusted-ca.pem'), 'utf8');
  wrongName = `${await pki.serve(pki.serverCertificate('wrong-name', 'trusted-ca', 'DNS:exchange.contoso.test'), '')}/EWS/Exchange.asmx`;
  otherCa = `${await pki.serve(pki.serverCertificate('other-ca-server', 'other-ca', 'IP:127.0.0.1,DNS:localhost'), '')}/EWS/Exchange.asmx`;
  http = createHttpClient({ caFile: join(dir, 'trusted-ca.pem') });
});
afterAll(async () => {
  await http?.close();
  await pki?.close();
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
