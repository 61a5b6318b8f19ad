import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenProvider } from '../src/auth/create-token-provider.js';
import { parseConfig } from '../src/config/parse-config.js';
import { certificateNames } from '../src/http/describe-tls-failure.js';
import type { HttpClient } from '../src/http/http-client.js';
import { CA_FILE_HINT, createHttpClient } from '../src/http/index.js';
import { mailbridgeFailure } from '../src/testing/index.js';
import { createTestPki, type TestPki } from '../src/testing/test-pki.js';

/**
 * The hints of TLS failures, against loopback HTTPS servers this test starts: a certificate for
 * other names (network.caFile cannot help: the URL must use one of its names) and a certificate of
 * another CA than the one in network.caFile (that CA did not sign it). Certificates are made with
 * the openssl binary, as in http-client.test.ts (core has no certificate library).
 */

let dir: string;
let pki: TestPki;
const origins: Record<'wrongName' | 'manyNames' | 'otherCa', string> = { wrongName: '', manyNames: '', otherCa: '' };
let caFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailbridge-tls-hints-'));
  pki = createTestPki(dir);
  pki.ca('trusted-ca');
  pki.ca('other-ca');
  caFile = join(dir, 'trusted-ca.pem');
  origins.wrongName = await pki.serve(pki.serverCertificate('wrong-name', 'trusted-ca', 'DNS:mail.contoso.test,DNS:autodiscover.contoso.test'), '');
  const many = Array.from({ length: 8 }, (_, index) => `DNS:host${index + 1}.contoso.test`).join(',');
  origins.manyNames = await pki.serve(pki.serverCertificate('many-names', 'trusted-ca', many), '');
  origins.otherCa = await pki.serve(pki.serverCertificate('other-ca-server', 'other-ca', 'IP:127.0.0.1,DNS:localhost'), '');
});

afterAll(async () => {
  await pki?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A caller's own HttpClient: plain fetch trusting `ca`, so core's mapping never sees the error. */
function ownClient(ca: string): HttpClient {
  const dispatcher = new Agent({ connect: { ca } });
  return {
    userAgent: 'own',
    fetch: (input, init = {}) => fetch(input, { ...init, dispatcher } as unknown as RequestInit),
    close: () => dispatcher.close(),
  };
}

describe('core HTTP client (Graph, EWS and doctor go through it)', () => {
  it('a certificate for other names: TLS_ERROR that names them and the URL, and says caFile does not help', async () => {
    const http = createHttpClient({ caFile });
    const error = await mailbridgeFailure(http.fetch(`${origins.wrongName}/v1.0/me`));
    await http.close();
    expect(error.code).toBe('TLS_ERROR');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('mail.contoso.test, autodiscover.contoso.test');
    expect(error.message).toContain('not for 127.0.0.1');
    expect(error.hint).toContain('issued for mail.contoso.test, autodiscover.contoso.test, not for 127.0.0.1');
    expect(error.hint).toMatch(/the URL must use a name the certificate is issued for/);
    expect(error.hint).toMatch(/network\.caFile does not help/);
    expect(error.hint).not.toMatch(/set network\.caFile/);
  });

  it('a certificate with many names: at most five listed, the rest counted', async () => {
    const http = createHttpClient({ caFile });
    const error = await mailbridgeFailure(http.fetch(`${origins.manyNames}/`));
    await http.close();
    expect(error.hint).toContain('host1.contoso.test, host2.contoso.test, host3.contoso.test, host4.contoso.test, host5.contoso.test and 3 more');
    expect(error.hint).not.toContain('host6');
  });

  it('network.caFile set, the certificate signed by another CA: says the CA in that file did not sign it', async () => {
    const http = createHttpClient({ caFile });
    const error = await mailbridgeFailure(http.fetch(`${origins.otherCa}/`));
    await http.close();
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toMatch(/not signed by the CA in network\.caFile/);
    expect(error.hint).toMatch(/the CA in that file did not sign this server's certificate/);
    expect(error.hint).not.toMatch(/set network\.caFile/);
  });

  it('no network.caFile, an untrusted certificate: suggests setting network.caFile', async () => {
    const http = createHttpClient({});
    const error = await mailbridgeFailure(http.fetch(`${origins.otherCa}/`));
    await http.close();
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toBe(CA_FILE_HINT);
  });
});

describe('token endpoint', () => {
  const configAt = (origin: string) =>
    parseConfig(
      { transport: 'graph', mailbox: 'alerts@contoso.com', endpoints: { authorityHost: origin }, auth: { tenant: 'contoso.onmicrosoft.com', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: 'x~value-of-a-secret' } },
      { env: {} },
    ).config;

  it('through core HTTP client: a certificate for other names gets the names hint', async () => {
    const http = createHttpClient({ caFile });
    const error = await mailbridgeFailure(createTokenProvider(configAt(origins.wrongName), { http }).getToken('graph'));
    await http.close();
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toContain('issued for mail.contoso.test, autodiscover.contoso.test');
    expect(error.hint).not.toMatch(/set network\.caFile/);
    expect(JSON.stringify({ message: error.message, hint: error.hint })).not.toContain('value-of-a-secret');
  });

  it('through core HTTP client with network.caFile: another CA gets "the CA in that file did not sign"', async () => {
    const http = createHttpClient({ caFile });
    const error = await mailbridgeFailure(createTokenProvider(configAt(origins.otherCa), { http }).getToken('graph'));
    await http.close();
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toMatch(/the CA in that file did not sign/);
  });

  it("through a caller's own HttpClient: still TLS_ERROR with the names hint", async () => {
    const http = ownClient(readFileSync(caFile, 'utf8'));
    const error = await mailbridgeFailure(createTokenProvider(configAt(origins.wrongName), { http }).getToken('graph'));
    await http.close();
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toContain('issued for mail.contoso.test, autodiscover.contoso.test, not for 127.0.0.1');
    expect(error.hint).not.toMatch(/set network\.caFile/);
  });
});

describe('certificateNames (the server chooses them: bounded and printable)', () => {
  it('keeps DNS and IP names, cuts long ones, replaces control characters, falls back to the CN', () => {
    const long = `${'a'.repeat(200)}.test`;
    expect(certificateNames({ subjectaltname: `DNS:ok.test, IP Address:10.0.0.1, URI:https://x.test, DNS:${long}, DNS:bad\u001b[31m.test` })).toEqual({
      names: ['ok.test', '10.0.0.1', `${'a'.repeat(80)}…`, 'bad?[31m.test'],
      more: 0,
    });
    expect(certificateNames({ subject: { CN: 'only-cn.test' } })).toEqual({ names: ['only-cn.test'], more: 0 });
    expect(certificateNames(undefined)).toEqual({ names: [], more: 0 });
  });
});
