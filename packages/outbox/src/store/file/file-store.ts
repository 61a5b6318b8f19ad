import { randomBytes } from 'node:crypto';
import { closeSync, type FSWatcher, fsync, openSync, renameSync, unlinkSync, watch, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { MailbridgeError } from '@mailbridge/core';
import type { OutboxEntry, OutboxState } from '../../outbox-types.js';
import { type OutboxStore, type StoreCounts, toOutboxEntry } from '../outbox-store.js';
import { type Claim, type ClaimOutcome, priorityOf, type StoredEntry } from '../stored-entry.js';
import { FileLimiter } from './file-limiter.js';
import { FolderSync } from './folder-sync.js';
import { processLives } from './process-lives.js';
import { enqueuedAtOfId, formatSpoolName, parseSpoolName, type SpoolName } from './spool-names.js';

/** fsync on a descriptor, through the thread pool. */
const fsyncFd = (fd: number) => new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
/** Entries up to this size are written with synchronous calls (see `writeInto`); larger ones (attachments) asynchronously. */
const SYNC_WRITE_MAX_CHARS = 64 * 1024;

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** The spool folder; created (mode 0700) when missing. */
  dir: string;
  /**
   * A claim whose file was not touched for this long is taken to be left by a worker that hung
   * (a worker that died is noticed at once: its process id is gone). Workers renew every quarter of it.
   * @default 60000
   */
  leaseMs?: number;
  /**
   * How long delivered records are kept (for `status`, `show` and `list`).
   * @default 604800000 (7 days)
   */
  keepDeliveredMs?: number;
}

const FOLDERS = ['tmp', 'queued', 'sending', 'held', 'delivered', 'failed', 'limits'] as const;
type Folder = (typeof FOLDERS)[number];
const STATE_FOLDERS: Record<OutboxState, Folder> = { queued: 'queued', sending: 'sending', held: 'held', delivered: 'delivered', failed: 'failed' };

/**
 * The embedded default store: a spool folder that needs nothing installed. Every message is a JSON
 * file; its state is the folder it is in, and every change of state is a `rename` (atomic on one file
 * system), after the new content was written to a temp file and fsync'ed; the folder is fsync'ed after
 * each rename. Two processes on one machine can work on one folder: a claim is a rename (only one
 * succeeds), held while the file's mtime is fresh and the process lives.
 *
 * Not for a folder shared between machines (NFS): process ids and renames are per machine there.
 */
export async function createFileStore(options: FileStoreOptions): Promise<OutboxStore> {
  const root = options.dir;
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
    for (const folder of FOLDERS) await mkdir(join(root, folder), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw storeError(`The outbox folder ${root} cannot be created.`, error);
  }
  return new FileStore(root, options.leaseMs ?? 60_000, options.keepDeliveredMs ?? 7 * 24 * 60 * 60_000);
}

