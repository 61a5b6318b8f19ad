import { describeTransportConformance } from '@mailbridge/core/testing';
import { startEwsTestBed } from './support/ews-test-bed.js';

// Exchange Online flavour: app-only OAuth (full_access_as_app) with ExchangeImpersonation + X-AnchorMailbox.
describeTransportConformance({
  name: 'ews (online, app-only OAuth)',
  createTransport: async () => (await startEwsTestBed('oauth')).harness,
  skip: { 'send-as': 'the demo seed has no shared mailbox the demo app may send as' },
});
