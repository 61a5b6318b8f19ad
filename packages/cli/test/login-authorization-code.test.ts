/**
 * `mailbridge login` with auth.flow "authorization-code", end to end: the built CLI as a subprocess
 * against the simulator over HTTPS. The loopback flow is driven by a real HTTP client as the
 * `BROWSER` (it fills in the simulator's sign-in page and follows the redirect to the CLI's
 * listener), and once by headless Chromium; the paste flow (nativeclient) through a
 * pseudo-terminal. Then send and receive over Graph and EWS, silent renewal, and the errors:
 * wrong state, reused code, unregistered redirect URI. Nothing secret is ever printed.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { type SeedData, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, type CliRun, runCli, tempDir } from './helpers.js';

const BROWSER = fileURLToPath(new URL('./fixtures/http-browser.mjs', import.meta.url));
const DRIVER = fileURLToPath(new URL('./fixtures/pty-drive.py', import.meta.url));
const CONSUMERS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const HOME_TENANT = '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d';
const OTHER_TENANT = '3b4c5d6e-7f8a-4b9c-8d0e-2f3a4b5c6d7e';
/** A public client (PKCE), loopback and nativeclient registered. */
const PUBLIC_APP = '4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e8f';
/** The alerting products' registration: client id + secret, nativeclient URI, common. */
const SHEET_APP = '5d6e7f8a-9b0c-4d1e-8f2a-4b5c6d7e8f9a';
/** An app with no redirect URI registered. */
const BARE_APP = '6e7f8a9b-0c1d-4e2f-9a3b-5c6d7e8f9a0b';
const SECRET = 'sim~Sheet.Secret-Value_abcdefghijklmnop0123';
const NATIVE = 'https://login.microsoftonline.com/common/oauth2/nativeclient';
const PERSONAL = 'ari@outlook.com';
const WORK = 'noa@fabrikam-code.example';
const PASSWORD = 'Sim-Code-Passw0rd!';

const scopes = [
  { resource: 'graph', scope: 'Mail.Send' },
  { resource: 'graph', scope: 'Mail.ReadWrite' },
  { resource: 'graph', scope: 'User.Read' },
  { resource: 'ews', scope: 'EWS.AccessAsUser.All' },
] as const;
const multi = { tenantId: HOME_TENANT, multiTenant: true, allowPersonalAccounts: true, delegatedScopes: [...scopes] };

const seed: SeedData = {
  tenants: [
    { id: CONSUMERS_TENANT, domains: ['outlook.com'], consumers: true },
    { id: HOME_TENANT, domains: ['contoso-code.example'] },
    { id: OTHER_TENANT, domains: ['fabrikam-code.example'] },
  ],
  apps: [
    { clientId: PUBLIC_APP, displayName: 'mailbridge (public)', publicClient: true, redirectUris: ['http://localhost', NATIVE], ...multi },
    { clientId: SHEET_APP, displayName: 'alerting product', redirectUris: [NATIVE], secrets: [{ id: '7f8a9b0c-1d2e-4f3a-8b4c-6d7e8f9a0b1c', value: SECRET, expiresAt: '2099-01-01T00:00:00Z' }], ...multi },
    { clientId: BARE_APP, displayName: 'no redirect URIs', publicClient: true, ...multi },
  ],
  users: [
    { tenantId: CONSUMERS_TENANT, mail: PERSONAL, displayName: 'Ari Personal', password: PASSWORD },
    { tenantId: OTHER_TENANT, mail: WORK, displayName: 'Noa Work', password: PASSWORD },
  ],
};

let sim: Simulator;
const dir = tempDir();
/** Everything every CLI run printed: no code, secret or token may ever be in it. */
const printed: string[] = [];
/** Codes seen by the browser fixture, and tokens from the caches: the canaries. */
const canaries: string[] = [SECRET];

beforeAll(async () => {
  sim = await startSimulator({ seed });
});
afterAll(async () => {
  await sim?.close();
  dir.cleanup();
});
beforeEach(() => {
  sim.setAccessTokenLifetime(3599);
});

