/**
 * Issue 14, item 1: a token endpoint that answers 307 with a Location on another host must not get
 * the credential re-sent there. The `hostile` `redirect` fault points at a second listener that
 * records whatever reaches it; for every credential-bearing token path of @mailbridge/core (client
 * secret, certificate assertion, client assertion file, device code, refresh token) nothing may
 * reach it, and the error is REDIRECT_REFUSED naming the host the redirect pointed to.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, createRetryPolicy, createTokenProvider, type HttpClient, isDelegatedTokenProvider, type MailbridgeConfig, type MailbridgeError, parseConfig } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../src/demo/demo-seed.js';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';
import { makeCertificate } from './support/entra-harness.js';

const TOKEN_PATH = '/oauth2/v2.0/token';
const dir = mkdtempSync(join(tmpdir(), 'mailbridge-redirect-'));
let sim: Simulator;
let http: HttpClient;

beforeAll(async () => {
  sim = await startSimulator({ deviceCodeIntervalSeconds: 1 });
  http = createHttpClient({ caFile: sim.caFile, timeoutMs: 10_000, env: {} });
});
afterAll(async () => {
  await http?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sim.clearFaults();
  sim.clearCaughtRedirects();
});

function config(auth: Record<string, unknown>): MailbridgeConfig {
  const base = sim.config({ transport: 'graph' }) as { auth: Record<string, unknown> } & Record<string, unknown>;
  const { clientSecret: _secret, secretExpiresAt: _expiry, ...rest } = base.auth;
  return parseConfig({ ...base, auth: { ...rest, ...auth } }, { env: {}, baseDir: dir }).config;
}

const provider = (cfg: MailbridgeConfig) => createTokenProvider(cfg, { http, env: {}, retry: createRetryPolicy({ maxAttempts: 2, baseDelayMs: 1, maxSingleDelayMs: 5 }) });

/** A raw HTTPS POST (no client library, no redirect handling). */
function post(url: string, body: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca: sim.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The token endpoint redirects (307 and 308 keep method and body: the credential would go along). */
function redirectTokenEndpoint(status: 307 | 308 = 307): void {
  sim.inject({ kind: 'hostile', api: 'entra', pathIncludes: TOKEN_PATH, count: 10, body: 'redirect', status });
}

/** Nothing reached the other host, and the error says where the redirect pointed. */
function expectRefused(error: MailbridgeError, canaries: string[]): void {
  expect(sim.caughtRedirects()).toEqual([]);
  expect(error.code).toBe('REDIRECT_REFUSED');
  expect(error.details.redirectHost).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(error.details.redirectHost).not.toBe(`127.0.0.1:${sim.port}`);
  expect(error.message).toContain(String(error.details.redirectHost));
  const shown = JSON.stringify({ message: error.message, hint: error.hint, details: error.details });
  for (const canary of canaries) expect(shown).not.toContain(canary);
}

describe('a redirecting token endpoint gets no credential re-sent (REDIRECT_REFUSED)', () => {
  it('the fault works: a client that follows the redirect hands the secret to the second listener', async () => {
    redirectTokenEndpoint();
    const body = new URLSearchParams({ client_secret: DEMO.clientSecret }).toString();
    const first = await post(`${sim.url}/${DEMO.tenantId}${TOKEN_PATH}`, body);
    expect(first.status).toBe(307);
    // What fetch with its default `redirect: 'follow'` does: the same POST to Location.
    const second = await post(new URL(first.location!, sim.url).href, body);
    expect(second.status).toBe(200);
    expect(sim.caughtRedirects()).toEqual([expect.objectContaining({ method: 'POST', path: `/${DEMO.tenantId}${TOKEN_PATH}`, body })]);
  });

  it.each([307, 308] as const)('client secret (%i)', async (status) => {
    redirectTokenEndpoint(status);
    const error = await mailbridgeFailure(provider(config({ clientSecret: DEMO.clientSecret })).getToken('graph'));
    expectRefused(error, [DEMO.clientSecret]);
  });

  it('certificate (signed client assertion)', async () => {
    const cert = makeCertificate({ commonName: 'mailbridge redirect test' });
    const certificateFile = join(dir, 'cert.pem');
    const privateKeyFile = join(dir, 'key.pem');
    writeFileSync(certificateFile, cert.certPem);
    writeFileSync(privateKeyFile, cert.keyPem, { mode: 0o600 });
    redirectTokenEndpoint();
    const error = await mailbridgeFailure(provider(config({ certificate: { certificateFile, privateKeyFile } })).getToken('graph'));
    expectRefused(error, []);
  });

  it('client assertion file (workload identity)', async () => {
    const assertion = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYW5hcnktYXNzZXJ0aW9uIn0.c2lnbmF0dXJlLWNhbmFyeQ';
    const clientAssertionFile = join(dir, 'federated-token');
    writeFileSync(clientAssertionFile, assertion, { mode: 0o600 });
    redirectTokenEndpoint();
    const error = await mailbridgeFailure(provider(config({ clientAssertionFile })).getToken('graph'));
    expectRefused(error, [assertion]);
  });

  it('device code (the polling token request)', async () => {
    const tokenCache = join(dir, 'device-cache.json');
    const tokens = provider(config({ flow: 'device-code', tenant: DEMO.tenantId, clientId: DEMO.publicClientId, tokenCache }));
    if (!isDelegatedTokenProvider(tokens)) throw new Error('expected a delegated provider');
    redirectTokenEndpoint();
    let deviceCode = '';
    const error = await mailbridgeFailure(
      tokens.signIn({
        onDeviceCode: (info) => {
          deviceCode = info.userCode;
          sim.approveDeviceCode(info.userCode, DEMO.mailbox);
        },
      }),
    );
    expect(deviceCode).not.toBe('');
    expectRefused(error, []);
  });

  it('refresh token (silent renewal of a kept sign-in)', async () => {
    const tokenCache = join(dir, 'refresh-cache.json');
    const tokens = provider(config({ flow: 'device-code', tenant: DEMO.tenantId, clientId: DEMO.publicClientId, tokenCache }));
    if (!isDelegatedTokenProvider(tokens)) throw new Error('expected a delegated provider');
    await tokens.signIn({ onDeviceCode: (info) => sim.approveDeviceCode(info.userCode, DEMO.mailbox) });
    redirectTokenEndpoint();
    const error = await mailbridgeFailure(tokens.getToken('graph', { forceRefresh: true }));
    expectRefused(error, []);
  });
});
