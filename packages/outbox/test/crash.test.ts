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
