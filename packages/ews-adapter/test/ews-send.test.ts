import { Readable } from 'node:stream';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EwsTestBed, invalidEwsRequests, startEwsTestBed } from './support/ews-test-bed.js';

const MB = 1024 * 1024;

describe('EWS send paths on hostile input: refused as Graph refuses it, nothing sent, no draft left', () => {
  let bed: EwsTestBed;
  beforeAll(async () => {
    bed = await startEwsTestBed('oauth', { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 1_000 } });
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  const drafts = (subject: string) => bed.simulator.messages(DEMO.mailbox, 'drafts').filter((message) => message.subject === subject);
  const tenBytesDeclaredFive = () => ({ filename: 'ten.bin', content: { stream: () => Readable.from([Buffer.alloc(5, 1), Buffer.alloc(5, 2)]) }, size: 5 });

  it.each([
    ['inside the CreateItem', {}],
    ['streamed by CreateAttachment into a draft', { inlineAttachmentLimitBytes: 1 }],
  ])('a stream longer than its declared size, %s: INVALID_MESSAGE at attachments[0].size', async (_label, overrides) => {
    const transport = bed.newTransport(overrides);
    const subject = `longer stream ${JSON.stringify(overrides)}`;
    const internetMessageId = `<longer-${Object.keys(overrides).length}@contoso.onmicrosoft.com>`;
    const error = await transport.send({ to: [DEMO.secondMailbox], subject, text: 'x', internetMessageId, attachments: [tenBytesDeclaredFive()] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'INVALID_MESSAGE', details: { path: 'attachments[0].size' } });
    expect(bed.simulator.deliveries(internetMessageId).mailboxes).toEqual([]);
    expect(drafts(subject)).toEqual([]);
  });

  it('an abort during a streamed attachment stops it with ABORTED, sends nothing and removes the draft', async () => {
    const controller = new AbortController();
    const error = await bed.transport
      .send(
        { to: [DEMO.secondMailbox], subject: 'aborted', text: 'x', internetMessageId: '<aborted-ews-1@contoso.onmicrosoft.com>', attachments: [{ filename: 'a.bin', content: new Uint8Array(6 * MB).fill(3) }] },
        { signal: controller.signal, onUploadProgress: () => controller.abort() },
      )
      .catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('ABORTED');
    expect(bed.simulator.deliveries('<aborted-ews-1@contoso.onmicrosoft.com>').mailboxes).toEqual([]);
    expect(drafts('aborted')).toEqual([]);
    expect(invalidEwsRequests(bed.simulator)).toEqual([]);
  });
});
