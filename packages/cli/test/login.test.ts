/**
 * `mailbridge login` / `logout` and the delegated (device-code) flow end to end: the built CLI as a
 * subprocess against the simulator over HTTPS. The code is read from the CLI's output and approved
 * through the simulator, as a person would in a browser. Then send and receive over Graph (`/me`)
 * and EWS (no impersonation) with the delegated token, through the real adapters; doctor's
 * delegated checks; silent renewal in a new process; logout; and the sign-in errors with hints.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type SeedData, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, type CliRun, runCli, tempDir } from './helpers.js';

const CONSUMERS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const HOME_TENANT = '6b5c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e';
const OTHER_TENANT = '7c6d8e9f-0a1b-4c2d-9e3f-4a5b6c7d8e9f';
/** A multi-tenant public client that also accepts personal accounts. */
const APP = '8d7e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a';
const PERSONAL = 'sam.personal@outlook.com';
const WORK = 'lee@fabrikam-login.example';

const scopes = [
  { resource: 'graph', scope: 'Mail.Send' },
  { resource: 'graph', scope: 'Mail.ReadWrite' },
  { resource: 'graph', scope: 'User.Read' },
  { resource: 'ews', scope: 'EWS.AccessAsUser.All' },
] as const;

const seed: SeedData = {
  tenants: [
    { id: CONSUMERS_TENANT, domains: ['outlook.com'], consumers: true },
    { id: HOME_TENANT, domains: ['contoso-login.example'] },
    { id: OTHER_TENANT, domains: ['fabrikam-login.example'] },
  ],
  apps: [{ clientId: APP, displayName: 'mailbridge CLI test', tenantId: HOME_TENANT, publicClient: true, multiTenant: true, allowPersonalAccounts: true, delegatedScopes: [...scopes] }],
  users: [
    { tenantId: CONSUMERS_TENANT, mail: PERSONAL, displayName: 'Sam Personal' },
    { tenantId: OTHER_TENANT, mail: WORK, displayName: 'Lee Work' },
  ],
};

let sim: Simulator;
const dir = tempDir();
/** Everything every CLI run printed: no token may ever be in it. */
const printed: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed, deviceCodeIntervalSeconds: 1 });
});
afterAll(async () => {
  await sim?.close();
  dir.cleanup();
});
beforeEach(() => {
  sim.clearFaults();
  sim.setAccessTokenLifetime(3599);
});

/** A device-code config; configs sharing `cache` share the sign-in. */
function config(options: { transport?: 'graph' | 'ews'; tenant?: string; mailbox?: string; cache: string }): string {
  return dir.write(`config-${randomUUID()}.json`, {
    transport: options.transport ?? 'graph',
    mailbox: options.mailbox ?? PERSONAL,
    auth: { flow: 'device-code', tenant: options.tenant ?? 'common', clientId: APP, tokenCache: join(dir.path, options.cache) },
    endpoints: { authorityHost: sim.authorityHost, graph: sim.graphUrl, ews: sim.ewsUrl },
    network: { caFile: sim.caFile },
  });
}

async function cli(args: string[]): Promise<CliRun> {
  const run = await runCli(args);
  printed.push(run.stdout, run.stderr);
  return run;
}

/**
 * Runs `mailbridge login` and acts on the code as soon as it is printed (stdout for humans,
 * stderr with --json): approve as `user`, decline, or send a signal.
 */
function login(configPath: string, act: { as: string; decline?: boolean } | { signal: NodeJS.Signals }, json = false): Promise<CliRun & { elapsedAfterCodeMs: number }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('MAILBRIDGE_')) env[key] = value;
    env.NO_COLOR = '1';
    const child = spawn(process.execPath, [BIN, ...(json ? ['--json'] : []), '--config', configPath, 'login'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let codeSeenAt = 0;
    const onOutput = () => {
      if (codeSeenAt !== 0) return;
      const match = /enter the code:?\s+([A-Z0-9]{8,9})\b/.exec(json ? stderr : stdout);
      if (!match) return;
      codeSeenAt = Date.now();
      const code = match[1] as string;
      if ('signal' in act) child.kill(act.signal);
      else sim.approveDeviceCode(code, act.as, { decline: act.decline === true });
    };
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      onOutput();
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      onOutput();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      printed.push(stdout, stderr);
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        elapsedAfterCodeMs: Date.now() - codeSeenAt,
        json() {
          return JSON.parse(stdout);
        },
      });
    });
  });
}

/** The secrets in a token cache file: refresh and access tokens. */
function secretsOf(cachePath: string): string[] {
  const cache = JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, Record<string, { secret?: string }>>;
  return [...Object.values(cache.RefreshToken ?? {}), ...Object.values(cache.AccessToken ?? {})].map((entry) => entry.secret ?? '').filter((s) => s.length > 20);
}

