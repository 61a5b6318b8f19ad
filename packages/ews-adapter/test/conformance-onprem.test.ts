import { describeTransportConformance } from '@mailbridge/core/testing';
import { startEwsTestBed } from './support/ews-test-bed.js';

// Exchange Server flavour: the simulator's on-premises mode, signing in as the mailbox's user.
for (const mode of ['basic', 'ntlm'] as const) {
  describeTransportConformance({
    name: `ews (on-premises, ${mode})`,
    createTransport: async () => (await startEwsTestBed(mode)).harness,
    skip: { 'send-as': 'the demo seed has no shared mailbox the demo user may send as' },
  });
}
