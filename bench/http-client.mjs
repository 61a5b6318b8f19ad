#!/usr/bin/env node
// core's HTTP client against bare undici (same undici, same Agent defaults, same run) on a loopback
// HTTP server: (1) requests per second for small JSON responses, sequential and 16 concurrent — the
// cost of the per-request tracker, timers and body wrapper; (2) a large download streamed to a
// sink — throughput, and (each in a fresh process) the growth of RSS against bare undici's and for
// four times the body: streaming keeps it bounded (~60 MB here: V8 frees the 64 KB chunks only when
// its external-memory accounting triggers a collection, and compiles undici's parser once), not
// proportional to the body. Run after `pnpm build`. `--json` prints one JSON line (see bench/lib/report.mjs).
// On loopback a request costs well under a millisecond, so the ratio shows the client's own
// per-request cost (tracker, timer, abort link, body guard) at its most visible; against a real
// service tens of milliseconds away it disappears in the network time.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createHttpClient } from '../packages/core/dist/index.js';
import { median, printResults } from './lib/report.mjs';

// The very undici core depends on (it is not a root dependency).
const { Agent, fetch: undiciFetch } = createRequire(new URL('../packages/core/package.json', import.meta.url))('undici');

const SMALL_REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 1500);
const BIG_MB = Number(process.env.BENCH_HTTP_BIG_MB ?? 64);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 4);

// ---- child: one streamed download in a fresh process (RSS only grows, so each measurement needs
// its own process); prints its RSS growth over the idle, warmed-up process.
if (process.argv[2] === '--download-child') {
  const which = process.argv[3];
  const url = process.argv[4];
  const fetchFn =
    which === 'ours'
      ? (
          (c) => (u) =>
            c.fetch(u)
        )(createHttpClient({ env: {}, timeoutMs: 30_000 }))
      : (
          (a) => (u) =>
            undiciFetch(u, { dispatcher: a })
        )(new Agent({ keepAliveTimeout: 30_000 }));
  await (await fetchFn(new URL('/small', url).href)).json();
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const response = await fetchFn(url);
  let bytes = 0;
  for await (const piece of response.body) bytes += piece.byteLength;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(`${JSON.stringify({ bytes, growthMb: (peak - before) / 1024 / 1024 })}\n`);
  process.exit(0);
}

const chunk = Buffer.alloc(64 * 1024, 7);
const server = createServer((req, res) => {
  if (req.url === '/big' || req.url === '/huge') {
    const megabytes = req.url === '/huge' ? 4 * BIG_MB : BIG_MB;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(megabytes * 1024 * 1024) });
    let left = (megabytes * 1024 * 1024) / chunk.length;
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
  // Rounds in A-B-B-A order, and the median of the per-round ratios: the machine is shared, so a
  // figure measured minutes apart means little, and the second run of a pair is often the slower.
  const ratio = async (measure) => {
    const ratios = [];
    const values = { ours: [], bare: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      const b1 = await measure(bare);
      const o1 = await measure(ours);
      const o2 = await measure(ours);
      const b2 = await measure(bare);
      values.bare.push(b1, b2);
      values.ours.push(o1, o2);
      ratios.push((o1 + o2) / (b1 + b2));
    }
    return { ours: median(values.ours), bare: median(values.bare), ratio: median(ratios) };
  };
  const seq = await ratio((fetchFn) => requestsPerSecond(fetchFn, 1));
  const conc = await ratio((fetchFn) => requestsPerSecond(fetchFn, 16));
  const dl = await ratio(async (fetchFn) => (await download(fetchFn)).mbPerSecond);
  // Memory of a streamed download, each in a fresh process (RSS never shrinks, so growth measured in
  // a process that already ran other rounds says little): ours against bare undici, A-B-B-A.
  const { execFile } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const growth = (which, path = '/big', expected = BIG_MB) =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--download-child', which, `${origin}${path}`], (error, stdout) => {
        if (error) return reject(error);
        const result = JSON.parse(stdout);
        if (result.bytes !== expected * 1024 * 1024) return reject(new Error(`short download: ${result.bytes}`));
        resolve(result.growthMb);
      }),
    );
  const rss = [];
  const rssBare = [];
  for (let round = 0; round < 2; round += 1) {
    rssBare.push(await growth('bare'));
    rss.push(await growth('ours'));
    rss.push(await growth('ours'));
    rssBare.push(await growth('bare'));
  }
  // Bounded, not proportional: four times the body, about the same growth.
  const rssHuge = [await growth('ours', '/huge', 4 * BIG_MB), await growth('ours', '/huge', 4 * BIG_MB)];
  const rows = printResults('core HTTP client vs bare undici (loopback HTTP)', [
    { figure: 'small GETs/s, sequential', value: seq.ours, baseline: seq.bare, baselineName: 'undici fetch + Agent', target: 'ratio >= 0.8' },
    { figure: 'small GETs/s, 16 concurrent', value: conc.ours, baseline: conc.bare, baselineName: 'undici fetch + Agent', target: 'ratio >= 0.8' },
    { figure: `${BIG_MB} MB download, MB/s`, value: dl.ours, baseline: dl.bare, baselineName: 'undici fetch + Agent', target: 'ratio >= 0.8' },
    { figure: `${BIG_MB} MB download, peak RSS growth (MB), fresh process`, value: median(rss), baseline: median(rssBare), baselineName: 'undici fetch + Agent (MB)', lowerIsBetter: true, target: 'ratio <= 1.2' },
    { figure: `${4 * BIG_MB} MB download, peak RSS growth (MB), fresh process`, value: median(rssHuge), baseline: median(rss), baselineName: `same, ${BIG_MB} MB download (MB)`, lowerIsBetter: true, target: 'ratio ≈ 1 (bounded)' },
  ]);
  if (!process.argv.includes('--json') && process.env.BENCH_JSON !== '1') {
    console.log(`  median of paired-round ratios: sequential ${seq.ratio.toFixed(2)}, concurrent ${conc.ratio.toFixed(2)}, download ${dl.ratio.toFixed(2)}`);
  }
  void rows;
} finally {
  await client.close();
  await agent.close();
  server.close();
}
