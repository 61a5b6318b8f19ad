#!/usr/bin/env node
// Receiving 10,000 messages (metadata: no bodies) through the EWS adapter's lazy iterator — FindItem
// pages until IncludesLastItemInRange, each page's ids fetched with GetItem in batches of 50 in
// parallel, parsed by ews-javascript-api and converted — against replaying the very same SOAP
// requests (recorded from the adapter) with a plain undici fetch in the same order and parallelism,
// without parsing. Same simulator (its own process), same run, alternating. Run after `pnpm build`.
import { DEMO } from '../packages/simulator/dist/index.js';
import { ewsServices } from './lib/ews-support.mjs';
import { startSimulatorProcess } from './lib/graph-support.mjs';
import { median, printResults } from './lib/report.mjs';

const COUNT = Number(process.env.BENCH_MESSAGES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const sim = await startSimulatorProcess();
// Bodies the adapter posts are recorded: the raw loop posts exactly those.
const { ewsUrl, tokenProvider, transport, raw, record, close } = ewsServices(sim);

try {
  const start = Date.now() - COUNT * 1000;
  const messages = Array.from({ length: COUNT }, (_, index) => ({
    folder: 'junkemail',
    from: 'Monitoring <monitoring@fabrikam.example>',
    to: [DEMO.mailbox],
    subject: `paging ${index}`,
    text: `message ${index}`,
    receivedAt: new Date(start + index * 1000).toISOString(),
  }));
  await sim.seed({ users: [{ id: DEMO.mailboxUserId, tenantId: DEMO.tenantId, mail: DEMO.mailbox, password: DEMO.userPassword, messages }] });

  const adapterRun = async () => {
    const began = process.hrtime.bigint();
    let count = 0;
    for await (const message of transport.receive({ folder: 'junkemail', includeBody: false })) if (message.id) count++;
    if (count !== COUNT) throw new Error(`adapter received ${count} of ${COUNT}`);
    return Number(process.hrtime.bigint() - began) / 1e9;
  };
  const bodies = await record(adapterRun);
  // Group as the adapter sent them: each FindItem, then its GetItem batches (in parallel).
  const steps = [];
  for (const body of bodies) {
    if (body.includes('<m:FindItem')) steps.push({ find: body, gets: [] });
    else if (body.includes('<m:GetItem')) steps.at(-1)?.gets.push(body);
  }
  const rawRun = async () => {
    const { token } = await tokenProvider.getToken('ews');
    const post = async (body) => {
      const response = await raw.fetch(ewsUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/xml; charset=utf-8', 'x-anchormailbox': DEMO.mailbox },
        body,
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`raw answered ${response.status}`);
      return text;
    };
    const began = process.hrtime.bigint();
    for (const step of steps) {
      await post(step.find);
      await Promise.all(step.gets.map(post));
    }
    return Number(process.hrtime.bigint() - began) / 1e9;
  };

  const adapterTimes = [];
  const rawTimes = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      adapterTimes.push(await adapterRun());
      rawTimes.push(await rawRun());
    } else {
      rawTimes.push(await rawRun());
      adapterTimes.push(await adapterRun());
    }
  }
  const finds = steps.length;
  const gets = steps.reduce((sum, step) => sum + step.gets.length, 0);
  printResults('ews-finditem-paging', [
    { figure: `${COUNT} messages via adapter (s, median)`, value: median(adapterTimes), baseline: median(rawTimes), baselineName: 'same requests, plain fetch (s)', lowerIsBetter: true },
    { figure: 'messages/s via adapter (median)', value: COUNT / median(adapterTimes), baseline: COUNT / median(rawTimes), baselineName: 'same requests, plain fetch', lowerIsBetter: false },
  ]);
  if (!process.argv.includes('--json')) console.log(`  ${finds} FindItem pages + ${gets} GetItem batches per run, ${ROUNDS} runs each`);
} finally {
  await close();
  await sim.close();
}
