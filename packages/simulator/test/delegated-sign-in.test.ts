/**
 * @mailbridge/core's delegated sign-in (auth.flow "device-code") against the simulated Entra ID
 * over HTTPS: msal-node's PublicClientApplication, the file token cache (0600, atomic, locked),
 * silent renewal, restarts, two processes renewing at once, and every sign-in error with its
 * hint. (The adapters with delegated tokens are exercised in packages/cli/test/login*.test.ts.)
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpClient, createLogger, createRetryPolicy, createTokenProvider, type DelegatedTokenProvider, type HttpClient, isDelegatedTokenProvider, type LogRecord, parseConfig } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';
import { ANY_ACCOUNT_APP, CONSUMERS_TENANT, delegatedSeed, HOME_USER, OTHER_TENANT, PERSONAL_ONLY_APP, PERSONAL_USER, tempFolder, WORK_ONLY_APP, WORK_USER } from './support/delegated-support.js';

let sim: Simulator;
const folder = tempFolder();
const clients: HttpClient[] = [];
const logs: LogRecord[] = [];
let counter = 0;

beforeAll(async () => {
  sim = await startSimulator({ seed: delegatedSeed(), deviceCodeIntervalSeconds: 1 });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await sim?.close();
  folder.cleanup();
});
beforeEach(() => {
  sim.clearFaults();
  sim.setAccessTokenLifetime(3599);
});

interface Setup {
  tenant?: string;
  clientId?: string;
  mailbox?: string;
  transport?: 'graph' | 'ews';
  tokenCache?: string;
}

function configOf(setup: Setup = {}) {
  const tokenCache = setup.tokenCache ?? join(folder.path, `cache-${++counter}.json`);
  const raw = {
    transport: setup.transport ?? 'graph',
    mailbox: setup.mailbox ?? PERSONAL_USER,
    auth: { flow: 'device-code', tenant: setup.tenant ?? 'common', clientId: setup.clientId ?? ANY_ACCOUNT_APP, tokenCache },
    endpoints: { authorityHost: sim.authorityHost, graph: sim.graphUrl, ews: sim.ewsUrl },
    network: { caFile: sim.caFile, timeoutMs: 10_000 },
  };
  return { raw, config: parseConfig(raw, { env: {} }).config, tokenCache };
}

function provider(setup: Setup = {}): { tokens: DelegatedTokenProvider; tokenCache: string; raw: Record<string, unknown> } {
  const { config, tokenCache, raw } = configOf(setup);
  const http = createHttpClient({ caFile: sim.caFile, timeoutMs: 10_000, env: {} });
  clients.push(http);
  const logger = createLogger({ level: 'debug', sink: (record) => logs.push(record) });
  const tokens = createTokenProvider(config, { http, logger, retry: createRetryPolicy({ maxAttempts: 2, baseDelayMs: 1, maxSingleDelayMs: 5 }) });
  if (!isDelegatedTokenProvider(tokens)) throw new Error('expected a delegated provider');
  return { tokens, tokenCache, raw };
}

/** Signs in, approving the code as `user` the moment it is shown (what the person does in a browser). */
function signInAs(tokens: DelegatedTokenProvider, user: string, options: { decline?: boolean } = {}) {
  return tokens.signIn({ onDeviceCode: (info) => sim.approveDeviceCode(info.userCode, user, options) });
}

const cacheJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;

