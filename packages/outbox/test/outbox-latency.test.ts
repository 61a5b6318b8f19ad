import fs, { readlinkSync, renameSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { type Claim, createFileStore, createOutbox, type Outbox, type OutboxEvents, type OutboxStore, type StoredEntry } from '../src/index.js';
import { type OutboxTestBed, RECIPIENT, SENDER, startOutboxTestBed, waitFor } from './support/outbox-test-bed.js';

// The latency of one message through an idle outbox: an enqueue while a worker waits goes to that
// worker at once, with no more disk flushes than the enqueue's own (issue 16's latency target).

let bed: OutboxTestBed;
let outbox: Outbox | undefined;
beforeEach(async () => {
  bed = await startOutboxTestBed();
});
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
  await bed.cleanup();
});

/** No poll can deliver within the tests' time: only a hand-over or a wake-up can. */
const NO_POLL_MS = 120_000;

/** Records every fsync (by the path of its file or folder, via /proc) while `recording` is on. */
async function recordFsyncs(): Promise<{ paths: string[]; recording: boolean; restore(): void }> {
  const probe = await open(join(bed.dir, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(probe) as { sync(this: { fd: number }): Promise<void> };
  await probe.close();
  const original = prototype.sync;
  const originalFsync = fs.fsync;
  const pathOf = (fd: number) => relative(join(bed.dir, 'spool'), readlinkSync(`/proc/self/fd/${fd}`));
  const recorder = {
    paths: [] as string[],
    recording: false,
    restore: () => {
      prototype.sync = original;
      fs.fsync = originalFsync;
      syncBuiltinESMExports();
    },
  };
  // Both ways the store flushes: FileHandle.sync, and fs.fsync on a descriptor (small entries).
  prototype.sync = function (this: { fd: number }) {
    if (recorder.recording) recorder.paths.push(pathOf(this.fd));
    return original.call(this);
  };
  fs.fsync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    if (recorder.recording) recorder.paths.push(pathOf(fd));
    return originalFsync(fd, callback);
  }) as typeof fs.fsync;
  syncBuiltinESMExports();
  return recorder;
}

/** Resolves with the delivered event of `id` (set up before the enqueue, so it cannot be missed). */
function deliveredOf(target: Outbox): { wait(id: string): Promise<OutboxEvents['delivered']> } {
  const events: Array<OutboxEvents['delivered']> = [];
  target.on('delivered', (event) => events.push(event));
  return {
    async wait(id) {
      await waitFor(() => events.some((event) => event.id === id), 15_000, `the delivery of ${id} (without waiting for a poll)`);
      return events.find((event) => event.id === id)!;
    },
  };
}

/**
 * A started outbox on the spool whose every worker has looked once and found nothing (so each
 * waits: for a poll that will not come within the test, or for a message handed to it).
 */
async function idleOutbox(): Promise<Outbox> {
  const store = await createFileStore({ dir: join(bed.dir, 'spool') });
  let empty = 0;
  const counting = Object.assign(Object.create(store) as OutboxStore, {
    async claim(now: number): Promise<Claim | undefined> {
      const claim = await store.claim.call(counting, now);
      if (!claim) empty++;
      return claim;
    },
  });
  const started = await createOutbox(bed.config({ outbox: { concurrency: 4 } }), { store: counting, pollIntervalMs: NO_POLL_MS });
  await started.start();
  await waitFor(() => empty >= 4, 15_000, 'every worker idle');
  return started;
}

