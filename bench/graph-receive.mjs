#!/usr/bin/env node
// Receiving 10,000 messages through the Graph adapter's lazy async iterator against paging the
// same folder with a plain undici fetch loop (same $select/$orderby/$top, following
// @odata.nextLink), on the same simulator (in its own process), in the same run. Run after `pnpm build`.
import { DEMO } from '../packages/simulator/dist/index.js';
import { graphServices, plainFetch, startSimulatorProcess } from './lib/graph-support.mjs';
import { median, printResults } from './lib/report.mjs';

const COUNT = Number(process.env.BENCH_MESSAGES ?? 10_000);
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

// The simulator runs in its own process: the client side is what is compared.
const sim = await startSimulatorProcess();
const { transport, tokenProvider, http } = graphServices({ graphUrl: sim.graphUrl, caFile: sim.caFile, config: sim.config });
const raw = plainFetch(sim.caPem);
try {
  const start = Date.now() - COUNT * 1000;
  await sim.seed({
    users: [
      {
        id: DEMO.mailboxUserId,
        tenantId: DEMO.tenantId,
        mail: DEMO.mailbox,
        messages: Array.from({ length: COUNT }, (_, index) => ({
          folder: 'archive',
          from: 'monitoring@fabrikam.example',
          to: [DEMO.mailbox],
          subject: `bench ${index}`,
          text: `message ${index}`,
          receivedAt: new Date(start + index * 1000).toISOString(),
        })),
      },
    ],
  });

  const adapterRun = async () => {
    const begin = process.hrtime.bigint();
    let count = 0;
    for await (const _message of transport.receive({ folder: 'archive', includeBody: false, pageSize: PAGE })) count++;
    if (count !== COUNT) throw new Error(`adapter received ${count}, expected ${COUNT}`);
    return Number(process.hrtime.bigint() - begin) / 1e9;
  };
  const rawRun = async () => {
    const { token } = await tokenProvider.getToken('graph');
    const begin = process.hrtime.bigint();
    const select = 'id,internetMessageId,from,toRecipients,ccRecipients,subject,receivedDateTime,isRead,hasAttachments';
    let url = `${sim.graphUrl}/v1.0/users/${encodeURIComponent(DEMO.mailbox)}/mailFolders/archive/messages?$select=${select}&$orderby=${encodeURIComponent('receivedDateTime desc')}&$top=${PAGE}`;
    let count = 0;
    while (url) {
      const response = await raw.fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 200) throw new Error(`raw paging answered ${response.status}`);
      const page = await response.json();
      count += page.value.length;
      url = page['@odata.nextLink'];
    }
    if (count !== COUNT) throw new Error(`raw paging received ${count}, expected ${COUNT}`);
    return Number(process.hrtime.bigint() - begin) / 1e9;
  };

  await adapterRun();
  await rawRun();
  const adapterTimes = [];
  const rawTimes = [];
  for (let round = 0; round < ROUNDS; round++) {
    adapterTimes.push(await adapterRun());
    rawTimes.push(await rawRun());
  }
  printResults('graph-receive', [
    {
      figure: `messages/s receiving ${COUNT} (pages of ${PAGE}, median of ${ROUNDS})`,
      value: COUNT / median(adapterTimes),
      baseline: COUNT / median(rawTimes),
      baselineName: 'plain fetch paging',
    },
  ]);
} finally {
  await transport.close();
  await http.close();
  await raw.close();
  await sim.close();
}
