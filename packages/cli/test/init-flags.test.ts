/**
 * `mailbridge init --transport …` (no questions), one branch at a time: the config it writes loads
 * with core's config loader and passes `mailbridge doctor` against the simulator — Graph and EWS with
 * a client secret, a certificate, a device code (after `mailbridge login`), Exchange Server
 * on-premises with NTLM and Basic. The refusals come with their reasons, and no secret is printed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@mailbridge/core';
import { createAppCertificate, DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type CliRun, runCli, tempDir } from './helpers.js';

const CERT_APP = '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f';
const future = new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10);
const certificate = createAppCertificate();
const dir = tempDir();
let cloud: Simulator;
let onPremises: Simulator;
const printed: string[] = [];

beforeAll(async () => {
  [cloud, onPremises] = await Promise.all([startSimulator({ deviceCodeIntervalSeconds: 1 }), startSimulator({ ewsMode: 'onprem' })]);
  cloud.seed({
    apps: [
      {
        clientId: CERT_APP,
        tenantId: DEMO.tenantId,
        certificates: [certificate.certificatePem],
        permissions: [
          { resource: 'graph', role: 'Mail.Send' },
          { resource: 'graph', role: 'Mail.ReadWrite' },
        ],
      },
    ],
  });
});
afterAll(async () => {
  await Promise.all([cloud?.close(), onPremises?.close()]);
  dir.cleanup();
});

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const run = await runCli(args, { cwd: dir.path, env });
  printed.push(run.stdout, run.stderr);
  return run;
}

/** `mailbridge init` with answer flags into a new file; the file's path and the run. */
async function init(flags: string[]): Promise<{ run: CliRun; file: string }> {
  const file = join(dir.path, `init-${randomUUID()}.json`);
  return { run: await cli(['init', '--output', file, ...flags]), file };
}

const cloudEndpoints = (transport: 'graph' | 'ews') => ['--authority-host', cloud.authorityHost, ...(transport === 'graph' ? ['--graph-url', cloud.graphUrl] : ['--ews-url', cloud.ewsUrl]), '--ca-file', cloud.caFile];

async function doctor(file: string, env: Record<string, string>) {
  const run = await cli(['--json', '--config', file, 'doctor'], env);
  const report = run.json<{ ok: boolean; checks: Array<{ id: string; status: string; message: string }> }>();
  return { run, report, check: (id: string) => report.checks.find((check) => check.id === id) };
}

