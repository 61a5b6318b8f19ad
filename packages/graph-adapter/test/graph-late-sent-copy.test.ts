import { DEMO } from '@mailbridge/simulator';
import { expect, it } from 'vitest';
import { startGraphTestBed } from './support/graph-test-bed.js';

// Graph and EWS look in Sent Items on core's one schedule (lookInSentItems): a copy Exchange files
// a few seconds late is found by a later look, and the message is not sent twice.
it('a sendMail cut off after it took effect, whose copy is filed 2 s late: found by the second look, sent once', async () => {
  const bed = await startGraphTestBed({ transport: { confirmDelaysMs: [0, 3000] } });
  try {
    bed.simulator.inject({ kind: 'late-sent-copy', ms: 2000 });
    bed.simulator.inject({ kind: 'reset-after', api: 'graph', count: 1, pathIncludes: 'sendMail' });
    const result = await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'graph, filed late', text: 'x' });
    const { mailboxes } = bed.simulator.deliveries(result.internetMessageId);
    expect(mailboxes.filter((copy) => copy.folder === 'inbox')).toHaveLength(1);
    expect(result.id).toEqual(expect.any(String));
    const requests = bed.simulator.requests();
    expect(requests.filter((request) => request.method === 'POST' && request.url.includes('sendMail'))).toHaveLength(1);
    expect(requests.filter((request) => request.method === 'GET' && request.url.includes('sentitems'))).toHaveLength(2);
  } finally {
    await bed.cleanup();
  }
});
