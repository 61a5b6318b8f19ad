import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { createOutbox } from '../src/index.js';
import { redisUnavailable, startTestRedis, type TestRedis } from '../src/testing/index.js';
import { type OutboxTestBed, RECIPIENT, SENDER, startOutboxTestBed, waitFor } from './support/outbox-test-bed.js';
import { startWorker, type WorkerProcess } from './support/worker-process.js';

const MESSAGES = 300;
const WORKERS = 3;
// Scaled down so the test runs in seconds: 40 messages per 3 s, for the outbox and the simulator alike.
const LIMIT = { messages: 40, windowMs: 3_000 };

const skip = redisUnavailable();
let redis: TestRedis | undefined;
let bed: OutboxTestBed | undefined;
let workers: WorkerProcess[] = [];
beforeAll(async () => {
  if (!skip) redis = await startTestRedis();
});
afterEach(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  workers = [];
  await bed?.cleanup();
});
afterAll(async () => {
  await redis?.stop();
});

// Redis: a fleet on many machines. File: several processes on one machine's spool folder (their
// claims are renames, their shared sending-limit ledger is changed under a rename lock).
test.for([
  { store: 'redis', unavailable: skip },
  { store: 'file', unavailable: undefined },
])(`fleet: ${WORKERS} worker processes on one $store outbox keep one mailbox's limit together, each message once`, { timeout: 600_000 }, async ({ store, unavailable }, context) => {
  if (unavailable) return context.skip(unavailable);
  bed = await startOutboxTestBed({ simulator: { sendingLimits: LIMIT } });
  const config = bed.config({ outbox: { ...(store === 'redis' ? { store: { type: 'redis', url: redis!.url, prefix: `fleet${randomBytes(4).toString('hex')}` } } : {}), concurrency: 4 } });
  const configPath = join(bed.dir, 'mailbridge.json');
  await writeFile(configPath, JSON.stringify(config));

  const producer = await createOutbox(configPath);
  const ids: string[] = [];
  for (let i = 0; i < MESSAGES; i++) ids.push((await producer.enqueue({ to: [RECIPIENT], subject: `fleet ${i}`, text: `message ${i}` })).internetMessageId);

  workers = Array.from({ length: WORKERS }, () => startWorker(configPath, { limits: LIMIT }));
  await Promise.all(workers.map((worker) => worker.started));
  try {
    await waitFor(async () => (await producer.status()).delivered24h === MESSAGES, 480_000, 'every message delivered');
  } finally {
    await producer.close();
  }
  for (const worker of workers) worker.child.kill('SIGTERM');
  expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual(workers.map(() => 0));

  // Shared work: every process delivered some; together exactly the 300, each once.
  const perWorker = workers.map((worker) => worker.lines.filter((line) => line.startsWith('delivered ')).length);
  expect(perWorker.reduce((a, b) => a + b, 0)).toBe(MESSAGES);
  expect(perWorker.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2);
  const inbox = ids.map((id) => bed!.simulator.deliveries(id).mailboxes.filter((c) => c.mailbox === RECIPIENT.toLowerCase() && c.folder === 'inbox').length);
  expect(inbox.filter((count) => count !== 1)).toEqual([]);
  // The simulator never saw the limit exceeded: nothing refused, never more than 40 in any 3 s.
  const stats = bed.simulator.sendingLimitStats(SENDER);
  expect(stats).toMatchObject({ sent: MESSAGES, rateRefusals: 0, quotaRefusals: 0 });
  expect(stats.maxInWindow).toBeLessThanOrEqual(LIMIT.messages);
  console.info(`fleet (${store}): deliveries per worker ${perWorker.join(', ')}; most in one window ${stats.maxInWindow}/${LIMIT.messages}`);
});