// Several CLI processes per test: generous under a loaded machine (each is ~1 s alone).
describe('mailbridge login (personal account) then Graph and EWS with the delegated token', { timeout: 120_000 }, () => {
  const cache = 'personal.cache.json';
  let graphConfig: string;
  let ewsConfig: string;
  const secrets: string[] = [];

  beforeAll(() => {
    graphConfig = config({ cache });
    ewsConfig = config({ cache, transport: 'ews' });
  });

  it('prints the URL and code, waits, and reports who signed in; the cache is 0600', async () => {
    const run = await login(graphConfig, { as: PERSONAL });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`open ${sim.url.replace(/[.]/g, '\\.')}/\\S+ in a browser and enter the code`));
    expect(run.stdout).toContain(`Signed in as ${PERSONAL}`);
    expect(run.stdout).toContain(CONSUMERS_TENANT);
    expect(run.stdout).toMatch(/Scopes granted: .*Mail\.Send/);
    const cachePath = join(dir.path, cache);
    expect(statSync(cachePath).mode & 0o777).toBe(0o600);
    secrets.push(...secretsOf(cachePath));
    expect(secrets.length).toBeGreaterThanOrEqual(2);
  });

  it('doctor passes: the cached account, the scopes granted, a silent renewal', async () => {
    const run = await cli(['--json', '--config', graphConfig, 'doctor']);
    const report = run.json();
    expect(run.code, JSON.stringify(report, null, 2)).toBe(0);
    const byId = Object.fromEntries(report.checks.map((check: { id: string }) => [check.id, check]));
    expect(byId.token).toMatchObject({ status: 'pass' });
    expect(byId.token.message).toContain(`Signed in as ${PERSONAL}`);
    expect(byId.token.message).toContain('renews silently');
    expect(byId.permissions.status).toBe('pass');
    expect(byId.permissions.message).toMatch(/Mail\.Send/);
    expect(byId['secret-expiry'].status).toBe('skip');
    expect(byId.mailbox.status).toBe('pass');
  });

  it('sends and receives over Graph with /me', async () => {
    sim.clearRequests();
    const subject = `delegated graph ${randomUUID()}`;
    const sent = await cli(['--json', '--config', graphConfig, 'send', '--to', PERSONAL, '--subject', subject, '--text', 'hello from a person']);
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    expect(sent.json()).toMatchObject({ ok: true, transport: 'graph', mailbox: PERSONAL });
    const received = await cli(['--json', '--config', graphConfig, 'receive', '--limit', '50']);
    expect(received.code, received.stderr).toBe(0);
    expect(received.json().messages.map((m: { subject: string }) => m.subject)).toContain(subject);
    const graphPaths = sim
      .requests()
      .filter((r) => r.api === 'graph')
      .map((r) => r.url);
    expect(graphPaths.length).toBeGreaterThan(0);
    expect(graphPaths.every((url) => url.startsWith('/v1.0/me/') || url.startsWith('/v1.0/me?') || url.startsWith('/v1.0/$batch'))).toBe(true);
    expect(sim.messages(PERSONAL, 'inbox').some((m) => m.subject === subject)).toBe(true);
  });

  it('sends and receives over EWS without impersonation, with the same sign-in (a silent EWS token)', async () => {
    sim.clearRequests();
    const subject = `delegated ews ${randomUUID()}`;
    const sent = await cli(['--json', '--config', ewsConfig, 'send', '--to', PERSONAL, '--subject', subject, '--text', 'hello over EWS']);
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    const received = await cli(['--json', '--config', ewsConfig, 'receive', '--limit', '50']);
    expect(received.code, received.stderr).toBe(0);
    expect(received.json().messages.map((m: { subject: string }) => m.subject)).toContain(subject);
    const ews = sim.requests().filter((r) => r.api === 'ews');
    expect(ews.length).toBeGreaterThan(0);
    // Impersonation comes with X-AnchorMailbox; a person acting on their own mailbox sends neither.
    expect(ews.every((r) => !Object.keys(r.headers).some((h) => h.toLowerCase() === 'x-anchormailbox'))).toBe(true);
    const token = await cli(['--json', '--config', ewsConfig, 'token']);
    expect(token.json().claims).toMatchObject({ aud: 'https://outlook.office365.com', tid: CONSUMERS_TENANT });
    expect(token.json().claims.scp).toContain('EWS.AccessAsUser.All');
  });

  it('a new process renews silently after the access token expired', async () => {
    sim.setAccessTokenLifetime(2);
    const forced = await cli(['--json', '--config', graphConfig, 'doctor']); // stores a 2-second token in the cache
    expect(forced.code).toBe(0);
    const before = JSON.parse(readFileSync(join(dir.path, cache), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const sent = await cli(['--json', '--config', graphConfig, 'send', '--to', PERSONAL, '--subject', `after expiry ${randomUUID()}`, '--text', 'renewed']);
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    const after = JSON.parse(readFileSync(join(dir.path, cache), 'utf8'));
    const atSecrets = (c: { AccessToken: Record<string, { secret: string }> }) =>
      Object.values(c.AccessToken)
        .map((a) => a.secret)
        .sort();
    expect(atSecrets(after)).not.toEqual(atSecrets(before));
    secrets.push(...secretsOf(join(dir.path, cache)));
  });

  it('no token ever appears in what the CLI printed', () => {
    const all = printed.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });

  it('logout removes the account and the cache file; then commands ask for `mailbridge login`', async () => {
    const out = await cli(['--json', '--config', graphConfig, 'logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.json()).toMatchObject({ ok: true, removed: [{ username: PERSONAL, tenantId: CONSUMERS_TENANT }] });
    expect(existsSync(join(dir.path, cache))).toBe(false);
    const token = await cli(['--json', '--config', graphConfig, 'token']);
    expect(token.code).toBe(1);
    expect(token.json().error).toMatchObject({ code: 'AUTH_INTERACTION_REQUIRED' });
    // The hint repeats the --config the user passed (issue 15, item 13).
    expect(token.json().error.hint).toContain(`mailbridge --config ${graphConfig} login`);
    const doctor = await cli(['--json', '--config', graphConfig, 'doctor']);
    expect(doctor.code).toBe(1);
    const check = doctor.json().checks.find((c: { id: string }) => c.id === 'token');
    expect(check).toMatchObject({ status: 'fail', code: 'AUTH_INTERACTION_REQUIRED' });
    expect(check.hint).toContain(`mailbridge --config ${graphConfig} login`);
    const again = await cli(['--config', graphConfig, 'logout']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No one was signed in');
  });
});

describe('mailbridge login --json (work account of a multi-tenant app)', { timeout: 120_000 }, () => {
  it('shows the code on stderr and prints {ok, account, scopes} on stdout', async () => {
    const path = config({ tenant: 'organizations', mailbox: WORK, cache: 'work.cache.json' });
    const run = await login(path, { as: WORK }, true);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/enter the code [A-Z0-9]{8,9}/);
    const json = run.json();
    expect(json).toMatchObject({ ok: true, account: { username: WORK, tenantId: OTHER_TENANT }, scopes: expect.arrayContaining(['Mail.Send', 'Mail.ReadWrite']) });
    expect(Object.keys(json.account).sort()).toEqual(['homeAccountId', 'tenantId', 'username']);
    expect(json.account.homeAccountId).toMatch(new RegExp(`\\.${OTHER_TENANT}$`));
    const token = await cli(['--json', '--config', path, 'token']);
    expect(token.json().claims).toMatchObject({ tid: OTHER_TENANT, appid: APP });
  });
});

describe('mailbridge login errors', { timeout: 120_000 }, () => {
  it('declined: AUTH_DECLINED with a hint, exit 1', async () => {
    const run = await login(config({ cache: 'declined.json' }), { as: PERSONAL, decline: true }, true);
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ ok: false, error: { code: 'AUTH_DECLINED', aadsts: 65004 } });
    expect(run.json().error.hint).toMatch(/`mailbridge --config \S+ login`/);
  });

  it('a personal account on "organizations": AUTH_ACCOUNT_TYPE_MISMATCH, hint consumers', async () => {
    const run = await login(config({ tenant: 'organizations', cache: 'mismatch.json' }), { as: PERSONAL });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[AUTH_ACCOUNT_TYPE_MISMATCH]');
    expect(run.stderr).toMatch(/hint .*"consumers"/);
    expect(run.stderr).toContain('AADSTS50020');
  });

  it('Ctrl-C while waiting: AUTH_DECLINED (cancelled), and the process ends promptly', async () => {
    const run = await login(config({ cache: 'cancelled.json' }), { signal: 'SIGINT' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[AUTH_DECLINED]');
    expect(run.stderr).toMatch(/cancelled/);
    expect(run.elapsedAfterCodeMs).toBeLessThan(5_000);
  });

  it('login with an app-only config is a usage error (exit 2)', async () => {
    const path = dir.write('app-only.json', { ...sim.config({ transport: 'graph' }), auth: { flow: 'client-credentials', tenant: HOME_TENANT, clientId: APP, clientSecret: { env: 'X_SECRET' } } });
    const run = await cli(['--json', '--config', path, 'login']);
    expect(run.code).toBe(2);
    expect(run.json().error.code).toBe('USAGE');
    expect(run.json().error.hint).toContain('device-code');
  });
});
