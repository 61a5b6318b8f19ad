import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
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
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly folder: string) {}

  async reserve(mailbox: string, recipients: number, limits: SendingLimits, now: number): Promise<Reservation> {
    return this.update(mailbox, (ledger) => reserveInLedger(ledger, limits, recipients, now, randomBytes(8).toString('hex')));
  }

  async settle(mailbox: string, token: string, at: number): Promise<void> {
    await this.update(mailbox, (ledger) => {
      settleInLedger(ledger, token, at);
      return undefined;
    });
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
    try {
      const parsed = JSON.parse(await readFile(this.file(mailbox), 'utf8')) as RateLedger;
      return { sent: parsed.sent ?? [], pending: parsed.pending ?? [], recipients: parsed.recipients ?? [] };
    } catch {
      return emptyLedger();
    }
  }

  private async update<T>(mailbox: string, change: (ledger: RateLedger) => T): Promise<T> {
    // Workers of this process queue up here in order (a promise chain), so only one of them at a time
    // polls the lock file: first come, first served, and high-importance claims are not starved.
    const previous = this.queue;
    let done!: () => void;
    this.queue = new Promise<void>((resolve) => (done = resolve));
    await previous;
    try {
      return await this.updateLocked(mailbox, change);
    } finally {
      done();
    }
  }

  private async updateLocked<T>(mailbox: string, change: (ledger: RateLedger) => T): Promise<T> {
    const release = await acquireFileLock(`${this.file(mailbox)}.lock`, { timeoutMs: 30_000, staleMs: 10_000 });
    try {
      const ledger = await this.read(mailbox);
      const before = JSON.stringify(ledger);
      const result = change(ledger);
      const after = JSON.stringify(ledger);
      if (after !== before) await replaceFile(this.file(mailbox), after);
      return result;
    } finally {
      await release();
    }
  }
}

/**
 * Replaces a ledger file atomically (temp file + rename), without fsync: a killed process leaves the
 * old or the new ledger, never a torn one. Unlike the messages, the ledger is not fsync'ed on every
 * send (it would double the disk flushes of a delivery); after a power loss it may miss the last
 * few sends, which only lets the next minute start a little early.
 */
async function replaceFile(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, content, { mode: 0o600, flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
