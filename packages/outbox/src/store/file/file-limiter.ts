import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyLedger, ledgerUsage, type RateLedger, reserveInLedger, settleInLedger } from '../../limits/rate-ledger.js';
import type { LimiterUsage, Reservation } from '../../limits/reservation.js';
import type { SendingLimits } from '../../limits/sending-limits.js';
import type { OutboxLimiter } from '../outbox-store.js';
import { RenameLock } from './rename-lock.js';

/** One line of a ledger file. */
type LedgerLine = { snapshot: RateLedger } | { reserve: [token: string, at: number, recipients: number] } | { settle: [token: string, at: number] };

/** A change of the ledger: its result, and the lines that record it (none when nothing changed). */
interface LedgerChange<T> {
  result: T;
  lines: LedgerLine[];
}

/** What this process has read of one mailbox's ledger file. */
interface KnownLedger {
  /** The file's inode: a compaction (by any process) replaces the file. */
  ino: number;
  /** Bytes read and applied (whole lines only). */
  offset: number;
  /** Bytes of the snapshot the file starts with. */
  snapshotBytes: number;
  ledger: RateLedger;
}

/** Ledger files are named after the mailbox: `limits/<mailbox>.jsonl`. */
const LEDGER_SUFFIX = '.jsonl';
/** A ledger file is rewritten as one snapshot once its appended lines outgrow this (and its snapshot). */
const COMPACT_AFTER_BYTES = 64 * 1024;
/** How long a settlement waits for a reservation to share its ledger write. */
const SETTLE_DELAY_MS = 25;

/**
 * The sending-limit ledger of a spool folder: one file per mailbox under `limits/`, changed under an
 * inter-process lock, so every process working on the folder shares one count.
 *
 * The file is a log of JSON lines: a snapshot of the ledger, then one line per reservation and per
 * settlement, appended with one write each. Every process keeps what it has read and reads only the
 * lines added since. Replacing the whole file on every reservation (temp file + rename) cost 0.3–0.5
 * ms on ext4, which flushes the new file's data when a rename replaces another file (auto_da_alloc),
 * in front of every send; an append costs microseconds. The file is compacted to one snapshot (temp
 * file + rename) only once the lines outgrow it.
 */
export class FileLimiter implements OutboxLimiter {
  /** Changes waiting for the ledger lock, oldest first. */
  private waiting: Waiting[] = [];
  private draining = false;
  /** Set while only settlements wait: they go at this timer, or with the next reservation. */
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly known = new Map<string, KnownLedger>();
  private readonly locks = new Map<string, RenameLock>();

  constructor(private readonly folder: string) {}

  async reserve(mailbox: string, recipients: number, limits: SendingLimits, now: number): Promise<Reservation> {
    return this.update(
      mailbox,
      (ledger) => {
        const token = randomBytes(8).toString('hex');
        const result = reserveInLedger(ledger, limits, recipients, now, token);
        return { result, lines: result.ok ? [{ reserve: [token, now, recipients] }] : [] };
      },
      false,
    );
  }

  async settle(mailbox: string, token: string, at: number): Promise<void> {
    await this.update(
      mailbox,
      (ledger) => {
        const pending = ledger.pending.some(([pendingToken]) => pendingToken === token);
        settleInLedger(ledger, token, at);
        return { result: undefined, lines: pending ? [{ settle: [token, at] }] : [] };
      },
      true,
    );
  }

  async usage(mailbox: string, limits: SendingLimits, now: number): Promise<LimiterUsage> {
    const text = await readFile(this.file(mailbox), 'utf8').catch(() => '');
    const ledger = emptyLedger();
    applyLines(ledger, text.slice(0, text.lastIndexOf('\n') + 1));
    return ledgerUsage(ledger, limits, now);
  }

