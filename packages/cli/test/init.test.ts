import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createAppCertificate, DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from './helpers.js';
import { DOWN, driveInTerminal, ENTER } from './support/drive-terminal.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

const erase = (count: number) => '\u007f'.repeat(count);
const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';
const SECRET = 'Xy7~abcDEF.ghijKLMNopqrSTUVwxyz0123456789';

/** Types the script into `mailbridge ...args` in a pseudo-terminal (cwd: the temp folder). */
const drive = (script: Array<[string, string]>, args: string[], env: Record<string, string> = {}) => driveInTerminal(script, args, { cwd: dir.path, env: { ...process.env, NO_COLOR: '1', ...env }, timeoutSeconds: 90 });

let sim: Simulator;
let onPremises: Simulator;
const CERT_APP = '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a';
const certificate = createAppCertificate();
beforeAll(async () => {
  [sim, onPremises] = await Promise.all([startSimulator(), startSimulator({ ewsMode: 'onprem' })]);
  sim.seed({
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
  await Promise.all([sim?.close(), onPremises?.close()]);
});

describe('mailbridge init in a terminal', { timeout: 150_000 }, () => {
  it('prints the checklist first, validates each answer as typed, writes the config and a 0600 secret file', async () => {
    const { code, out } = await drive(
      [
        ['Transport', ENTER], // Microsoft Graph
        ['How does mailbridge sign in', ENTER], // client secret
        ['Grant admin consent', ''], // the checklist comes before the questions
        ['Mailbox', `nope${ENTER}`],
        ['Enter an e-mail address', `${erase(4)}alerts@contoso.com${ENTER}`],
        ['Cloud', ENTER], // Global
        ['Directory \\(tenant\\) ID', `common${ENTER}`],
        ['cannot be used for app-only', `${erase(6)}${TENANT}${ENTER}`],
        ['Application \\(client\\) ID', `not-a-guid${ENTER}`],
        ['a GUID', `${erase(10)}${TENANT}${ENTER}`], // the tenant id again: refused
        ['This is the Directory \\(tenant\\) ID', `${erase(TENANT.length)}${CLIENT}${ENTER}`],
        ['Where does the client secret live', `${DOWN}${ENTER}`], // a file
        ['Client secret Value', `${CLIENT}${ENTER}`], // a GUID: the secret ID, refused
        ['looks like the secret ID', `${erase(CLIENT.length)}${SECRET}${ENTER}`],
        ['Secret file path', ENTER],
        ['When does the secret expire', `2024-01-31${ENTER}`],
        ['is in the past', `${erase(10)}2099-06-01${ENTER}`],
        ['Run `mailbridge --config \\S+ doctor` now', `maybe${ENTER}`], // neither yes nor no: asked again
        ['Answer y \\(yes\\) or n \\(no\\)', `${erase(5)}n${ENTER}`],
      ],
      ['init', '--output', join(dir.path, 'mailbridge.json')],
    );
    expect(code, out).toBe(0);
    expect(out.indexOf('Grant admin consent')).toBeLessThan(out.indexOf('Mailbox to send from'));
    const config = JSON.parse(readFileSync(join(dir.path, 'mailbridge.json'), 'utf8'));
    expect(config).toMatchObject({
      transport: 'graph',
      mailbox: 'alerts@contoso.com',
      cloud: 'global',
      auth: { flow: 'client-credentials', tenant: TENANT, clientId: CLIENT, clientSecret: { file: './mailbridge.secret' }, secretExpiresAt: '2099-06-01' },
    });
    const secretFile = join(dir.path, 'mailbridge.secret');
    expect(readFileSync(secretFile, 'utf8').trim()).toBe(SECRET);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(out).toMatch(/Mail\.Send and Mail\.ReadWrite/);
    // The secret was typed into a masked prompt: the terminal never shows it.
    expect(out).not.toContain(SECRET);
  });

  it('the browser sign-in branch: explains the redirect URI, writes an authorization-code config', async () => {
    const { code, out } = await drive(
      [
        ['Transport', ENTER],
        ['How does mailbridge sign in', `${DOWN}${DOWN}${ENTER}`], // in a browser
        ['Mailbox', `sam@outlook.com${ENTER}`],
        ['Cloud', ENTER],
        ['Tenant', ENTER], // consumers, proposed for an outlook.com mailbox
        ['Application \\(client\\) ID', `${CLIENT}${ENTER}`],
        ['Redirect URI', `${DOWN}${ENTER}`], // nativeclient
        ['client secret', `y${ENTER}`],
        ['Where does the client secret live', ENTER], // env
        ['Environment variable name', ENTER],
        ['When does the secret expire', `2099-06-01${ENTER}`],
      ],
      ['init', '--output', join(dir.path, 'browser.json')],
    );
    expect(code, out).toBe(0);
    const config = JSON.parse(readFileSync(join(dir.path, 'browser.json'), 'utf8'));
    expect(config.auth).toEqual({
      flow: 'authorization-code',
      tenant: 'consumers',
      clientId: CLIENT,
      clientSecret: { env: 'MAILBRIDGE_CLIENT_SECRET' },
      secretExpiresAt: '2099-06-01',
      redirectUri: 'https://login.microsoftonline.com/common/oauth2/nativeclient',
      tokenCache: './mailbridge.token-cache.json',
    });
    expect(out).toContain('The redirect URI is where Entra sends the browser');
    expect(out).toContain('add exactly https://login.microsoftonline.com/common/oauth2/nativeclient');
    expect(out).toContain('mailbridge --config');
    expect(out).toContain('login');
  });

  it('the device-code branch for Outlook.com: tenant consumers, the public-client checklist', async () => {
    const { code, out } = await drive(
      [
        ['Transport', ENTER],
        ['How does mailbridge sign in', `${DOWN}${DOWN}${DOWN}${ENTER}`], // device code
        ['Allow public client flows: Yes', ''],
        ['Mailbox', `sam@hotmail.com${ENTER}`],
        ['Cloud', ENTER],
        ['Tenant', ENTER],
        ['Application \\(client\\) ID', `${CLIENT}${ENTER}`],
      ],
      ['init', '--output', join(dir.path, 'device.json')],
    );
    expect(code, out).toBe(0);
    expect(JSON.parse(readFileSync(join(dir.path, 'device.json'), 'utf8')).auth).toEqual({ flow: 'device-code', tenant: 'consumers', clientId: CLIENT, tokenCache: './mailbridge.token-cache.json' });
  });

  it('a certificate: checked against its key, thumbprint shown; doctor then passes against the simulator', async () => {
    dir.write('cert.pem', certificate.certificatePem);
    dir.write('cert.key', certificate.privateKeyPem);
    dir.write('other.key', createAppCertificate().privateKeyPem);
    const { code, out } = await drive(
      [
        ['Transport', ENTER],
        ['How does mailbridge sign in', `${DOWN}${ENTER}`], // certificate
        ['Upload certificate', ''],
        ['Mailbox', `${DEMO.mailbox}${ENTER}`],
        ['Cloud', ENTER],
        ['Directory \\(tenant\\) ID', `${DEMO.tenantId}${ENTER}`],
        ['Application \\(client\\) ID', `${CERT_APP}${ENTER}`],
        ['Certificate file', `cert.pem${ENTER}`],
        ['Private key file', `other.key${ENTER}`],
        ['encrypted', `${ENTER}`],
        ['does not belong to the certificate', ''],
        ['Certificate file', `cert.pem${ENTER}`],
        ['Private key file', `cert.key${ENTER}`],
        ['encrypted', `no${ENTER}`],
        [`Thumbprint ${certificate.thumbprint}`, ''],
        ['Run `mailbridge --config \\S+ doctor` now', `y${ENTER}`],
        ['All checks passed', ''],
      ],
      ['init', '--output', join(dir.path, 'cert.json'), '--authority-host', sim.authorityHost, '--graph-url', sim.graphUrl, '--ca-file', sim.caFile],
    );
    expect(code, out).toBe(0);
    expect(JSON.parse(readFileSync(join(dir.path, 'cert.json'), 'utf8')).auth).toEqual({
      flow: 'client-credentials',
      tenant: DEMO.tenantId,
      clientId: CERT_APP,
      certificate: { certificateFile: './cert.pem', privateKeyFile: './cert.key' },
    });
  });

  it('Exchange Server on-premises with NTLM: EWS URL, account, password variable, internal CA; doctor passes', async () => {
    const { code, out } = await drive(
      [
        ['Transport', `${DOWN}${DOWN}${ENTER}`], // EWS on Exchange Server
        ['How does mailbridge sign in', ENTER], // NTLM
        ['On the Exchange Server first', ''],
        ['Mailbox', `${DEMO.mailbox}${ENTER}`],
        ['EWS URL', `http://mail.contoso.com/EWS/Exchange.asmx${ENTER}`],
        ['Enter an https:// URL', `${erase(41)}${onPremises.ewsUrl}${ENTER}`],
        ['Account', ENTER], // the mailbox
        ['Where does the password live', ENTER], // env
        ['Environment variable name', `INIT_PTY_PASSWORD${ENTER}`],
        ['CA certificate file', `${onPremises.caFile}${ENTER}`],
        ['Run `mailbridge --config \\S+ doctor` now', ENTER], // default yes
        ['All checks passed', ''],
      ],
      ['init', '--output', join(dir.path, 'onprem.json')],
      { INIT_PTY_PASSWORD: DEMO.userPassword },
    );
    expect(code, out).toBe(0);
    const config = JSON.parse(readFileSync(join(dir.path, 'onprem.json'), 'utf8'));
    expect(config).toMatchObject({ transport: 'ews', auth: { flow: 'ntlm', username: DEMO.mailbox, password: { env: 'INIT_PTY_PASSWORD' } }, endpoints: { ews: onPremises.ewsUrl }, network: { caFile: onPremises.caFile } });
    expect(out).not.toContain(DEMO.userPassword);
  });

  it('an existing config: a strict yes/no before anything is replaced', async () => {
    const existing = dir.write('keep.json', '{"keep": true}');
    const { code, out } = await drive(
      [
        ['exists. Overwrite it', `sure${ENTER}`],
        ['Answer y \\(yes\\) or n \\(no\\)', `${erase(4)}${ENTER}`], // empty: the default, no
      ],
      ['init', '--output', existing],
    );
    expect(code, out).toBe(0);
    expect(out).toContain('Nothing written.');
    expect(readFileSync(existing, 'utf8')).toBe('{"keep": true}');
  });

  it('Ctrl-C after a secret was typed: exit 130, quietly, and neither the secret file nor the config is written', async () => {
    const { code, out } = await drive(
      [
        ['Transport', ENTER],
        ['How does mailbridge sign in', ENTER],
        ['Mailbox', `alerts@contoso.com${ENTER}`],
        ['Cloud', ENTER],
        ['Directory \\(tenant\\) ID', `${TENANT}${ENTER}`],
        ['Application \\(client\\) ID', `${CLIENT}${ENTER}`],
        ['Where does the client secret live', `${DOWN}${ENTER}`],
        ['Client secret Value', `${SECRET}${ENTER}`],
        ['Secret file path', `aborted.secret${ENTER}`],
        ['When does the secret expire', '\u0003'],
      ],
      ['init', '--output', join(dir.path, 'aborted.json')],
    );
    expect(code, out).toBe(130);
    expect(out).toContain('Aborted.');
    expect(out).not.toMatch(/INTERNAL|bug in mailbridge|\n\s+at /);
    expect(existsSync(join(dir.path, 'aborted.secret'))).toBe(false);
    expect(existsSync(join(dir.path, 'aborted.json'))).toBe(false);
  });

  it('an existing secret file is replaced only when the person says so', async () => {
    const taken = dir.write('taken.secret', "another app's secret\n");
    const { code, out } = await drive(
      [
        ['Transport', ENTER],
        ['How does mailbridge sign in', ENTER],
        ['Mailbox', `alerts@contoso.com${ENTER}`],
        ['Cloud', ENTER],
        ['Directory \\(tenant\\) ID', `${TENANT}${ENTER}`],
        ['Application \\(client\\) ID', `${CLIENT}${ENTER}`],
        ['Where does the client secret live', `${DOWN}${ENTER}`],
        ['Client secret Value', `${SECRET}${ENTER}`],
        ['Secret file path', `taken.secret${ENTER}`],
        ['exists. Replace it', `n${ENTER}`],
        ['Secret file path', `fresh.secret${ENTER}`],
        ['When does the secret expire', ENTER],
        ['Run `mailbridge --config \\S+ doctor` now', `no${ENTER}`],
      ],
      ['init', '--output', join(dir.path, 'fresh.json')],
    );
    expect(code, out).toBe(0);
    expect(readFileSync(taken, 'utf8')).toBe("another app's secret\n");
    expect(readFileSync(join(dir.path, 'fresh.secret'), 'utf8').trim()).toBe(SECRET);
    expect(JSON.parse(readFileSync(join(dir.path, 'fresh.json'), 'utf8')).auth.clientSecret).toEqual({ file: './fresh.secret' });
  });

  it('refuses to run without a terminal', () => {
    const result = spawnSync(process.execPath, [BIN, 'init'], { cwd: dir.path, encoding: 'utf8', input: '' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/needs a terminal/);
    expect(result.stderr).toContain('--transport');
  });
});
