import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EwsTestBed, invalidEwsRequests, startEwsTestBed } from './support/ews-test-bed.js';

/** A 1×1 GIF: an image an HTML body shows inline by its Content-ID. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

describe('EWS send with ews.version Exchange2007_SP1 (Exchange Server, Basic): only what the 2007 SP1 schema allows', () => {
  let bed: EwsTestBed;
  beforeAll(async () => {
    bed = await startEwsTestBed('basic', { transport: { version: 'Exchange2007_SP1' } });
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('an inline image (by ContentId, no IsInline) and a file attachment go onto the draft and arrive, inline and not', async () => {
    const internetMessageId = '<inline-2007-sp1@contoso.com>';
    const result = await bed.transport.send({
      to: [DEMO.secondMailbox],
      subject: 'inline on 2007 SP1',
      html: '<p>logo: <img src="cid:logo@contoso"></p>',
      internetMessageId,
      attachments: [
        { filename: 'logo.gif', content: GIF, contentType: 'image/gif', contentId: 'logo@contoso' },
        { filename: 'notes.txt', content: Buffer.from('plain notes'), contentType: 'text/plain' },
      ],
    });
    expect(result.internetMessageId).toBe(internetMessageId);
    expect(invalidEwsRequests(bed.simulator)).toEqual([]);
    const uploads = bed.simulator.requests().filter((request) => request.api === 'ews' && request.ewsOperation === 'CreateAttachment');
    expect(uploads).toHaveLength(2);
    expect(bed.simulator.deliveries(internetMessageId).mailboxes).toContainEqual({ mailbox: DEMO.secondMailbox, folder: 'inbox' });
    const received = bed.simulator.messages(DEMO.secondMailbox, 'inbox').find((message) => message.internetMessageId === internetMessageId);
    expect(received?.attachments).toEqual([
      expect.objectContaining({ name: 'logo.gif', contentType: 'image/gif', contentId: 'logo@contoso', isInline: true, size: GIF.length }),
      expect.objectContaining({ name: 'notes.txt', isInline: false }),
    ]);
  });
});
