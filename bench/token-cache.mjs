#!/usr/bin/env node
// Token provider: a cached getToken() against a plain in-memory Map lookup (same run, same loop),
// and the cold acquisition of a token from the simulator (new provider + new HTTP client each
// time: TLS handshake, msal-node, the token request) against a bare token POST with fetch.
// Run after `pnpm build`. `--json` prints one JSON line (see bench/lib/report.mjs).
import { createHttpClient, createTokenProvider, parseConfig } from '../packages/core/dist/index.js';
import { startSimulator } from '../packages/simulator/dist/index.js';
import { median, printResults } from './lib/report.mjs';

const HOT_ITERATIONS = Number(process.env.BENCH_HOT_ITERATIONS ?? 1_000_000);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 25);

const sim = await startSimulator();
try {
  const { config } = parseConfig(sim.config({ transport: 'graph' }), { env: {} });
  const newHttp = () => createHttpClient({ caFile: sim.caFile, timeoutMs: 30_000, env: {} });

  // --- hot path: cached token vs Map lookup ---------------------------------------------------
  const http = newHttp();
  const provider = createTokenProvider(config, { http });
  const warm = await provider.getToken('graph');
  const map = new Map([['graph', warm]]);

  // Timed in alternating rounds (median of each), so JIT warm-up and machine noise hit both sides.
  const ROUNDS = 7;
  const perRound = Math.max(1, Math.floor(HOT_ITERATIONS / ROUNDS));
  const timeLoop = async (fn) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) await fn();
    return perRound / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  const timeSyncLoop = (fn) => {
    const start = process.hrtime.bigint();
    let sink = 0;
    for (let i = 0; i < perRound; i++) if (fn() !== undefined) sink++;
    const ops = perRound / (Number(process.hrtime.bigint() - start) / 1e9);
    if (sink !== perRound) throw new Error('lookup failed');
    return ops;
  };
  // Both sides are awaited, so each pays for one await per call and the ratio shows what the
  // cache's own work (clock read, expiry check, a resolved promise) costs on top of a lookup.
  const awaitedMap = async () => map.get('graph');
  const cached = () => provider.getToken('graph');
  const plainMap = () => map.get('graph');
  await timeLoop(awaitedMap);
  await timeLoop(cached); // warm-up
  const samples = { cached: [], awaitedMap: [], plainMap: [] };
  for (let round = 0; round < ROUNDS; round++) {
    samples.cached.push(await timeLoop(cached));
    samples.awaitedMap.push(await timeLoop(awaitedMap));
    samples.plainMap.push(timeSyncLoop(plainMap));
  }
  const cachedOps = median(samples.cached);
  const mapOps = median(samples.awaitedMap);
  const plainMapOps = median(samples.plainMap);
  const requestsDuringHot = sim.requests().filter((r) => r.api === 'entra' && r.method === 'POST').length;
  await http.close();

  // --- cold path -------------------------------------------------------------------------------
  const tokenUrl = `${sim.authorityHost}/${config.auth.tenant}/oauth2/v2.0/token`;
  const secret = typeof config.auth.clientSecret === 'string' ? config.auth.clientSecret : undefined;
  if (secret === undefined) throw new Error('expected the simulator config to carry the demo secret inline');
  const bareRequest = (client) =>
    client
      .fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: config.auth.clientId, client_secret: secret, scope: 'https://graph.microsoft.com/.default' }).toString(),
      })
      .then(async (response) => {
        const body = await response.json();
        if (!body.access_token) throw new Error(`bare token request failed: HTTP ${response.status}`);
      });
  const cold = [];
  const bare = [];
  const warmConnection = [];
  const bareWarm = [];
  const shared = newHttp();
  await bareRequest(shared); // opens the connection
  for (let i = 0; i < COLD_RUNS; i++) {
    {
      // A new provider (new msal-node client, empty cache) on an open connection: the provider's own cost.
      const start = process.hrtime.bigint();
      await createTokenProvider(config, { http: shared }).getToken('graph');
      warmConnection.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    {
      const start = process.hrtime.bigint();
      await bareRequest(shared);
      bareWarm.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    {
      const client = newHttp();
      const start = process.hrtime.bigint();
      await createTokenProvider(config, { http: client }).getToken('graph');
      cold.push(Number(process.hrtime.bigint() - start) / 1e6);
      await client.close();
    }
    {
      const client = newHttp();
      const start = process.hrtime.bigint();
      await bareRequest(client);
      bare.push(Number(process.hrtime.bigint() - start) / 1e6);
      await client.close();
    }
  }
  await shared.close();

  printResults('token-cache', [
    { figure: 'cached getToken, awaited (ops/s, median)', value: cachedOps, baseline: mapOps, baselineName: 'awaited Map.get (ops/s)' },
    { figure: 'cached getToken, awaited (ops/s, median)', value: cachedOps, baseline: plainMapOps, baselineName: 'plain Map.get, sync (ops/s)' },
    { figure: 'cold token acquisition (ms, median)', value: median(cold), baseline: median(bare), baselineName: 'bare token POST, new client (ms)', lowerIsBetter: true },
    { figure: 'new provider, open connection (ms, median)', value: median(warmConnection), baseline: median(bareWarm), baselineName: 'bare token POST, open conn (ms)', lowerIsBetter: true },
  ]);
  if (!process.argv.includes('--json') && process.env.BENCH_JSON !== '1') {
    console.log(`  token requests to Entra during ${(perRound * (ROUNDS + 1)).toLocaleString('en')} cached calls: ${requestsDuringHot} (the first, warm-up one)`);
    console.log(`  cold: ${COLD_RUNS} runs each, new provider + new HTTP client (TLS handshake included) per run; min ${Math.min(...cold).toFixed(1)} ms, max ${Math.max(...cold).toFixed(1)} ms`);
  }
} finally {
  await sim.close();
}
