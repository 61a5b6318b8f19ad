#!/usr/bin/env node
// Sends per second through the Graph adapter (validation, Graph client middleware, token provider,
// per-mailbox semaphore, retry policy, core's HttpClient) against the same sendMail requests made
// by a plain undici fetch loop at the same concurrency, on the same simulator (in its own process),
// in the same run. Also the client CPU time per send, which is steadier on a loaded machine.
// Short rounds alternate adapter / raw (ABBA order, so a drifting machine or a growing store
// favours neither) and the median of the per-pair ratios is reported. Run after `pnpm build`.
// `--json` prints one JSON line (see bench/lib/report.mjs).
import { randomUUID } from 'node:crypto';
import { DEMO } from '../packages/simulator/dist/index.js';
import { graphServices, plainFetch, runConcurrent, startSimulatorProcess } from './lib/graph-support.mjs';
import { median, printResults } from './lib/report.mjs';

const SENDS = Number(process.env.BENCH_SENDS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? 3);
// Graph's MailboxConcurrency limit: the adapter keeps at most 4 requests in flight per mailbox,
// and the raw loop gets the same concurrency so both face the same server.
const CONCURRENCY = 4;

// The simulator runs in its own process: the client side is what is compared.
const sim = await startSimulatorProcess();
const { transport, tokenProvider, http } = graphServices({ graphUrl: sim.graphUrl, caFile: sim.caFile, config: sim.config });
const raw = plainFetch(sim.caPem);
try {
  const sendMailUrl = `${sim.graphUrl}/v1.0/users/${encodeURIComponent(DEMO.mailbox)}/sendMail`;
  const message = (index) => ({
    to: [DEMO.secondMailbox],
    subject: `throughput ${index}`,
    text: 'A short alert body, as monitoring systems send.',
  });
  // The exact body the adapter sends for `message(index)`.
  const rawBody = (index) =>
    JSON.stringify({
      message: {
        subject: `throughput ${index}`,
        body: { contentType: 'Text', content: 'A short alert body, as monitoring systems send.' },
        toRecipients: [{ emailAddress: { address: DEMO.secondMailbox } }],
        internetMessageId: `<${randomUUID()}@${DEMO.domain}>`,
      },
      saveToSentItems: true,
    });

  const adapterRound = () => runConcurrent(SENDS, CONCURRENCY, (index) => transport.send(message(index)));
  const loop = (client) => async () => {
    // The raw loop gets its token once, as a hand-written client would.
    const { token } = await tokenProvider.getToken('graph');
    return runConcurrent(SENDS, CONCURRENCY, async (index) => {
      const response = await client.fetch(sendMailUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: rawBody(index),
      });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`raw sendMail answered ${response.status}`);
    });
  };
  const rawRound = loop(raw);
  // The same loop on core's HttpClient (what the adapter sends through): splits the adapter's cost
  // into what the HTTP stack (proxy/CA/timeout/abort handling) takes and what the adapter adds.
  const httpRound = loop(http);

  // Warm-up of every path (JIT on both sides, TLS sessions, token): the first rounds run far slower.
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    await adapterRound();
    await rawRound();
    await httpRound();
  }

  const adapterRates = [];
  const rawRates = [];
  const ratios = [];
  const cpu = { adapter: 0, raw: 0, http: 0 };
  const httpRates = [];
  const timed = async (which, round) => {
    const before = process.cpuUsage();
    const seconds = await round();
    const used = process.cpuUsage(before);
    cpu[which] += used.user + used.system;
    return SENDS / seconds;
  };
  for (let round = 0; round < ROUNDS; round++) {
    let adapterRate;
    let rawRate;
    if (round % 2 === 0) {
      adapterRate = await timed('adapter', adapterRound);
      rawRate = await timed('raw', rawRound);
      httpRates.push(await timed('http', httpRound));
    } else {
      httpRates.push(await timed('http', httpRound));
      rawRate = await timed('raw', rawRound);
      adapterRate = await timed('adapter', adapterRound);
    }
    adapterRates.push(adapterRate);
    rawRates.push(rawRate);
    ratios.push(adapterRate / rawRate);
  }
  const throttled = await sim.count429();
  printResults('graph-send-throughput', [
    {
      figure: `sends/s via adapter (concurrency ${CONCURRENCY}, median of ${ROUNDS})`,
      value: median(adapterRates),
      baseline: median(rawRates),
      baselineName: 'plain fetch loop, same requests',
      target: 'ratio >= 0.85',
      medianPairRatio: median(ratios),
      throttled,
    },
    {
      figure: 'sends/s via core HttpClient loop (same requests)',
      value: median(httpRates),
      baseline: median(rawRates),
      baselineName: 'plain fetch loop, same requests',
    },
    {
      figure: 'sends/s via adapter',
      value: median(adapterRates),
      baseline: median(httpRates),
      baselineName: 'core HttpClient loop',
    },
    {
      figure: 'client CPU ms per send (adapter)',
      value: cpu.adapter / 1000 / (SENDS * ROUNDS),
      baseline: cpu.raw / 1000 / (SENDS * ROUNDS),
      baselineName: 'plain fetch loop',
      lowerIsBetter: true,
    },
    {
      figure: 'client CPU ms per send (core HttpClient loop)',
      value: cpu.http / 1000 / (SENDS * ROUNDS),
      baseline: cpu.raw / 1000 / (SENDS * ROUNDS),
      baselineName: 'plain fetch loop',
      lowerIsBetter: true,
    },
  ]);
  if (!process.argv.includes('--json')) console.log(`  median of the ${ROUNDS} paired-round ratios: ${median(ratios).toFixed(2)}; 429 answers seen: ${throttled}`);
} finally {
  await transport.close();
  await http.close();
  await raw.close();
  await sim.close();
}
