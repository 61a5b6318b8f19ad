import { describeTransportConformance } from '@mailbridge/core/testing';
import { startEwsTestBed } from './support/ews-test-bed.js';

const MB = 1024 * 1024;
// The suite's sizes, with the largest inside Exchange Online's default 35 MB message limit (about 25 MB of file).
const ATTACHMENT_SIZES = [0, Math.round(2.9 * MB), Math.round(3.1 * MB), 24 * MB];

// Exchange Online flavour: app-only OAuth (full_access_as_app) with ExchangeImpersonation + X-AnchorMailbox.
describeTransportConformance({
  name: 'ews (online, app-only OAuth)',
  createTransport: async () => (await startEwsTestBed('oauth')).harness,
  attachmentSizes: ATTACHMENT_SIZES,
  skip: {
    'send-as': 'the demo seed has no shared mailbox the demo app may send as',
  },
});
