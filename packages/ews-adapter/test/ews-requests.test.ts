import { createRetryPolicy } from '@mailbridge/core';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEwsTransport } from '../src/index.js';
import { type EwsTestBed, invalidEwsRequests, startEwsTestBed } from './support/ews-test-bed.js';
import { emptySuccess, errorResponse, fakeHttp, fakeTokenProvider } from './support/fake-http.js';

describe('what the adapter puts on the wire', () => {
  it('importance, reply-to, bcc and the Message-ID go in the CreateItem', async () => {
    const http = fakeHttp(() => emptySuccess('CreateItem'));
    const transport = createEwsTransport({
      url: 'https://ews.test/EWS/Exchange.asmx',
      mailbox: 'alerts@contoso.com',
      authentication: { kind: 'bearer', tokenProvider: fakeTokenProvider() },
      http,
      retry: createRetryPolicy({ maxAttempts: 1 }),
    });
    const result = await transport.send({ to: ['a@contoso.com'], bcc: ['b@contoso.com'], replyTo: ['r@contoso.com'], subject: 's', text: 't', importance: 'high' });
    const body = http.requests[0]!.body;
    expect(body).toContain('<t:Importance>High</t:Importance>');
    expect(body).toContain('MessageDisposition="SendAndSaveCopy"');
    expect(body).toMatch(/<t:BccRecipients><t:Mailbox><t:EmailAddress>b@contoso.com</);
    expect(body).toMatch(/<t:ReplyTo><t:Mailbox><t:EmailAddress>r@contoso.com</);
    expect(body).toContain(`<t:InternetMessageId>${result.internetMessageId.replace('<', '&lt;').replace('>', '&gt;')}</t:InternetMessageId>`);
    expect(body).not.toContain('<t:CcRecipients>');
    await transport.close();
  });

  it.each([
    ['Exchange2016', true],
    ['Exchange2010', false],
  ] as const)('a %s GetItem asks for In-Reply-To, References, Reply-To (and ConversationId from 2010 SP1: %s)', async (version, conversationId) => {
    const http = fakeHttp(() => errorResponse('GetItem', 'ErrorItemNotFound', 'The specified object was not found in the store.'));
    const transport = createEwsTransport({
      url: 'https://ews.test/EWS/Exchange.asmx',
      mailbox: 'alerts@contoso.com',
      authentication: { kind: 'bearer', tokenProvider: fakeTokenProvider() },
      http,
      retry: createRetryPolicy({ maxAttempts: 1 }),
      version,
    });
    await expect(transport.getMessage('AAMkAD0=')).rejects.toMatchObject({ code: 'ITEM_NOT_FOUND' });
    const body = http.requests[0]!.body;
    for (const field of ['item:InReplyTo', 'message:References', 'message:ReplyTo', 'item:ParentFolderId', 'item:Body']) expect(body).toContain(`FieldURI="${field}"`);
    expect(body.includes('FieldURI="item:ConversationId"')).toBe(conversationId);
    await transport.close();
  });
});

describe('every request validates against the official XSDs, with impersonation and X-AnchorMailbox', () => {
  let bed: EwsTestBed;
  beforeAll(async () => {
    bed = await startEwsTestBed('oauth');
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('covers every operation the adapter uses', async () => {
    const { transport, simulator } = bed;
    simulator.clearRequests();
    await transport.probe();
    const sent = await transport.send({ to: [DEMO.secondMailbox], subject: 'ops <&>', html: '<p>hi &amp; bye</p>', headers: { 'X-Ops': '1' }, attachments: [{ filename: 'a.txt', content: 'a' }] });
    await transport.send({ to: [DEMO.secondMailbox], subject: 'draft path', text: 'x', saveToSentItems: false, attachments: [{ filename: 'b.bin', content: new Uint8Array(5 * 1024 * 1024) }] });
    await transport.sendMime!(`From: ${DEMO.mailbox}\r\nTo: ${DEMO.secondMailbox}\r\nSubject: mime\r\n\r\nbody\r\n`);
    const messages = [];
    for await (const message of transport.receive({ limit: 5, unreadOnly: true, since: new Date(Date.now() - 86_400_000) })) messages.push(message);
    expect(messages.length).toBeGreaterThan(0);
    await transport.markRead(messages.map((message) => message.id));
    await transport.getMime(messages[0]!.id);
    const one = await transport.getMessage(messages[0]!.id);
    expect(one.internetMessageId).toBe(messages[0]!.internetMessageId);
    const withAttachment = messages.find((message) => message.attachments.length > 0);
    if (withAttachment) await withAttachment.attachments[0]!.content();
    const first = await transport.sync!({ folder: 'inbox' });
    const moved = await transport.move(messages[0]!.id, 'deleteditems');
    await transport.move(moved.id, 'inbox');
    await transport.sync!({ cursor: first.cursor });
    expect(sent.internetMessageId).toMatch(/^<.+@.+>$/);

    const ews = simulator.requests().filter((request) => request.api === 'ews');
    const operations = new Set(ews.map((request) => request.ewsOperation));
    for (const operation of ['GetFolder', 'CreateItem', 'CreateAttachment', 'SendItem', 'FindItem', 'GetItem', 'UpdateItem', 'GetAttachment', 'SyncFolderItems', 'MoveItem']) {
      expect(operations, operation).toContain(operation);
    }
    expect(invalidEwsRequests(simulator)).toEqual([]);
    expect(ews.every((request) => request.schemaValid === true)).toBe(true);
    const header = (request: (typeof ews)[number], name: string) => Object.entries(request.headers).find(([key]) => key.toLowerCase() === name)?.[1];
    expect(ews.every((request) => header(request, 'x-anchormailbox') === DEMO.mailbox)).toBe(true);
    expect(ews.every((request) => /^Bearer /.test(header(request, 'authorization') ?? ''))).toBe(true);
    expect(ews.every((request) => request.clientId === DEMO.clientId)).toBe(true);
  });
});
