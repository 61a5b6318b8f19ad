import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, createWriteStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli, tempDir } from './helpers.js';

/**
 * The bad-input corpus through the `mailbridge` binary, as users run it: hostile config files (the
 * core corpus plus generated monsters), hostile arguments to `send` (header injection, enormous
 * recipient lists, invalid addresses, a folder or a device as a file), `--save-mime` into places
 * it must not write, and hostile answers from the service. Every run must end on its own (no
 * hang: the helper kills it after the timeout, and that fails the test), with `--json` output of
 * `{ok: false, error: {code, message, hint}}`, the exit code of that code, no stack trace and no secret.
 */

const SECRET_ENV = 'CORPUS_CLI_SECRET';
const env = { [SECRET_ENV]: DEMO.clientSecret };
const CORE_CORPUS = fileURLToPath(new URL('../../core/test/fixtures/corpus/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/corpus/', import.meta.url));
const RUN_TIMEOUT_MS = 30_000;

let sim: Simulator;
const dir = tempDir();
const configs = { graph: '', ews: '' };

beforeAll(async () => {
  sim = await startSimulator();
  for (const transport of ['graph', 'ews'] as const) {
    const config = structuredClone(sim.config({ transport, secretEnv: SECRET_ENV })) as Record<string, any>;
    config.auth.secretExpiresAt = '2099-01-01';
    configs[transport] = dir.write(`${transport}.json`, config);
  }
});
afterAll(async () => {
  await sim?.close();
  dir.cleanup();
});

/** Checks a failed `--json` run and returns its error code. */
function expectCleanFailure(run: CliRun, exitCode?: 1 | 2): string {
  expect(run.code, `killed or crashed:\n${run.stderr}`).toBeGreaterThan(0);
  if (exitCode !== undefined) expect(run.code, run.stdout + run.stderr).toBe(exitCode);
  const out = run.json();
  expect(out.ok).toBe(false);
  expect(out.error.code).toMatch(/^[A-Z_]+$/);
  expect(String(out.error.message).length).toBeGreaterThan(10);
  expect(String(out.error.hint).length).toBeGreaterThan(10);
  const all = run.stdout + run.stderr;
  expect(all).not.toContain(DEMO.clientSecret);
  expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  expect(all).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace without --verbose
  expect(all).not.toContain('root:x:0:0');
  expect(all).not.toContain('\u0000');
  expect(all.length).toBeLessThan(50_000);
  return out.error.code as string;
}

