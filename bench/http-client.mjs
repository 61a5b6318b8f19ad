#!/usr/bin/env node
// core's HTTP client against bare undici (same undici, same Agent defaults, same run) on a loopback
// HTTP server: (1) requests per second for small JSON responses, sequential and 16 concurrent — the
// cost of the per-request tracker, timers and body wrapper; (2) a large download streamed to a
// sink — throughput, and the growth of RSS, which stays far below the body size (streaming, no
// buffering). Run after `pnpm build`. `--json` prints one JSON line (see bench/lib/report.mjs).
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createHttpClient } from '../packages/core/dist/index.js';
import { median, printResults } from './lib/report.mjs';

// The very undici core depends on (it is not a root dependency).
const { Agent, fetch: undiciFetch } = createRequire(new URL('../packages/core/package.json', import.meta.url))('undici');

const SMALL_REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 3000);
const BIG_MB = Number(process.env.BENCH_HTTP_BIG_MB ?? 256);
const ROUNDS = 3;

const chunk = Buffer.alloc(64 * 1024, 7);
const server = createServer((req, res) => {
  if (req.url === '/big') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG_MB * 1024 * 1024) });
    let left = (BIG_MB * 1024 * 1024) / chunk.length;
    const pump = () => {
      while (left > 0) {
        left -= 1;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end('{"value":[{"id":"AAMkAD","subject":"alarm"}]}');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const agent = new Agent({ keepAliveTimeout: 30_000 });
const bare = (url) => undiciFetch(url, { dispatcher: agent });
const client = createHttpClient({ env: {}, timeoutMs: 30_000 });
const ours = (url) => client.fetch(url);

async function requestsPerSecond(fetchFn, concurrency) {
  const perWorker = Math.ceil(SMALL_REQUESTS / concurrency);
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perWorker; i += 1) await (await fetchFn(`${origin}/small`)).json();
    }),
  );
  return (perWorker * concurrency) / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function download(fetchFn) {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const response = await fetchFn(`${origin}/big`);
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if ((bytes & 0xffffff) < value.byteLength) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  peak = Math.max(peak, process.memoryUsage().rss);
  if (bytes !== BIG_MB * 1024 * 1024) throw new Error(`short download: ${bytes}`);
  return { mbPerSecond: BIG_MB / seconds, rssGrowthMb: (peak - rssBefore) / 1024 / 1024 };
}

try {
  // Warm-up of both paths (JIT, connection pool).
  await requestsPerSecond(bare, 4);
  await requestsPerSecond(ours, 4);
  const runs = { bareSeq: [], oursSeq: [], bareConc: [], oursConc: [], bareDl: [], oursDl: [], bareRss: [], oursRss: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    runs.bareSeq.push(await requestsPerSecond(bare, 1));
    runs.oursSeq.push(await requestsPerSecond(ours, 1));
    runs.bareConc.push(await requestsPerSecond(bare, 16));
    runs.oursConc.push(await requestsPerSecond(ours, 16));
    const b = await download(bare);
    const o = await download(ours);
    runs.bareDl.push(b.mbPerSecond);
    runs.oursDl.push(o.mbPerSecond);
    runs.bareRss.push(b.rssGrowthMb);
    runs.oursRss.push(o.rssGrowthMb);
  }
  printResults('core HTTP client vs bare undici (loopback HTTP)', [
    { figure: 'small GETs/s, sequential', value: median(runs.oursSeq), baseline: median(runs.bareSeq), baselineName: 'undici fetch + Agent', target: 'ratio >= 0.8' },
    { figure: 'small GETs/s, 16 concurrent', value: median(runs.oursConc), baseline: median(runs.bareConc), baselineName: 'undici fetch + Agent', target: 'ratio >= 0.8' },
    { figure: `${BIG_MB} MB download, MB/s`, value: median(runs.oursDl), baseline: median(runs.bareDl), baselineName: 'undici fetch + Agent', target: 'ratio >= 0.8' },
    { figure: `${BIG_MB} MB download, peak RSS growth (MB)`, value: median(runs.oursRss), baseline: BIG_MB, baselineName: 'body size (MB)', lowerIsBetter: true, target: 'ratio < 0.25' },
  ]);
} finally {
  await client.close();
  await agent.close();
  server.close();
}