test.runIf(process.platform === 'linux')('an enqueue while a worker is idle is stored already claimed for it: sent at once, with one file and one folder fsync on the way', async () => {
  outbox = await idleOutbox();
  const delivered = deliveredOf(outbox);
  const fsyncs = await recordFsyncs();
  try {
    fsyncs.recording = true;
    const { id, internetMessageId } = await outbox.enqueue({ to: [RECIPIENT], subject: 'disk 97% on db-01', text: 'Free space on /var: 3%.' });
    const event = await delivered.wait(id);
    fsyncs.recording = false;
    expect(event).toMatchObject({ attempts: 1, recovered: false });
    expect(bed.simulator.deliveries(internetMessageId).mailboxes.filter((m) => m.folder === 'inbox')).toHaveLength(1);
    // The enqueue's file (renamed into sending/ before its flush) and that folder: no claim flush, no delivery flush.
    expect(fsyncs.paths).toEqual([expect.stringMatching(new RegExp(`^sending/.*${id}.*\\.json$`)), 'sending']);
    expect(await readdir(join(bed.dir, 'spool', 'queued'))).toEqual([]);
    expect((await outbox.get(id))?.state).toBe('delivered');
  } finally {
    fsyncs.restore();
  }
});

test.runIf(process.platform === 'linux')('a message without a Sent Items copy cannot be looked up after a power cut: its delivery record is flushed', async () => {
  outbox = await idleOutbox();
  const delivered = deliveredOf(outbox);
  const fsyncs = await recordFsyncs();
  try {
    fsyncs.recording = true;
    const { id } = await outbox.enqueue({ to: [RECIPIENT], subject: 'no copy', text: 'x', saveToSentItems: false });
    await delivered.wait(id);
    fsyncs.recording = false;
    expect(fsyncs.paths.filter((path) => !path.includes('.json') && !path.startsWith('tmp/'))).toEqual(['sending', 'delivered']);
  } finally {
    fsyncs.restore();
  }
});

test('a wake-up that comes while every worker is looking is not lost (no poll interval of waiting)', async () => {
  const store = await createFileStore({ dir: join(bed.dir, 'spool') });
  // A store without the hand-over (like Redis): enqueue = add + wake. The only worker's first look
  // is held open until a message has been enqueued, so the wake-up finds no sleeper.
  let entered!: () => void;
  const inClaim = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const gated = Object.assign(Object.create(store) as OutboxStore, {
    addClaimed: undefined,
    async claim(now: number): Promise<Claim | undefined> {
      const claim = await store.claim.call(gated, now);
      if (first) {
        first = false;
        entered();
        await gate;
      }
      return claim;
    },
  });
  outbox = await createOutbox(bed.config({ outbox: { concurrency: 1 } }), { store: gated, pollIntervalMs: NO_POLL_MS });
  const delivered = deliveredOf(outbox);
  await outbox.start();
  await inClaim;
  const { id } = await outbox.enqueue({ to: [RECIPIENT], subject: 'enqueued mid-look', text: 'x' });
  release();
  expect(await delivered.wait(id)).toMatchObject({ attempts: 1, recovered: false });
});

test('a message another process enqueues is picked up by an idle worker at once, not at its next poll (file store)', async () => {
  outbox = await idleOutbox();
  const delivered = deliveredOf(outbox);
  // Another process's outbox on the same spool folder (not started: it only enqueues).
  const producer = await createOutbox(bed.config());
  try {
    const { id } = await producer.enqueue({ to: [RECIPIENT], subject: 'from another process', text: 'x' });
    expect(await delivered.wait(id)).toMatchObject({ attempts: 1, recovered: false });
  } finally {
    await producer.close();
  }
});

const inInbox = (subject: string) => bed.simulator.messages(RECIPIENT, 'inbox').some((message) => message.subject === subject);

/**
 * An idle outbox (one worker) on a store whose `addClaimed` tells the worker at once, as the file
 * store does, but resolves only when the test calls `release()`: a flush that takes its time.
 */
async function outboxWithSlowFlush() {
  const store = await createFileStore({ dir: join(bed.dir, 'spool') });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let flushing = false;
  const slow = Object.assign(Object.create(store) as OutboxStore, {
    async addClaimed(entry: StoredEntry, onStored?: (claim: Claim) => void): Promise<Claim> {
      flushing = true;
      const claim = await store.addClaimed!.call(slow, entry, onStored);
      await gate;
      flushing = false;
      return claim;
    },
  });
  const started = await createOutbox(bed.config({ outbox: { concurrency: 1 } }), { store: slow, pollIntervalMs: NO_POLL_MS });
  await started.start();
  await new Promise((resolve) => setTimeout(resolve, 200)); // the worker has looked and waits
  return { outbox: started, release, flushing: () => flushing };
}

