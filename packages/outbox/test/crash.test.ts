import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createOutbox } from '../src/index.js';
import { redisUnavailable, startTestRedis, type TestRedis } from '../src/testing/index.js';
import { type OutboxTestBed, RECIPIENT, SENDER, startOutboxTestBed, waitFor } from './support/outbox-test-bed.js';
import { startWorker, type WorkerProcess } from './support/worker-process.js';

const MESSAGES = Number(process.env.OUTBOX_CRASH_MESSAGES ?? 300);
const KILLS = 6;
const redisSkip = redisUnavailable();
let redis: TestRedis | undefined;
beforeAll(async () => {
  if (!redisSkip) redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const cases = [
  { store: 'file', transport: 'graph' },
  { store: 'file', transport: 'ews' },
  { store: 'redis', transport: 'graph' },
  { store: 'redis', transport: 'ews' },
] as const;

describe.each(cases)('crash: $store store, $transport transport', ({ store, transport }) => {
  const skip = store === 'redis' ? redisSkip : undefined;
  let bed: OutboxTestBed;
  let workers: WorkerProcess[] = [];
  afterEach(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    workers = [];
    await bed?.cleanup();
  });

  test.skipIf(Boolean(skip))(`${MESSAGES} messages, the worker SIGKILLed at random points ${KILLS} times: each delivered exactly once`, { timeout: 900_000 }, async () => {
    bed = await startOutboxTestBed();
    const storeConfig = store === 'file' ? { type: 'file', dir: join(bed.dir, 'spool') } : { type: 'redis', url: redis!.url, prefix: `crash${randomBytes(4).toString('hex')}` };
    const config = bed.config({ transport, outbox: { store: storeConfig, limits: { messagesPerMinute: 100_000 }, concurrency: 4 } });
    const configPath = join(bed.dir, 'mailbridge.json');
    await writeFile(configPath, JSON.stringify(config));

    const producer = await createOutbox(configPath);
    const ids: string[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const { internetMessageId } = await producer.enqueue({ to: [RECIPIENT], subject: `crash ${i}`, text: `message ${i}` });
      ids.push(internetMessageId);
    }
    await producer.close();

    const leaseMs = 1_500;
    let kills = 0;
    let recovered = 0;
    while (kills < KILLS) {
      const worker = startWorker(configPath, { leaseMs });
      workers.push(worker);
      await worker.started;
      // Let it deliver some, then kill it at a random moment: mid-send, mid-claim, mid-record.
      const before = worker.lines.length;
      await waitFor(() => worker.lines.length > before || worker.child.exitCode !== null, 30_000, 'a delivery');
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 400)));
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBe('SIGKILL');
      kills++;
      recovered += worker.lines.filter((line) => line.endsWith('recovered')).length;
    }
    const last = startWorker(configPath, { leaseMs });
    workers.push(last);
    await last.started;
    const watcher = await createOutbox(configPath);
    try {
      await waitFor(async () => (await watcher.status()).delivered24h === MESSAGES, 600_000, 'every message delivered').catch(async (error) => {
        throw new Error(`${(error as Error).message}: ${JSON.stringify(await watcher.status())}; last worker: ${last.lines.slice(-5).join(' | ')}`);
      });
      const status = await watcher.status();
      expect(status).toMatchObject({ queued: 0, inFlight: 0, held: 0, failed: 0, delivered24h: MESSAGES });
    } finally {
      await watcher.close();
    }
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    recovered += last.lines.filter((line) => line.endsWith('recovered')).length;

    // Exactly once, counted by the simulator: one copy in the recipient's Inbox, one in Sent Items.
    const counts = ids.map((id) => bed.simulator.deliveries(id).mailboxes);
    const inbox = counts.map((copies) => copies.filter((c) => c.mailbox === RECIPIENT.toLowerCase() && c.folder === 'inbox').length);
    const sent = counts.map((copies) => copies.filter((c) => c.mailbox === SENDER.toLowerCase() && c.folder === 'sentitems').length);
    expect(inbox.filter((n) => n !== 1)).toEqual([]);
    expect(sent.filter((n) => n !== 1)).toEqual([]);
    expect(bed.simulator.messages(RECIPIENT, 'inbox').filter((m) => m.subject.startsWith('crash '))).toHaveLength(MESSAGES);
    console.info(`crash ${store}/${transport}: ${kills} kills, ${recovered} messages found already sent in Sent Items after a kill`);
  });
});

