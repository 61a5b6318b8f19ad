#!/usr/bin/env node
// The simulator in its own process for the graph-*.mjs benchmarks, so the server's work does not
// share the measured client's event loop (Graph is remote in real life). Driven over the IPC
// channel by bench/lib/graph-support.mjs `startSimulatorProcess()`; not meant to be run by hand.
import { startSimulator } from '../../packages/simulator/dist/index.js';

const sim = await startSimulator();
const handlers = {
  seed: (data) => {
    sim.seed(data);
    return true;
  },
  count429: () => sim.requests().filter((request) => request.status === 429).length,
  deliveries: (internetMessageId) => sim.deliveries(internetMessageId),
  messages: ({ mailbox, folder }) => sim.messages(mailbox, folder),
  close: async () => {
    await sim.close();
    setImmediate(() => process.exit(0));
    return true;
  },
};
process.on('message', async ({ id, type, argument }) => {
  try {
    process.send({ id, result: await handlers[type](argument) });
  } catch (error) {
    process.send({ id, error: String(error?.message ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true, graphUrl: sim.graphUrl, ewsUrl: sim.ewsUrl, caFile: sim.caFile, caPem: sim.caPem, config: sim.config({ transport: 'graph' }), ewsConfig: sim.config({ transport: 'ews' }) });