/** Makes the flush of a message file in `folder/` fail with EIO, after `delayMs` (the real file store underneath). */
function failMessageFlush(folder: 'sending' | 'queued', delayMs: number): { restore(): void } {
  const original = fs.fsync;
  const message = new RegExp(`/${folder}/.*\\.json$`);
  fs.fsync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    if (!message.test(readlinkSync(`/proc/self/fd/${fd}`))) return original(fd, callback);
    setTimeout(() => callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5, syscall: 'fsync' })), delayMs);
  }) as typeof fs.fsync;
  syncBuiltinESMExports();
  return {
    restore() {
      fs.fsync = original;
      syncBuiltinESMExports();
    },
  };
}

test('an idle worker starts sending while the enqueue is still being flushed; the enqueue resolves only once it is durable, and the delivery is recorded after that', async () => {
  const slow = await outboxWithSlowFlush();
  outbox = slow.outbox;
  const delivered = deliveredOf(outbox);
  let resolved = false;
  const enqueued = outbox.enqueue({ to: [RECIPIENT], subject: 'sent while flushing', text: 'x' }).then((result) => {
    resolved = true;
    return result;
  });
  await waitFor(() => inInbox('sent while flushing'), 15_000, 'the message in the inbox before its flush ended');
  expect(slow.flushing()).toBe(true);
  expect(resolved).toBe(false);
  // Nothing is recorded before the message is durable: it stays in flight.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await readdir(join(bed.dir, 'spool', 'sending'))).toHaveLength(1);
  expect(await readdir(join(bed.dir, 'spool', 'delivered'))).toEqual([]);
  slow.release();
  const { id } = await enqueued;
  expect(await delivered.wait(id)).toMatchObject({ attempts: 1, recovered: false });
  expect((await outbox.get(id))?.state).toBe('delivered');
});

test.runIf(process.platform === 'linux')('a flush that fails after the message went out: the enqueue resolves (it was delivered, once) and nothing stays in the spool to be sent again', async () => {
  outbox = await idleOutbox();
  const delivered = deliveredOf(outbox);
  const failing = failMessageFlush('sending', 1_000);
  try {
    const { id, internetMessageId } = await outbox.enqueue({ to: [RECIPIENT], subject: 'delivered, not stored', text: 'x' });
    expect(await delivered.wait(id)).toMatchObject({ recovered: false });
    expect(bed.simulator.deliveries(internetMessageId).mailboxes.filter((m) => m.folder === 'inbox')).toHaveLength(1);
    for (const folder of ['queued', 'sending']) expect(await readdir(join(bed.dir, 'spool', folder))).toEqual([]);
  } finally {
    failing.restore();
  }
});

test.runIf(process.platform === 'linux')('a flush that fails while the send fails too: the enqueue is refused with the store error, and nothing stays behind to be sent later', async () => {
  outbox = await idleOutbox();
  const failed: unknown[] = [];
  outbox.on('failed', (event) => failed.push(event));
  const failing = failMessageFlush('sending', 1_000);
  try {
    // Sending as another mailbox is refused at once: a permanent failure, before the flush fails.
    await expect(outbox.enqueue({ from: RECIPIENT, to: [SENDER], subject: 'refused twice', text: 'x' })).rejects.toMatchObject({ code: 'OUTBOX_STORE_UNAVAILABLE', message: expect.stringContaining('EIO') });
  } finally {
    failing.restore();
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const folder of ['queued', 'sending', 'failed', 'delivered']) expect(await readdir(join(bed.dir, 'spool', folder)), folder).toEqual([]);
  expect(failed).toEqual([]);
});

