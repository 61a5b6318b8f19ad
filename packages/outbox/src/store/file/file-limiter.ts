import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireFileLock } from '@mailbridge/core';
import { emptyLedger, ledgerUsage, type RateLedger, reserveInLedger, settleInLedger } from '../../limits/rate-ledger.js';
import type { LimiterUsage, Reservation } from '../../limits/reservation.js';
import type { SendingLimits } from '../../limits/sending-limits.js';
import type { OutboxLimiter } from '../outbox-store.js';

/**
 * The sending-limit ledger of a spool folder: one JSON file per mailbox under `limits/`, changed
 * under an inter-process lock, so every process working on the folder shares one count.
 */
export class FileLimiter implements OutboxLimiter {
  /** Changes waiting for the ledger lock, oldest first. */
  private waiting: Waiting[] = [];
  private draining = false;
  /** Set while only settlements wait: they go at this timer, or with the next reservation. */
  private settleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly folder: string) {}

  async reserve(mailbox: string, recipients: number, limits: SendingLimits, now: number): Promise<Reservation> {
    return this.update(mailbox, (ledger) => reserveInLedger(ledger, limits, recipients, now, randomBytes(8).toString('hex')), false);
  }

  async settle(mailbox: string, token: string, at: number): Promise<void> {
    await this.update(
      mailbox,
      (ledger) => {
        settleInLedger(ledger, token, at);
        return undefined;
      },
      true,
    );
  }

  async usage(mailbox: string, limits: SendingLimits, now: number): Promise<LimiterUsage> {
    return ledgerUsage(await this.read(mailbox), limits, now);
  }

  async mailboxes(): Promise<string[]> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    return names.filter((name) => name.endsWith('.json')).map((name) => decodeURIComponent(name.slice(0, -5)));
  }

  private file(mailbox: string): string {
    return join(this.folder, `${encodeURIComponent(mailbox.toLowerCase())}.json`);
  }

  private async read(mailbox: string): Promise<RateLedger> {
    const text = await readFile(this.file(mailbox), 'utf8').catch(() => undefined);
    return parseLedger(() => text);
  }

  /**
   * Changes of this process wait here in order, and those that gathered are applied together, in
   * that order, in one locked read-modify-write (the ledger ends as if they had run one by one).
   * A settlement (`lazy`) waits up to {@link SETTLE_DELAY_MS} for company: the end of one send and
   * the reservation of the next then cost one lock and one write, not two after each other, and the
   * next send does not queue behind the last one's bookkeeping. Until it is written a send counts
   * as in flight, which is inside every window: the safe side.
   */
  private update<T>(mailbox: string, change: (ledger: RateLedger) => T, lazy: boolean): Promise<T> {
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
                return { ok: true as const, value: item.change(ledger) };
              } catch (error) {
                return { ok: false as const, error };
              }
            }),
          );
          results.forEach((result, index) => (result.ok ? batch[index]!.resolve(result.value) : batch[index]!.reject(result.error)));
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async updateLocked<T>(mailbox: string, change: (ledger: RateLedger) => T): Promise<T> {
    // A free lock is taken and released synchronously (microseconds): a reservation sits in front of
    // every send. Waiting for another process's lock stays asynchronous.
    const release = await acquireFileLock(`${this.file(mailbox)}.lock`, { timeoutMs: 30_000, staleMs: 10_000, sync: true });
    try {
      // Read and replaced synchronously under the lock: a small file in the page cache, no fsync, so
      // each call costs microseconds, where each asynchronous one is a round trip through libuv's
      // thread pool that a busy machine stretches to milliseconds, and a reservation sits in front
      // of every send.
      const ledger = parseLedger(() => readFileSync(this.file(mailbox), 'utf8'));
      const before = JSON.stringify(ledger);
      const result = change(ledger);
      const after = JSON.stringify(ledger);
      if (after !== before) replaceFileSync(this.file(mailbox), after);
      return result;
    } finally {
      await release();
    }
  }
}

/** A ledger from its file's text; empty when there is none (or it cannot be read). */
function parseLedger(text: () => string | undefined): RateLedger {
  try {
    const parsed = JSON.parse(text() ?? '{}') as Partial<RateLedger>;
    return { sent: parsed.sent ?? [], pending: parsed.pending ?? [], recipients: parsed.recipients ?? [] };
  } catch {
    return emptyLedger();
  }
}

/** How long a settlement waits for a reservation to share its ledger write. */
const SETTLE_DELAY_MS = 25;

interface Waiting {
  mailbox: string;
  change: (ledger: RateLedger) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Replaces a ledger file atomically (temp file + rename), without fsync: a killed process leaves the
 * old or the new ledger, never a torn one. Unlike the messages, the ledger is not fsync'ed on every
 * send (it would double the disk flushes of a delivery); after a power loss it may miss the last
 * few sends, which only lets the next minute start a little early.
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
