/**
 * doctor for each sign-in mode, against the simulator: the redirect URI of the authorization-code
 * flow (AADSTS50011 with the exact URI to add), a certificate's notAfter, a device code blocked by
 * Conditional Access (AADSTS53003: use the browser sign-in), and texts that fit the mode
 * (EWS retirement for a person, the secret-expiry skip of Basic). Also `sandbox --federated`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAppCertificate, DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers.js';

const PUBLIC_APP = '8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a1b';
const BARE_APP = '9f0a1b2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c';
const CERT_SOON = '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d';
const CERT_EXPIRED = '1b2c3d4e-5f6a-4b7c-8d8e-9f0a1b2c3d4e';
const NATIVE = 'https://login.microsoftonline.com/common/oauth2/nativeclient';
const scopes = [
  { resource: 'graph', scope: 'Mail.Send' },
  { resource: 'graph', scope: 'Mail.ReadWrite' },
  { resource: 'graph', scope: 'User.Read' },
  { resource: 'ews', scope: 'EWS.AccessAsUser.All' },
] as const;

let sim: Simulator;
const dir = tempDir();
const soon = createAppCertificate({ notAfter: new Date(Date.now() + 10 * 86_400_000) });
const expired = createAppCertificate({ notBefore: new Date(Date.now() - 400 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });

beforeAll(async () => {
  sim = await startSimulator({ deviceCodeIntervalSeconds: 1 });
  sim.seed({
    apps: [
      { clientId: PUBLIC_APP, tenantId: DEMO.tenantId, publicClient: true, redirectUris: ['http://localhost', NATIVE], delegatedScopes: [...scopes] },
      { clientId: BARE_APP, tenantId: DEMO.tenantId, publicClient: true, delegatedScopes: [...scopes] },
      {
        clientId: CERT_SOON,
        tenantId: DEMO.tenantId,
        certificates: [soon.certificatePem],
        permissions: [
          { resource: 'graph', role: 'Mail.Send' },
          { resource: 'graph', role: 'Mail.ReadWrite' },
        ],
      },
      { clientId: CERT_EXPIRED, tenantId: DEMO.tenantId, certificates: [expired.certificatePem], permissions: [{ resource: 'graph', role: 'Mail.Send' }] },
    ],
  });
});
afterAll(async () => {
  await sim?.close();
  dir.cleanup();
});

type Check = { id: string; status: string; message: string; hint?: string; code?: string };

async function doctor(auth: Record<string, unknown>, transport: 'graph' | 'ews' = 'graph') {
  const base = sim.config({ transport }) as Record<string, unknown>;
  const file = dir.write(`config-${randomUUID()}.json`, { ...base, auth });
  const run = await runCli(['--json', '--config', file, 'doctor']);
  const checks = run.json<{ checks: Check[] }>().checks;
  return { run, file, check: (id: string) => checks.find((item) => item.id === id) };
}

describe('doctor with auth.flow "authorization-code"', { timeout: 60_000 }, () => {
  it('passes the redirect-uri check when the app lists http://localhost', async () => {
    const { check } = await doctor({ flow: 'authorization-code', tenant: DEMO.tenantId, clientId: PUBLIC_APP, tokenCache: join(dir.path, 'a.json') });
    expect(check('redirect-uri')).toMatchObject({ status: 'pass' });
    expect(check('redirect-uri')?.message).toContain('http://localhost (any port)');
    expect(check('secret-expiry')?.message).toContain('a person signs in');
  });

  it('explains AADSTS50011 with the exact URI to add in the portal', async () => {
    const { run, check } = await doctor({ flow: 'authorization-code', tenant: DEMO.tenantId, clientId: BARE_APP, redirectUri: 'http://127.0.0.1:8400/callback', tokenCache: join(dir.path, 'b.json') });
    expect(run.code).toBe(1);
    const redirect = check('redirect-uri');
    expect(redirect).toMatchObject({ status: 'fail', code: 'AUTH_REDIRECT_URI_MISMATCH' });
    expect(redirect?.hint).toContain('Add exactly http://127.0.0.1/callback in Entra admin center > App registrations > your app > Authentication > Add a platform > Mobile and desktop applications');
  });

  it('names the nativeclient URI when that is the configured one', async () => {
    const { check } = await doctor({ flow: 'authorization-code', tenant: DEMO.tenantId, clientId: BARE_APP, redirectUri: `${sim.url}/common/oauth2/nativeclient`, tokenCache: join(dir.path, 'c.json') });
    expect(check('redirect-uri')?.hint).toContain(`Add exactly ${sim.url}/common/oauth2/nativeclient in`);
  });
});

describe('doctor and certificates', { timeout: 60_000 }, () => {
  it('warns 30 days before the certificate expires (notAfter), and fails after', async () => {
    const certificate = (cert: typeof soon, name: string) => ({
      certificateFile: dir.write(`${name}.pem`, cert.certificatePem),
      privateKeyFile: dir.write(`${name}.key`, cert.privateKeyPem),
    });
    const warned = await doctor({ flow: 'client-credentials', tenant: DEMO.tenantId, clientId: CERT_SOON, certificate: certificate(soon, 'soon') });
    expect(warned.check('token')?.status).toBe('pass');
    expect(warned.check('secret-expiry')).toMatchObject({ status: 'warn' });
    expect(warned.check('secret-expiry')?.message).toMatch(/The certificate \(thumbprint [0-9A-F]{40}\) expires on \d{4}-\d{2}-\d{2}, in (9|10) days/);
    const failed = await doctor({ flow: 'client-credentials', tenant: DEMO.tenantId, clientId: CERT_EXPIRED, certificate: certificate(expired, 'expired') });
    expect(failed.check('secret-expiry')).toMatchObject({ status: 'fail', code: 'AUTH_SECRET_EXPIRED' });
    expect(failed.check('secret-expiry')?.hint).toContain('Certificates & secrets > Certificates');
  });
});

describe('doctor for a person signed in with a device code', { timeout: 120_000 }, () => {
  let graphConfig: string;
  let ewsConfig: string;
  beforeAll(async () => {
    const auth = { flow: 'device-code', tenant: DEMO.tenantId, clientId: PUBLIC_APP, tokenCache: join(dir.path, 'device.json') };
    graphConfig = dir.write('device-graph.json', { ...(sim.config({ transport: 'graph' }) as object), auth });
    // The simulator's EWS config impersonates (app-only); a person acts on their own mailbox.
    ewsConfig = dir.write('device-ews.json', { ...(sim.config({ transport: 'ews' }) as object), auth, ews: { impersonate: false } });
    // Sign in: approve the code as soon as login prints it.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, '--config', graphConfig, 'login'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const code = /enter the code:?\s+([A-Z0-9]{8,9})\b/.exec(out)?.[1];
        if (code && !out.includes('approved')) {
          out += 'approved';
          sim.approveDeviceCode(code, DEMO.mailbox);
        }
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`login exited ${code}: ${out}`))));
    });
  });

  it('EWS retirement warning tells a person to add delegated Graph permissions, not application ones', async () => {
    const run = await runCli(['--json', '--config', ewsConfig, 'doctor']);
    const mailbox = run.json<{ checks: Check[] }>().checks.find((c) => c.id === 'mailbox');
    expect(mailbox?.status, JSON.stringify(run.json(), null, 2)).toBe('warn');
    expect(mailbox?.hint).toContain('Delegated permissions');
    expect(mailbox?.hint).not.toContain('application permissions');
  });

  it('a device code blocked by Conditional Access (AADSTS53003): doctor recommends the authorization-code flow', async () => {
    sim.setConditionalAccessBlock(DEMO.mailbox, true, { flow: 'device-code' });
    try {
      const run = await runCli(['--json', '--config', graphConfig, 'doctor']);
      expect(run.code).toBe(1);
      const token = run.json<{ checks: Check[] }>().checks.find((c) => c.id === 'token');
      expect(token).toMatchObject({ status: 'fail', code: 'AUTH_CONDITIONAL_ACCESS' });
      expect(token?.message).toContain('AADSTS53003');
      expect(token?.hint).toContain('"flow": "authorization-code"');
      expect(token?.hint).toContain('http://localhost');
    } finally {
      sim.setConditionalAccessBlock(DEMO.mailbox, false, { flow: 'device-code' });
    }
  });
});

describe('doctor for Basic authentication (Exchange Server)', { timeout: 60_000 }, () => {
  it('the secret-expiry skip talks about the password, not certificates or assertions', async () => {
    const base = sim.config({ transport: 'ews' }) as Record<string, unknown>;
    const file = dir.write('basic.json', { ...base, auth: { flow: 'basic', username: DEMO.mailbox, password: { env: 'P' } } });
    const run = await runCli(['--json', '--config', file, 'doctor'], { env: { P: DEMO.userPassword } });
    const skip = run.json<{ checks: Check[] }>().checks.find((c) => c.id === 'secret-expiry');
    expect(skip?.status).toBe('skip');
    expect(skip?.message).toContain('password');
    expect(skip?.message).not.toMatch(/certificate|assertion/);
  });
});

describe('mailbridge sandbox --federated', { timeout: 60_000 }, () => {
  it('writes a config with a federated assertion file the simulator accepts', async () => {
    const configPath = join(dir.path, 'fed', 'sandbox.json');
    const child = spawn(process.execPath, [BIN, 'sandbox', '--federated', '--write-config', configPath], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('Press Ctrl+C')) resolve();
        });
        child.on('close', () => reject(new Error(`sandbox ended: ${out}`)));
      });
      const config = JSON.parse(readFileSync(configPath, 'utf8'));
      expect(config.auth.clientAssertionFile).toBe('./sandbox.assertion');
      expect(config.auth.clientSecret).toBeUndefined();
      const token = await runCli(['--json', '--config', configPath, 'token']);
      expect(token.code, token.stderr).toBe(0);
      expect(token.json().claims).toMatchObject({ appid: DEMO.clientId, tid: DEMO.tenantId });
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.on('close', resolve));
    }
  });
});