test.runIf(process.platform === 'linux')('a refused enqueue to a busy outbox (no idle worker) leaves nothing in the queue either', async () => {
  const failing = failMessageFlush('queued', 0);
  try {
    outbox = await createOutbox(bed.config()); // not started: every enqueue goes to the queue
    await expect(outbox.enqueue({ to: [RECIPIENT], subject: 'not stored', text: 'x' })).rejects.toMatchObject({ code: 'OUTBOX_STORE_UNAVAILABLE' });
    expect(await readdir(join(bed.dir, 'spool', 'queued'))).toEqual([]);
  } finally {
    failing.restore();
  }
});

test('an enqueue to an idle worker does not wait for the sending-limit ledger while another process holds its lock', async () => {
  outbox = await idleOutbox();
  const delivered = deliveredOf(outbox);
  await outbox.enqueue({ to: [RECIPIENT], subject: 'first', text: 'x' }); // the ledger and its lock exist now
  const limits = join(bed.dir, 'spool', 'limits');
  const free = (await readdir(limits)).find((name) => name.endsWith('.lock.free'))!;
  // Another live process holds the lock (this process's id, as far as the lock can tell).
  const held = join(limits, free.replace(/\.free$/, `.${process.pid}.${Date.now()}.abcd1234`));
  renameSync(join(limits, free), held);
  const started = Date.now();
  const { id } = await outbox.enqueue({ to: [RECIPIENT], subject: 'while the ledger is locked', text: 'x' });
  expect(Date.now() - started).toBeLessThan(1_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(inInbox('while the ledger is locked')).toBe(false); // no send without its reservation
  renameSync(held, join(limits, free));
  expect(await delivered.wait(id)).toMatchObject({ attempts: 1 });
});

test.runIf(process.platform === 'linux')("a message's two flushes (its file's and its folder's) run at once, not one after the other", async () => {
  outbox = await idleOutbox();
  const delivered = deliveredOf(outbox);
  const original = fs.fsync;
  let fileFlushing = false;
  let folderDuringFile = false;
  const probe = await open(join(bed.dir, 'probe2'), 'w');
  const prototype = Object.getPrototypeOf(probe) as { sync(this: { fd: number }): Promise<void> };
  await probe.close();
  const recordedSync = prototype.sync;
  // The file's flush takes 200 ms; the folder's starts while it runs.
  fs.fsync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    if (!/\/sending\/.*\.json$/.test(readlinkSync(`/proc/self/fd/${fd}`))) return original(fd, callback);
    fileFlushing = true;
    return original(fd, (error) =>
      setTimeout(() => {
        fileFlushing = false;
        callback(error);
      }, 200),
    );
  }) as typeof fs.fsync;
  prototype.sync = function (this: { fd: number }) {
    if (readlinkSync(`/proc/self/fd/${this.fd}`).endsWith('/sending') && fileFlushing) folderDuringFile = true;
    return recordedSync.call(this);
  };
  syncBuiltinESMExports();
  try {
    const { id } = await outbox.enqueue({ to: [RECIPIENT], subject: 'two flushes', text: 'x' });
    await delivered.wait(id);
    expect(folderDuringFile).toBe(true);
  } finally {
    prototype.sync = recordedSync;
    fs.fsync = original;
    syncBuiltinESMExports();
  }
});

test('a small message is written into an empty temp file made ahead of time, not a file created on the way to the send', async () => {
  outbox = await idleOutbox();
  const delivered = deliveredOf(outbox);
  const tmp = join(bed.dir, 'spool', 'tmp');
  const spares = async () => (await readdir(tmp)).filter((name) => name.startsWith(`spare-${process.pid}.`));
  await delivered.wait((await outbox.enqueue({ to: [RECIPIENT], subject: 'first', text: 'x' })).id);
  await waitFor(async () => (await spares()).length === 1, 5_000, 'a spare temp file');
  const [spare] = await spares();
  await delivered.wait((await outbox.enqueue({ to: [RECIPIENT], subject: 'second', text: 'x' })).id);
  await waitFor(async () => (await spares()).length === 1 && (await spares())[0] !== spare, 5_000, 'the spare used and a new one made');
  await outbox.close();
  outbox = undefined;
  expect(await readdir(tmp)).toEqual([]);
});
