import { describe, expect, it } from 'vitest';
import type { MailTransport } from '../src/index.js';
import type { HarnessStoredMessage } from '../src/testing/conformance-harness.js';
import { type HarnessSeedMessage, simulatorHarness } from '../src/testing/index.js';

// A stand-in that records what the harness asks of a simulator (the real one is used by both adapters' conformance suites).
function fakeSimulator() {
  const seeds: Array<{ users: Array<{ tenantId: string; mail: string; password: string; messages?: HarnessSeedMessage[] }> }> = [];
  const stored = { id: 'graph-id', ewsId: 'ews-id', folder: 'inbox' } as HarnessStoredMessage & { ewsId: string };
  return {
    seeds,
    messages: () => [stored],
    deliveries: () => ({ mailboxes: [], outbound: 0 }),
    requests: () => [1, 2, 3],
    seed: (data: (typeof seeds)[number]) => void seeds.push(data),
  };
}

describe('simulatorHarness', () => {
  it("seeds into the mailbox user's entry, with unique Message-IDs across calls, and maps messages", async () => {
    const simulator = fakeSimulator();
    let cleaned = 0;
    const harness = simulatorHarness(simulator, {
      transport: {} as MailTransport,
      mailbox: 'alerts@contoso.com',
      recipient: 'oncall@contoso.com',
      mailboxUser: { tenantId: 't', mail: 'alerts@contoso.com', password: 'p' },
      toHarnessMessage: (message) => ({ ...message, id: message.ewsId }),
      cleanup: async () => void cleaned++,
    });
    await harness.seedMessages(3, { subjectPrefix: 'batch', folder: 'archive', isRead: (i) => i === 1, attachment: { filename: 'a.txt', contentType: 'text/plain', content: Buffer.from('hi') } });
    await harness.seedMessages(1, { subjectPrefix: 'again' });
    expect(simulator.seeds).toHaveLength(2);
    const [first, second] = simulator.seeds.map((seed) => seed.users[0]);
    expect(first).toMatchObject({ tenantId: 't', mail: 'alerts@contoso.com', password: 'p' });
    expect(first?.messages?.map((m) => [m.subject, m.folder, m.isRead, m.to[0]])).toEqual([
      ['batch 0', 'archive', false, 'alerts@contoso.com'],
      ['batch 1', 'archive', true, 'alerts@contoso.com'],
      ['batch 2', 'archive', false, 'alerts@contoso.com'],
    ]);
    expect(first?.messages?.[0]?.attachments).toEqual([{ filename: 'a.txt', contentType: 'text/plain', contentBase64: 'aGk=' }]);
    expect(second?.messages?.[0]).toMatchObject({ subject: 'again 0', folder: 'inbox', isRead: false });
    const ids = [...(first?.messages ?? []), ...(second?.messages ?? [])].map((m) => m.internetMessageId);
    expect(new Set(ids).size).toBe(4);
    expect(harness.messages('alerts@contoso.com')[0]?.id).toBe('ews-id');
    expect(harness.requestCount?.()).toBe(3);
    await harness.cleanup();
    expect(cleaned).toBe(1);
  });
});
