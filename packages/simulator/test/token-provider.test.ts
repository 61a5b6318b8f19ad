/**
 * @mailbridge/core's token provider against the simulated Entra ID over HTTPS: msal-node, core's
 * HTTP client, the AADSTS mapping, caching and renewal. Lives here (not in core) because core
 * cannot depend on the simulator: the simulator depends on core.
 */
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { inspect } from 'node:util';
import { checkPermissions, createHttpClient, createLogger, createRedactor, createRetryPolicy, createTokenProvider, type HttpClient, type LogRecord, type MailbridgeConfig, parseConfig, type TokenProviderDeps } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO } from '../src/demo/demo-seed.js';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';

const GOV_TENANT = '3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d';
const GOV_APP = 'e1e2e3e4-f5f6-4a7b-8c9d-0e1f2a3b4c5d';
const EXPIRED_APP = 'f1f2f3f4-a5a6-4b7c-8d9e-0f1a2b3c4d5e';
const EXPIRED_SECRET = 'sim~Expired.Secret-0123456789abcdefghij';
const NO_CONSENT_APP = 'a9a8a7a6-b5b4-4c3d-8e2f-1a0b9c8d7e6f';
const NO_CONSENT_SECRET = 'sim~NoConsent.Secret-0123456789abcdefg';
const CONSUMERS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

