import type { HttpClient } from '@mailbridge/core';
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

    // Read back on 2007 SP1: its answers carry no IsInline or Size (Exchange 2010 added them), so the
    // image is known by its ContentId alone; isInline is reported false (unknown), never guessed.
    expect(result.id).toEqual(expect.any(String));
    const sent = await bed.transport.getMessage(result.id!);
    expect(sent.attachments.map(({ filename, contentId, isInline }) => ({ filename, contentId, isInline }))).toEqual([
      { filename: 'logo.gif', contentId: 'logo@contoso', isInline: false },
      { filename: 'notes.txt', contentId: undefined, isInline: false },
    ]);
    expect(Buffer.from(await sent.attachments[0]!.content())).toEqual(GIF);
  });
});

describe('a request the server refuses as schema-invalid', () => {
  let bed: EwsTestBed;
  beforeAll(async () => {
    bed = await startEwsTestBed('basic');
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('is a SERVICE_ERROR naming ErrorSchemaValidation and ews.version, sent once and not retried', async () => {
    // The simulator's own SOAP fault (HTTP 500) for a request with an element the schema lacks, as
    // Exchange 2007 answers one of a later schema: the CreateItem is given one on its way out.
    const http: HttpClient = {
      ...bed.http,
      fetch: (input, init = {}) => {
        const body = typeof init.body === 'string' ? init.body.replace('<t:Subject>', '<t:NotInTheSchema/><t:Subject>') : init.body;
        return bed.http.fetch(input, { ...init, ...(body !== undefined ? { body } : {}) });
      },
    };
    delete (http as { request?: unknown }).request;
    const transport = bed.newTransport({ http });
    const before = bed.simulator.requests().length;
    const error = await transport.send({ to: [DEMO.secondMailbox], subject: 'schema refused', text: 'x' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SERVICE_ERROR', retryable: false, details: { status: 500, serviceCode: 'ErrorSchemaValidation' } });
    expect((error as Error).message).toMatch(/ErrorSchemaValidation.*NotInTheSchema/);
    expect((error as { hint: string }).hint).toMatch(/ews\.version/);
    const creates = bed.simulator
      .requests()
      .slice(before)
      .filter((request) => request.ewsOperation === 'CreateItem');
    expect(creates.map((request) => request.status)).toEqual([500]);
  });
});