  async mailboxes(): Promise<string[]> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    return names.filter((name) => name.endsWith(LEDGER_SUFFIX)).map((name) => decodeURIComponent(name.slice(0, -LEDGER_SUFFIX.length)));
  }

  private file(mailbox: string): string {
    return join(this.folder, `${encodeURIComponent(mailbox.toLowerCase())}${LEDGER_SUFFIX}`);
  }

  /**
   * Changes of this process wait here in order, and those that gathered are applied together, in
   * that order, under one lock (the ledger ends as if they had run one by one).
   * A settlement (`lazy`) waits up to {@link SETTLE_DELAY_MS} for company: the end of one send and
   * the reservation of the next then cost one lock, not two after each other, and the next send
   * does not queue behind the last one's bookkeeping. Until it is written a send counts as in
   * flight, which is inside every window: the safe side.
   */
  private update<T>(mailbox: string, change: (ledger: RateLedger) => LedgerChange<T>, lazy: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ mailbox, change, resolve: resolve as (value: unknown) => void, reject });
      if (this.draining) return;
      if (!lazy) {
        clearTimeout(this.settleTimer);
        this.settleTimer = undefined;
        void this.drain();
      } else {
        this.settleTimer ??= setTimeout(() => {
          this.settleTimer = undefined;
          if (!this.draining) void this.drain();
        }, SETTLE_DELAY_MS);
      }
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const mailbox = this.waiting[0]!.mailbox;
        const batch = this.waiting.filter((item) => item.mailbox === mailbox);
        this.waiting = this.waiting.filter((item) => item.mailbox !== mailbox);
        try {
          const results = await this.updateLocked(mailbox, (ledger) =>
            batch.map((item) => {
              try {
                return { ok: true as const, change: item.change(ledger) };
              } catch (error) {
                return { ok: false as const, error };
              }
            }),
          );
          results.forEach((result, index) => (result.ok ? batch[index]!.resolve(result.change.result) : batch[index]!.reject(result.error)));
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async updateLocked(mailbox: string, apply: (ledger: RateLedger) => BatchResult[]): Promise<BatchResult[]> {
    // A free lock is taken and released synchronously (microseconds): a reservation sits in front of
    // every send. Waiting for another process's lock stays asynchronous.
    let lock = this.locks.get(mailbox);
    if (!lock) {
      lock = new RenameLock(`${this.file(mailbox)}.lock`, { timeoutMs: 30_000, staleMs: 10_000 });
      this.locks.set(mailbox, lock);
    }
    const release = await lock.acquire();
    try {
      // Read and appended synchronously under the lock: a small file in the page cache, no fsync, so
      // each call costs microseconds, where each asynchronous one is a round trip through libuv's
      // thread pool that a busy machine stretches to milliseconds.
      const path = this.file(mailbox);
      const known = this.catchUp(mailbox, path);
      const results = apply(known.ledger);
      const lines = results.flatMap((result) => (result.ok ? result.change.lines : []));
      if (lines.length > 0) {
        if (known.offset - known.snapshotBytes > Math.max(COMPACT_AFTER_BYTES, known.snapshotBytes)) this.compact(mailbox, path, known);
        else this.append(path, known, lines);
      }
      return results;
    } finally {
      release();
    }
  }

  /** This process's view of a ledger file, brought up to date with the lines other processes added. */
  private catchUp(mailbox: string, path: string): KnownLedger {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      // No ledger yet.
      const fresh: KnownLedger = { ino: -1, offset: 0, snapshotBytes: 0, ledger: emptyLedger() };
      this.known.set(mailbox, fresh);
      return fresh;
    }
    try {
      const { ino, size } = fstatSync(fd);
      let known = this.known.get(mailbox);
      if (!known || known.ino !== ino || size < known.offset) {
        known = { ino, offset: 0, snapshotBytes: 0, ledger: emptyLedger() };
        this.known.set(mailbox, known);
      }
      if (size > known.offset) {
        const bytes = Buffer.alloc(size - known.offset);
        const read = readSync(fd, bytes, 0, bytes.length, known.offset);
        // Whole lines only: a last line without its newline is not complete (see `append`).
        const end = bytes.subarray(0, read).lastIndexOf(0x0a) + 1;
        const snapshotEnd = applyLines(known.ledger, bytes.subarray(0, end).toString('utf8'));
        if (snapshotEnd !== undefined) known.snapshotBytes = known.offset + snapshotEnd;
        known.offset += end;
      }
      return known;
    } finally {
      closeSync(fd);
    }
  }

  /** Appends `lines` with one write (a process killed around it leaves all of them or none). */
  private append(path: string, known: KnownLedger, lines: LedgerLine[]): void {
    let text = lines.map((line) => `${JSON.stringify(line)}\n`).join('');
    const fd = openSync(path, 'a', 0o600);
    try {
      const { ino, size } = fstatSync(fd);
      if (ino !== known.ino) {
        // Created just now (it starts empty, which is an empty snapshot).
        known.ino = ino;
        known.snapshotBytes = 0;
      }
      // Bytes after the last whole line (a write cut short by a full disk or a power loss) end here,
      // as one line no reader can parse, instead of spoiling this one.
      if (size > known.offset) text = `\n${text}`;
      known.offset = size + writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  }

  /** Replaces the file with one snapshot of the ledger (temp file + rename: the old file or the new one, never a torn one). */
  private compact(mailbox: string, path: string, known: KnownLedger): void {
    replaceFileSync(path, `${JSON.stringify({ snapshot: known.ledger } satisfies LedgerLine)}\n`);
    this.known.delete(mailbox);
    this.catchUp(mailbox, path);
  }
}

type BatchResult = { ok: true; change: LedgerChange<unknown> } | { ok: false; error: unknown };

interface Waiting {
  mailbox: string;
  change: (ledger: RateLedger) => LedgerChange<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Applies ledger lines to `ledger`; returns the end (in bytes) of the last snapshot line, if any. A
 * line that cannot be read (a write cut short by a power loss) is skipped: the ledger then misses a
 * send or two, which only lets the next window start a little early.
 */
function applyLines(ledger: RateLedger, text: string): number | undefined {
  let snapshotEnd: number | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    offset += Buffer.byteLength(line) + 1;
    if (line === '') continue;
    let parsed: { snapshot?: Partial<RateLedger>; reserve?: [string, number, number]; settle?: [string, number] };
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (parsed.snapshot) {
      ledger.sent = parsed.snapshot.sent ?? [];
      ledger.pending = parsed.snapshot.pending ?? [];
      ledger.recipients = parsed.snapshot.recipients ?? [];
      snapshotEnd = offset;
    } else if (parsed.reserve) {
      const [token, at, recipients] = parsed.reserve;
      ledger.pending.push([token, at]);
      ledger.recipients.push([token, at, recipients]);
    } else if (parsed.settle) {
      settleInLedger(ledger, parsed.settle[0], parsed.settle[1]);
    }
  }
  return snapshotEnd;
}

/**
 * Replaces a ledger file atomically (temp file + rename), without fsync: a killed process leaves the
 * old or the new ledger, never a torn one. Unlike the messages, the ledger is not fsync'ed (it would
 * double the disk flushes of a delivery); after a power loss it may miss the last few sends, which
 * only lets the next window start a little early.
 */
function replaceFileSync(path: string, content: string): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // not created
    }
    throw error;
  }
}
