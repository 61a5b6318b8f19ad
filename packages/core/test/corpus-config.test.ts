import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, resolveSecret } from '../src/config/index.js';
import { MailbridgeError } from '../src/errors/index.js';
import { createHttpClient } from '../src/http/index.js';

/**
 * The hostile-config corpus: files a user (or an attacker who can write the config) might hand to
 * `loadConfig` — prototype-pollution keys, wrong types, bad encodings, NUL bytes, and generated
 * monsters (50 MB, 100,000 levels deep, devices that never end). Each must end, quickly, either in
 * a clear MailbridgeError with a code and a hint, or (for the harmless ones, like a UTF-8 BOM) in
 * a valid config; never a crash, a hang, a polluted Object.prototype or a secret in the output.
 */

const CANARY = 'corpus~Canary.Secret.0123456789abcdefXYZ';
const env = { MAILBRIDGE_CORPUS_SECRET: CANARY };
const fixtures = fileURLToPath(new URL('./fixtures/corpus/', import.meta.url));
const CONFIG_CODES = ['CONFIG_PARSE', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND'];

/** What each fixture must give: a config error, or a config that loads (harmless oddities). */
const EXPECTED: Record<string, 'error' | 'loads' | 'either'> = {
  'proto-root.json': 'either',
  'proto-auth.json': 'either',
  'constructor-prototype.json': 'either',
  'prototype-key.json': 'either',
  'proto-secret-ref.json': 'error',
  'proto-network.json': 'either',
  'transport-array.json': 'error',
  'mailbox-object.json': 'error',
  'auth-string.json': 'error',
  'timeout-infinity.json': 'error',
  'retry-huge.json': 'error',
  'client-id-bool.json': 'error',
  'root-string.json': 'error',
  'root-number.json': 'error',
  'duplicate-keys.json': 'error',
  'bom-utf8.json': 'loads',
  'utf16le-bom.json': 'error',
  'latin1-byte.json': 'error',
  'invalid-utf8-sequence.json': 'error',
  'overlong-utf8.json': 'error',
  'nul-in-string.json': 'error',
  'nul-raw-byte.json': 'error',
  'nul-leading.json': 'error',
  'control-chars.json': 'error',
  'mailbox-crlf.json': 'error',
  'endpoint-javascript.json': 'error',
  'endpoint-file.json': 'error',
  'lone-surrogate.json': 'error',
  'binary-garbage.bin': 'error',
};

type Outcome = { error: MailbridgeError } | { config: unknown };

async function load(path: string): Promise<Outcome> {
  try {
    return { config: await loadConfig({ path, env }) };
  } catch (error) {
    if (MailbridgeError.isInstance(error)) return { error };
    throw new Error(`${path}: threw something that is not a MailbridgeError: ${String(error)}`);
  }
}

/** A named pipe (mkfifo) in `dir`. */
function makeFifo(dir: string, name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

/** What a process substitution does: another process writes `text` into the pipe and closes it. */
function writeInto(fifo: string, text: string): Promise<void> {
  const child = spawn('sh', ['-c', 'cat > "$1"', 'sh', fifo], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.end(text);
  return new Promise((resolve) => child.on('exit', () => resolve()));
}

/** Every string an error can show: message, hint, the JSON form. */
function shown(error: MailbridgeError): string {
  return `${error.message}\n${error.hint}\n${JSON.stringify(error.toJSON())}`;
}

function expectCleanError(error: MailbridgeError): void {
  expect(CONFIG_CODES).toContain(error.code);
  expect(error.message.length).toBeGreaterThan(10);
  expect(error.hint.length).toBeGreaterThan(10);
  const text = shown(error);
  expect(text).not.toContain(CANARY);
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(text.length).toBeLessThan(20_000); // a monster input is not echoed back whole
  expect(text).not.toContain('\u0000');
}

function expectNoPollution(): void {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect(probe.proxy).toBeUndefined();
  expect(probe.env).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

describe('hostile config files (fixtures/corpus)', () => {
  const files = readdirSync(fixtures).sort();

  it('every fixture has an expectation', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s', { timeout: 10_000 }, async (file) => {
    const outcome = await load(join(fixtures, file));
    const expected = EXPECTED[file];
    if ('error' in outcome) {
      expect(expected, `${file} failed: ${outcome.error.code} ${outcome.error.message}`).not.toBe('loads');
      expectCleanError(outcome.error);
    } else {
      expect(expected, `${file} loaded`).not.toBe('error');
      const text = JSON.stringify(outcome.config);
      expect(text).not.toContain('polluted');
      expect(text).not.toContain('evil.example');
    }
    expectNoPollution();
  });
});

describe('generated monsters', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailbridge-corpus-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a 50 MB JSON file is refused by its size, not parsed', { timeout: 20_000 }, async () => {
    const file = join(dir, 'huge.json');
    const out = createWriteStream(file);
    out.write('{"transport":"graph","padding":"');
    const chunk = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 50; i++) if (!out.write(chunk)) await once(out, 'drain');
    out.end('"}');
    await once(out, 'finish');
    const before = process.memoryUsage().rss;
    const outcome = await load(file);
    expect('error' in outcome && outcome.error.code).toBe('CONFIG_PARSE');
    expectCleanError((outcome as { error: MailbridgeError }).error);
    // Refused by size: the 50 MB were never read into memory.
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });

  it.each([
    ['arrays', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['objects', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
    ['objects under auth', '{"transport":"graph","auth":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + '}'],
    ['unclosed', '['.repeat(100_000)],
  ])('100,000 levels of nesting (%s): a parse error, no stack overflow', { timeout: 10_000 }, async (_name, text) => {
    const file = join(dir, 'deep.json');
    writeFileSync(file, text);
    const outcome = await load(file);
    expect('error' in outcome).toBe(true);
    expectCleanError((outcome as { error: MailbridgeError }).error);
  });

  it.each(['/dev/zero', '/dev/urandom'])('%s (a device that never ends) is cut off, not read forever', { timeout: 10_000 }, async (device) => {
    const outcome = await load(device);
    expect('error' in outcome).toBe(true);
    expectCleanError((outcome as { error: MailbridgeError }).error);
  });

  // Issue 14, item 3: every file is read with a size limit and a deadline; FIFOs (a process
  // substitution) work, and one nobody writes to ends in a clear error instead of a hang.
  it('a config FIFO with a writer (a process substitution) loads', { timeout: 20_000 }, async () => {
    const fifo = makeFifo(dir, 'config-pipe.json');
    const writer = writeInto(
      fifo,
      JSON.stringify({ transport: 'graph', mailbox: 'a@contoso.com', auth: { tenant: 'contoso.onmicrosoft.com', clientId: '00000000-0000-4000-8000-000000000001', clientSecret: { env: 'MAILBRIDGE_CORPUS_SECRET' } } }),
    );
    const outcome = await load(fifo);
    await writer;
    expect(outcome).toHaveProperty('config');
  });

  it('a config FIFO nobody writes to: CONFIG_NOT_FOUND within the deadline, no hang', { timeout: 30_000 }, async () => {
    const started = Date.now();
    const outcome = await load(makeFifo(dir, 'silent-pipe.json'));
    expect('error' in outcome && outcome.error.code).toBe('CONFIG_NOT_FOUND');
    expectCleanError((outcome as { error: MailbridgeError }).error);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a secret {file} that is a FIFO: read when written, SECRET_UNRESOLVED when silent', { timeout: 30_000 }, async () => {
    const fifo = makeFifo(dir, 'secret-pipe');
    const writer = writeInto(fifo, `${CANARY}\n`);
    expect(await resolveSecret({ file: fifo })).toBe(CANARY);
    await writer;
    const silent = await resolveSecret({ file: makeFifo(dir, 'silent-secret') }).then(
      () => undefined,
      (error: unknown) => error as MailbridgeError,
    );
    expect(silent?.code).toBe('SECRET_UNRESOLVED');
    expect(silent?.message).toMatch(/pipe/);
  });

  it.each(['/dev/zero', '/dev/urandom'])('network.caFile %s: CONFIG_INVALID at once, memory bounded', { timeout: 20_000 }, (device) => {
    const before = process.memoryUsage().rss;
    let error: unknown;
    try {
      createHttpClient({ caFile: device, env: {} });
    } catch (caught) {
      error = caught;
    }
    expect(MailbridgeError.isInstance(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as MailbridgeError).message).toMatch(/more than \d+ bytes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('network.caFile that is a FIFO nobody writes to: CONFIG_INVALID within the deadline', { timeout: 20_000 }, () => {
    const started = Date.now();
    expect(() => createHttpClient({ caFile: makeFifo(dir, 'silent-ca.pem'), env: {} })).toThrow(/pipe nobody writes to/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('/dev/null and a folder give CONFIG errors', { timeout: 10_000 }, async () => {
    for (const path of ['/dev/null', dir]) {
      const outcome = await load(path);
      expect('error' in outcome, path).toBe(true);
      expectCleanError((outcome as { error: MailbridgeError }).error);
    }
  });

  it('a config object (not a file) 100,000 levels deep: CONFIG_INVALID, no stack overflow', () => {
    let deep: Record<string, unknown> = {};
    const root = { transport: 'graph', mailbox: 'alerts@contoso.onmicrosoft.com', auth: deep };
    for (let i = 0; i < 100_000; i++) {
      const next: Record<string, unknown> = {};
      deep.a = next;
      deep = next;
    }
    const error = (() => {
      try {
        parseConfig(root, { env });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(MailbridgeError.isInstance(error) && error.code).toBe('CONFIG_INVALID');
    expectCleanError(error as MailbridgeError);
  });

  it('a config object (not a file) with __proto__ / constructor keys does not pollute', () => {
    const hostile = JSON.parse(
      '{"transport":"graph","mailbox":"alerts@contoso.onmicrosoft.com","__proto__":{"polluted":"obj"},' +
        '"constructor":{"prototype":{"polluted":"obj2"}},' +
        '"auth":{"tenant":"7d3e1f42-5b1c-4a8e-9f0d-2c6b8a4e1d35","clientId":"a1b2c3d4-0e1f-4a5b-8c6d-7e8f9a0b1c2d","clientSecret":{"env":"MAILBRIDGE_CORPUS_SECRET"},"__proto__":{"flow":"basic","polluted":"auth"}}}',
    );
    try {
      const loaded = parseConfig(hostile, { env });
      expect(loaded.config.auth.flow).toBe('client-credentials');
      expect(JSON.stringify(loaded.config)).not.toContain('polluted');
    } catch (error) {
      expect(MailbridgeError.isInstance(error)).toBe(true);
      expectCleanError(error as MailbridgeError);
    }
    expectNoPollution();
  });
});
