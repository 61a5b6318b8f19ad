import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from './helpers.js';

const DRIVER = fileURLToPath(new URL('./fixtures/pty-drive.py', import.meta.url));
const dir = tempDir();
afterAll(() => dir.cleanup());

const ENTER = '\r';
const DOWN = '\u001b[B';
const erase = (count: number) => '\u007f'.repeat(count);
const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';
const SECRET = 'Xy7~abcDEF.ghijKLMNopqrSTUVwxyz0123456789';

function drive(script: Array<[string, string]>, args: string[]) {
  const result = spawnSync('python3', [DRIVER, JSON.stringify(script), '--', process.execPath, BIN, ...args], {
    cwd: dir.path,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', PTY_TIMEOUT: '60' },
    timeout: 90_000,
  });
  return { code: result.status, out: result.stdout };
}

describe('mailbridge init in a terminal', () => {
  it('validates each answer as typed, writes the config and a 0600 secret file, prints the checklist', () => {
    const { code, out } = drive(
      [
        ['Transport', ENTER], // Microsoft Graph
        ['Mailbox', `nope${ENTER}`],
        ['Enter an e-mail address', `${erase(4)}alerts@contoso.com${ENTER}`],
        ['Cloud', ENTER], // Global
        ['How does mailbridge sign in', ENTER], // client credentials
        ['Directory \\(tenant\\) ID', `common${ENTER}`],
        ['cannot be used for app-only', `${erase(6)}${TENANT}${ENTER}`],
        ['Application \\(client\\) ID', `not-a-guid${ENTER}`],
        ['a GUID', `${erase(10)}${CLIENT}${ENTER}`],
        ['Where does the client secret live', `${DOWN}${ENTER}`], // a file
        ['Client secret Value', `${CLIENT}${ENTER}`], // a GUID: the secret ID, refused
        ['looks like the secret ID', `${erase(CLIENT.length)}${SECRET}${ENTER}`],
        ['Secret file path', ENTER],
        ['When does the secret expire', `2027-06-01${ENTER}`],
        ['Run `mailbridge doctor` now', `n${ENTER}`],
      ],
      ['init', '--output', join(dir.path, 'mailbridge.json')],
    );
    expect(code, out).toBe(0);
    const config = JSON.parse(readFileSync(join(dir.path, 'mailbridge.json'), 'utf8'));
    expect(config).toMatchObject({
      transport: 'graph',
      mailbox: 'alerts@contoso.com',
      cloud: 'global',
      auth: { flow: 'client-credentials', tenant: TENANT, clientId: CLIENT, clientSecret: { file: './mailbridge.secret' }, secretExpiresAt: '2027-06-01' },
    });
    const secretFile = join(dir.path, 'mailbridge.secret');
    expect(readFileSync(secretFile, 'utf8').trim()).toBe(SECRET);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(out).toMatch(/Grant admin consent/);
    expect(out).toMatch(/Mail\.Send and Mail\.ReadWrite/);
    // The secret was typed into a masked prompt: the terminal never shows it.
    expect(out).not.toContain(SECRET);
  });

  it('the browser sign-in branch: explains the redirect URI, writes an authorization-code config and its checklist', () => {
    const { code, out } = drive(
      [
        ['Transport', ENTER],
        ['Mailbox', `sam@outlook.com${ENTER}`],
        ['Cloud', ENTER],
        ['How does mailbridge sign in', `${DOWN}${ENTER}`], // in a browser
        ['Tenant', ENTER], // consumers, proposed for an outlook.com mailbox
        ['Application \\(client\\) ID', `${CLIENT}${ENTER}`],
        ['Redirect URI', `${DOWN}${ENTER}`], // nativeclient
        ['client secret', `y${ENTER}`],
        ['Where does the client secret live', ENTER], // env
        ['Environment variable name', ENTER],
        ['When does the secret expire', `2027-06-01${ENTER}`],
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
      secretExpiresAt: '2027-06-01',
      redirectUri: 'https://login.microsoftonline.com/common/oauth2/nativeclient',
      tokenCache: './mailbridge.token-cache.json',
    });
    expect(out).toContain('The redirect URI is where Entra sends the browser');
    expect(out).toContain('add exactly https://login.microsoftonline.com/common/oauth2/nativeclient');
    expect(out).toContain('mailbridge --config');
    expect(out).toContain('login');
  });

  it('refuses to run without a terminal', () => {
    const result = spawnSync(process.execPath, [BIN, 'init'], { cwd: dir.path, encoding: 'utf8', input: '' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/needs a terminal/);
  });
});
