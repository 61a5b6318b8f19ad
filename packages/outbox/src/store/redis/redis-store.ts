import { randomUUID } from 'node:crypto';
import { MailbridgeError } from '@mailbridge/core';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { OutboxEntry, OutboxState } from '../../outbox-types.js';
import { type OutboxStore, type StoreCounts, toOutboxEntry } from '../outbox-store.js';
import { type Claim, type ClaimOutcome, priorityOf, type StoredEntry } from '../stored-entry.js';
import { RedisLimiter } from './redis-limiter.js';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  /**
   * Prefix of every key (BullMQ's `prefix`).
   * @default "mailbridge"
   */
  prefix?: string;
  /**
   * BullMQ's lock duration: a worker that stops renewing for this long (it died) loses its message
   * to another worker, which checks Sent Items before sending it again.
   * @default 30000
   */
  leaseMs?: number;
  /**
   * How long delivered records are kept.
   * @default 604800000 (7 days)
   */
  keepDeliveredMs?: number;
}

/** What BullMQ keeps per job: the stored entry and how many of its starts ended cleanly. */
type JobData = Omit<StoredEntry, 'id'> & { settledStarts?: number };

const QUEUE = 'outbox';

/**
 * The store for fleets: a BullMQ queue on Redis. BullMQ hands each job to one worker under a lock
 * and returns the jobs of a worker that died to the queue (stalled-job check); priorities order high
 * importance first. The sending-limit ledger is a set of sorted sets changed by Lua scripts, so the
 * limits hold across every worker of every machine.
 *
 * Durability is Redis's: run it with `appendonly yes` and `appendfsync always` for "accepted means
 * fsync'ed".
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<OutboxStore> {
  const prefix = options.prefix ?? 'mailbridge';
  const leaseMs = options.leaseMs ?? 30_000;
  // Commands fail fast when Redis is unreachable (enqueue must answer, not hang); the worker's
  // connection retries forever, as BullMQ requires.
  const commands = new Redis(options.url, { maxRetriesPerRequest: 1, connectTimeout: 10_000, lazyConnect: true });
  commands.on('error', () => undefined);
  try {
    await commands.connect();
    await commands.ping();
  } catch (error) {
    commands.disconnect();
    throw storeError('The Redis server of the outbox cannot be reached.', error);
  }
  const workerConnection = new Redis(options.url, { maxRetriesPerRequest: null, connectTimeout: 10_000 });
  workerConnection.on('error', () => undefined);
  const queue = new Queue(QUEUE, { connection: commands, prefix });
  queue.on('error', () => undefined);
  const worker = new Worker(QUEUE, null, {
    connection: workerConnection,
    prefix,
    autorun: false,
    lockDuration: leaseMs,
    stalledInterval: Math.max(250, Math.floor(leaseMs / 2)),
    // A job stalls each time its worker dies; it must never fail for that (it is checked in Sent Items instead).
    maxStalledCount: Number.MAX_SAFE_INTEGER,
  });
  worker.on('error', () => undefined);
  // Connections still being set up when the store is closed would reject their set-up commands unhandled.
  try {
    await worker.waitUntilReady();
    await queue.waitUntilReady();
  } catch (error) {
    await worker.close().catch(() => undefined);
    commands.disconnect();
    workerConnection.disconnect();
    throw storeError('The Redis server of the outbox cannot be reached.', error);
  }
  return new RedisStore(queue, worker, commands, workerConnection, prefix, leaseMs, options.keepDeliveredMs ?? 7 * 24 * 60 * 60_000);
}

class RedisStore implements OutboxStore {
  readonly type = 'redis';
  readonly limiter: RedisLimiter;
  private readonly jobs = new Map<string, Job<JobData>>();
  private stalledCheck: Promise<void> | undefined;
  private readonly keys: { held: string };

  constructor(
    private readonly queue: Queue<JobData>,
    private readonly worker: Worker<JobData>,
    private readonly redis: Redis,
    private readonly workerConnection: Redis,
    prefix: string,
    private readonly leaseMs: number,
    private readonly keepDeliveredMs: number,
  ) {
    this.limiter = new RedisLimiter(redis, prefix);
    this.keys = { held: `${prefix}:outbox-meta:held` };
  }

  async add(entry: StoredEntry): Promise<void> {
    const { id, ...data } = entry;
    try {
      // One write: with appendfsync always, every write command is a disk flush.
      await this.queue.add('message', data, { jobId: id, priority: priorityOf(entry.importance), attempts: 1, removeOnComplete: false, removeOnFail: false });
    } catch (error) {
      throw storeError('The message could not be stored in the Redis outbox.', error);
    }
  }

  async claim(_now: number): Promise<Claim | undefined> {
    const token = randomUUID();
    let job: Job<JobData> | undefined;
    try {
      job = await this.worker.getNextJob(token, { block: false });
    } catch (error) {
      throw storeError('A message could not be claimed from the Redis outbox.', error);
    }
    if (!job?.id) return undefined;
    const data = job.data;
    // Started more often than its clean ends: an attempt was cut off (its worker died) and may have sent it.
    const cutOff = job.attemptsStarted > (data.settledStarts ?? 0) + 1;
    const entry: StoredEntry = { ...stripData(data), id: job.id, attempts: Math.max(data.attempts, job.attemptsStarted - 1) };
    if (cutOff || data.uncertain) entry.uncertain = true;
    if (data.heldUntil !== undefined) {
      delete entry.heldUntil;
      await this.redis.srem(this.keys.held, job.id);
    }
    const handle = `${job.id}|${token}`;
    this.jobs.set(handle, job);
    return { entry, handle };
  }

  async finish(claim: Claim, outcome: ClaimOutcome): Promise<void> {
    const job = this.jobs.get(claim.handle);
    if (!job) throw new MailbridgeError({ code: 'INTERNAL', message: 'A claim unknown to this Redis outbox was finished.', hint: 'Please report this bug.' });
    const token = claim.handle.slice(claim.handle.indexOf('|') + 1);
    const { id, ...base } = claim.entry;
    const data: JobData = { ...base, settledStarts: job.attemptsStarted };
    try {
      switch (outcome.state) {
        case 'delivered': {
          // One atomic step: the job's data is left as it was (a worker killed between two writes
          // must not leave a half-recorded delivery); the outcome is the job's return value.
          await job.moveToCompleted({ deliveredAt: outcome.at, attempts: claim.entry.attempts + 1 }, token, false);
          break;
        }
        case 'failed': {
          data.attempts += 1;
          data.lastError = outcome.error;
          delete data.notBefore;
          await job.updateData(data);
          await job.moveToFailed(new Error(outcome.error.code), token, false);
          break;
        }
        case 'queued': {
          if (outcome.countAttempt) data.attempts += 1;
          if (outcome.error) data.lastError = outcome.error;
          if (outcome.uncertain) data.uncertain = true;
          else delete data.uncertain;
          if (outcome.notBefore !== undefined) data.notBefore = outcome.notBefore;
          else delete data.notBefore;
          await job.updateData(data);
          // BullMQ's delays run on the real clock.
          const delay = outcome.notBefore === undefined ? 0 : outcome.notBefore - Date.now();
          if (delay > 0) await job.moveToDelayed(Date.now() + delay, token);
          else await job.moveToWait(token);
          break;
        }
        case 'held': {
          data.heldUntil = outcome.until;
          await job.updateData(data);
          await this.redis.sadd(this.keys.held, id);
          await job.moveToDelayed(Date.now() + Math.max(1, outcome.until - Date.now()), token);
          break;
        }
      }
    } catch (error) {
      throw storeError('The Redis outbox could not record the outcome of a send.', error);
    } finally {
      this.jobs.delete(claim.handle);
    }
  }

  async renew(claims: Claim[]): Promise<void> {
    await Promise.all(
      claims.map(async (claim) => {
        const job = this.jobs.get(claim.handle);
        if (job) await job.extendLock(claim.handle.slice(claim.handle.indexOf('|') + 1), this.leaseMs).catch(() => undefined);
      }),
    );
  }

  async maintain(now: number): Promise<void> {
    // BullMQ's stalled-job check returns the jobs of dead workers to the queue.
    this.stalledCheck ??= this.worker.startStalledCheckTimer().catch(() => {
      this.stalledCheck = undefined;
    });
    const old = await this.queue.getJobs(['completed'], 0, 99, true);
    const expired = old.filter((job) => (job.finishedOn ?? Number.POSITIVE_INFINITY) < now - this.keepDeliveredMs);
    await Promise.all(expired.map((job) => job.remove().catch(() => undefined)));
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    const job = (await this.queue.getJob(id)) as Job<JobData> | undefined;
    if (!job) return undefined;
    const state = await this.stateOf(job);
    return state ? this.view(job, state) : undefined;
  }

  async *list(state?: OutboxState): AsyncIterable<OutboxEntry> {
    const types = state === undefined ? [...ALL_TYPES] : TYPES_OF[state];
    const page = 500;
    const seen: Array<{ job: Job<JobData>; state: OutboxState }> = [];
    for (let start = 0; ; start += page) {
      const jobs = (await this.queue.getJobs(types, start, start + page - 1, true)) as Array<Job<JobData>>;
      for (const job of jobs) {
        const jobState = await this.stateOf(job);
        if (jobState && (state === undefined || jobState === state)) seen.push({ job, state: jobState });
      }
      if (jobs.length < page) break;
    }
    seen.sort((a, b) => a.job.data.enqueuedAt - b.job.data.enqueuedAt);
    for (const { job, state: jobState } of seen) yield this.view(job, jobState);
  }

  async counts(now: number): Promise<StoreCounts> {
    const [counts, held, delivered24h, oldest] = await Promise.all([
      this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed'),
      this.redis.scard(this.keys.held),
      // BullMQ scores completed jobs by their finish time.
      this.redis.zcount((this.queue.keys as Record<string, string>).completed!, `(${now - 24 * 60 * 60_000}`, '+inf'),
      this.oldestOpen(),
    ]);
    const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
    return {
      queued: Math.max(0, waiting - held),
      inFlight: counts.active ?? 0,
      held,
      failed: counts.failed ?? 0,
      delivered24h,
      ...(oldest !== undefined ? { oldestEnqueuedAt: oldest } : {}),
    };
  }

  async retry(id: string, _now: number): Promise<boolean> {
    const job = (await this.queue.getJob(id)) as Job<JobData> | undefined;
    if (!job) return false;
    const state = await this.stateOf(job);
    if (state === 'failed') {
      await job.updateData({ ...job.data, settledStarts: job.attemptsStarted });
      await job.retry('failed');
      return true;
    }
    if (state === 'held') {
      const { heldUntil: _released, ...data } = job.data;
      await job.updateData(data);
      await this.redis.srem(this.keys.held, id);
      await job.promote();
      return true;
    }
    return false;
  }

  async drop(id: string): Promise<boolean> {
    const job = (await this.queue.getJob(id)) as Job<JobData> | undefined;
    if (!job) return false;
    if ((await job.getState()) === 'active') {
      throw new MailbridgeError({
        code: 'USAGE',
        message: `Outbox message ${id} is being sent right now, so it cannot be dropped.`,
        hint: 'Wait until the send ends (mailbridge outbox show ID), then drop it if it failed.',
      });
    }
    await job.remove();
    await this.redis.srem(this.keys.held, id);
    return true;
  }

  async close(): Promise<void> {
    // BullMQ's stalled checker may be mid-command; closing the connections under it rejects that
    // command unhandled. Pausing ends its loop after the current check.
    await this.worker.pause(true).catch(() => undefined);
    const checker = this.worker as unknown as { stalledCheckerRunning?: boolean };
    for (let i = 0; i < 100 && checker.stalledCheckerRunning; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await this.worker.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    await this.redis.quit().catch(() => undefined);
    await this.workerConnection.quit().catch(() => undefined);
  }

  /**
   * The enqueue time of the oldest message not yet delivered or failed, read from the ids (they
   * start with the enqueue time): the head of each priority band of BullMQ's prioritized set (FIFO
   * within a band), and every id of the wait, active and delayed sets (small: retries and held).
   */
  private async oldestOpen(): Promise<number | undefined> {
    const keys = this.queue.keys as Record<string, string>;
    const band = 2 ** 32;
    const results = await Promise.all([
      ...[1, 2, 3].map((priority) => this.redis.zrangebyscore(keys.prioritized!, priority * band, (priority + 1) * band - 1, 'LIMIT', 0, 1)),
      this.redis.lrange(keys.wait!, 0, -1),
      this.redis.lrange(keys.active!, 0, -1),
      this.redis.zrange(keys.delayed!, 0, -1),
    ]);
    let oldest = Number.POSITIVE_INFINITY;
    for (const id of results.flat()) {
      const at = Number.parseInt(String(id).slice(0, 9), 36);
      if (Number.isFinite(at)) oldest = Math.min(oldest, at);
    }
    return Number.isFinite(oldest) ? oldest : undefined;
  }

  private async stateOf(job: Job<JobData>): Promise<OutboxState | undefined> {
    const state = await job.getState();
    switch (state) {
      case 'completed':
        return 'delivered';
      case 'failed':
        return 'failed';
      case 'active':
        return 'sending';
      case 'delayed':
        return job.data.heldUntil !== undefined ? 'held' : 'queued';
      case 'waiting':
      case 'prioritized':
      case 'wait' as string:
        return 'queued';
      default:
        return undefined;
    }
  }

  private view(job: Job<JobData>, state: OutboxState): OutboxEntry {
    const entry: StoredEntry = { ...stripData(job.data), id: job.id! };
    if (state === 'delivered') {
      const result = (job.returnvalue ?? {}) as { deliveredAt?: number; attempts?: number };
      entry.attempts = result.attempts ?? entry.attempts + 1;
      entry.deliveredAt = result.deliveredAt ?? job.finishedOn ?? 0;
      delete entry.lastError;
    }
    return toOutboxEntry(entry, state);
  }
}

const ALL_TYPES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const;
const TYPES_OF: Record<OutboxState, Array<(typeof ALL_TYPES)[number]>> = {
  queued: ['waiting', 'prioritized', 'delayed'],
  sending: ['active'],
  held: ['delayed'],
  delivered: ['completed'],
  failed: ['failed'],
};

function stripData(data: JobData): Omit<StoredEntry, 'id'> {
  const { settledStarts: _settled, ...rest } = data;
  return rest;
}

function storeError(message: string, cause: unknown): MailbridgeError {
  const detail = cause instanceof Error ? cause.message.replace(/redis(s)?:\/\/[^\s]*/gi, 'redis://…') : '';
  return new MailbridgeError({
    code: 'OUTBOX_STORE_UNAVAILABLE',
    message: `${message}${detail ? ` (${detail})` : ''}`,
    hint: 'Check that Redis runs and outbox.store.url points at it (host, port, password, TLS), then try again.',
    cause,
    retryable: true,
  });
}
