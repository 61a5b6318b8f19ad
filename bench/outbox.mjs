#!/usr/bin/env node
// The outbox (issue 16), each figure against a baseline measured in the same run:
// - file store: durable enqueues/s ÷ a bare loop of (write + fsync + rename) of the same bytes (target ≥ 0.7);
// - redis store: enqueues/s ÷ the same number of raw BullMQ `add` calls (target ≥ 0.8);
// - one message through an idle outbox (enqueue → delivered) ÷ a direct `send()` on the same transport (target ≤ 1.5),
//   for the file store (the target) and, for information, the Redis store.
// Run after `pnpm build`. Needs redis-server on PATH for the Redis row (skipped with a note otherwise).
// `--json` prints one JSON line (see bench/lib/report.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../packages/core/dist/index.js';
import { createFileStore, createOutbox, EXCHANGE_ONLINE_LIMITS, prepareMessage } from '../packages/outbox/dist/index.js';
import { graphServices, startSimulatorProcess } from './lib/graph-support.mjs';
import { median, printResults } from './lib/report.mjs';

// 500 per loop: at 200 (about 0.1 s a loop) the Redis ratio swung 0.77–0.95 between runs of one build.
const ENQUEUES = Number(process.env.BENCH_OUTBOX_ENQUEUES ?? 500);
const LATENCY_RUNS = Number(process.env.BENCH_OUTBOX_LATENCY_RUNS ?? 15);
const ROUNDS = 5;
const requireFromOutbox = createRequire(new URL('../packages/outbox/package.json', import.meta.url));

const message = (i) => ({ to: ['oncall@contoso.onmicrosoft.com'], subject: `[ALERT] disk 97% on db-${i}`, text: 'Free space on /var: 3%. '.repeat(20) });
const rows = [];
const work = mkdtempSync(join(tmpdir(), 'mailbridge-bench-outbox-'));
const sim = await startSimulatorProcess();
try {
  const config = { ...sim.config, outbox: { store: { type: 'file', dir: join(work, 'spool') }, limits: { messagesPerMinute: 100_000 } } };

  // --- file store: enqueue vs bare write + fsync + rename ----------------------------------------
  {
    const outbox = await createOutbox(config, { env: {} });
    // The bytes one enqueue writes, for the baseline.
    const entry = await prepareMessage(message(0), { mailbox: 'alerts@contoso.onmicrosoft.com', limits: EXCHANGE_ONLINE_LIMITS, now: Date.now() });
    const bytes = JSON.stringify(entry);
    const bare = join(work, 'bare');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(bare, 'tmp'), { recursive: true });
    mkdirSync(join(bare, 'queued'), { recursive: true });
    let n = 0;
    const bareLoop = async () => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < ENQUEUES; i++) {
        const name = `${n++}.json`;
        const handle = await open(join(bare, 'tmp', name), 'wx', 0o600);
        await handle.writeFile(bytes, 'utf8');
        await handle.sync();
        await handle.close();
        await rename(join(bare, 'tmp', name), join(bare, 'queued', name));
      }
      return ENQUEUES / (Number(process.hrtime.bigint() - start) / 1e9);
    };
    const enqueueLoop = async () => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < ENQUEUES; i++) await outbox.enqueue(message(i));
      return ENQUEUES / (Number(process.hrtime.bigint() - start) / 1e9);
    };
    const samples = { outbox: [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      samples.bare.push(await bareLoop());
      samples.outbox.push(await enqueueLoop());
    }
    await outbox.close();
    rows.push({ figure: 'file store: durable enqueues/s', value: median(samples.outbox), baselineName: 'write+fsync+rename loop /s', baseline: median(samples.bare), target: '≥ 0.7' });
  }

  // --- redis store: enqueue vs raw BullMQ add ------------------------------------------------------
  const redis = await startRedis(work);
  if (!redis) {
    process.stderr.write('outbox bench: redis-server is not installed; the Redis row is skipped\n');
  } else {
    try {
      const { Queue } = requireFromOutbox('bullmq');
      const { Redis } = requireFromOutbox('ioredis');
      const prefix = `bench${randomBytes(3).toString('hex')}`;
      const outbox = await createOutbox({ ...config, outbox: { ...config.outbox, store: { type: 'redis', url: redis.url, prefix } } }, { env: {} });
      const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      const raw = new Queue('raw', { connection, prefix: `${prefix}raw` });
      const entry = await prepareMessage(message(0), { mailbox: 'alerts@contoso.onmicrosoft.com', limits: EXCHANGE_ONLINE_LIMITS, now: Date.now() });
      const { id: _id, ...data } = entry;
      let n = 0;
      const rawLoop = async () => {
        const start = process.hrtime.bigint();
        for (let i = 0; i < ENQUEUES; i++) await raw.add('message', data, { jobId: `raw-${n++}`, priority: 2, attempts: 1, removeOnComplete: false, removeOnFail: false });
        return ENQUEUES / (Number(process.hrtime.bigint() - start) / 1e9);
      };
      const enqueueLoop = async () => {
        const start = process.hrtime.bigint();
        for (let i = 0; i < ENQUEUES; i++) await outbox.enqueue(message(i));
        return ENQUEUES / (Number(process.hrtime.bigint() - start) / 1e9);
      };
      const samples = { outbox: [], raw: [] };
      await rawLoop();
      await enqueueLoop(); // warm-up of scripts and connections
      for (let round = 0; round < ROUNDS; round++) {
        samples.raw.push(await rawLoop());
        samples.outbox.push(await enqueueLoop());
      }
      await outbox.close();
      await raw.close();
      await connection.quit();
      rows.push({ figure: 'redis store: durable enqueues/s', value: median(samples.outbox), baselineName: 'raw BullMQ add /s', baseline: median(samples.raw), target: '≥ 0.8' });
    } finally {
      await redis.stop();
    }
  }

  // --- latency through an idle outbox vs a direct send() ----------------------------------------
  {
    const { transport, http } = graphServices(sim);
    await transport.send(message(-1)); // token and connection warm
    const file = await latency(transport, config, { store: await createFileStore({ dir: join(work, 'latency-spool') }) }, join(work, 'latency-bare'));
    rows.push({ figure: 'idle outbox (file): enqueue → delivered, ms (median)', value: file.outbox, baselineName: 'direct send(), ms (median)', baseline: file.direct, lowerIsBetter: true, target: '≤ 1.5' });
    // Attribution: what the outbox adds to a send, against the one durable write an enqueue needs.
    rows.push({ figure: 'idle outbox (file) minus direct send, ms (median of pairs)', value: file.added, baselineName: 'one temp+fsync+rename+folder fsync, ms', baseline: file.durable, lowerIsBetter: true });
    const redis = await startRedis(work);
    if (redis) {
      try {
        const redisConfig = { ...config, outbox: { ...config.outbox, store: { type: 'redis', url: redis.url, prefix: `lat${randomBytes(3).toString('hex')}` } } };
        const result = await latency(transport, redisConfig, {});
        rows.push({ figure: 'idle outbox (redis): enqueue → delivered, ms (median)', value: result.outbox, baselineName: 'direct send(), ms (median)', baseline: result.direct, lowerIsBetter: true });
      } finally {
        await redis.stop();
      }
    }
    await transport.close();
    await http.close();
  }
} finally {
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}
printResults('outbox', rows);