describe('init --transport: each branch writes a config that loads and passes doctor', { timeout: 120_000 }, () => {
  it.each(['graph', 'ews'] as const)('%s, app-only with a client secret in an environment variable', async (transport) => {
    const { run, file } = await init([
      '--transport',
      transport,
      '--mailbox',
      DEMO.mailbox,
      '--tenant',
      DEMO.tenantId,
      '--client-id',
      DEMO.clientId,
      '--secret-env',
      'INIT_TEST_SECRET',
      '--secret-expires-at',
      future,
      ...cloudEndpoints(transport),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Grant admin consent');
    expect(run.stdout).toContain(transport === 'ews' ? 'full_access_as_app' : 'Mail.Send and Mail.ReadWrite');
    expect(run.stdout).toContain('Set INIT_TEST_SECRET in the environment');
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.auth).toEqual({ flow: 'client-credentials', tenant: DEMO.tenantId, clientId: DEMO.clientId, clientSecret: { env: 'INIT_TEST_SECRET' }, secretExpiresAt: future });
    // Not a secret inside: readable by the group, as configs are.
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const loaded = await loadConfig({ path: file, env: { INIT_TEST_SECRET: DEMO.clientSecret } });
    expect(loaded.config).toMatchObject({ transport, mailbox: DEMO.mailbox, auth: { flow: 'client-credentials' } });
    const { run: checked, report } = await doctor(file, { INIT_TEST_SECRET: DEMO.clientSecret });
    expect(checked.code, JSON.stringify(report, null, 2)).toBe(0);
    expect(report.ok).toBe(true);
  });

  it('graph, app-only with a certificate: shows its thumbprint, passes doctor', async () => {
    const certificateFile = dir.write('app.pem', certificate.certificatePem);
    const privateKeyFile = dir.write('app-key.pem', certificate.privateKeyPem);
    const { run, file } = await init([
      '--transport',
      'graph',
      '--mailbox',
      DEMO.mailbox,
      '--tenant',
      DEMO.tenantId,
      '--client-id',
      CERT_APP,
      '--certificate-file',
      'app.pem',
      '--private-key-file',
      privateKeyFile,
      ...cloudEndpoints('graph'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Certificate thumbprint ${certificate.thumbprint}`);
    expect(run.stdout).toContain('Upload certificate');
    const written = JSON.parse(readFileSync(file, 'utf8'));
    // A relative path given on the command line is written relative to the config file.
    expect(written.auth.certificate).toEqual({ certificateFile: './app.pem', privateKeyFile });
    expect(existsSync(certificateFile)).toBe(true);
    await loadConfig({ path: file, env: {} });
    const { run: checked, report, check } = await doctor(file, {});
    expect(checked.code, JSON.stringify(report, null, 2)).toBe(0);
    expect(check('secret-expiry')?.message).toContain('certificate');
  });

  it('device code for a person: writes the config, `login` signs in, doctor passes', async () => {
    const { run, file } = await init(['--transport', 'graph', '--flow', 'device-code', '--mailbox', DEMO.mailbox, '--tenant', DEMO.tenantId, '--client-id', DEMO.publicClientId, ...cloudEndpoints('graph')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Allow public client flows: Yes');
    expect(run.stdout).toContain(`Next: mailbridge --config`);
    expect(JSON.parse(readFileSync(file, 'utf8')).auth).toEqual({ flow: 'device-code', tenant: DEMO.tenantId, clientId: DEMO.publicClientId, tokenCache: './mailbridge.token-cache.json' });
    await loadConfig({ path: file, env: {} });
    const login = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, '--config', file, 'login'], { cwd: dir.path, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let approved = false;
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const code = /enter the code:?\s+([A-Z0-9]{8,9})\b/.exec(out)?.[1];
        if (code && !approved) {
          approved = true;
          cloud.approveDeviceCode(code, DEMO.mailbox);
        }
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(login).toBe(0);
    const { run: checked, report } = await doctor(file, {});
    expect(checked.code, JSON.stringify(report, null, 2)).toBe(0);
  });

  it('device code for an Outlook.com mailbox: the tenant is consumers', async () => {
    const { run, file } = await init(['--transport', 'graph', '--flow', 'device-code', '--mailbox', 'sam@outlook.com', '--client-id', DEMO.publicClientId]);
    expect(run.code, run.stderr).toBe(0);
    const loaded = await loadConfig({ path: file, env: {} });
    expect(loaded.config.auth).toMatchObject({ flow: 'device-code', tenant: 'consumers' });
  });

  it('authorization code with the nativeclient page: the checklist names the URI; the redirect-uri check passes', async () => {
    const redirectUri = `${cloud.url}/common/oauth2/nativeclient`;
    const { run, file } = await init([
      '--transport',
      'graph',
      '--flow',
      'authorization-code',
      '--mailbox',
      DEMO.mailbox,
      '--tenant',
      DEMO.tenantId,
      '--client-id',
      DEMO.publicClientId,
      '--redirect-uri',
      redirectUri,
      ...cloudEndpoints('graph'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`add exactly ${redirectUri}`);
    expect(run.stdout).toContain('--no-browser');
    await loadConfig({ path: file, env: {} });
    // Nobody signed in yet: the token check fails, but the app's redirect URI is right.
    const { check } = await doctor(file, {});
    expect(check('config')?.status).toBe('pass');
    expect(check('redirect-uri')?.status).toBe('pass');
  });

  it.each(['ntlm', 'basic'] as const)('Exchange Server on-premises with %s: EWS URL, account, password in an environment variable', async (flow) => {
    const { run, file } = await init(['--transport', 'ews', '--flow', flow, '--ews-url', onPremises.ewsUrl, '--ca-file', onPremises.caFile, '--mailbox', DEMO.mailbox, '--username', DEMO.mailbox, '--password-env', 'INIT_TEST_PASSWORD']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('On the Exchange Server:');
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toMatchObject({ transport: 'ews', auth: { flow, username: DEMO.mailbox, password: { env: 'INIT_TEST_PASSWORD' } }, endpoints: { ews: onPremises.ewsUrl } });
    expect(written.cloud).toBeUndefined();
    await loadConfig({ path: file, env: { INIT_TEST_PASSWORD: DEMO.userPassword } });
    const { run: checked, report } = await doctor(file, { INIT_TEST_PASSWORD: DEMO.userPassword });
    expect(checked.code, JSON.stringify(report, null, 2)).toBe(0);
    expect(onPremises.requests().some((request) => request.api === 'ews')).toBe(true);
  });

  it('writes where --config, else MAILBRIDGE_CONFIG, points (where doctor will look)', async () => {
    const flags = ['--transport', 'graph', '--mailbox', DEMO.mailbox, '--tenant', DEMO.tenantId, '--client-id', DEMO.clientId, '--secret-env', 'S'];
    const viaFlag = join(dir.path, 'via-config-flag.json');
    expect((await cli(['--config', viaFlag, 'init', ...flags])).code).toBe(0);
    expect(existsSync(viaFlag)).toBe(true);
    const viaEnv = join(dir.path, 'via-env.json');
    expect((await cli(['init', ...flags], { MAILBRIDGE_CONFIG: viaEnv })).code).toBe(0);
    expect(JSON.parse(readFileSync(viaEnv, 'utf8')).auth.clientId).toBe(DEMO.clientId);
  });

  it('--json: the path, the checklist and the variables to set', async () => {
    const file = join(dir.path, 'json.json');
    const run = await cli(['--json', 'init', '--output', file, '--transport', 'graph', '--mailbox', DEMO.mailbox, '--tenant', DEMO.domain, '--client-id', DEMO.clientId, '--secret-file', 'missing.secret']);
    expect(run.code, run.stderr).toBe(0);
    const result = run.json();
    expect(result).toMatchObject({ ok: true, config: file, auth: { flow: 'client-credentials' }, next: expect.stringContaining('doctor') });
    expect(result.checklist.join('\n')).toContain('Grant admin consent');
    // The secret file does not exist yet: said, not refused (it may be mounted where mailbridge runs).
    expect(result.notes.join('\n')).toMatch(/--secret-file: .*does not exist yet/);
    expect(JSON.parse(readFileSync(file, 'utf8')).auth.clientSecret).toEqual({ file: './missing.secret' });
  });
});

describe('init --transport refuses, with the reason', { timeout: 60_000 }, () => {
  const base = ['--transport', 'graph', '--mailbox', DEMO.mailbox, '--tenant', DEMO.tenantId];

  async function refused(flags: string[]): Promise<string> {
    const { run, file } = await init(flags);
    expect(run.code, run.stdout).toBe(2);
    expect(existsSync(file)).toBe(false);
    return run.stderr;
  }

  it('an expiry in the past, and a date that does not exist', async () => {
    expect(await refused([...base, '--client-id', DEMO.clientId, '--secret-env', 'S', '--secret-expires-at', '2024-03-01'])).toMatch(/--secret-expires-at: 2024-03-01 is in the past \(\d+ days ago\): that secret has expired/);
    expect(await refused([...base, '--client-id', DEMO.clientId, '--secret-env', 'S', '--secret-expires-at', '2027-02-30'])).toContain('"2027-02-30" is not a date');
  });

  it('a client id equal to the tenant id', async () => {
    expect(await refused([...base, '--client-id', DEMO.tenantId, '--secret-env', 'S'])).toContain('--client-id: This is the Directory (tenant) ID');
  });

  it('malformed GUIDs and app-only on common', async () => {
    const stderr = await refused(['--transport', 'graph', '--mailbox', DEMO.mailbox, '--tenant', 'common', '--client-id', '1234', '--secret-env', 'S']);
    expect(stderr).toContain('--tenant: "common" cannot be used for app-only access');
    expect(stderr).toContain('--client-id: Enter the Application (client) ID');
  });

  it('every missing flag at once', async () => {
    const stderr = await refused(['--transport', 'graph']);
    for (const flag of ['--mailbox is required', '--tenant is required', '--client-id is required', '--secret-env NAME or --secret-file PATH is required']) expect(stderr).toContain(flag);
  });

  it('Basic with Graph, and flags of another branch', async () => {
    expect(await refused(['--transport', 'graph', '--flow', 'basic', '--mailbox', DEMO.mailbox, '--ews-url', 'https://mail.contoso.com/EWS/Exchange.asmx', '--username', 'svc', '--password-env', 'P'])).toContain(
      'use --transport ews with it',
    );
    expect(await refused([...base, '--flow', 'device-code', '--client-id', DEMO.publicClientId, '--secret-env', 'S'])).toContain('--secret-env does not apply to auth.flow "device-code"');
  });

  it('a certificate whose key is another one, and an expired certificate', async () => {
    const other = createAppCertificate();
    const expired = createAppCertificate({ notBefore: new Date(Date.now() - 400 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const mismatch = await refused([...base, '--client-id', CERT_APP, '--certificate-file', dir.write('a.pem', certificate.certificatePem), '--private-key-file', dir.write('b.key', other.privateKeyPem)]);
    expect(mismatch).toContain('does not belong to the certificate');
    const old = await refused([...base, '--client-id', CERT_APP, '--certificate-file', dir.write('old.pem', expired.certificatePem), '--private-key-file', dir.write('old.key', expired.privateKeyPem)]);
    expect(old).toMatch(/the certificate expired on \d{4}-\d{2}-\d{2}/);
  });

  it('a folder that does not exist: a usage error naming the path, not INTERNAL', async () => {
    const target = join(dir.path, 'no-such-folder', 'mailbridge.json');
    const run = await cli(['--json', 'init', '--output', target, ...base, '--client-id', DEMO.clientId, '--secret-env', 'S']);
    expect(run.code).toBe(2);
    expect(run.json().error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('its folder does not exist') });
  });

  it('an existing config without --force; answer flags without --transport', async () => {
    const existing = dir.write('existing.json', '{}');
    const run = await cli(['init', '--output', existing, ...base, '--client-id', DEMO.clientId, '--secret-env', 'S']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Pass --force to replace it');
    expect(readFileSync(existing, 'utf8')).toBe('{}');
    const forced = await cli(['init', '--output', existing, '--force', ...base, '--client-id', DEMO.clientId, '--secret-env', 'S']);
    expect(forced.code, forced.stderr).toBe(0);
    const noTransport = await cli(['init', '--tenant', DEMO.tenantId]);
    expect(noTransport.code).toBe(2);
    expect(noTransport.stderr).toContain('give --transport too');
  });
});

describe('secrets', () => {
  it('no run printed a secret, a password or a private key', () => {
    const all = printed.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [DEMO.clientSecret, DEMO.userPassword, certificate.privateKeyPem.split('\n')[1] as string]) expect(all).not.toContain(secret);
  });
});
