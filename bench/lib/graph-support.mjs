// Shared set-up of the graph-*.mjs benchmarks: a simulator, core's services on it, a Graph
// transport, and a bare undici client with the same CA for the "plain fetch" baselines.
import { createRequire } from 'node:module';
import { createHttpClient, createRetryPolicy, createTokenProvider, parseConfig } from '../../packages/core/dist/index.js';
import { createGraphTransport } from '../../packages/graph-adapter/dist/index.js';

const requireFromCore = createRequire(new URL('../../packages/core/package.json', import.meta.url));
/** undici as installed for core (the same version the HttpClient runs on). */
export const undici = requireFromCore('undici');

/** Core's services and a Graph transport for `mailbox` on a running simulator (or its coordinates). */
export function graphServices({ graphUrl, caFile, config: rawConfig, mailbox }) {
  const { config } = parseConfig(rawConfig, { env: {} });
  const http = createHttpClient({ caFile, timeoutMs: 120_000, env: {} });
  const retry = createRetryPolicy({ maxAttempts: 6, maxDelayMs: 60_000 });
  const tokenProvider = createTokenProvider(config, { http, retry });
  const transport = createGraphTransport({ mailbox: mailbox ?? config.mailbox, graphEndpoint: graphUrl, tokenProvider, http, retry });
  return { config, http, retry, tokenProvider, transport };
}

/** A plain undici fetch trusting only the simulator's CA, keep-alive pooled like the HttpClient. */
export function plainFetch(caPem) {
  const dispatcher = new undici.Agent({ connect: { ca: caPem }, keepAliveTimeout: 30_000 });
  return {
    fetch: (url, init = {}) => undici.fetch(url, { ...init, dispatcher }),
    close: () => dispatcher.close(),
  };
}

/** Runs `task(i)` for i in [0, count) with `concurrency` workers; resolves to elapsed seconds. */
export async function runConcurrent(count, concurrency, task) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        await task(index);
      }
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Starts the simulator in a child process (bench/lib/simulator-process.mjs) and returns its
 * coordinates and a few remote calls: `seed(data)`, `count429()`, `deliveries(id)`, `close()`.
 */
export async function startSimulatorProcess() {
  const { fork } = await import('node:child_process');
  const child = fork(new URL('./simulator-process.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 0;
  const ready = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)));
    child.on('message', (message) => {
      if (message.ready) return resolve(message);
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
  });
  const call = (type, argument) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, type, argument });
    });
  const coordinates = await ready;
  child.removeAllListeners('exit');
  return {
    ...coordinates,
    seed: (data) => call('seed', data),
    count429: () => call('count429'),
    deliveries: (id) => call('deliveries', id),
    messages: (mailbox, folder) => call('messages', { mailbox, folder }),
    close: async () => {
      await call('close').catch(() => undefined);
      child.kill();
    },
  };
}
