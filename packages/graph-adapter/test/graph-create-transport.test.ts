import { type AdapterModule, createTransport, MailbridgeError, parseConfig } from '@mailbridge/core';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe("core's createTransport(config) loads this adapter and it works end to end", () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator();
  });
  afterAll(async () => {
    await simulator?.close();
  });

  it('sends, receives and probes through a config pointing at the simulator', async () => {
    const adapter = (): Promise<AdapterModule> => import('../src/index.js');
    const loaded = parseConfig(simulator.config({ transport: 'graph' }), { env: {} });
    const transport = await createTransport(loaded, { adapters: { graph: adapter }, env: {} });
    try {
      expect(transport.name).toBe('graph');
      expect(transport.mailbox).toBe(DEMO.mailbox);
      const sent = await transport.send({ to: [DEMO.mailbox], subject: 'via createTransport', text: 'hello' });
      let found = false;
      for await (const message of transport.receive({ limit: 50, includeBody: false })) {
        if (message.internetMessageId === sent.internetMessageId) found = true;
      }
      expect(found).toBe(true);
      const probe = await transport.probe();
      expect(probe.inbox?.total).toBeGreaterThan(0);
    } finally {
      await transport.close();
    }
    // Closed: core closed its HTTP client after the adapter.
    const error = await transport.probe().catch((caught: unknown) => caught);
    expect(MailbridgeError.isInstance(error)).toBe(true);
  });
});
