import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, resolveSecret } from '../src/config/index.js';
import { MailbridgeError } from '../src/errors/index.js';

const CANARY = 'Canary-S3cret~Value.9z';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailbridge-secrets-'));
  mkdirSync(join(dir, 'secrets'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function unresolved(promise: Promise<string>): Promise<MailbridgeError> {
  try {
    await promise;
  } catch (error) {
    expect(MailbridgeError.isInstance(error)).toBe(true);
    const e = error as MailbridgeError;
    expect(e.code).toBe('SECRET_UNRESOLVED');
    const shown = `${e.message}\n${e.hint}\n${JSON.stringify(e.toJSON())}\n${JSON.stringify(e.details)}`;
    expect(shown).not.toContain(CANARY);
    expect(shown).not.toMatch(/\n\s+at /);
    return e;
  }
  throw new Error('expected SECRET_UNRESOLVED');
}

describe('resolveSecret', () => {
  it('returns a literal as it is', async () => {
    expect(await resolveSecret(CANARY)).toBe(CANARY);
  });

  it('reads {env} from the given environment, not process.env', async () => {
    expect(await resolveSecret({ env: 'MB_TEST_SECRET' }, { env: { MB_TEST_SECRET: CANARY } })).toBe(CANARY);
    process.env.MB_TEST_ONLY_IN_PROCESS = CANARY;
    try {
      await unresolved(resolveSecret({ env: 'MB_TEST_ONLY_IN_PROCESS' }, { env: {} }));
      expect(await resolveSecret({ env: 'MB_TEST_ONLY_IN_PROCESS' })).toBe(CANARY);
    } finally {
      delete process.env.MB_TEST_ONLY_IN_PROCESS;
    }
  });

  it('names a missing or empty variable, and the JSON path when given', async () => {
    const missing = await unresolved(resolveSecret({ env: 'MAILBRIDGE_CLIENT_SECRET' }, { env: {}, path: 'auth.clientSecret' }));
    expect(missing.message).toBe('auth.clientSecret: environment variable MAILBRIDGE_CLIENT_SECRET is not set');
    expect(missing.hint).toContain('Set MAILBRIDGE_CLIENT_SECRET');
    expect(missing.details.path).toBe('auth.clientSecret');
    const empty = await unresolved(resolveSecret({ env: 'EMPTY_ONE' }, { env: { EMPTY_ONE: '' } }));
    expect(empty.message).toBe('environment variable EMPTY_ONE is empty');
  });

  it('reads {file} relative to baseDir, dropping trailing line breaks only', async () => {
    writeFileSync(join(dir, 'secrets', 'lf.txt'), `${CANARY}\n`);
    writeFileSync(join(dir, 'secrets', 'crlf.txt'), `${CANARY}\r\n`);
    writeFileSync(join(dir, 'secrets', 'spaces.txt'), `  ${CANARY} `);
    writeFileSync(join(dir, 'secrets', 'bom.txt'), `\uFEFF${CANARY}\n\n`);
    expect(await resolveSecret({ file: 'secrets/lf.txt' }, { baseDir: dir })).toBe(CANARY);
    expect(await resolveSecret({ file: './secrets/crlf.txt' }, { baseDir: dir })).toBe(CANARY);
    expect(await resolveSecret({ file: join(dir, 'secrets', 'bom.txt') }, { baseDir: '/elsewhere' })).toBe(CANARY);
    // Spaces may belong to a password: kept.
    expect(await resolveSecret({ file: 'secrets/spaces.txt' }, { baseDir: dir })).toBe(`  ${CANARY} `);
  });

  it('names a missing, empty, folder or oversized file, never its content', async () => {
    const missing = await unresolved(resolveSecret({ file: 'secrets/none.txt' }, { baseDir: dir, path: 'auth.clientSecret' }));
    expect(missing.message).toBe(`auth.clientSecret: secret file ${join(dir, 'secrets', 'none.txt')} does not exist`);
    writeFileSync(join(dir, 'secrets', 'empty.txt'), '\n');
    expect((await unresolved(resolveSecret({ file: 'secrets/empty.txt' }, { baseDir: dir }))).message).toContain('is empty');
    expect((await unresolved(resolveSecret({ file: 'secrets' }, { baseDir: dir }))).message).toMatch(/is (a folder|not a regular file)/);
    writeFileSync(join(dir, 'secrets', 'huge.txt'), `${CANARY}\n`.repeat(10_000));
    const huge = await unresolved(resolveSecret({ file: 'secrets/huge.txt' }, { baseDir: dir }));
    expect(huge.message).toContain('too large to be a secret');
  });
});

describe('secrets are resolved lazily', () => {
  it('a config whose {env} and {file} secrets do not exist yet loads; resolving them later fails by name', async () => {
    const file = join(dir, 'lazy.json');
    writeFileSync(
      file,
      JSON.stringify({
        transport: 'ews',
        mailbox: 'alerts@contoso.com',
        auth: {
          tenant: 'contoso.onmicrosoft.com',
          clientId: '66666666-7777-8888-9999-000000000000',
          certificate: { certificateFile: 'c.pem', privateKeyFile: 'k.pem', passphrase: { file: 'secrets/passphrase.txt' } },
        },
      }),
    );
    const { config, warnings } = await loadConfig({ path: file, env: {} });
    expect(warnings.map((w) => w.code)).toContain('SECRET_FILE_MISSING');
    if (config.auth.flow !== 'client-credentials' || !config.auth.certificate?.passphrase) throw new Error('unexpected config shape');
    const passphrase = config.auth.certificate.passphrase;
    // The path was made absolute at load time, so resolution does not depend on the cwd.
    expect(passphrase).toEqual({ file: join(dir, 'secrets', 'passphrase.txt') });
    const error = await unresolved(resolveSecret(passphrase, { path: 'auth.certificate.passphrase' }));
    expect(error.message).toContain(join(dir, 'secrets', 'passphrase.txt'));
    writeFileSync(join(dir, 'secrets', 'passphrase.txt'), `${CANARY}\n`, { mode: 0o600 });
    expect(await resolveSecret(passphrase)).toBe(CANARY);
  });

  it('loading never reads a secret into the config or its warnings', async () => {
    const file = join(dir, 'env.json');
    writeFileSync(file, JSON.stringify({ transport: 'graph', mailbox: 'alerts@contoso.com', auth: { tenant: 'contoso.onmicrosoft.com', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'MB_SECRET' } } }));
    const loaded = await loadConfig({ path: file, env: { MB_SECRET: CANARY } });
    expect(JSON.stringify(loaded)).not.toContain(CANARY);
    expect(await resolveSecret((loaded.config.auth as { clientSecret: { env: string } }).clientSecret, { env: { MB_SECRET: CANARY } })).toBe(CANARY);
  });
});