function config(options: { transport?: 'graph' | 'ews'; tenant?: string; mailbox?: string; cache: string; clientId?: string; secret?: boolean; redirectUri?: string }): string {
  return dir.write(`config-${randomUUID()}.json`, {
    transport: options.transport ?? 'graph',
    mailbox: options.mailbox ?? PERSONAL,
    auth: {
      flow: 'authorization-code',
      tenant: options.tenant ?? 'common',
      clientId: options.clientId ?? PUBLIC_APP,
      ...(options.secret ? { clientSecret: { env: 'SHEET_SECRET' } } : {}),
      ...(options.redirectUri ? { redirectUri: options.redirectUri } : {}),
      tokenCache: join(dir.path, options.cache),
    },
    endpoints: { authorityHost: sim.authorityHost, graph: sim.graphUrl, ews: sim.ewsUrl },
    network: { caFile: sim.caFile },
  });
}

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('MAILBRIDGE_') && !/PROXY/i.test(key) && key !== 'DISPLAY' && key !== 'WAYLAND_DISPLAY' && key !== 'BROWSER') env[key] = value;
  return { ...env, NO_COLOR: '1', SHEET_SECRET: SECRET, SIM_CA: sim.caFile, SIGN_IN_PASSWORD: PASSWORD, ...extra };
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const run = await runCli(args, { env: { SHEET_SECRET: SECRET, ...env } });
  printed.push(run.stdout, run.stderr);
  return run;
}

/** `mailbridge login` with the HTTP-client browser as BROWSER; `log` gets what the browser saw. */
async function loopbackLogin(configPath: string, email: string, extra: Record<string, string> = {}, json = true): Promise<CliRun & { browser: { address?: string; status?: number; body?: string } }> {
  const log = join(dir.path, `browser-${randomUUID()}.json`);
  const run = await new Promise<CliRun>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...(json ? ['--json'] : []), '--config', configPath, 'login'], {
      env: baseEnv({ BROWSER: `${process.execPath} ${BROWSER}`, SIGN_IN_EMAIL: email, LOG: log, ...extra }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) });
    });
  });
  printed.push(run.stdout, run.stderr);
  const browser = existsSync(log) ? JSON.parse(readFileSync(log, 'utf8')) : {};
  if (browser.address) {
    const code = new URL(browser.address).searchParams.get('code');
    if (code) canaries.push(code);
  }
  return { ...run, browser };
}

/** `mailbridge login --no-browser` in a pseudo-terminal; the address is "copied" by the browser fixture. */
async function pasteLogin(configPath: string, email: string, extra: Record<string, string> = {}, flags: string[] = ['--no-browser']): Promise<{ code: number; transcript: string; address?: string }> {
  const log = join(dir.path, `paste-${randomUUID()}.json`);
  const script = JSON.stringify([['Address the browser ended on', { exec: [process.execPath, BROWSER, '--paste'] }]]);
  const run = await new Promise<{ code: number; transcript: string }>((resolve, reject) => {
    const child = spawn('python3', [DRIVER, script, '--', process.execPath, BIN, '--config', configPath, 'login', ...flags], {
      env: baseEnv({ SIGN_IN_EMAIL: email, LOG: log, PTY_TIMEOUT: '60', ...extra }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, transcript: out }));
  });
  printed.push(run.transcript);
  const seen = existsSync(log) ? JSON.parse(readFileSync(log, 'utf8')) : {};
  if (seen.address) {
    const code = new URL(seen.address).searchParams.get('code');
    if (code) canaries.push(code);
  }
  return { ...run, ...(seen.address ? { address: seen.address as string } : {}) };
}

function cacheSecrets(cachePath: string): string[] {
  const cache = JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, Record<string, { secret?: string }>>;
  return [...Object.values(cache.RefreshToken ?? {}), ...Object.values(cache.AccessToken ?? {})].map((entry) => entry.secret ?? '').filter((s) => s.length > 20);
}

async function sendAndReceive(configPath: string, to: string, transport: string): Promise<void> {
  const subject = `auth code ${transport} ${randomUUID()}`;
  const sent = await cli(['--json', '--config', configPath, 'send', '--to', to, '--subject', subject, '--text', 'signed in in a browser']);
  expect(sent.code, sent.stderr + sent.stdout).toBe(0);
  expect(sent.json()).toMatchObject({ ok: true, transport });
  const received = await cli(['--json', '--config', configPath, 'receive', '--limit', '50']);
  expect(received.code, received.stderr).toBe(0);
  expect(received.json().messages.map((m: { subject: string }) => m.subject)).toContain(subject);
}

const python = await new Promise<boolean>((resolve) => {
  const child = spawn('python3', ['--version'], { stdio: 'ignore' });
  child.on('error', () => resolve(false));
  child.on('close', (code) => resolve(code === 0));
});