let sim: Simulator;
const clients: HttpClient[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  sim.seed({
    tenants: [{ id: GOV_TENANT, domains: ['agency.onmicrosoft.us'], cloud: 'usgov' }],
    apps: [
      {
        clientId: GOV_APP,
        tenantId: GOV_TENANT,
        secrets: [{ id: '0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d', value: 'sim~Gov.Secret-0123456789abcdefghijklm', expiresAt: '2099-01-01T00:00:00Z' }],
        permissions: [{ resource: 'graph', role: 'Mail.Send' }],
      },
      { clientId: EXPIRED_APP, tenantId: DEMO.tenantId, secrets: [{ id: '1a1b1c1d-2e2f-4a3b-8c4d-5e6f7a8b9c0d', value: EXPIRED_SECRET, expiresAt: '2024-03-01T00:00:00Z' }], permissions: [{ resource: 'graph', role: 'Mail.Send' }] },
      {
        clientId: NO_CONSENT_APP,
        tenantId: DEMO.tenantId,
        secrets: [{ id: '2a2b2c2d-3e3f-4a4b-8c5d-6e7f8a9b0c1d', value: NO_CONSENT_SECRET, expiresAt: '2099-01-01T00:00:00Z' }],
        permissions: [
          { resource: 'graph', role: 'Mail.Send', adminConsent: false },
          { resource: 'graph', role: 'Mail.ReadWrite', adminConsent: false },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await sim?.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.clearRequests();
});

/** The demo config pointing at the simulator, with `auth` overrides, validated as a user's would be. */
function config(auth: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): MailbridgeConfig {
  const base = sim.config({ transport: 'graph' }) as { auth: Record<string, unknown> } & Record<string, unknown>;
  const merged = { ...base, ...extra, auth: { ...base.auth, ...auth } };
  return parseConfig(merged, { env: {} }).config;
}

/** An HTTP client that trusts the simulator's CA (closed after the suite), recording every URL it fetches. */
function http(options: { trustSimulator?: boolean } = {}): HttpClient & { urls: string[] } {
  const client = createHttpClient({ ...(options.trustSimulator === false ? {} : { caFile: sim.caFile }), timeoutMs: 10_000, env: {} });
  clients.push(client);
  const urls: string[] = [];
  return {
    urls,
    userAgent: client.userAgent,
    close: () => client.close(),
    request: (input, init) => {
      urls.push(String(input));
      return client.request(input, init);
    },
    fetch: (input, init) => {
      urls.push(String(input));
      return client.fetch(input, init);
    },
  };
}

/** Retries without real waiting, so outage tests stay fast. */
const fastRetry = (maxAttempts = 3) => createRetryPolicy({ maxAttempts, baseDelayMs: 1, maxSingleDelayMs: 5 });

function provider(cfg: MailbridgeConfig, deps: Partial<TokenProviderDeps> = {}) {
  return createTokenProvider(cfg, { http: http(), retry: fastRetry(), ...deps });
}

const tokenRequests = () => sim.requests().filter((r) => r.api === 'entra' && r.method === 'POST' && r.url.includes('/oauth2/v2.0/token'));

describe('token provider: credentials', () => {
  it('gets an app-only Graph token with the client secret, contacting only the simulator', async () => {
    const client = http();
    const tokens = createTokenProvider(config(), { http: client });
    const token = await tokens.getToken('graph');
    expect(tokens.kind).toBe('app-only');
    expect(token.claims).toMatchObject({ aud: 'https://graph.microsoft.com', tid: DEMO.tenantId, appid: DEMO.clientId });
    expect(token.claims.roles).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite']));
    expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    // One request, to the tenant's token endpoint: no instance discovery, no OpenID discovery.
    expect(client.urls.map((url) => url.split('?')[0])).toEqual([`${sim.url}/${DEMO.tenantId}/oauth2/v2.0/token`]);
    expect(sim.requests().map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([`POST /${DEMO.tenantId}/oauth2/v2.0/token`]);
    expect(sim.requests()[0]?.headers['user-agent']).toMatch(/^mailbridge\//);
  });

  it('keeps Graph and EWS tokens apart: distinct audiences, one request each', async () => {
    const tokens = provider(config());
    const [graph, ews] = await Promise.all([tokens.getToken('graph'), tokens.getToken('ews')]);
    expect(graph.claims.aud).toBe('https://graph.microsoft.com');
    expect(ews.claims.aud).toBe('https://outlook.office365.com');
    expect(ews.claims.roles).toEqual(['full_access_as_app']);
    expect(graph.token).not.toBe(ews.token);
    expect((await tokens.getToken('ews')).token).toBe(ews.token);
    expect((await tokens.getToken('graph')).token).toBe(graph.token);
    expect(tokenRequests()).toHaveLength(2);
  });

  it("sends msal-node's token request through network.proxy (an HTTP CONNECT proxy)", async () => {
    const tunnels: string[] = [];
    const sockets: Array<{ destroy(): void }> = [];
    const proxy = createHttpServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(req.url ?? '');
      sockets.push(socket);
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      sockets.push(upstream);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const client = createHttpClient({ caFile: sim.caFile, proxy: proxyUrl, env: {} });
      try {
        const token = await createTokenProvider(config(), { http: client }).getToken('graph');
        expect(token.claims.tid).toBe(DEMO.tenantId);
        expect(tunnels).toEqual([new URL(sim.url).host]);
      } finally {
        await client.close();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('works with a tenant given as a verified domain', async () => {
    const token = await provider(config({ tenant: DEMO.domain })).getToken('graph');
    expect(token.claims.tid).toBe(DEMO.tenantId);
  });

  it('takes the secret from { env } at first use, and fails clearly while it is unset', async () => {
    const env: NodeJS.ProcessEnv = {};
    const tokens = provider(config({ clientSecret: { env: 'MB_TEST_SECRET' } }), { env });
    const error = await mailbridgeFailure(tokens.getToken('graph'));
    expect(error).toMatchObject({ code: 'SECRET_UNRESOLVED', message: expect.stringContaining('MB_TEST_SECRET') });
    env.MB_TEST_SECRET = DEMO.clientSecret;
    expect((await tokens.getToken('graph')).claims.appid).toBe(DEMO.clientId);
  });
});

describe('token provider: Entra errors become coded errors with hints', () => {
  it('wrong secret → AUTH_INVALID_SECRET (AADSTS7000215) with trace and correlation ids', async () => {
    const error = await mailbridgeFailure(provider(config({ clientSecret: 'sim~Wrong.Secret-abcdefghijklmnopqrstuv' })).getToken('graph'));
    expect(error.code).toBe('AUTH_INVALID_SECRET');
    expect(error.details).toMatchObject({ aadsts: 7000215, status: 401, serviceCode: 'invalid_client' });
    expect(error.details.traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.details.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.toJSON()).toMatchObject({ aadsts: 7000215, traceId: error.details.traceId, correlationId: error.details.correlationId });
    expect(error.hint).toContain('Value');
    expect(error.retryable).toBe(false);
    expect(tokenRequests()).toHaveLength(1); // not retried
  });

  it('the secret ID pasted instead of the Value → says so', async () => {
    const error = await mailbridgeFailure(provider(config({ clientSecret: DEMO.clientSecretId })).getToken('graph'));
    expect(error.code).toBe('AUTH_INVALID_SECRET');
    expect(error.message).toContain('looks like the secret ID, not its Value');
    expect(error.hint).toContain('Value');
  });

  it('expired secret → AUTH_SECRET_EXPIRED with the configured date and how to create a new one', async () => {
    const error = await mailbridgeFailure(provider(config({ clientId: EXPIRED_APP, clientSecret: EXPIRED_SECRET, secretExpiresAt: '2024-03-01' })).getToken('graph'));
    expect(error.code).toBe('AUTH_SECRET_EXPIRED');
    expect(error.details.aadsts).toBe(7000222);
    expect(error.message).toContain('2024-03-01');
    expect(error.hint).toContain('New client secret');
  });

  it('app not in the tenant → AUTH_APP_NOT_FOUND (AADSTS700016)', async () => {
    const error = await mailbridgeFailure(provider(config({ clientId: '0f0e0d0c-0b0a-4909-8807-060504030201' })).getToken('graph'));
    expect(error).toMatchObject({ code: 'AUTH_APP_NOT_FOUND', details: { aadsts: 700016 } });
    expect(error.hint).toContain('multi-tenant');
  });

  it('unknown tenant → AUTH_TENANT_NOT_FOUND (AADSTS90002) mentioning national clouds', async () => {
    const error = await mailbridgeFailure(provider(config({ tenant: '01234567-89ab-4cde-8f01-23456789abcd' })).getToken('graph'));
    expect(error).toMatchObject({ code: 'AUTH_TENANT_NOT_FOUND', details: { aadsts: 90002 } });
    expect(error.hint).toContain('cloud');
  });

  it('tenant in another cloud → AUTH_WRONG_CLOUD (AADSTS500011) pointing at "cloud"', async () => {
    const error = await mailbridgeFailure(provider(config({ tenant: GOV_TENANT, clientId: GOV_APP, clientSecret: 'sim~Gov.Secret-0123456789abcdefghijklm' })).getToken('graph'));
    // Issue 19: the tenant exists, in another cloud; "not in tenant" sent admins the wrong way.
    expect(error).toMatchObject({ code: 'AUTH_WRONG_CLOUD', details: { aadsts: 500011 } });
    expect(error.hint).toContain('"cloud"');
  });

  it('the same tenant with "cloud": "usgov" gets a token for the US Government Graph', async () => {
    const base = config({ tenant: GOV_TENANT, clientId: GOV_APP, clientSecret: 'sim~Gov.Secret-0123456789abcdefghijklm' }, { cloud: 'usgov' });
    const token = await provider(base).getToken('graph');
    expect(token.claims.aud).toBe('https://graph.microsoft.us');
  });

  it('personal-accounts tenant → AUTH_ACCOUNT_TYPE_MISMATCH (AADSTS9001023)', async () => {
    // The schema refuses this tenant; a hand-built config reaches Entra, which refuses too.
    const handBuilt = { ...config(), auth: { ...config().auth, tenant: CONSUMERS_TENANT } } as MailbridgeConfig;
    const error = await mailbridgeFailure(provider(handBuilt).getToken('graph'));
    expect(error).toMatchObject({ code: 'AUTH_ACCOUNT_TYPE_MISMATCH', details: { aadsts: 9001023 } });
  });

  it('"common" is refused before any request: by the schema, and by the provider for hand-built configs', async () => {
    expect(() => config({ tenant: 'common' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('auth.tenant') }));
    const handBuilt = { ...config(), auth: { ...config().auth, tenant: 'organizations' } } as MailbridgeConfig;
    expect(() => provider(handBuilt)).toThrow(expect.objectContaining({ code: 'AUTH_TENANT_REQUIRED', hint: expect.stringContaining('Directory (tenant) ID') }));
    expect(sim.requests()).toHaveLength(0);
  });

  it('consent not granted → the token has no roles, and checkPermissions names them and "Grant admin consent"', async () => {
    const token = await provider(config({ clientId: NO_CONSENT_APP, clientSecret: NO_CONSENT_SECRET })).getToken('graph');
    expect(token.claims.roles).toBeUndefined();
    const check = checkPermissions(token.claims, { transport: 'graph', operations: ['send', 'read'], kind: 'app-only' });
    expect(check).toMatchObject({ ok: false, missing: ['Mail.Send', 'Mail.ReadWrite'] });
    expect(check.hint).toContain('Grant admin consent');
    expect(check.hint).toContain('*application* permission');
  });

  it('TLS without the simulator CA → TLS_ERROR naming network.caFile', async () => {
    const tokens = createTokenProvider(config(), { http: http({ trustSimulator: false }), retry: fastRetry() });
    const error = await mailbridgeFailure(tokens.getToken('graph'));
    expect(error.code).toBe('TLS_ERROR');
    expect(error.hint).toContain('network.caFile');
  });

  it('nothing listening → NETWORK_ERROR, retried then reported', async () => {
    const closed = await startSimulator({ seed: { tenants: [], apps: [], users: [] } });
    const host = closed.authorityHost;
    await closed.close();
    const tokens = createTokenProvider(config({}, { endpoints: { authorityHost: host } }), { http: http(), retry: fastRetry(2) });
    const error = await mailbridgeFailure(tokens.getToken('graph'));
    expect(error.code).toBe('NETWORK_ERROR');
  });
});

describe('token provider: secrets never leak', () => {
  it('a canary secret appears in no error, cause, log record or request log', async () => {
    const canary = 'canary~Zq8.SECRET-d41d8cd98f00b204e980';
    const records: LogRecord[] = [];
    const logger = createLogger({ level: 'debug', sink: (record) => records.push(record) });
    const redactor = createRedactor();
    const tokens = provider(config({ clientSecret: canary }), { logger, redactor });
    const error = await mailbridgeFailure(tokens.getToken('graph'));
    expect(error.code).toBe('AUTH_INVALID_SECRET');
    const everything = [
      error.message,
      error.hint,
      JSON.stringify(error.toJSON()),
      JSON.stringify(error.details),
      inspect(error, { depth: 20 }),
      String(error.stack),
      JSON.stringify(records),
      JSON.stringify(sim.requests()),
      redactor.redact(`echo ${canary}`),
    ].join('\n');
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain(encodeURIComponent(canary));
    // And it was registered: the redactor of the provider removes it anywhere.
    expect(redactor.redact(`x ${canary} y`)).toBe('x [REDACTED] y');
  });
});

describe('token provider: caching and renewal', () => {
  it('1,000 concurrent getToken calls make exactly one token request', async () => {
    const tokens = provider(config());
    const results = await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken('graph')));
    expect(new Set(results.map((r) => r.token)).size).toBe(1);
    expect(tokenRequests()).toHaveLength(1);
    await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken('graph')));
    expect(tokenRequests()).toHaveLength(1);
  });

  it('renews ahead of expiry on a controllable clock, serving the old token meanwhile', async () => {
    let now = Date.now();
    const tokens = provider(config(), { now: () => now });
    const first = await tokens.getToken('graph');
    const lifetime = first.expiresAt.getTime() - now;
    expect(lifetime).toBeGreaterThan(3500_000);

    now += lifetime - 6 * 60_000; // 6 minutes left: still cached
    expect((await tokens.getToken('graph')).token).toBe(first.token);
    expect(tokenRequests()).toHaveLength(1);

    now += 2 * 60_000; // 4 minutes left: renewal window
    expect((await tokens.getToken('graph')).token).toBe(first.token);
    await vi.waitFor(async () => expect((await tokens.getToken('graph')).token).not.toBe(first.token));
    expect(tokenRequests()).toHaveLength(2);
  });

  it('after expiry (no call during the renewal window) callers wait for a new token', async () => {
    let now = Date.now();
    const tokens = provider(config(), { now: () => now });
    const first = await tokens.getToken('graph');
    now = first.expiresAt.getTime() + 1;
    const [a, b] = await Promise.all([tokens.getToken('graph'), tokens.getToken('graph')]);
    expect(a.token).not.toBe(first.token);
    expect(b.token).toBe(a.token);
    expect(a.expiresAt.getTime()).toBeGreaterThan(now);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('a failed renewal keeps the still-valid token and retries with back-off', async () => {
    let now = Date.now();
    const tokens = provider(config(), { now: () => now });
    const first = await tokens.getToken('graph');
    const stop = sim.inject({ kind: 'token-outage' });
    now = first.expiresAt.getTime() - 4 * 60_000;

    expect((await tokens.getToken('graph')).token).toBe(first.token);
    await vi.waitFor(() => expect(tokenRequests().filter((r) => r.status === 503)).toHaveLength(1));
    // Still the old token; no new attempt within the back-off (5 s after the first failure).
    now += 4_000;
    expect((await tokens.getToken('graph')).token).toBe(first.token);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tokenRequests()).toHaveLength(2);

    stop(); // Entra is back
    now += 2_000;
    expect((await tokens.getToken('graph')).token).toBe(first.token);
    await vi.waitFor(async () => expect((await tokens.getToken('graph')).token).not.toBe(first.token));
    expect(tokenRequests().map((r) => r.status)).toEqual([200, 503, 200]);
  });

  it('a token outage with no token yet is retried by the retry policy', async () => {
    sim.inject({ kind: 'token-outage', count: 2 });
    const token = await provider(config(), { retry: fastRetry(3) }).getToken('graph');
    expect(token.claims.aud).toBe('https://graph.microsoft.com');
    expect(tokenRequests().map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('a lasting outage ends in SERVICE_UNAVAILABLE, and the next call tries again', async () => {
    const stop = sim.inject({ kind: 'token-outage' });
    const tokens = provider(config(), { retry: fastRetry(2) });
    const error = await mailbridgeFailure(tokens.getToken('graph'));
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(tokenRequests()).toHaveLength(2);
    stop();
    expect((await tokens.getToken('graph')).claims.tid).toBe(DEMO.tenantId);
  });

  it('forceRefresh fetches a new token', async () => {
    const tokens = provider(config());
    await tokens.getToken('graph');
    await tokens.getToken('graph', { forceRefresh: true });
    expect(tokenRequests()).toHaveLength(2);
  });
});
