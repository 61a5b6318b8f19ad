#!/usr/bin/env node
// Sends per second through the EWS adapter (validation, ews-javascript-api serialisation with the
// escaping writer, the XHR layer on core's HttpClient, token provider, concurrency limiter, retry
// policy, response parsing) against posting the very same SOAP bodies (recorded from the adapter)
// with a plain undici fetch loop at the same concurrency (10: the adapter's per-identity limit), on
// the same simulator (in its own process), in the same run. Short rounds alternate adapter / raw in
// ABBA order and the median of the per-pair ratios is reported. Run after `pnpm build`.
import { randomUUID } from 'node:crypto';
import { DEMO } from '../packages/simulator/dist/index.js';
import { ewsServices } from './lib/ews-support.mjs';
import { runConcurrent, startSimulatorProcess } from './lib/graph-support.mjs';
import { median, printResults } from './lib/report.mjs';

const SENDS = Number(process.env.BENCH_SENDS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const CONCURRENCY = 10;

const sim = await startSimulatorProcess();
// Bodies the adapter posts are recorded: the raw loop posts exactly those.
const { ewsUrl, tokenProvider, transport, raw, record, close } = ewsServices(sim);
const message = (index) => ({ to: [DEMO.secondMailbox], subject: `throughput ${index} <&>`, text: 'A short alert body, as monitoring systems send.' });

try {
  await transport.probe();
  const bodies = await record(() => runConcurrent(SENDS, CONCURRENCY, (index) => transport.send(message(index))));
  if (bodies.length !== SENDS || !bodies.every((body) => body.includes('<m:CreateItem'))) throw new Error('unexpected recording');

  const adapterRound = () => runConcurrent(SENDS, CONCURRENCY, (index) => transport.send(message(index)));
  const rawRound = async () => {
    const { token } = await tokenProvider.getToken('ews');
    return runConcurrent(SENDS, CONCURRENCY, async (index) => {
      // A fresh Message-ID per send, as the adapter makes one.
      const body = bodies[index].replace(/<t:InternetMessageId>[^<]*<\/t:InternetMessageId>/, `<t:InternetMessageId>&lt;${randomUUID()}@${DEMO.domain}&gt;</t:InternetMessageId>`);
      const response = await raw.fetch(ewsUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/xml; charset=utf-8', 'x-anchormailbox': DEMO.mailbox },
        body,
      });
      const text = await response.text();
      if (response.status !== 200 || !text.includes('ResponseClass="Success"')) throw new Error(`raw CreateItem answered ${response.status}`);
    });
  };

  const adapterRates = [];
  const rawRates = [];
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [adapterRound, rawRound] : [rawRound, adapterRound];
    const seconds = [];
    for (const run of order) seconds.push(await run());
    const [adapterSeconds, rawSeconds] = round % 2 === 0 ? seconds : [seconds[1], seconds[0]];
    adapterRates.push(SENDS / adapterSeconds);
    rawRates.push(SENDS / rawSeconds);
    ratios.push(SENDS / adapterSeconds / (SENDS / rawSeconds));
  }
  const rows = printResults('ews-send-throughput', [
    { figure: `sends/s via adapter (${CONCURRENCY} in flight, median)`, value: median(adapterRates), baseline: median(rawRates), baselineName: 'same SOAP bodies, plain fetch', lowerIsBetter: false },
  ]);
  if (!process.argv.includes('--json')) console.log(`  median of per-round ratios: ${median(ratios).toFixed(2)} (${ROUNDS} rounds of ${SENDS} sends)`);
  void rows;
} finally {
  await close();
  await sim.close();
}