// Messages enqueued in the worker process itself are handed to its idle workers already claimed
// (no trip through queued/): the same guarantees when that process is killed at random points.
describe('crash: file store, graph transport, the killed process enqueues too', () => {
  let bed: OutboxTestBed;
  let workers: WorkerProcess[] = [];
  afterEach(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    workers = [];
    await bed?.cleanup();
  });

  test(`${KILLS} SIGKILLs while enqueuing and delivering: every acknowledged enqueue delivered exactly once, none twice`, { timeout: 900_000 }, async () => {
    bed = await startOutboxTestBed();
    const config = bed.config({ transport: 'graph', outbox: { store: { type: 'file', dir: join(bed.dir, 'spool') }, limits: { messagesPerMinute: 100_000 }, concurrency: 4 } });
    const configPath = join(bed.dir, 'mailbridge.json');
    await writeFile(configPath, JSON.stringify(config));
    const tag = `own${randomBytes(4).toString('hex')}`;
    const perRun = Math.max(10, Math.ceil(MESSAGES / (KILLS + 1)));
    const acknowledged = new Map<number, string>();
    const attempted: number[] = [];
    const leaseMs = 1_500;
    for (let run = 0; run <= KILLS; run++) {
      const from = run * perRun;
      for (let i = from; i < from + perRun; i++) attempted.push(i);
      const worker = startWorker(configPath, { leaseMs, enqueue: { from, count: perRun, tag, to: RECIPIENT } });
      workers.push(worker);
      await worker.started;
      const acked = () => worker.lines.filter((line) => line.startsWith('enqueued '));
      if (run < KILLS) {
        // Kill it at a random moment once it has accepted a few and delivered one: mid-enqueue,
        // mid-send or mid-record.
        await waitFor(() => (acked().length >= perRun / 3 && worker.lines.some((line) => line.startsWith('delivered '))) || worker.child.exitCode !== null, 60_000, 'enqueues and a delivery');
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 300)));
        worker.child.kill('SIGKILL');
        expect(await worker.exited).toBe('SIGKILL');
      } else {
        await waitFor(() => acked().length === perRun, 120_000, 'the last run enqueuing all of its messages');
      }
      for (const line of acked()) {
        const [, index, internetMessageId] = line.split(' ');
        acknowledged.set(Number(index), internetMessageId!);
      }
    }
    const last = workers.at(-1)!;
    const inbox = (index: number) => bed.simulator.deliveries(`<${tag}-${index}@${SENDER.split('@')[1]!.toLowerCase()}>`).mailboxes.filter((copy) => copy.mailbox === RECIPIENT.toLowerCase() && copy.folder === 'inbox').length;
    await waitFor(() => [...acknowledged.keys()].every((index) => inbox(index) >= 1), 600_000, 'every acknowledged message delivered').catch((error) => {
      const missing = [...acknowledged.keys()].filter((index) => inbox(index) === 0);
      throw new Error(`${(error as Error).message}: ${missing.length} missing (${missing.slice(0, 5).join(', ')}); last worker: ${last.lines.slice(-5).join(' | ')}`);
    });
    // The spool settles: nothing left queued or in flight (an unacknowledged enqueue cut off after its
    // rename is delivered too, at most once).
    const watcher = await createOutbox(configPath);
    try {
      await waitFor(
        async () => {
          const status = await watcher.status();
          return status.queued === 0 && status.inFlight === 0;
        },
        120_000,
        'an empty queue',
      );
    } finally {
      await watcher.close();
    }
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    expect(acknowledged.size).toBeGreaterThanOrEqual(KILLS * Math.ceil(perRun / 3) + perRun);
    expect([...acknowledged.keys()].filter((index) => inbox(index) !== 1)).toEqual([]);
    expect(attempted.filter((index) => inbox(index) > 1)).toEqual([]);
    const unacknowledgedDelivered = attempted.filter((index) => !acknowledged.has(index) && inbox(index) === 1).length;
    const recovered = workers.flatMap((worker) => worker.lines).filter((line) => line.endsWith('recovered')).length;
    console.info(
      `crash (enqueuing worker): ${acknowledged.size} acknowledged, ${attempted.length - acknowledged.size} not (cut off or never started; ${unacknowledgedDelivered} of those delivered once), ${recovered} found already sent in Sent Items after a kill`,
    );
  });
});