class FileStore implements OutboxStore {
  readonly type = 'file';
  readonly limiter: FileLimiter;
  private readonly syncs = new Map<Folder, FolderSync>();
  private lastPrune = 0;
  /** Delivered files of this process that still hold the message body. */
  private readonly toStrip = new Set<string>();
  /** An empty temp file made ahead of time for the next small entry (see `writeInto`). */
  private spare: string | undefined;
  private makingSpare: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly leaseMs: number,
    private readonly keepDeliveredMs: number,
  ) {
    this.limiter = new FileLimiter(join(root, 'limits'));
    for (const folder of FOLDERS) this.syncs.set(folder, new FolderSync(join(root, folder)));
  }

  async add(entry: StoredEntry): Promise<void> {
    const name = formatSpoolName({ priority: priorityOf(entry.importance), id: entry.id, uncertain: false });
    try {
      await this.writeInto('queued', name, entry, { removeIfNotFlushed: true });
    } catch (error) {
      throw storeError(`The message could not be stored in the outbox folder ${this.root}.`, error);
    }
  }

  async addClaimed(entry: StoredEntry, onStored?: (claim: Claim) => void): Promise<Claim> {
    // Written straight into sending/ under this process's claim: one temp file + fsync + rename +
    // folder fsync, as for `add`. Durable there as much as in queued/: if this process dies, the
    // claim goes back to the queue marked uncertain (checked in Sent Items first), and its fresh
    // mtime is the lease. The worker hears of it once it is renamed into place, before the flushes.
    const handle = formatSpoolName({ priority: priorityOf(entry.importance), id: entry.id, uncertain: false, pid: process.pid, claim: randomBytes(4).toString('hex') });
    const claim: Claim = { entry: { ...entry }, handle };
    try {
      await this.writeInto('sending', handle, entry, { removeIfNotFlushed: true, ...(onStored ? { onRenamed: () => onStored(claim) } : {}) });
    } catch (error) {
      throw storeError(`The message could not be stored in the outbox folder ${this.root}.`, error);
    }
    return claim;
  }

  async claim(now: number): Promise<Claim | undefined> {
    const names = await this.names('queued');
    const ready = names
      .map((name) => ({ name, parts: parseSpoolName(name) }))
      .filter((item): item is { name: string; parts: SpoolName } => item.parts !== undefined && (item.parts.after === undefined || item.parts.after <= now))
      .sort((a, b) => (a.parts.priority ?? 2) - (b.parts.priority ?? 2) || (a.parts.id < b.parts.id ? -1 : a.parts.id > b.parts.id ? 1 : 0));
    for (const { name, parts } of ready) {
      const from = this.path('queued', name);
      // A nonce per claim: a message put back and claimed again by another worker of this process
      // gets another name, so the first worker's clean-up can never remove the second one's claim.
      const sendingName = formatSpoolName({ ...parts, pid: process.pid, claim: randomBytes(4).toString('hex') });
      const to = this.path('sending', sendingName);
      try {
        // Fresh mtime first: rename keeps it, and an old one would look like an expired lease.
        const touched = new Date();
        await utimes(from, touched, touched);
        await rename(from, to);
      } catch (error) {
        if (isMissing(error)) continue; // another worker took it
        throw storeError('A message could not be claimed in the outbox folder.', error);
      }
      // The claim must survive a power loss: otherwise a message could come back as plainly queued
      // after it was sent, and be sent again without the Sent Items check.
      await this.syncs.get('sending')!.sync();
      const entry = await this.readEntry('sending', sendingName);
      if (!entry) continue;
      if (parts.uncertain) entry.uncertain = true;
      return { entry, handle: sendingName };
    }
    return undefined;
  }

  async finish(claim: Claim, outcome: ClaimOutcome): Promise<void> {
    const entry: StoredEntry = { ...claim.entry };
    const priority = priorityOf(entry.importance);
    if (outcome.state === 'queued' && !outcome.countAttempt && !outcome.error && outcome.notBefore === undefined) {
      // Put back as it was: one atomic rename, nothing to rewrite or remove.
      const queued = formatSpoolName({ priority, id: entry.id, uncertain: outcome.uncertain });
      try {
        await rename(this.path('sending', claim.handle), this.path('queued', queued));
        await this.syncs.get('queued')!.sync();
      } catch (error) {
        throw storeError('The outbox folder could not put a message back in the queue.', error);
      }
      return;
    }
    let folder: Folder;
    let name: string;
    if (outcome.state === 'delivered') {
      // One rename: the fastest record of a delivery. The body still in the file is removed later by
      // housekeeping (a rewrite is not worth a send's latency). The folder fsync is skipped when the
      // message can be found in Sent Items: a power cut that loses the rename leaves the durable
      // claim, which goes back to the queue marked uncertain and is found there, not sent again.
      const name = formatSpoolName({ id: entry.id, uncertain: false, at: outcome.at });
      try {
        // Synchronous: a rename in the page cache takes microseconds; through the thread pool it
        // measured 0.4 ms between the send's answer and the delivered event.
        renameSync(this.path('sending', claim.handle), this.path('delivered', name));
        if (!outcome.recheckable) await this.syncs.get('delivered')!.sync();
      } catch (error) {
        throw storeError('The outbox folder could not record a delivery.', error);
      }
      this.toStrip.add(name);
      return;
    }
    switch (outcome.state) {
      case 'failed':
        entry.attempts += 1;
        entry.lastError = outcome.error;
        delete entry.notBefore;
        folder = 'failed';
        name = formatSpoolName({ id: entry.id, uncertain: false });
        break;
      case 'queued':
        if (outcome.countAttempt) entry.attempts += 1;
        if (outcome.error) entry.lastError = outcome.error;
        if (outcome.uncertain) entry.uncertain = true;
        else delete entry.uncertain;
        if (outcome.notBefore !== undefined) entry.notBefore = outcome.notBefore;
        else delete entry.notBefore;
        folder = 'queued';
        name = formatSpoolName({
          priority,
          id: entry.id,
          uncertain: outcome.uncertain,
          ...(outcome.notBefore !== undefined ? { after: outcome.notBefore } : {}),
        });
        break;
      case 'held':
        entry.heldUntil = outcome.until;
        folder = 'held';
        name = formatSpoolName({ priority, id: entry.id, uncertain: Boolean(entry.uncertain), until: outcome.until });
        break;
    }
    try {
      await this.writeInto(folder, name, entry);
      await unlink(this.path('sending', claim.handle)).catch(() => undefined);
    } catch (error) {
      throw storeError('The outbox folder could not record the outcome of a send.', error);
    }
  }

  async renew(claims: Claim[]): Promise<void> {
    const now = new Date();
    await Promise.all(claims.map((claim) => utimes(this.path('sending', claim.handle), now, now).catch(() => undefined)));
  }

  async maintain(now: number): Promise<void> {
    await this.recoverStale();
    for (const name of await this.names('held')) {
      const parts = parseSpoolName(name);
      if (!parts || parts.until === undefined || parts.until > now) continue;
      const queued = formatSpoolName({ priority: parts.priority ?? 2, id: parts.id, uncertain: parts.uncertain });
      await rename(this.path('held', name), this.path('queued', queued)).catch(() => undefined);
    }
    for (const name of [...this.toStrip].slice(0, 50)) {
      this.toStrip.delete(name);
      const entry = await this.readEntry('delivered', name).catch(() => undefined);
      if (!entry || entry.deliveredAt !== undefined) continue;
      await this.writeInto('delivered', name, deliveredRecord(entry, parseSpoolName(name)?.at ?? Date.now())).catch(() => undefined);
    }
    if (Date.now() - this.lastPrune > 60_000) {
      this.lastPrune = Date.now();
      for (const name of await this.names('delivered')) {
        const parts = parseSpoolName(name);
        if (parts?.at !== undefined && parts.at < now - this.keepDeliveredMs) await unlink(this.path('delivered', name)).catch(() => undefined);
      }
      for (const name of await this.names('tmp')) {
        // A live process's spare may be opened for a write at any moment: only a dead one's goes.
        const spareOf = /^spare-(\d+)\./.exec(name)?.[1];
        if (spareOf !== undefined && processLives(Number(spareOf))) continue;
        const info = await stat(this.path('tmp', name)).catch(() => undefined);
        if (info && Date.now() - info.mtimeMs > 60 * 60_000) await unlink(this.path('tmp', name)).catch(() => undefined);
      }
    }
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    for (const state of ['sending', 'queued', 'held', 'failed', 'delivered'] as const) {
      const folder = STATE_FOLDERS[state];
      const name = (await this.names(folder)).find((candidate) => parseSpoolName(candidate)?.id === id);
      if (!name) continue;
      const entry = await this.readEntry(folder, name);
      if (entry) return this.view(entry, state, name);
    }
    return undefined;
  }

  async *list(state?: OutboxState): AsyncIterable<OutboxEntry> {
    const states: OutboxState[] = state ? [state] : ['queued', 'sending', 'held', 'failed', 'delivered'];
    // One item per message: a message that moves from one folder to another while they are listed
    // could otherwise be listed twice, or not at all (the second look finds it where it went).
    const items = new Map<string, { state: OutboxState; name: string }>();
    for (let look = 0; look < (state ? 1 : 2); look++) {
      for (const s of states) {
        for (const name of await this.names(STATE_FOLDERS[s])) {
          const parts = parseSpoolName(name);
          if (parts && !items.has(parts.id)) items.set(parts.id, { state: s, name });
        }
      }
    }
    for (const id of [...items.keys()].sort()) {
      const item = items.get(id)!;
      const entry = await this.readEntry(STATE_FOLDERS[item.state], item.name);
      if (entry) yield this.view(entry, item.state, item.name);
      else if (!state) {
        // It moved since (claimed, delivered, put back): where it is now.
        const moved = await this.get(id);
        if (moved) yield moved;
      }
    }
  }

  async counts(now: number): Promise<StoreCounts> {
    const [queued, sending, held, failed, delivered] = await Promise.all((['queued', 'sending', 'held', 'failed', 'delivered'] as const).map((folder) => this.names(folder)));
    const ids = (names: string[]) => names.map((name) => parseSpoolName(name)).filter((parts): parts is SpoolName => parts !== undefined);
    const open = [...ids(queued!), ...ids(sending!), ...ids(held!)];
    const oldest = open.reduce((min, parts) => Math.min(min, enqueuedAtOfId(parts.id)), Number.POSITIVE_INFINITY);
    return {
      queued: ids(queued!).length,
      inFlight: ids(sending!).length,
      held: ids(held!).length,
      failed: ids(failed!).length,
      delivered24h: ids(delivered!).filter((parts) => parts.at !== undefined && parts.at > now - 24 * 60 * 60_000).length,
      ...(Number.isFinite(oldest) ? { oldestEnqueuedAt: oldest } : {}),
    };
  }

  async retry(id: string, _now: number): Promise<boolean> {
    for (const folder of ['failed', 'held'] as const) {
      const name = (await this.names(folder)).find((candidate) => parseSpoolName(candidate)?.id === id);
      if (!name) continue;
      const entry = await this.readEntry(folder, name);
      if (!entry) continue;
      if (entry.payload === undefined) return false;
      delete entry.notBefore;
      delete entry.heldUntil;
      const queued = formatSpoolName({ priority: priorityOf(entry.importance), id, uncertain: Boolean(entry.uncertain) });
      await this.writeInto('queued', queued, entry);
      await unlink(this.path(folder, name)).catch(() => undefined);
      return true;
    }
    return false;
  }

  async drop(id: string): Promise<boolean> {
    if ((await this.names('sending')).some((name) => parseSpoolName(name)?.id === id)) {
      throw new MailbridgeError({
        code: 'USAGE',
        message: `Outbox message ${id} is being sent right now, so it cannot be dropped.`,
        hint: 'Wait until the send ends (mailbridge outbox show ID), then drop it if it failed.',
      });
    }
    for (const folder of ['queued', 'held', 'failed', 'delivered'] as const) {
      const name = (await this.names(folder)).find((candidate) => parseSpoolName(candidate)?.id === id);
      if (!name) continue;
      await unlink(this.path(folder, name));
      await this.syncs.get(folder)!.sync();
      return true;
    }
    return false;
  }

  watch(listener: () => void): () => void {
    // A name appearing in queued/ (another process's enqueue, a retry, a released hold) or leaving it.
    // Events that come together are told once.
    let watcher: FSWatcher;
    let pending = false;
    try {
      watcher = watch(join(this.root, 'queued'), { persistent: false }, () => {
        if (pending) return;
        pending = true;
        setImmediate(() => {
          pending = false;
          listener();
        });
      });
    } catch {
      return () => undefined; // no watching here (e.g. out of inotify watches): polling alone
    }
    watcher.on('error', () => watcher.close());
    return () => watcher.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.makingSpare;
    if (this.spare) await unlink(this.spare).catch(() => undefined);
    this.spare = undefined;
    await Promise.all([...this.syncs.values()].map((sync) => sync.close()));
  }

  /** Claims whose worker died (its process is gone) or hung (lease not renewed) go back to the queue, marked uncertain. */
  private async recoverStale(): Promise<void> {
    const sending = await this.names('sending');
    if (sending.length === 0) return;
    let settled: Set<string> | undefined;
    for (const name of sending) {
      const parts = parseSpoolName(name);
      if (!parts) continue;
      const info = await stat(this.path('sending', name)).catch(() => undefined);
      if (!info) continue;
      const stale = (parts.pid !== undefined && !processLives(parts.pid)) || Date.now() - info.mtimeMs > this.leaseMs;
      if (!stale) continue;
      // A worker that died between recording the outcome and removing its claim left both: the outcome wins.
      settled ??= new Set(
        (await Promise.all((['queued', 'held', 'delivered', 'failed'] as const).map((folder) => this.names(folder))))
          .flat()
          .map((candidate) => parseSpoolName(candidate)?.id)
          .filter((candidate): candidate is string => candidate !== undefined),
      );
      if (settled.has(parts.id)) {
        await unlink(this.path('sending', name)).catch(() => undefined);
        continue;
      }
      const queued = formatSpoolName({ priority: parts.priority ?? 2, id: parts.id, uncertain: true });
      await rename(this.path('sending', name), this.path('queued', queued)).catch(() => undefined);
      await this.syncs.get('queued')!.sync();
    }
  }

  private view(stored: StoredEntry, state: OutboxState, name: string): OutboxEntry {
    const parts = parseSpoolName(name);
    // A delivery recorded by rename only: the file still has the claim's content.
    const entry = state === 'delivered' && stored.deliveredAt === undefined ? deliveredRecord(stored, parts?.at ?? 0) : stored;
    if (parts?.after !== undefined) entry.notBefore = parts.after;
    if (parts?.until !== undefined) entry.heldUntil = parts.until;
    return toOutboxEntry(entry, state);
  }

  /**
   * Writes `entry` to a temp file, renames it to `folder/name`, then fsyncs the file and the folder
   * (at once). Renaming before the fsyncs lets one journal commit carry the file's creation, its
   * bytes and the rename on filesystems that journal metadata (ext4, XFS). Durability is the same as
   * fsync-then-rename — both fsyncs complete before this resolves — and so is visibility: another process could already see the file between the
   * rename and the folder fsync before, as it can now (it is complete: the bytes were written first).
   *
   * `onRenamed` is called once the complete file is in place, before the flushes. With
   * `removeIfNotFlushed` (a new message), a failed flush removes the file again: an enqueue that
   * was refused must not be sent later.
   */
  private async writeInto(folder: Folder, name: string, entry: StoredEntry, options: { onRenamed?: () => void; removeIfNotFlushed?: boolean } = {}): Promise<void> {
    const target = this.path(folder, name);
    const text = JSON.stringify(entry);
    const small = text.length <= SYNC_WRITE_MAX_CHARS;
    // A small entry goes into the spare temp file when there is one: creating a file (an inode)
    // measured 0.2–0.3 ms in front of a send, opening an existing empty one microseconds. 'w' also
    // creates it if housekeeping removed it meanwhile.
    const temp = (small && this.takeSpare()) || this.tempName(entry.id);
    let renamed = false;
    try {
      if (small) {
        // A small entry (an alert) is written and renamed with synchronous calls: page-cache work of
        // microseconds each, where every asynchronous call is a thread-pool round trip in front of
        // the send. Only the two flushes, which wait for the disk, stay asynchronous.
        const fd = openSync(temp, 'w', 0o600);
        try {
          writeSync(fd, text);
          renameInto(temp, target);
          renamed = true;
          options.onRenamed?.();
          await flushed(fsyncFd(fd), this.syncs.get(folder)!.sync());
        } finally {
          closeSync(fd);
        }
      } else {
        const handle = await open(temp, 'wx', 0o600);
        try {
          await handle.writeFile(text, 'utf8');
          await rename(temp, target).catch(async (error) => {
            await unlink(temp).catch(() => undefined);
            throw error;
          });
          renamed = true;
          options.onRenamed?.();
          await flushed(handle.sync(), this.syncs.get(folder)!.sync());
        } finally {
          await handle.close();
        }
      }
    } catch (error) {
      if (renamed && options.removeIfNotFlushed) await unlink(target).catch(() => undefined);
      throw error;
    }
    if (small) this.makeSpare();
  }

  private tempName(id: string): string {
    return this.path('tmp', `${id}.${randomBytes(4).toString('hex')}.tmp`);
  }

  private takeSpare(): string | undefined {
    const spare = this.spare;
    this.spare = undefined;
    return spare;
  }

  /** Creates the next spare temp file, off the path of a send (after a write's flushes). */
  private makeSpare(): void {
    if (this.spare || this.makingSpare || this.closed) return;
    const path = this.tempName(`spare-${process.pid}`);
    this.makingSpare = open(path, 'wx', 0o600)
      .then((handle) => handle.close())
      .then(
        () => {
          if (this.closed) return unlink(path).catch(() => undefined);
          this.spare = path;
        },
        () => undefined,
      )
      .finally(() => {
        this.makingSpare = undefined;
      });
  }

  private async readEntry(folder: Folder, name: string): Promise<StoredEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.path(folder, name), 'utf8')) as StoredEntry;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeError(`The outbox file ${folder}/${name} cannot be read.`, error);
    }
  }

  private async names(folder: Folder): Promise<string[]> {
    try {
      return await readdir(join(this.root, folder));
    } catch (error) {
      throw storeError(`The outbox folder ${join(this.root, folder)} cannot be read.`, error);
    }
  }

  private path(folder: Folder, name: string): string {
    return join(this.root, folder, name);
  }
}

