import { describeTransportConformance } from '@mailbridge/core/testing';
import { startEwsTestBed } from './support/ews-test-bed.js';

const MB = 1024 * 1024;
// The suite's sizes, with the largest inside Exchange Online's default 35 MB message limit (about 25 MB of file).
const ATTACHMENT_SIZES = [0, Math.round(2.9 * MB), Math.round(3.1 * MB), 24 * MB];

// Exchange Server flavour: the simulator's on-premises mode, signing in as the mailbox's user.
for (const mode of ['basic', 'ntlm'] as const) {
  describeTransportConformance({
    name: `ews (on-premises, ${mode})`,
    createTransport: async () => (await startEwsTestBed(mode)).harness,
    attachmentSizes: ATTACHMENT_SIZES,
    // Paging is the same code whatever the sign-in; NTLM pages 2,000 to keep the suite's time in bounds.
    ...(mode === 'ntlm' ? { pagingMessages: 2_000 } : {}),
    skip: {
      'send-as': 'the demo seed has no shared mailbox the demo user may send as',
    },
  });
}
