import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { EXCHANGE_ONLINE_LIMITS, type SendingLimits } from '../src/index.js';
import { FileLimiter } from '../src/store/file/file-limiter.js';

// The file store's sending-limit ledger: a log of JSON lines per mailbox, appended under a rename
// lock (what the store conformance suite checks of every limiter holds too; this is what is the
// file's own: the log, its compaction, a torn line, and a lock left by a process that died or hung).

const MAILBOX = 'alerts@contoso.com';
const LEDGER = `${encodeURIComponent(MAILBOX)}.jsonl`;
const wide: SendingLimits = { ...EXCHANGE_ONLINE_LIMITS, messages: 1_000_000, recipientsPerDay: 1_000_000 };

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'mailbridge-ledger-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const lines = () => readFileSync(join(folder, LEDGER), 'utf8').split('\n').filter(Boolean);

test('a reservation and a settlement each append one line; another process reads what was added', async () => {
  const a = new FileLimiter(folder);
  const b = new FileLimiter(folder);
  const now = Date.now();
  const first = await a.reserve(MAILBOX, 2, wide, now);
  if (!first.ok) throw new Error('refused');
  expect(lines()).toEqual([JSON.stringify({ reserve: [first.token, now, 2] })]);
  await a.settle(MAILBOX, first.token, now + 5);
  expect(lines()).toHaveLength(2);
  expect(JSON.parse(lines()[1]!)).toEqual({ settle: [first.token, now + 5] });
  // b starts from the file, then keeps reading only what was appended since.
  expect(await b.reserve(MAILBOX, 3, wide, now + 10)).toMatchObject({ ok: true, recipients24h: 5 });
  expect(await a.reserve(MAILBOX, 1, wide, now + 20)).toMatchObject({ ok: true, recipients24h: 6 });
  expect(await b.usage(MAILBOX, wide, now + 20)).toMatchObject({ inWindow: 3, recipientsInDay: 6 });
  expect(await a.mailboxes()).toEqual([MAILBOX]);
});

test('the log is compacted to one snapshot once it outgrows it, and every process keeps the same count', async () => {
  const a = new FileLimiter(folder);
  const b = new FileLimiter(folder);
  const now = Date.now();
  for (let i = 0; i < 2_000; i++) await (i % 2 ? a : b).reserve(MAILBOX, 1, wide, now + i);
  const log = lines();
  expect(log.length).toBeLessThan(2_000);
  expect(Object.keys(JSON.parse(log[0]!))).toEqual(['snapshot']);
  for (const limiter of [a, b, new FileLimiter(folder)]) expect(await limiter.usage(MAILBOX, wide, now + 2_000)).toMatchObject({ inWindow: 2_000, recipientsInDay: 2_000 });
  expect(await b.reserve(MAILBOX, 1, wide, now + 2_100)).toMatchObject({ ok: true, recipients24h: 2_001 });
  expect(await a.reserve(MAILBOX, 1, wide, now + 2_101)).toMatchObject({ ok: true, recipients24h: 2_002 });
  // No temp file is left from the compaction.
  expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
});

test('a line cut short (a power loss mid-write) is skipped, and the next line is not spoiled by it', async () => {
  const a = new FileLimiter(folder);
  const now = Date.now();
  await a.reserve(MAILBOX, 1, wide, now);
  appendFileSync(join(folder, LEDGER), '{"reserve":["torn",');
  const b = new FileLimiter(folder);
  expect(await b.reserve(MAILBOX, 1, wide, now + 1)).toMatchObject({ ok: true, recipients24h: 2 });
  expect(await a.reserve(MAILBOX, 1, wide, now + 2)).toMatchObject({ ok: true, recipients24h: 3 });
  expect(await new FileLimiter(folder).usage(MAILBOX, wide, now + 3)).toMatchObject({ inWindow: 3, recipientsInDay: 3 });
});

test('the ledger lock: a holder that is alive makes others wait until it lets go', async () => {
  const a = new FileLimiter(folder);
  await a.reserve(MAILBOX, 1, wide, Date.now());
  // Another live process (this one's id, as far as the lock can tell) holds it.
  const held = join(folder, `${LEDGER}.lock.${process.pid}.${Date.now()}.abcd1234`);
  renameSync(join(folder, `${LEDGER}.lock.free`), held);
  let done = false;
  const waiting = new FileLimiter(folder).reserve(MAILBOX, 1, wide, Date.now()).then((result) => {
    done = true;
    return result;
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(done).toBe(false);
  renameSync(held, join(folder, `${LEDGER}.lock.free`));
  expect(await waiting).toMatchObject({ ok: true, recipients24h: 2 });
});

test('the ledger lock: one left by a process that died is taken over at once, one held past its time by a hung process soon after', async () => {
  const a = new FileLimiter(folder);
  await a.reserve(MAILBOX, 1, wide, Date.now());
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  renameSync(join(folder, `${LEDGER}.lock.free`), join(folder, `${LEDGER}.lock.${dead}.${Date.now()}.abcd1234`));
  const started = Date.now();
  expect(await new FileLimiter(folder).reserve(MAILBOX, 1, wide, Date.now())).toMatchObject({ ok: true, recipients24h: 2 });
  expect(Date.now() - started).toBeLessThan(1_000);
  // Alive (this process) but holding it for 20 s: longer than any ledger change takes.
  renameSync(join(folder, `${LEDGER}.lock.free`), join(folder, `${LEDGER}.lock.${process.pid}.${Date.now() - 20_000}.abcd1234`));
  expect(await new FileLimiter(folder).reserve(MAILBOX, 1, wide, Date.now())).toMatchObject({ ok: true, recipients24h: 3 });
  expect(readdirSync(folder).filter((name) => name.includes('.lock.'))).toEqual([`${LEDGER}.lock.free`]);
});

test('a ledger that cannot be written is an OUTBOX_STORE_UNAVAILABLE error with a hint, not a hang', async () => {
  const a = new FileLimiter(join(folder, 'missing'));
  await expect(a.reserve(MAILBOX, 1, wide, Date.now())).rejects.toMatchObject({ code: 'OUTBOX_STORE_UNAVAILABLE', hint: expect.stringContaining('outbox.store.dir') });
});
