/**
 * @mailbridge/core's token provider with certificate and federated (workload identity) credentials,
 * against the simulated Entra module over HTTPS (the harness mounts only Entra, so tests can mint
 * federated assertions as the external issuer would).
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createHttpClient, createRetryPolicy, createTokenProvider, type HttpClient, type MailbridgeConfig, parseConfig } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTOSO, type EntraFixtures, entraFixtures, FABRIKAM, FIC_SUBJECT, GOV, GOV_APP, MAILER, MULTI, SECRET } from './support/entra-fixtures.js';
import { type EntraHarness, startEntraHarness } from './support/entra-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'mailbridge-token-credentials-'));
const PASSPHRASE = 'pass~phrase.For-The-Key-0123';
let harness: EntraHarness;
let fixtures: EntraFixtures;
let http: HttpClient;

beforeAll(async () => {
  fixtures = entraFixtures();
  harness = await startEntraHarness(fixtures.seed);
  http = createHttpClient({ caPem: harness.caPem, timeoutMs: 10_000, env: {} });
});

afterAll(async () => {
  await http?.close();
  await harness?.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

function config(auth: Record<string, unknown>): MailbridgeConfig {
  return parseConfig(
    {
      transport: 'graph',
      mailbox: 'alerts@contoso.onmicrosoft.com',
      auth: { tenant: CONTOSO, clientId: MAILER, ...auth },
      endpoints: { authorityHost: harness.baseUrl, graph: harness.baseUrl },
    },
    { env: {}, baseDir: dir },
  ).config;
}

const provider = (cfg: MailbridgeConfig, env: NodeJS.ProcessEnv = {}) => createTokenProvider(cfg, { http, env, retry: createRetryPolicy({ maxAttempts: 1 }) });

describe('certificate credential', () => {
  it('signs in with a PEM certificate and an encrypted private key (passphrase from env)', async () => {
    const encrypted = createPrivateKey(fixtures.certificate.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString();
    const cfg = config({
      certificate: { certificateFile: write('cert.pem', fixtures.certificate.certPem), privateKeyFile: write('key.enc.pem', encrypted), passphrase: { env: 'MB_KEY_PASS' } },
    });
    const token = await provider(cfg, { MB_KEY_PASS: PASSPHRASE }).getToken('graph');
    expect(token.claims).toMatchObject({ aud: 'https://graph.microsoft.com', tid: CONTOSO, appid: MAILER, appidacr: '2' });
    expect(token.claims.roles).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite']));
  });

  it('accepts an unencrypted PKCS#1 key and resolves relative paths against the config folder', async () => {
    write('relative-cert.pem', fixtures.certificate.certPem);
    write('relative-key.pem', fixtures.certificate.keyPem); // "BEGIN RSA PRIVATE KEY"
    expect(fixtures.certificate.keyPem).toContain('BEGIN RSA PRIVATE KEY');
    const token = await provider(config({ certificate: { certificateFile: 'relative-cert.pem', privateKeyFile: 'relative-key.pem' } })).getToken('ews');
    expect(token.claims.aud).toBe('https://outlook.office365.com');
  });

  it('a wrong passphrase → CONFIG_INVALID at auth.certificate.passphrase, without the passphrase in it', async () => {
    const encrypted = createPrivateKey(fixtures.certificate.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString();
    const wrong = 'not~the.Passphrase-9876543210';
    const cfg = config({ certificate: { certificateFile: write('c2.pem', fixtures.certificate.certPem), privateKeyFile: write('k2.pem', encrypted), passphrase: wrong } });
    const error = await mailbridgeFailure(provider(cfg).getToken('graph'));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'auth.certificate.passphrase' } });
    expect(inspect(error, { depth: 20 })).not.toContain(wrong);
  });

  it('a key that does not match the certificate → CONFIG_INVALID before any request', async () => {
    const cfg = config({ certificate: { certificateFile: write('c3.pem', fixtures.certificate.certPem), privateKeyFile: write('k3.pem', fixtures.stranger.keyPem) } });
    const error = await mailbridgeFailure(provider(cfg).getToken('graph'));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'auth.certificate.privateKeyFile' } });
  });

  it('a certificate not registered on the app → AUTH_INVALID_ASSERTION (AADSTS700027)', async () => {
    const cfg = config({ certificate: { certificateFile: write('c4.pem', fixtures.stranger.certPem), privateKeyFile: write('k4.pem', fixtures.stranger.keyPem) } });
    const error = await mailbridgeFailure(provider(cfg).getToken('graph'));
    expect(error).toMatchObject({ code: 'AUTH_INVALID_ASSERTION', details: { aadsts: 700027 } });
    expect(error.hint).toContain('Certificates & secrets');
    // The hint fits the credential: nothing about federated token files.
    expect(error.hint).not.toContain('clientAssertionFile');
  });

  it('a missing key file → SECRET_UNRESOLVED naming the path', async () => {
    const cfg = config({ certificate: { certificateFile: write('c5.pem', fixtures.certificate.certPem), privateKeyFile: join(dir, 'nope.pem') } });
    const error = await mailbridgeFailure(provider(cfg).getToken('graph'));
    expect(error).toMatchObject({ code: 'SECRET_UNRESOLVED', details: { path: 'auth.certificate.privateKeyFile' } });
    expect(error.message).toContain('nope.pem');
  });
});

describe('federated client assertion file', () => {
  it('signs in with the assertion, and re-reads the file when it rotates', async () => {
    const file = write('federated-token', await harness.entra.issueFederatedAssertion({ subject: FIC_SUBJECT }));
    const tokens = provider(config({ clientAssertionFile: file }));
    const first = await tokens.getToken('graph');
    expect(first.claims).toMatchObject({ appid: MAILER, tid: CONTOSO });

    // The workload's token is rotated to one Entra does not accept: the next request must use it (and fail).
    writeFileSync(file, await harness.entra.issueFederatedAssertion({ subject: 'system:serviceaccount:other:app' }));
    const error = await mailbridgeFailure(tokens.getToken('graph', { forceRefresh: true }));
    expect(error.details.aadsts).toBe(700213);

    // Rotated again to a valid one: picked up without restarting.
    writeFileSync(file, await harness.entra.issueFederatedAssertion({ subject: FIC_SUBJECT }));
    const again = await tokens.getToken('graph', { forceRefresh: true });
    expect(again.claims.appid).toBe(MAILER);
  });

  it('an expired assertion → AUTH_INVALID_ASSERTION (AADSTS700024)', async () => {
    const file = write('expired-token', await harness.entra.issueFederatedAssertion({ subject: FIC_SUBJECT, lifetimeSeconds: -900 }));
    const error = await mailbridgeFailure(provider(config({ clientAssertionFile: file })).getToken('graph'));
    expect(error).toMatchObject({ code: 'AUTH_INVALID_ASSERTION', details: { aadsts: 700024 } });
  });

  it('a subject without a federated credential → AADSTS700213 translated, naming the Subject identifier', async () => {
    const file = write('other-subject', await harness.entra.issueFederatedAssertion({ subject: 'system:serviceaccount:other:app' }));
    const error = await mailbridgeFailure(provider(config({ clientAssertionFile: file })).getToken('graph'));
    expect(error).toMatchObject({ code: 'AUTH_INVALID_ASSERTION', details: { aadsts: 700213 } });
    expect(error.message).toContain('subject');
    expect(error.hint).toContain('Subject identifier');
  });

  it('an assertion not signed by its issuer → AADSTS700027 with a hint about the issuer, not about uploading a certificate', async () => {
    const valid = await harness.entra.issueFederatedAssertion({ subject: FIC_SUBJECT });
    const [header, payload] = valid.split('.');
    const forged = `${header}.${payload}.${Buffer.alloc(256, 7).toString('base64url')}`;
    const error = await mailbridgeFailure(provider(config({ clientAssertionFile: write('forged-token', forged) })).getToken('graph'));
    expect(error).toMatchObject({ code: 'AUTH_INVALID_ASSERTION', details: { aadsts: 700027 } });
    expect(error.hint).toContain('Federated credentials > Issuer');
    expect(error.hint).not.toMatch(/upload/i);
  });

  it('an empty token file → SECRET_UNRESOLVED with the projection hint, not the client secret one', async () => {
    const error = await mailbridgeFailure(provider(config({ clientAssertionFile: write('empty-token', '\n') })).getToken('graph'));
    expect(error).toMatchObject({ code: 'SECRET_UNRESOLVED', details: { path: 'auth.clientAssertionFile' } });
    expect(error.hint).toContain('projected volume');
    expect(error.hint).not.toContain('Secret ID');
  });

  it('a missing file → SECRET_UNRESOLVED at auth.clientAssertionFile', async () => {
    const error = await mailbridgeFailure(provider(config({ clientAssertionFile: join(dir, 'no-token-here') })).getToken('graph'));
    expect(error).toMatchObject({ code: 'SECRET_UNRESOLVED', details: { path: 'auth.clientAssertionFile' } });
  });
});

describe('national clouds', () => {
  it('cloud "global" against a usgov tenant → AUTH_WRONG_CLOUD naming "usgov" (AADSTS500011)', async () => {
    const cfg = parseConfig(
      { transport: 'graph', mailbox: 'alerts@agency.onmicrosoft.us', auth: { tenant: GOV, clientId: GOV_APP, clientSecret: SECRET }, endpoints: { authorityHost: harness.baseUrl, graph: harness.baseUrl } },
      { env: {}, baseDir: dir },
    ).config;
    const error = await mailbridgeFailure(provider(cfg).getToken('graph'));
    expect(error).toMatchObject({ code: 'AUTH_WRONG_CLOUD', details: { aadsts: 500011 } });
    expect(error.hint).toContain('Set "cloud" to "usgov"');
  });
});

describe('client secret from a file, and multi-tenant apps', () => {
  it('reads { file } relative to the config folder (a trailing newline is ignored)', async () => {
    write('client-secret.txt', `${SECRET}\n`);
    const token = await provider(config({ clientSecret: { file: 'client-secret.txt' } })).getToken('graph');
    expect(token.claims.appidacr).toBe('1');
  });

  it('a single-tenant app used from another tenant → AUTH_APP_NOT_FOUND; a consented multi-tenant app works there', async () => {
    const error = await mailbridgeFailure(provider(config({ tenant: FABRIKAM, clientSecret: SECRET })).getToken('graph'));
    expect(error).toMatchObject({ code: 'AUTH_APP_NOT_FOUND', details: { aadsts: 700016 } });
    const token = await provider(config({ tenant: FABRIKAM, clientId: MULTI, clientSecret: SECRET })).getToken('graph');
    expect(token.claims).toMatchObject({ tid: FABRIKAM, appid: MULTI });
  });
});