describe('hostile config files through the CLI', () => {
  // A representative subset of core's corpus (the library test runs all of it): every kind of bad
  // byte and type once, so the binary's error path is proven without starting 30 processes.
  const files = ['binary-garbage.bin', 'nul-leading.json', 'nul-raw-byte.json', 'latin1-byte.json', 'utf16le-bom.json', 'control-chars.json', 'transport-array.json', 'mailbox-crlf.json', 'timeout-infinity.json', 'lone-surrogate.json'];

  it.concurrent.each(files)('%s: a config error, exit 2', { timeout: 60_000 }, async (file) => {
    const run = await runCli(['--json', '--config', join(CORE_CORPUS, file), 'token'], { env: { MAILBRIDGE_CORPUS_SECRET: 'x' }, timeoutMs: RUN_TIMEOUT_MS });
    expect(expectCleanFailure(run, 2)).toMatch(/^CONFIG_/);
  });

  it.concurrent.each(
    readdirSync(FIXTURES)
      .filter((file) => file.endsWith('.json'))
      .sort(),
  )('%s: loads or fails cleanly, never pollutes', { timeout: 60_000 }, async (file) => {
    // Prototype-pollution keys: the config either loads (the key is dropped) or fails as a config error;
    // a polluted Object.prototype would show as "polluted" in what the CLI prints about the config.
    // The fixtures point at the simulator through placeholders: a key that leaked into a prototype
    // (a proxy, an endpoint, a flow) would send the token request elsewhere and fail.
    const text = readFileSync(join(FIXTURES, file), 'utf8').replaceAll('__SIM_URL__', sim.url).replaceAll('__CA_FILE__', sim.caFile);
    const run = await runCli(['--json', '--config', dir.write(`pollution-${file}`, text), 'token'], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(run.code, run.stderr).not.toBe(-1);
    expect(run.stdout + run.stderr).not.toContain('polluted');
    expect(run.stdout + run.stderr).not.toContain('evil.example');
    const out = run.json();
    if (out.ok === false) expect(expectCleanFailure(run, 2)).toMatch(/^CONFIG_/);
    else expect(out).toMatchObject({ ok: true, transport: 'graph', claims: { aud: 'https://graph.microsoft.com' } });
  });

  it('a 50 MB config, 100,000 levels of nesting and /dev/zero: config errors, quickly', { timeout: 90_000 }, async () => {
    const huge = join(dir.path, 'huge.json');
    const out = createWriteStream(huge);
    out.write('{"transport":"graph","padding":"');
    const chunk = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 50; i++) if (!out.write(chunk)) await once(out, 'drain');
    out.end('"}');
    await once(out, 'finish');
    const deep = dir.write('deep.json', '{"transport":"graph","auth":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_001));
    const runs = await Promise.all([huge, deep, '/dev/zero', '/dev/urandom', dir.path].map((path) => runCli(['--json', '--config', path, 'token'], { timeoutMs: RUN_TIMEOUT_MS })));
    for (const run of runs) expect(expectCleanFailure(run, 2)).toMatch(/^CONFIG_/);
  });
});

describe.each(['graph', 'ews'] as const)('hostile send arguments over %s', (transport) => {
  const addresses = (count: number) => Array.from({ length: count }, (_, index) => `r${index}@fabrikam.example`);
  // One argument may hold at most 128 KiB (Linux MAX_ARG_STRLEN): 10,000 addresses go as 10 comma-separated --to.
  const toMany = (count: number) =>
    Array.from({ length: Math.ceil(count / 1000) }, (_, chunk) => [
      '--to',
      addresses(count)
        .slice(chunk * 1000, chunk * 1000 + 1000)
        .join(','),
    ]).flat();
  const cases: Array<[string, () => string[], string]> = [
    ['CRLF + Bcc in the subject', () => ['--to', DEMO.secondMailbox, '--subject', 'Alarm\r\nBcc: victim@evil.example', '--text', 'x'], 'INVALID_MESSAGE'],
    ['CRLF + Bcc in an address', () => ['--to', `${DEMO.secondMailbox}\r\nBcc: victim@evil.example`, '--subject', 's', '--text', 'x'], 'INVALID_MESSAGE'],
    ['CRLF in a reply-to address', () => ['--to', DEMO.secondMailbox, '--reply-to', `${DEMO.mailbox}\nBcc: victim@evil.example`, '--subject', 's', '--text', 'x'], 'INVALID_MESSAGE'],
    ['10,000 recipients', () => [...toMany(10_000), '--subject', 's', '--text', 'x'], 'INVALID_MESSAGE'],
    ['an invalid address', () => ['--to', 'not-an-address', '--subject', 's', '--text', 'x'], 'INVALID_MESSAGE'],
    ['an address with two @', () => ['--to', 'a@b@fabrikam.example', '--subject', 's', '--text', 'x'], 'INVALID_MESSAGE'],
    ['--attach a folder', () => ['--to', DEMO.secondMailbox, '--subject', 's', '--text', 'x', '--attach', dir.path], 'USAGE'],
    ['--attach /dev/zero', () => ['--to', DEMO.secondMailbox, '--subject', 's', '--text', 'x', '--attach', '/dev/zero'], 'USAGE'],
    ['--attach a missing file', () => ['--to', DEMO.secondMailbox, '--subject', 's', '--text', 'x', '--attach', join(dir.path, 'missing.pdf')], 'USAGE'],
    ['--html /dev/zero', () => ['--to', DEMO.secondMailbox, '--subject', 's', '--html', '/dev/zero'], 'USAGE'],
    ['--html a folder', () => ['--to', DEMO.secondMailbox, '--subject', 's', '--html', dir.path], 'USAGE'],
  ];

  // The library corpus runs every case over both adapters; through the binary, EWS gets the two that matter most.
  const run = transport === 'graph' ? cases : cases.filter(([label]) => label.startsWith('CRLF + Bcc in the subject') || label === '10,000 recipients');
  // Concurrent: none of them may send anything, so the delivery counts stay put whatever the order.
  it.concurrent.each(run)('%s: refused before sending', { timeout: 60_000 }, async (_label, args, code) => {
    const before = sim.outbound().length + sim.messages(DEMO.secondMailbox).length;
    const run = await runCli(['--json', '--config', configs[transport], 'send', ...args()], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(expectCleanFailure(run, 2)).toBe(code);
    expect(sim.outbound().length + sim.messages(DEMO.secondMailbox).length).toBe(before);
  });
});

// Issue 14, items 3 and 7: an --html file of 600 MB was INTERNAL "Invalid string length"; `--attach
// /proc/cpuinfo` was "size was given as 0" (a file that reports size 0 but has content).
describe('body and attachment files of unusual kinds', () => {
  it('--html of 600 MB: MESSAGE_TOO_LARGE before reading it, not INTERNAL', { timeout: 60_000 }, async () => {
    const file = join(dir.path, 'huge.html');
    const out = createWriteStream(file);
    out.end();
    await once(out, 'finish');
    truncateSync(file, 600 * 1024 * 1024); // sparse: no disk used
    const run = await runCli(['--json', '--config', configs.graph, 'send', '--to', DEMO.secondMailbox, '--subject', 'huge', '--html', file], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(expectCleanFailure(run, 1)).toBe('MESSAGE_TOO_LARGE');
  });

  it.each(['graph', 'ews'] as const)('--attach /proc/cpuinfo (size 0, has content) is sent whole over %s', { timeout: 60_000 }, async (transport) => {
    const subject = `cpuinfo over ${transport}`;
    const run = await runCli(['--json', '--config', configs[transport], 'send', '--to', DEMO.secondMailbox, '--subject', subject, '--text', 'x', '--attach', '/proc/cpuinfo'], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const received = sim.messages(DEMO.secondMailbox).find((message) => message.subject === subject);
    expect(received?.attachments[0]).toMatchObject({ name: 'cpuinfo' });
    expect(received?.attachments[0]?.size).toBeGreaterThan(0);
  });

  it('--attach a process substitution (a FIFO) works', { timeout: 60_000 }, async () => {
    const fifo = join(dir.path, 'attachment-pipe');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'printf "from a pipe" > "$1"', 'sh', fifo]);
    const run = await runCli(['--json', '--config', configs.graph, 'send', '--to', DEMO.secondMailbox, '--subject', 'piped', '--text', 'x', '--attach', fifo], { env, timeoutMs: RUN_TIMEOUT_MS });
    writer.kill();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(sim.messages(DEMO.secondMailbox).find((message) => message.subject === 'piped')?.attachments[0]?.size).toBe('from a pipe'.length);
  });
});

// Issue 14, item 2: a send whose outcome is unknown must name its Message-ID, and a resend of the same
// Message-ID must look in Sent Items first instead of delivering twice.
describe.each(['graph', 'ews'] as const)('send --message-id and unknown outcomes (%s)', (transport) => {
  it('a cut-off send whose check fails too: SEND_UNCONFIRMED naming the Message-ID; the same --message-id again delivers nothing twice', { timeout: 120_000 }, async () => {
    sim.clearFaults();
    sim.inject({ kind: 'reset-after', api: transport, count: 1, ...(transport === 'graph' ? { pathIncludes: 'sendMail' } : {}) });
    if (transport === 'graph') sim.inject({ kind: 'status', status: 503, api: 'graph', count: 1000, pathIncludes: 'sentitems', retryAfterSeconds: 0 });
    else sim.inject({ kind: 'ews-error', responseCode: 'ErrorInternalServerError', operation: 'FindItem', count: 1000 });
    const args = ['send', '--to', DEMO.secondMailbox, '--subject', `unconfirmed ${transport}`, '--text', 'x'];
    let id: string;
    try {
      const failed = await runCli(['--json', '--config', configs[transport], ...args], { env, timeoutMs: 90_000 });
      expect(expectCleanFailure(failed, 1)).toBe('SEND_UNCONFIRMED');
      id = failed.json().error.internetMessageId;
      expect(id).toMatch(/^<.+@contoso\.onmicrosoft\.com>$/);
      expect(failed.json().error.message).toContain(id);
    } finally {
      sim.clearFaults();
    }
    // The script reconciles: the same message again under that Message-ID is found, not sent twice.
    const human = await runCli(['--verbose', '--config', configs[transport], ...args, '--message-id', id], { env, timeoutMs: 90_000 });
    expect(human.code, human.stdout + human.stderr).toBe(0);
    expect(human.stderr).toContain(`Message-ID ${id}`);
    expect(sim.deliveries(id).mailboxes.filter((copy) => copy.mailbox === DEMO.secondMailbox)).toHaveLength(1);
  });
});

describe('receive --save-mime', () => {
  it('file names come from a digest, never from the message: a hostile subject cannot leave the folder', { timeout: 60_000 }, async () => {
    sim.seed({
      users: [
        {
          id: DEMO.mailboxUserId,
          tenantId: DEMO.tenantId,
          mail: DEMO.mailbox,
          messages: [
            { from: 'evil@fabrikam.example', to: [DEMO.mailbox], subject: '../../../../tmp/pwned', text: 'x', internetMessageId: '<../../../etc/passwd@fabrikam.example>' },
            { from: 'evil@fabrikam.example', to: [DEMO.mailbox], subject: '/etc/passwd\u0000.eml', text: 'y' },
          ],
        },
      ],
    });
    const target = join(dir.path, 'saved');
    const run = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '50', '--save-mime', target], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const saved = run.json().messages.map((message: { mimeFile: string }) => message.mimeFile);
    expect(saved.length).toBeGreaterThanOrEqual(2);
    for (const file of saved) expect(resolve(file).startsWith(resolve(target) + '/')).toBe(true);
    expect(readdirSync(target).every((name) => /^[\w-]+\.eml$/.test(name))).toBe(true);
  });

  it.each([
    ['an existing file', () => dir.write('a-file.txt', 'x')],
    ['a path under a file', () => join(dir.write('another-file.txt', 'x'), 'sub')],
    ['/dev/null', () => '/dev/null'],
  ])('--save-mime pointing at %s: a clear error', { timeout: 60_000 }, async (_label, path) => {
    const run = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '2', '--save-mime', path()], { env, timeoutMs: RUN_TIMEOUT_MS });
    expectCleanFailure(run);
  });

  // Issue 14, item 6: files are created exclusively, never through a planted link, never over an
  // existing file without --force; an existing file or an overlong path is a USAGE error, not INTERNAL.
  it('never writes through a planted symlink; an existing file needs --force; --force replaces the link, not its target', { timeout: 90_000 }, async () => {
    const first = join(dir.path, 'first-save');
    const run = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '2', '--save-mime', first], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const names = readdirSync(first);
    expect(names.length).toBeGreaterThan(0);

    const again = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '2', '--save-mime', first], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(expectCleanFailure(again, 2)).toBe('USAGE');
    expect(again.json().error.message).toMatch(/already exists/);

    const victim = dir.write('victim.txt', 'precious');
    const planted = join(dir.path, 'planted');
    mkdirSync(planted);
    for (const name of names) symlinkSync(victim, join(planted, name));
    const through = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '2', '--save-mime', planted], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(expectCleanFailure(through, 2)).toBe('USAGE');
    expect(through.json().error.message).toMatch(/symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');

    const forced = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '2', '--save-mime', planted, '--force'], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    for (const name of names) expect(lstatSync(join(planted, name)).isSymbolicLink()).toBe(false);
  });

  it('an overlong --save-mime path: USAGE, not INTERNAL', { timeout: 60_000 }, async () => {
    const run = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '1', '--save-mime', join(dir.path, 'x'.repeat(300))], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(expectCleanFailure(run, 2)).toBe('USAGE');
  });

  it("a relative --save-mime with ../ is the user's own choice: it resolves from the current folder", { timeout: 60_000 }, async () => {
    const cwd = join(dir.path, 'work', 'here');
    mkdirSync(cwd, { recursive: true });
    const run = await runCli(['--json', '--config', configs.graph, 'receive', '--limit', '1', '--save-mime', '../out'], { env, cwd, timeoutMs: RUN_TIMEOUT_MS });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(existsSync(join(dir.path, 'work', 'out'))).toBe(true);
  });
});