describe('login in a browser: loopback listener, public client, personal account on common', { timeout: 120_000 }, () => {
  const cache = 'loopback.cache.json';
  let graphConfig: string;
  let ewsConfig: string;
  beforeAll(() => {
    graphConfig = config({ cache });
    ewsConfig = config({ cache, transport: 'ews' });
  });

  it('opens the browser, receives the code on a random loopback port, keeps the sign-in 0600', async () => {
    const run = await loopbackLogin(graphConfig, PERSONAL, {}, false);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain('Sign in in the browser window that opened');
    expect(run.stdout).toContain(`Signed in as ${PERSONAL}`);
    expect(run.stdout).toContain(CONSUMERS_TENANT);
    const back = new URL(run.browser.address as string);
    expect(back.hostname).toBe('localhost');
    expect(Number(back.port)).toBeGreaterThan(0);
    expect(run.browser.status).toBe(200);
    expect(run.browser.body).toContain('You may close this window');
    // The page never echoes the code.
    expect(run.browser.body).not.toContain(back.searchParams.get('code'));
    const cachePath = join(dir.path, cache);
    expect(statSync(cachePath).mode & 0o777).toBe(0o600);
    canaries.push(...cacheSecrets(cachePath));
  });

  it('then sends and receives over Graph and EWS with that sign-in', async () => {
    await sendAndReceive(graphConfig, PERSONAL, 'graph');
    await sendAndReceive(ewsConfig, PERSONAL, 'ews');
    const token = await cli(['--json', '--config', ewsConfig, 'token']);
    expect(token.json().claims).toMatchObject({ aud: 'https://outlook.office365.com', tid: CONSUMERS_TENANT, appid: PUBLIC_APP });
  });

  it('renews silently in a new process after the access token expired', async () => {
    sim.setAccessTokenLifetime(2);
    // doctor renews (a silent refresh), which stores a 2-second token in the cache.
    expect((await cli(['--json', '--config', graphConfig, 'doctor'])).code).toBe(0);
    const before = JSON.parse(readFileSync(join(dir.path, cache), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await sendAndReceive(graphConfig, PERSONAL, 'graph');
    const after = JSON.parse(readFileSync(join(dir.path, cache), 'utf8'));
    const at = (c: { AccessToken: Record<string, { secret: string }> }) =>
      Object.values(c.AccessToken)
        .map((a) => a.secret)
        .sort();
    expect(at(after)).not.toEqual(at(before));
    canaries.push(...cacheSecrets(join(dir.path, cache)));
  });

  it('a redirect carrying another state is refused (AUTH_STATE_MISMATCH), and the browser is told', async () => {
    const run = await loopbackLogin(config({ cache: 'forged.json' }), PERSONAL, { TAMPER: 'state' });
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({ code: 'AUTH_STATE_MISMATCH' });
    expect(run.browser.status).toBe(400);
    expect(existsSync(join(dir.path, 'forged.json'))).toBe(false);
  });

  it('an app without the redirect URI: AUTH_REDIRECT_URI_MISMATCH naming exactly what to register', async () => {
    const run = await loopbackLogin(config({ cache: 'bare.json', clientId: BARE_APP }), PERSONAL);
    expect(run.code).toBe(1);
    const error = run.json().error;
    expect(error).toMatchObject({ code: 'AUTH_REDIRECT_URI_MISMATCH', aadsts: 50011 });
    expect(error.message).toContain('http://localhost (any port)');
    expect(error.hint).toContain('Add exactly http://localhost in Entra admin center > App registrations > your app > Authentication');
    // The browser was never sent to Entra's error page.
    expect(run.browser.address).toBeUndefined();
  });
});

describe('login in a browser: headless Chromium', { timeout: 120_000 }, () => {
  const chromium = '/usr/bin/chromium';
  it('signs in through the real sign-in page and the loopback listener', async (ctx) => {
    if (!existsSync(chromium)) {
      if (process.env.CI === 'true') throw new Error(`${chromium} is missing (required under CI=true)`);
      ctx.skip(`${chromium} is not installed`);
      return;
    }
    const { chromium: pw } = await import('playwright-core');
    // Trust exactly the simulator's server key (its CA is not in Chromium's store).
    const spki = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: sim.port, ca: sim.caPem, servername: 'localhost' }, () => {
        const pubkey = socket.getPeerCertificate().pubkey as Buffer;
        socket.end();
        resolve(createHash('sha256').update(pubkey).digest('base64'));
      });
      socket.on('error', reject);
    });
    const browser = await pw.launch({
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--ignore-certificate-errors-spki-list=${spki}`],
    });
    try {
      const cachePath = join(dir.path, 'chromium.json');
      const child = spawn(process.execPath, [BIN, '--config', config({ cache: 'chromium.json', mailbox: WORK }), 'login'], { env: baseEnv({ BROWSER: 'true' }), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c) => {
          stdout += c;
          const match = /https:\/\/\S+\/oauth2\/v2\.0\/authorize\?\S+/.exec(stdout);
          if (match) resolve(match[0]);
        });
        child.on('close', () => reject(new Error(`login ended: ${stdout}${stderr}`)));
      });
      const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
      const page = await browser.newPage();
      await page.goto(url);
      await page.fill('#email', WORK);
      await page.fill('#password', PASSWORD);
      await Promise.all([page.waitForURL(/^http:\/\/localhost:\d+/), page.click('#accept')]);
      expect(await page.textContent('body')).toContain('mailbridge received the sign-in');
      expect(await exited).toBe(0);
      printed.push(stdout, stderr);
      expect(stdout).toContain(`Signed in as ${WORK}`);
      canaries.push(...cacheSecrets(cachePath));
    } finally {
      await browser.close();
    }
  });
});

describe.skipIf(!python && process.env.CI !== 'true')('login --no-browser: the pasted nativeclient address (pseudo-terminal)', { timeout: 120_000 }, () => {
  const cache = 'sheet.cache.json';
  let sheetConfig: string;
  beforeAll(() => {
    // The set-up sheets' registration: client id + secret, the nativeclient URI, authority common.
    sheetConfig = config({ cache, clientId: SHEET_APP, secret: true, redirectUri: `${sim.url}/common/oauth2/nativeclient`, mailbox: WORK });
  });

  it('confidential client, work account on common: the address is pasted, not echoed; then Graph send and receive', async () => {
    const run = await pasteLogin(sheetConfig, WORK);
    expect(run.code, run.transcript).toBe(0);
    expect(run.transcript).toContain('Open this address in a browser (on any device) and sign in');
    expect(run.transcript).toContain(`Signed in as ${WORK}`);
    expect(run.transcript).toContain(OTHER_TENANT);
    expect(run.address).toMatch(/\/common\/oauth2\/nativeclient\?code=/);
    expect(run.transcript).not.toContain(run.address);
    canaries.push(...cacheSecrets(join(dir.path, cache)));
    const token = await cli(['--json', '--config', sheetConfig, 'token']);
    expect(token.json().claims).toMatchObject({ tid: OTHER_TENANT, appid: SHEET_APP });
    await sendAndReceive(sheetConfig, WORK, 'graph');
  });

  it('a public client with a loopback redirect URI also pastes with --no-browser (nativeclient)', async () => {
    const run = await pasteLogin(config({ cache: 'public-paste.json', tenant: 'consumers' }), PERSONAL, { BROWSER: 'true' });
    expect(run.code, run.transcript).toBe(0);
    expect(run.address).toContain(`${sim.url}/common/oauth2/nativeclient?`);
  });

  it("an address of an earlier sign-in: AUTH_STATE_MISMATCH; its code with this sign-in's state: AUTH_CODE_INVALID (AADSTS54005)", async () => {
    const first = await pasteLogin(sheetConfig, WORK);
    expect(first.code, first.transcript).toBe(0);
    const earlier = dir.write(`earlier-${randomUUID()}.txt`, first.address as string);
    const stale = await pasteLogin(sheetConfig, WORK, { REUSE_CODE_FROM: earlier, TAMPER: 'state' });
    expect(stale.code).toBe(1);
    expect(stale.transcript).toContain('[AUTH_STATE_MISMATCH]');
    const reused = await pasteLogin(sheetConfig, WORK, { REUSE_CODE_FROM: earlier });
    expect(reused.code).toBe(1);
    expect(reused.transcript).toContain('[AUTH_CODE_INVALID]');
    expect(reused.transcript).toContain('AADSTS54005');
  });

  it('nativeclient not registered on the app: the exact URI to add', async () => {
    // Found before the person is sent anywhere: no prompt, no pasting.
    const run = await cli(['--config', config({ cache: 'bare-paste.json', clientId: BARE_APP }), 'login', '--no-browser']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[AUTH_REDIRECT_URI_MISMATCH]');
    expect(run.stderr).toContain(`Add exactly ${sim.url}/common/oauth2/nativeclient in`);
    expect(run.stdout).not.toContain('Open this address');
  });
});

describe('canary', () => {
  it('no code, verifier, client secret or token was ever printed', () => {
    const all = printed.join('\n');
    expect(canaries.length).toBeGreaterThan(5);
    for (const canary of canaries) expect(all).not.toContain(canary);
    expect(all).not.toMatch(/code_verifier|refresh_token/);
  });
});