/**
 * Median ms of one message at a time through a started, idle outbox (enqueue → its `delivered`
 * event), and of a direct `transport.send()` of the same message, interleaved.
 */
async function latency(transport, config, options, bareDir) {
  const outbox = await createOutbox(parseConfig(config, { env: {} }), { transport, env: {}, ...options });
  await outbox.start();
  const bytes = JSON.stringify(await prepareMessage(message(0), { mailbox: 'alerts@contoso.onmicrosoft.com', limits: EXCHANGE_ONLINE_LIMITS, now: Date.now() }));
  let folder;
  if (bareDir) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(bareDir, 'tmp'), { recursive: true });
    mkdirSync(join(bareDir, 'queued'), { recursive: true });
    folder = await open(join(bareDir, 'queued'), 'r');
  }
  const durable = async (i) => {
    const start = process.hrtime.bigint();
    const handle = await open(join(bareDir, 'tmp', `${i}.json`), 'wx', 0o600);
    await handle.writeFile(bytes, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(join(bareDir, 'tmp', `${i}.json`), join(bareDir, 'queued', `${i}.json`));
    await folder.sync();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const viaOutbox = async (i) => {
    const start = process.hrtime.bigint();
    const delivered = new Promise((resolve) => {
      const listener = (event) => {
        if (event.id !== id) return;
        outbox.off('delivered', listener);
        resolve();
      };
      outbox.on('delivered', listener);
    });
    const { id } = await outbox.enqueue(message(i));
    await delivered;
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const direct = async (i) => {
    const start = process.hrtime.bigint();
    await transport.send(message(i));
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  await viaOutbox(-2);
  const samples = { outbox: [], direct: [], durable: [] };
  for (let i = 0; i < LATENCY_RUNS; i++) {
    samples.direct.push(await direct(i));
    samples.outbox.push(await viaOutbox(i));
    if (bareDir) samples.durable.push(await durable(i));
  }
  await outbox.close();
  await folder?.close();
  if (process.env.BENCH_OUTBOX_SAMPLES) process.stderr.write(`${JSON.stringify({ outbox: samples.outbox.map(Math.round), direct: samples.direct.map(Math.round), durable: samples.durable.map((ms) => Math.round(ms * 10) / 10) })}\n`);
  return {
    outbox: median(samples.outbox),
    direct: median(samples.direct),
    added: median(samples.outbox.map((ms, i) => ms - samples.direct[i])),
    durable: bareDir ? median(samples.durable) : undefined,
  };
}

/** redis-server on a free loopback port in `dir` (AOF, fsync always), or undefined when not installed. */
async function startRedis(dir) {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', () => reject(new Error('redis-server exited')));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}