// Issue 14, item 5: a subject with escape sequences, sent by anyone, retitled and cleared the terminal.
describe.each(['graph', 'ews'] as const)('terminal injection through receive (%s)', (transport) => {
  it('control characters in subject and sender are shown escaped in human output, kept exact in --json', { timeout: 60_000 }, async () => {
    const subject = `INJ-${transport} \u001b]0;pwned\u0007\u001b[2J\rfake line\u009b31m\u202eevil`;
    sim.seed({ users: [{ id: DEMO.mailboxUserId, tenantId: DEMO.tenantId, mail: DEMO.mailbox, messages: [{ from: 'evil@fabrikam.example', to: [DEMO.mailbox], subject, text: 'x' }] }] });
    const human = await runCli(['--config', configs[transport], 'receive', '--limit', '50'], { env, timeoutMs: RUN_TIMEOUT_MS });
    expect(human.code, human.stdout + human.stderr).toBe(0);
    const line = human.stdout.split('\n').find((candidate) => candidate.includes(`INJ-${transport}`));
    expect(line).toBeDefined();
    // eslint-disable-next-line no-control-regex
    expect(human.stdout + human.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(line).toContain('fake line'); // on the message's own line, not a faked one
    // EWS answers in XML 1.0, which cannot carry ESC or BEL (the simulator drops them as Exchange does).
    if (transport === 'graph') expect(line).toContain('\\x1b]0;pwned\\x07\\x1b[2J\\rfake line\\x9b31m\\u202eevil');
    const json = await runCli(['--json', '--config', configs[transport], 'receive', '--limit', '50'], { env, timeoutMs: RUN_TIMEOUT_MS });
    if (transport === 'graph') expect(json.json().messages.map((message: { subject: string }) => message.subject)).toContain(subject);
  });
});

// Issue 14, item 8: readable credentials were warned about nowhere (config) or only silently fixed by doctor (token cache).
describe('credentials other users can read are said, by receive and by doctor', () => {
  it('a 0644 config holding the secret inline: receive warns on stderr', { timeout: 60_000 }, async () => {
    const config = structuredClone(sim.config({ transport: 'graph' })) as Record<string, any>;
    const file = dir.write('inline-644.json', config);
    chmodSync(file, 0o644);
    const run = await runCli(['--config', file, 'receive', '--limit', '1'], { timeoutMs: RUN_TIMEOUT_MS });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toMatch(/holds a secret and can be read by other users \(mode 644\)/);
    expect(run.stderr).toContain(`chmod 600 ${file}`);
    expect(run.stdout + run.stderr).not.toContain(DEMO.clientSecret);
  });

  it('a 0644 token cache: receive and doctor both say so (and that it is only rewritten at the next update)', { timeout: 90_000 }, async () => {
    const cache = dir.write('cache-644.json', '{}');
    chmodSync(cache, 0o644);
    const config = structuredClone(sim.config({ transport: 'graph' })) as Record<string, any>;
    config.auth = { flow: 'device-code', tenant: DEMO.tenantId, clientId: DEMO.publicClientId, tokenCache: cache };
    const file = dir.write('delegated-644.json', config);
    const receive = await runCli(['--config', file, 'receive', '--limit', '1'], { timeoutMs: RUN_TIMEOUT_MS });
    expect(receive.stderr).toMatch(/token cache .*cache-644\.json holds a refresh token and can be read by other users \(mode 644\)/);
    const doctor = await runCli(['--json', '--config', file, 'doctor'], { timeoutMs: 60_000 });
    const check = doctor.json().checks.find((candidate: { id: string }) => candidate.id === 'config');
    expect(check).toMatchObject({ status: 'warn', message: expect.stringMatching(/token cache .*\(mode 644\).*rewrites it with mode 600/) });
  });
});

describe.each(['graph', 'ews'] as const)('hostile service answers through the CLI (%s)', (transport) => {
  // gigantic-body over EWS (cut at 220 MB) is left to the library corpus: through the CLI it only costs time.
  const bodies = transport === 'graph' ? (['malformed-json', 'wrong-content-type', 'gigantic-body'] as const) : (['truncated-xml', 'xml-entity-expansion', 'xml-external-entity'] as const);
  it.each(bodies)('%s: exit 1 with INVALID_RESPONSE', { timeout: 90_000 }, async (body) => {
    sim.clearFaults();
    sim.inject({ kind: 'hostile', api: transport, count: 100, body });
    try {
      const run = await runCli(['--json', '--config', configs[transport], 'receive', '--limit', '3'], { env, timeoutMs: 60_000 });
      expect(expectCleanFailure(run, 1)).toBe('INVALID_RESPONSE');
    } finally {
      sim.clearFaults();
    }
  });
});

// Issue 14, item 7: xmldom wrote hundreds of "[xmldom error]" lines to stderr for a malformed EWS answer.
describe('a malformed EWS answer through the CLI', () => {
  it.each(['truncated-xml', 'deep-nesting'] as const)('%s: INVALID_RESPONSE and no parser noise on stderr', { timeout: 90_000 }, async (body) => {
    sim.clearFaults();
    sim.inject({ kind: 'hostile', api: 'ews', count: 100, body, ...(body === 'deep-nesting' ? { depth: 400 } : {}) });
    try {
      const run = await runCli(['--json', '--config', configs.ews, 'receive', '--limit', '3'], { env, timeoutMs: 60_000 });
      expect(expectCleanFailure(run, 1)).toBe('INVALID_RESPONSE');
      expect(run.stderr).not.toContain('[xmldom');
    } finally {
      sim.clearFaults();
    }
  });
});