/** The record kept of a delivered message: no body, the attempt counted, the time. */
function deliveredRecord(entry: StoredEntry, at: number): StoredEntry {
  const { payload: _body, lastError: _error, uncertain: _uncertain, notBefore: _notBefore, heldUntil: _held, ...kept } = entry;
  return { ...kept, attempts: entry.attempts + 1, deliveredAt: at };
}

/**
 * Waits for both flushes of a write: the file's and its folder's, which run at once (the rename came
 * first, so one journal commit serves both; one after the other cost a second thread-pool round trip).
 * Both end before this does, failed or not (the file is closed after it).
 */
async function flushed(file: Promise<void>, folder: Promise<void>): Promise<void> {
  const [a, b] = await Promise.allSettled([file, folder]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
}

/** renameSync, removing the temp file when the rename fails. */
function renameInto(temp: string, target: string): void {
  try {
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // not there
    }
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

function storeError(message: string, cause: unknown): MailbridgeError {
  const code = (cause as NodeJS.ErrnoException)?.code;
  return new MailbridgeError({
    code: 'OUTBOX_STORE_UNAVAILABLE',
    message: `${message}${code ? ` (${code})` : ''}`,
    hint: 'Check that outbox.store.dir exists on a local disk with free space and is writable by this user.',
    cause,
    retryable: true,
  });
}
