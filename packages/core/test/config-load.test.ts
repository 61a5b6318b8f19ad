import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type ConfigWarning, loadConfig, type MailbridgeConfig, type MailbridgeConfigInput, parseConfig } from '../src/config/index.js';
import { MailbridgeError } from '../src/errors/index.js';

const valid = fileURLToPath(new URL('./fixtures/configs/valid/', import.meta.url));
const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';
const CANARY = 'Canary-S3cret~Value.9z';
const NOW = new Date('2026-06-01T00:00:00Z');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mailbridge-config-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes a config (object or raw text) into a fresh folder under tmp; returns its path. */
let counter = 0;
function writeConfig(content: unknown, name = 'mailbridge.json'): string {
  counter += 1;
  const dir = join(tmp, `case-${counter}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

const appOnly = (auth: Record<string, unknown> = {}) => ({
  transport: 'graph',
  mailbox: 'alerts@contoso.com',
  auth: { tenant: TENANT, clientId: CLIENT, clientSecret: { env: 'MB_SECRET' }, ...auth },
});

async function rejection(promise: Promise<unknown>): Promise<MailbridgeError> {
  try {
    await promise;
  } catch (error) {
    expect(MailbridgeError.isInstance(error)).toBe(true);
    return error as MailbridgeError;
  }
  throw new Error('expected a rejection');
}

const codes = (warnings: ConfigWarning[]) => warnings.map((w) => `${w.path}:${w.code}`).sort();

describe('parse: defaults and types', () => {
  it('fills every default of the PRODUCT.md example and keeps what it sets', async () => {
    const { config, warnings, path } = await loadConfig({ path: join(valid, 'product-example.json'), env: { MAILBRIDGE_CLIENT_SECRET: 'x' }, now: NOW });
    expect(path).toBe(join(valid, 'product-example.json'));
    expect(config).toEqual({
      transport: 'graph',
      mailbox: 'alerts@contoso.com',
      cloud: 'global',
      auth: { flow: 'client-credentials', tenant: TENANT, clientId: CLIENT, clientSecret: { env: 'MAILBRIDGE_CLIENT_SECRET' }, secretExpiresAt: '2028-11-01' },
      endpoints: { authorityHost: 'https://login.microsoftonline.com', graph: 'https://graph.microsoft.com', ews: 'https://outlook.office365.com/EWS/Exchange.asmx' },
      network: { proxy: 'http://proxy.corp:8080', caFile: join(valid, 'corp-ca.pem'), timeoutMs: 30000 },
      ews: { version: 'Exchange2016', impersonate: true },
      retry: { maxAttempts: 6, maxDelayMs: 120000 },
    });
    expect(warnings).toEqual([]);
  });

  it('defaults flow to client-credentials, cloud to global, and impersonation on for app-only only', () => {
    const appOnlyConfig = parseConfig(appOnly(), { env: { MB_SECRET: 's' } }).config;
    expect(appOnlyConfig.auth.flow).toBe('client-credentials');
    expect(appOnlyConfig.cloud).toBe('global');
    expect(appOnlyConfig.network).toEqual({ timeoutMs: 30000 });
    expect(appOnlyConfig.retry).toEqual({ maxAttempts: 6, maxDelayMs: 120000 });
    expect(appOnlyConfig.ews).toEqual({ impersonate: true });
    expect(parseConfig({ ...appOnly(), ews: { impersonate: false } }, { env: { MB_SECRET: 's' } }).config.ews.impersonate).toBe(false);
    const delegated = parseConfig({ transport: 'ews', mailbox: 'me@outlook.com', auth: { flow: 'device-code', clientId: CLIENT } }, { baseDir: '/srv/mb' }).config;
    expect(delegated.ews.impersonate).toBe(false);
    expect(delegated.auth).toEqual({ flow: 'device-code', tenant: 'common', clientId: CLIENT, tokenCache: '/srv/mb/mailbridge.token-cache.json' });
  });

  it('accepts a verified domain as tenant, a certificate, "$schema", and every flow', async () => {
    const minimal = await loadConfig({ path: join(valid, 'minimal.json'), env: {}, now: NOW });
    expect(minimal.config.auth).toMatchObject({ tenant: 'contoso.onmicrosoft.com', certificate: { certificateFile: join(valid, 'certs/app.pem') } });
    const device = await loadConfig({ path: join(valid, 'device-code.json'), env: {} });
    expect(device.config.auth).toMatchObject({ flow: 'device-code', tenant: 'consumers', tokenCache: join(valid, 'mailbridge.token-cache.json') });
    const ntlm = await loadConfig({ path: join(valid, 'on-premises-ntlm.json'), env: {} });
    expect(ntlm.config.auth).toEqual({ flow: 'ntlm', username: 'svc-alerts', domain: 'CORP', password: { file: join(valid, 'secrets/exchange-password') } });
    expect(ntlm.config.network.caFile).toBe('/etc/ssl/corp-ca.pem');
  });

  it('infers the types from the schema', () => {
    expectTypeOf<MailbridgeConfig['transport']>().toEqualTypeOf<'graph' | 'ews'>();
    expectTypeOf<MailbridgeConfig['cloud']>().toEqualTypeOf<'global' | 'usgov' | 'usgov-dod' | 'china'>();
    expectTypeOf<MailbridgeConfig['network']['timeoutMs']>().toEqualTypeOf<number>();
    expectTypeOf<MailbridgeConfig['ews']['impersonate']>().toEqualTypeOf<boolean>();
    expectTypeOf<MailbridgeConfigInput['cloud']>().toEqualTypeOf<'global' | 'usgov' | 'usgov-dod' | 'china' | undefined>();
    type Flow = MailbridgeConfig['auth']['flow'];
    expectTypeOf<Flow>().toEqualTypeOf<'client-credentials' | 'device-code' | 'authorization-code' | 'basic' | 'ntlm'>();
  });
});

describe('loadConfig: where the file comes from', () => {
  it('takes options.path first, then MAILBRIDGE_CONFIG, then ./mailbridge.json in cwd', async () => {
    const a = writeConfig({ ...appOnly(), mailbox: 'a@contoso.com' });
    const b = writeConfig({ ...appOnly(), mailbox: 'b@contoso.com' });
    const c = writeConfig({ ...appOnly(), mailbox: 'c@contoso.com' });
    const cDir = join(c, '..');
    expect((await loadConfig({ path: a, env: { MAILBRIDGE_CONFIG: b }, cwd: cDir })).config.mailbox).toBe('a@contoso.com');
    expect((await loadConfig({ env: { MAILBRIDGE_CONFIG: b }, cwd: cDir })).config.mailbox).toBe('b@contoso.com');
    expect((await loadConfig({ env: {}, cwd: cDir })).config.mailbox).toBe('c@contoso.com');
    expect((await loadConfig({ env: { MAILBRIDGE_CONFIG: '' }, cwd: cDir })).path).toBe(c);
  });

  it('resolves a relative path against cwd', async () => {
    const file = writeConfig(appOnly(), 'custom.json');
    const loaded = await loadConfig({ path: 'custom.json', cwd: join(file, '..'), env: {} });
    expect(loaded.path).toBe(file);
  });

  it('says CONFIG_NOT_FOUND naming the file and how to get one', async () => {
    const missing = join(tmp, 'nowhere', 'mailbridge.json');
    const viaPath = await rejection(loadConfig({ path: missing, env: {} }));
    expect(viaPath.code).toBe('CONFIG_NOT_FOUND');
    expect(viaPath.message).toContain(missing);
    expect(viaPath.hint).toContain('mailbridge init');
    const viaEnv = await rejection(loadConfig({ env: { MAILBRIDGE_CONFIG: missing } }));
    expect(viaEnv.message).toContain('(from MAILBRIDGE_CONFIG)');
    const viaDefault = await rejection(loadConfig({ env: {}, cwd: join(tmp, 'nowhere') }));
    expect(viaDefault.message).toContain(missing);
    expect(viaDefault.hint).toContain('--config');
    const folder = await rejection(loadConfig({ path: tmp, env: {} }));
    expect(folder.code).toBe('CONFIG_NOT_FOUND');
    expect(folder.message).toContain('is a folder');
  });

  it('builds the config from the environment alone when there is no file and no path was given', async () => {
    const env = { MAILBRIDGE_TRANSPORT: 'graph', MAILBRIDGE_MAILBOX: 'alerts@contoso.com', MAILBRIDGE_TENANT: TENANT, MAILBRIDGE_CLIENT_ID: CLIENT, MAILBRIDGE_CLIENT_SECRET: CANARY };
    const loaded = await loadConfig({ env, cwd: join(tmp, 'nowhere') });
    expect(loaded.path).toBeUndefined();
    expect(loaded.config.auth).toEqual({ flow: 'client-credentials', tenant: TENANT, clientId: CLIENT, clientSecret: { env: 'MAILBRIDGE_CLIENT_SECRET' } });
    expect(JSON.stringify(loaded)).not.toContain(CANARY);
    // An explicit path that does not exist is still an error, whatever the environment holds.
    expect((await rejection(loadConfig({ env, path: join(tmp, 'nowhere.json') }))).code).toBe('CONFIG_NOT_FOUND');
  });

  // root reads any file, so there is nothing to refuse there.
  it.skipIf(process.getuid?.() === 0)('refuses an unreadable file with CONFIG_NOT_FOUND saying why', async () => {
    const file = writeConfig(appOnly());
    chmodSync(file, 0o000);
    const error = await rejection(loadConfig({ path: file, env: {} }));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.message).toContain('permission denied');
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const file = writeConfig(`\uFEFF${JSON.stringify(appOnly())}`);
    expect((await loadConfig({ path: file, env: {} })).config.mailbox).toBe('alerts@contoso.com');
  });
});

describe('environment overrides', () => {
  it('MAILBRIDGE_TRANSPORT, _MAILBOX, _TENANT and _CLIENT_ID replace the file values', async () => {
    const file = writeConfig(appOnly());
    const { config } = await loadConfig({
      path: file,
      env: { MAILBRIDGE_TRANSPORT: 'ews', MAILBRIDGE_MAILBOX: 'ops@contoso.com', MAILBRIDGE_TENANT: 'contoso.onmicrosoft.com', MAILBRIDGE_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', MB_SECRET: 's' },
    });
    expect(config.transport).toBe('ews');
    expect(config.mailbox).toBe('ops@contoso.com');
    expect(config.auth).toMatchObject({ tenant: 'contoso.onmicrosoft.com', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' });
  });

  it('treats empty variables as unset', () => {
    const { config } = parseConfig(appOnly(), { env: { MAILBRIDGE_TRANSPORT: '', MAILBRIDGE_TENANT: '', MB_SECRET: 's' } });
    expect(config.transport).toBe('graph');
    expect(config.auth).toMatchObject({ tenant: TENANT });
  });

  it('MAILBRIDGE_CLIENT_SECRET replaces any credential with a reference to itself, never the value', () => {
    const env = { MAILBRIDGE_CLIENT_SECRET: CANARY };
    const secret = parseConfig(appOnly(), { env });
    expect(secret.config.auth).toMatchObject({ clientSecret: { env: 'MAILBRIDGE_CLIENT_SECRET' } });
    expect(secret.warnings).toEqual([]);

    const cert = parseConfig(appOnly({ clientSecret: undefined, certificate: { certificateFile: 'c.pem', privateKeyFile: 'k.pem' } }), { env, baseDir: '/nonexistent' });
    expect(cert.config.auth).toEqual({ flow: 'client-credentials', tenant: TENANT, clientId: CLIENT, clientSecret: { env: 'MAILBRIDGE_CLIENT_SECRET' } });
    expect(codes(cert.warnings)).toEqual(['auth.certificate:ENV_OVERRIDE']);
    expect(JSON.stringify(cert)).not.toContain(CANARY);
  });

  it('MAILBRIDGE_CLIENT_SECRET is ignored, with a warning, for a flow without a client secret', () => {
    const { config, warnings } = parseConfig({ transport: 'graph', mailbox: 'me@outlook.com', auth: { flow: 'device-code', clientId: CLIENT } }, { env: { MAILBRIDGE_CLIENT_SECRET: CANARY } });
    expect(config.auth).not.toHaveProperty('clientSecret');
    expect(codes(warnings)).toEqual(['auth.flow:ENV_OVERRIDE']);
    expect(JSON.stringify(warnings)).not.toContain(CANARY);
  });

  it('creates auth when the file has none, and names the variable when its value is wrong', () => {
    const withoutAuth = { transport: 'graph', mailbox: 'alerts@contoso.com' };
    const { config } = parseConfig(withoutAuth, { env: { MAILBRIDGE_TENANT: TENANT, MAILBRIDGE_CLIENT_ID: CLIENT, MAILBRIDGE_CLIENT_SECRET: 'v' } });
    expect(config.auth).toMatchObject({ flow: 'client-credentials', tenant: TENANT, clientId: CLIENT });
    let error: MailbridgeError | undefined;
    try {
      parseConfig(withoutAuth, { env: { MAILBRIDGE_TENANT: TENANT, MAILBRIDGE_CLIENT_ID: 'not-a-guid', MAILBRIDGE_CLIENT_SECRET: 'v', MAILBRIDGE_MAILBOX: 'nope' } });
    } catch (e) {
      error = e as MailbridgeError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.message).toContain('auth.clientId: expected a GUID');
    expect(error?.message).toContain('(the value comes from environment variable MAILBRIDGE_CLIENT_ID)');
    expect(error?.message).toContain('mailbox: expected an e-mail address such as "alerts@contoso.com" (the value comes from environment variable MAILBRIDGE_MAILBOX)');
  });
});

describe('relative paths', () => {
  it('resolves every file path against the config file folder, and ~ against home', async () => {
    const file = writeConfig({
      ...appOnly({ clientSecret: undefined, certificate: { certificateFile: 'certs/app.pem', privateKeyFile: './certs/app.key', passphrase: { file: '../pass.txt' } } }),
      network: { caFile: '~/ca.pem' },
    });
    const dir = join(file, '..');
    const { config } = await loadConfig({ path: file, env: {} });
    expect(config.auth).toMatchObject({
      certificate: { certificateFile: join(dir, 'certs/app.pem'), privateKeyFile: join(dir, 'certs/app.key'), passphrase: { file: join(dir, '../pass.txt') } },
    });
    expect(config.network.caFile).toBe(join(homedir(), 'ca.pem'));
    const assertion = await loadConfig({ path: writeConfig(appOnly({ clientSecret: undefined, clientAssertionFile: 'token.jwt' })), env: {} });
    expect(assertion.config.auth).toMatchObject({ clientAssertionFile: expect.stringMatching(/case-\d+\/token\.jwt$/) });
  });

  it('leaves absolute paths alone and uses baseDir (default cwd) for in-memory configs', () => {
    const { config } = parseConfig(appOnly({ clientSecret: { file: 'secret.txt' } }), { baseDir: '/etc/mailbridge', env: {} });
    expect(config.auth).toMatchObject({ clientSecret: { file: '/etc/mailbridge/secret.txt' } });
    const cwd = parseConfig(appOnly({ clientSecret: { file: '/run/secrets/mb' } }), { env: {} }).config;
    expect(cwd.auth).toMatchObject({ clientSecret: { file: '/run/secrets/mb' } });
  });
});

describe('warnings', () => {
  it('a GUID-shaped literal clientSecret: the secret ID, not its Value (and inline)', () => {
    const { warnings } = parseConfig(appOnly({ clientSecret: 'aaaaaaaa-1111-2222-3333-bbbbbbbbbbbb' }), { env: {} });
    expect(codes(warnings)).toEqual(['auth.clientSecret:SECRET_INLINE', 'auth.clientSecret:SECRET_LOOKS_LIKE_ID']);
    const idWarning = warnings.find((w) => w.code === 'SECRET_LOOKS_LIKE_ID')!;
    expect(idWarning.message).toBe('this looks like the secret ID, not its Value: in Entra admin center > App registrations > Certificates & secrets, copy the Value column, shown only once when the secret is created');
    expect(idWarning.hint).toContain('New client secret');
  });

  it('a GUID-shaped secret behind {env} or {file} is found too; a real-looking secret is not flagged', () => {
    const guid = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    expect(codes(parseConfig(appOnly({ clientSecret: { env: 'S' } }), { env: { S: guid } }).warnings)).toEqual(['auth.clientSecret:SECRET_LOOKS_LIKE_ID']);
    const file = join(writeConfig('{}', 'x.json'), '..', 'secret.txt');
    writeFileSync(file, `${guid}\n`, { mode: 0o600 });
    expect(codes(parseConfig(appOnly({ clientSecret: { file } }), { env: {} }).warnings)).toEqual(['auth.clientSecret:SECRET_LOOKS_LIKE_ID']);
    expect(parseConfig(appOnly({ clientSecret: { env: 'S' } }), { env: { S: 'Xy8Q~abcDEF.ghiJKL_mno-pqrSTUvwx12345678' } }).warnings).toEqual([]);
  });

  it('a literal secret inline is warned about; the warning never carries it', () => {
    const { warnings } = parseConfig(appOnly({ clientSecret: CANARY }), { env: {} });
    expect(codes(warnings)).toEqual(['auth.clientSecret:SECRET_INLINE']);
    expect(JSON.stringify(warnings)).not.toContain(CANARY);
    const basic = parseConfig({ transport: 'ews', mailbox: 'a@corp.example.com', endpoints: { ews: 'https://mail.corp.example.com/EWS/Exchange.asmx' }, auth: { flow: 'basic', username: 'u', password: CANARY } }, { env: {} });
    expect(codes(basic.warnings)).toEqual(['auth.password:SECRET_INLINE']);
    expect(JSON.stringify(basic.warnings)).not.toContain(CANARY);
  });

  // Windows has no group/other permission bits.
  it.skipIf(process.platform === 'win32')('a secret file readable by group or others, a missing one, and a missing env variable', () => {
    const dir = join(writeConfig('{}', 'x.json'), '..');
    const open = join(dir, 'open.txt');
    writeFileSync(open, CANARY);
    chmodSync(open, 0o644);
    const shut = join(dir, 'shut.txt');
    writeFileSync(shut, CANARY);
    chmodSync(shut, 0o600);
    const openWarnings = parseConfig(appOnly({ clientSecret: { file: 'open.txt' } }), { baseDir: dir, env: {} }).warnings;
    expect(codes(openWarnings)).toEqual(['auth.clientSecret:SECRET_FILE_PERMISSIONS']);
    expect(openWarnings[0]!.message).toContain('mode 644');
    expect(openWarnings[0]!.hint).toBe(`Restrict it to its owner: chmod 600 ${open}`);
    expect(JSON.stringify(openWarnings)).not.toContain(CANARY);
    expect(parseConfig(appOnly({ clientSecret: { file: 'shut.txt' } }), { baseDir: dir, env: {} }).warnings).toEqual([]);
    expect(codes(parseConfig(appOnly({ clientSecret: { file: 'absent.txt' } }), { baseDir: dir, env: {} }).warnings)).toEqual(['auth.clientSecret:SECRET_FILE_MISSING']);
    expect(codes(parseConfig(appOnly(), { env: {} }).warnings)).toEqual(['auth.clientSecret:SECRET_ENV_MISSING']);
    // A private key is a secret too.
    const key = join(dir, 'app.key');
    writeFileSync(key, 'not really a key');
    chmodSync(key, 0o640);
    const certificate = parseConfig(appOnly({ clientSecret: undefined, certificate: { certificateFile: 'app.pem', privateKeyFile: 'app.key' } }), { baseDir: dir, env: {} });
    expect(codes(certificate.warnings)).toEqual(['auth.certificate.privateKeyFile:SECRET_FILE_PERMISSIONS']);
  });

  it('secretExpiresAt: warns within 30 days, and once passed', () => {
    const at = (date: string) => codes(parseConfig(appOnly({ secretExpiresAt: date }), { env: { MB_SECRET: 's' }, now: NOW }).warnings);
    expect(at('2026-08-01')).toEqual([]);
    expect(at('2026-07-02')).toEqual([]);
    expect(at('2026-06-30')).toEqual(['auth.secretExpiresAt:SECRET_EXPIRES_SOON']);
    expect(at('2026-06-01T12:00:00Z')).toEqual(['auth.secretExpiresAt:SECRET_EXPIRES_SOON']);
    // A date without a time is valid through that day (as the portal shows it): today is "soon", yesterday is past.
    expect(at('2026-06-01')).toEqual(['auth.secretExpiresAt:SECRET_EXPIRES_SOON']);
    expect(at('2026-05-31')).toEqual(['auth.secretExpiresAt:SECRET_EXPIRED']);
    expect(at('2025-01-01')).toEqual(['auth.secretExpiresAt:SECRET_EXPIRED']);
    const soon = parseConfig(appOnly({ secretExpiresAt: '2026-06-11' }), { env: { MB_SECRET: 's' }, now: NOW }).warnings[0]!;
    expect(soon.message).toBe('the client secret expires on 2026-06-11 (in 10 days)');
    expect(soon.hint).toContain('Certificates & secrets > New client secret');
  });
});

describe('error shape', () => {
  it('CONFIG_INVALID carries details.path and details.issues, and serialises without a stack', () => {
    let error: MailbridgeError | undefined;
    try {
      parseConfig({ transport: 'graph', mailbox: 'x', auth: { tenant: 'common', clientId: CLIENT, clientSecret: CANARY } }, { source: '/etc/mailbridge.json' });
    } catch (e) {
      error = e as MailbridgeError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.details.path).toBe('mailbox');
    expect(error?.details.issues).toEqual([
      { path: 'mailbox', message: 'expected an e-mail address such as "alerts@contoso.com"' },
      { path: 'auth.tenant', message: '"common" cannot be used with client-credentials: app-only tokens need your tenant id (Entra admin center > Overview > Directory (tenant) ID)' },
    ]);
    expect(error?.message).toBe(
      'The config /etc/mailbridge.json has 2 problems:\n' +
        '  - mailbox: expected an e-mail address such as "alerts@contoso.com"\n' +
        '  - auth.tenant: "common" cannot be used with client-credentials: app-only tokens need your tenant id (Entra admin center > Overview > Directory (tenant) ID)',
    );
    expect(JSON.stringify(error?.toJSON())).not.toContain(CANARY);
    expect(JSON.stringify(error?.toJSON())).not.toContain('    at ');
  });
});

// Issue 14, item 8: a world-readable config holding an inline secret, and a world-readable token
// cache (it holds a refresh token), were not warned about.
describe('warnings about credentials other users can read', () => {
  it('a config file readable by others that holds the secret inline: CONFIG_FILE_PERMISSIONS; not at 0600 or without an inline secret', async () => {
    const inline = writeConfig(appOnly({ clientSecret: 'inline~Secret.Value-0123456789abcdefgh' }));
    chmodSync(inline, 0o644);
    const warned = await loadConfig({ path: inline, env: {} });
    expect(codes(warned.warnings)).toContain(':CONFIG_FILE_PERMISSIONS');
    const warning = warned.warnings.find((w) => w.code === 'CONFIG_FILE_PERMISSIONS');
    expect(warning?.message).toContain('mode 644');
    expect(warning?.hint).toContain(`chmod 600 ${inline}`);
    expect(JSON.stringify(warned.warnings)).not.toContain('inline~Secret');
    chmodSync(inline, 0o600);
    expect(codes((await loadConfig({ path: inline, env: {} })).warnings)).not.toContain(':CONFIG_FILE_PERMISSIONS');
    const byEnv = writeConfig(appOnly());
    chmodSync(byEnv, 0o644);
    expect(codes((await loadConfig({ path: byEnv, env: { MB_SECRET: 'x' } })).warnings)).not.toContain(':CONFIG_FILE_PERMISSIONS');
  });

  it('a token cache readable by others: TOKEN_CACHE_PERMISSIONS, saying it is only rewritten 0600 at the next update', async () => {
    const file = writeConfig({ transport: 'graph', mailbox: 'me@outlook.com', auth: { flow: 'device-code', tenant: 'consumers', clientId: CLIENT, tokenCache: './cache.json' } });
    const cache = join(file, '..', 'cache.json');
    writeFileSync(cache, '{}', { mode: 0o644 });
    chmodSync(cache, 0o644);
    const warning = (await loadConfig({ path: file, env: {} })).warnings.find((w) => w.code === 'TOKEN_CACHE_PERMISSIONS');
    expect(warning).toMatchObject({ path: 'auth.tokenCache', message: expect.stringMatching(/mode 644.*rewrites it with mode 600/) });
    chmodSync(cache, 0o600);
    expect((await loadConfig({ path: file, env: {} })).warnings.map((w) => w.code)).not.toContain('TOKEN_CACHE_PERMISSIONS');
  });
});