// Two child processes and several sign-ins: generous timeouts for a loaded machine.
describe('device-code sign-in', { timeout: 120_000 }, () => {
  it('signs in a personal (consumers) account through "common": delegated Graph and EWS tokens, a 0600 cache', async () => {
    const { tokens, tokenCache } = provider({ tenant: 'common' });
    expect(tokens.kind).toBe('delegated');
    let shown: { userCode: string; verificationUri: string; expiresAt: Date } | undefined;
    const result = await tokens.signIn({
      onDeviceCode: (info) => {
        shown = info;
        sim.approveDeviceCode(info.userCode, PERSONAL_USER);
      },
    });
    expect(shown?.verificationUri).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    expect(shown?.userCode).toMatch(/^[A-Z0-9]{8,9}$/);
    expect(shown!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);
    expect(result.account).toMatchObject({ username: PERSONAL_USER, tenantId: CONSUMERS_TENANT });
    expect(result.account.homeAccountId).toMatch(new RegExp(`\\.${CONSUMERS_TENANT}$`));
    expect(result.scopes).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite', 'User.Read']));

    const graph = await tokens.getToken('graph');
    expect(graph.claims).toMatchObject({ aud: 'https://graph.microsoft.com', tid: CONSUMERS_TENANT, appid: ANY_ACCOUNT_APP });
    expect(graph.claims.scp?.split(' ')).toEqual(expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite', 'User.Read']));
    expect(graph.claims.roles).toBeUndefined();
    // The refresh token is multi-resource: EWS silently, without a second sign-in.
    const ews = await tokens.getToken('ews');
    expect(ews.claims).toMatchObject({ aud: 'https://outlook.office365.com', tid: CONSUMERS_TENANT });
    expect(ews.claims.scp?.split(' ')).toContain('EWS.AccessAsUser.All');

    expect(statSync(tokenCache).mode & 0o777).toBe(0o600);
    const cache = cacheJson(tokenCache);
    expect(Object.keys(cache.Account ?? {})).toHaveLength(1);
    expect(Object.keys(cache.RefreshToken ?? {})).toHaveLength(1);
    // No temp or lock file left behind.
    expect(readdirSync(folder.path).filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'))).toEqual([]);
    // Never in a log line: not the access tokens, not the refresh token.
    const logged = JSON.stringify(logs);
    const refreshToken = Object.values(cache.RefreshToken ?? {})[0]?.secret as string;
    expect(refreshToken.length).toBeGreaterThan(20);
    for (const secret of [graph.token, ews.token, refreshToken]) expect(logged).not.toContain(secret);
    expect(await tokens.account()).toMatchObject({ username: PERSONAL_USER });
  });

  it('signs in a work user of a multi-tenant app from another tenant through "organizations"', async () => {
    const { tokens } = provider({ tenant: 'organizations', mailbox: WORK_USER });
    const result = await signInAs(tokens, WORK_USER);
    expect(result.account).toMatchObject({ username: WORK_USER, tenantId: OTHER_TENANT });
    const graph = await tokens.getToken('graph');
    expect(graph.claims).toMatchObject({ tid: OTHER_TENANT, upn: WORK_USER, appid: ANY_ACCOUNT_APP });
  });

  it('an EWS config consents to EWS at sign-in (EWS.AccessAsUser.All on the Outlook resource)', async () => {
    const { tokens } = provider({ transport: 'ews' });
    const result = await signInAs(tokens, PERSONAL_USER);
    expect(result.resource).toBe('ews');
    expect(result.scopes).toContain('EWS.AccessAsUser.All');
    const ews = await tokens.getToken('ews');
    expect(ews.claims.aud).toBe('https://outlook.office365.com');
  });

  it('signs in on the consumers authority with a personal-only app', async () => {
    const { tokens } = provider({ tenant: 'consumers', clientId: PERSONAL_ONLY_APP });
    const result = await signInAs(tokens, PERSONAL_USER);
    expect(result.account.tenantId).toBe(CONSUMERS_TENANT);
    expect((await tokens.getToken('graph')).claims.tid).toBe(CONSUMERS_TENANT);
  });

  it('renews silently from the refresh token after the access token expires', async () => {
    sim.setAccessTokenLifetime(2);
    const { tokens } = provider();
    await signInAs(tokens, PERSONAL_USER);
    const first = await tokens.getToken('graph');
    expect(first.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(2_500);
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    const second = await tokens.getToken('graph');
    expect(second.token).not.toBe(first.token);
    expect(second.claims.exp).toBeGreaterThan(first.claims.exp);
    expect(second.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('a forced refresh redeems the refresh token even when the cached token is still valid', async () => {
    const { tokens } = provider();
    await signInAs(tokens, PERSONAL_USER);
    const first = await tokens.getToken('graph');
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a new iat
    const forced = await tokens.getToken('graph', { forceRefresh: true });
    expect(forced.token).not.toBe(first.token);
  });

  it('the kept sign-in survives a restart: a new provider on the same cache needs no sign-in', async () => {
    const { tokens, tokenCache } = provider({ tenant: 'organizations', mailbox: WORK_USER });
    await signInAs(tokens, WORK_USER);
    const before = await tokens.getToken('graph');
    const again = provider({ tenant: 'organizations', mailbox: WORK_USER, tokenCache }).tokens;
    expect(await again.account()).toMatchObject({ username: WORK_USER });
    const after = await again.getToken('graph');
    expect(after.claims.upn).toBe(WORK_USER);
    // The access token itself came from the file: no second token request was needed.
    expect(after.token).toBe(before.token);
    // And renewal works from the file's refresh token.
    const renewed = await again.getToken('ews');
    expect(renewed.claims.aud).toBe('https://outlook.office365.com');
  });

  it('two processes renewing at once keep the cache valid and both succeed', async () => {
    const { tokens, tokenCache, raw } = provider();
    await signInAs(tokens, PERSONAL_USER);
    const configFile = join(folder.path, `two-processes-${counter}.json`);
    writeFileSync(configFile, JSON.stringify(raw), { mode: 0o600 });
    const script = fileURLToPath(new URL('./support/delegated-renew-child.mjs', import.meta.url));
    const rounds = 12;
    const run = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [script, configFile, String(rounds)], { stdio: ['ignore', 'pipe', 'pipe'], cwd: fileURLToPath(new URL('..', import.meta.url)) });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
    const [a, b] = await Promise.all([run(), run()]);
    for (const result of [a, b]) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, renewed: rounds, distinct: rounds });
    }
    // Both children printed only counts: no token in their output.
    const cache = cacheJson(tokenCache);
    expect(Object.keys(cache.Account ?? {})).toHaveLength(1);
    expect(Object.keys(cache.RefreshToken ?? {})).toHaveLength(1);
    expect(statSync(tokenCache).mode & 0o777).toBe(0o600);
    expect(existsSync(`${tokenCache}.lock`)).toBe(false);
    expect(readdirSync(folder.path).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // The surviving refresh token still works for a third, fresh process.
    const third = provider({ tokenCache }).tokens;
    expect((await third.getToken('graph', { forceRefresh: true })).claims.tid).toBe(CONSUMERS_TENANT);
  });

  it('logout removes the account and deletes the cache file', async () => {
    const { tokens, tokenCache } = provider();
    await signInAs(tokens, PERSONAL_USER);
    expect(existsSync(tokenCache)).toBe(true);
    const removed = await tokens.signOut();
    expect(removed.map((account) => account.username)).toEqual([PERSONAL_USER]);
    expect(existsSync(tokenCache)).toBe(false);
    const error = await mailbridgeFailure(tokens.getToken('graph'));
    expect(error.code).toBe('AUTH_INTERACTION_REQUIRED');
    expect(await tokens.signOut()).toEqual([]);
  });

  // Issue 14, item 6: a symlinked cache was replaced by a file at the first write and logout removed
  // only the link, leaving the refresh token in the target while saying it was gone.
  it('a symlinked token cache: tokens are kept in its target, and logout removes them from there (and the link)', async () => {
    const target = join(folder.path, `linked-target-${++counter}.json`);
    writeFileSync(target, '', { mode: 0o600 });
    const link = join(folder.path, `linked-${counter}.json`);
    symlinkSync(target, link);
    const { tokens } = provider({ tokenCache: link });
    await signInAs(tokens, PERSONAL_USER);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const refreshToken = Object.values(cacheJson(target).RefreshToken ?? {})[0]?.secret as string | undefined;
    expect(refreshToken?.length).toBeGreaterThan(20);
    await tokens.signOut();
    expect(existsSync(target)).toBe(false);
    expect(() => lstatSync(link)).toThrow();
  });

  it('a new sign-in as someone else replaces the account in the cache', async () => {
    const { tokens, tokenCache } = provider({ mailbox: WORK_USER });
    await signInAs(tokens, PERSONAL_USER);
    await signInAs(tokens, WORK_USER);
    expect(Object.values(cacheJson(tokenCache).Account ?? {}).map((a) => a.username)).toEqual([WORK_USER]);
    expect((await tokens.getToken('graph')).claims.upn).toBe(WORK_USER);
  });
});

describe('device-code sign-in errors, each with its hint', { timeout: 60_000 }, () => {
  it('no account kept: AUTH_INTERACTION_REQUIRED, run mailbridge login', async () => {
    const { tokens } = provider();
    const error = await mailbridgeFailure(tokens.getToken('graph'));
    expect(error.code).toBe('AUTH_INTERACTION_REQUIRED');
    expect(error.hint).toContain('mailbridge login');
  });

  it('sessions revoked (or password changed): AUTH_INTERACTION_REQUIRED once the access token is due', async () => {
    const { tokens } = provider({ tenant: 'organizations', mailbox: HOME_USER });
    await signInAs(tokens, HOME_USER);
    await tokens.getToken('graph');
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // revocation covers sessions signed in before now
    sim.revokeSignIns(HOME_USER);
    const error = await mailbridgeFailure(tokens.getToken('graph', { forceRefresh: true }));
    expect(error.code).toBe('AUTH_INTERACTION_REQUIRED');
    expect(error.message).toMatch(/revoked/);
    expect(error.hint).toContain('mailbridge login');
    expect(error.details.aadsts).toBe(50173);
    expect(error.toJSON()).not.toHaveProperty('cause.accessToken');
  });

  it('refresh token unused for 90 days: AUTH_INTERACTION_REQUIRED (AADSTS700082)', async () => {
    const { tokens } = provider();
    await signInAs(tokens, PERSONAL_USER);
    sim.inject({ kind: 'clock-skew', ms: 91 * 24 * 3600_000 });
    const error = await mailbridgeFailure(tokens.getToken('graph', { forceRefresh: true }));
    expect(error.code).toBe('AUTH_INTERACTION_REQUIRED');
    expect(error.details.aadsts).toBe(700082);
    expect(error.hint).toContain('mailbridge login');
  });

  it('consent declined: AUTH_DECLINED', async () => {
    const { tokens } = provider();
    const error = await mailbridgeFailure(signInAs(tokens, PERSONAL_USER, { decline: true }));
    expect(error.code).toBe('AUTH_DECLINED');
    expect(error.details.aadsts).toBe(65004);
    expect(error.hint).toContain('mailbridge login');
  });

  it('code expired before approval: AUTH_DEVICE_CODE_EXPIRED', async () => {
    const { tokens } = provider();
    const error = await mailbridgeFailure(tokens.signIn({ onDeviceCode: () => void sim.inject({ kind: 'clock-skew', ms: 16 * 60_000 }) }));
    expect(error.code).toBe('AUTH_DEVICE_CODE_EXPIRED');
    expect(error.details.aadsts).toBe(70019);
    expect(error.hint).toContain('mailbridge login');
  });

  it('cancelled by the caller (abort signal): AUTH_DECLINED at once', async () => {
    const { tokens } = provider();
    const controller = new AbortController();
    let abortedAt = 0;
    const error = await mailbridgeFailure(
      tokens.signIn({
        signal: controller.signal,
        onDeviceCode: () =>
          setTimeout(() => {
            abortedAt = Date.now();
            controller.abort();
          }, 50),
      }),
    );
    expect(error.code).toBe('AUTH_DECLINED');
    expect(error.message).toMatch(/cancelled/);
    // At once: not at msal's next poll (a second away here, five with Entra).
    expect(Date.now() - abortedAt).toBeLessThan(300);
  });

  it('personal-only app on "organizations": AUTH_ACCOUNT_TYPE_MISMATCH (AADSTS9002331) before anyone is asked', async () => {
    const { tokens } = provider({ tenant: 'organizations', clientId: PERSONAL_ONLY_APP });
    let asked = false;
    const error = await mailbridgeFailure(tokens.signIn({ onDeviceCode: () => (asked = true) }));
    expect(asked).toBe(false);
    expect(error.code).toBe('AUTH_ACCOUNT_TYPE_MISMATCH');
    expect(error.details.aadsts).toBe(9002331);
    expect(error.hint).toContain('"consumers"');
  });

  it('work-only app on "consumers": AUTH_ACCOUNT_TYPE_MISMATCH (AADSTS9002332)', async () => {
    const { tokens } = provider({ tenant: 'consumers', clientId: WORK_ONLY_APP });
    const error = await mailbridgeFailure(tokens.signIn({ onDeviceCode: () => undefined }));
    expect(error.code).toBe('AUTH_ACCOUNT_TYPE_MISMATCH');
    expect(error.details.aadsts).toBe(9002332);
    expect(error.hint).toContain('"organizations"');
  });

  it('a personal account on "organizations": AUTH_ACCOUNT_TYPE_MISMATCH (AADSTS50020), use consumers', async () => {
    const { tokens } = provider({ tenant: 'organizations' });
    const error = await mailbridgeFailure(signInAs(tokens, PERSONAL_USER));
    expect(error.code).toBe('AUTH_ACCOUNT_TYPE_MISMATCH');
    expect(error.details.aadsts).toBe(50020);
    expect(error.hint).toContain('"consumers"');
  });

  it('a work account on "consumers": AUTH_ACCOUNT_TYPE_MISMATCH (AADSTS50034), use organizations', async () => {
    const { tokens } = provider({ tenant: 'consumers' });
    const error = await mailbridgeFailure(signInAs(tokens, WORK_USER));
    expect(error.code).toBe('AUTH_ACCOUNT_TYPE_MISMATCH');
    expect(error.details.aadsts).toBe(50034);
    expect(error.hint).toContain('"organizations"');
  });

  it('a corrupt cache file counts as signed out (no crash), and a sign-in rewrites it', async () => {
    const { tokens, tokenCache } = provider();
    writeFileSync(tokenCache, '{"Account": {', { mode: 0o600 });
    expect((await mailbridgeFailure(tokens.getToken('graph'))).code).toBe('AUTH_INTERACTION_REQUIRED');
    await signInAs(tokens, PERSONAL_USER);
    expect(Object.keys(cacheJson(tokenCache).Account ?? {})).toHaveLength(1);
    expect(logs.some((record) => /not valid JSON/.test(record.message))).toBe(true);
  });
});
