import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRetryPolicy, MailbridgeError, type OutgoingMessage, prepareOutgoingMessage } from '@mailbridge/core';
import { FolderId, MessageDisposition, WellKnownFolderName } from 'ews-javascript-api';
import { afterAll, describe, expect, it } from 'vitest';
import { EwsRequester } from '../src/ews-request.js';
import type { EwsVersionName } from '../src/ews-transport-options.js';
import { createEwsTransport } from '../src/index.js';
import { attachmentNamesOf, itemIdsOf, parseEwsResponse } from '../src/xml/parse-ews-response.js';
import { type CapturedRequest, emptySuccess, fakeHttp, fakeTokenProvider, soapResponse } from './support/fake-http.js';
import { convertToLibraryMessage } from './support/library-ews-message.js';
import { validateSoap } from './support/xsd.js';

const MAILBOX = 'alerts@contoso.com';
const URL_ = 'https://ews.test/EWS/Exchange.asmx';
const M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
const T = 'http://schemas.microsoft.com/exchange/services/2006/types';

const folder = mkdtempSync(join(tmpdir(), 'mailbridge-ews-convert-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const reportFile = join(folder, 'report.pdf');
writeFileSync(reportFile, Buffer.from('%PDF-1.4 fake report with bytes \u0000\u00ff', 'latin1'));

/** A fake EWS that answers CreateItem SaveOnly with a draft id, and every other request with an empty success. */
function answer(request: CapturedRequest): Response {
  if (request.body.includes('MessageDisposition="SaveOnly"')) {
    return soapResponse(
      `<m:CreateItemResponse xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages><m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>` +
        '<m:Items><t:Message><t:ItemId Id="DRAFT&amp;1" ChangeKey="CK1"/></t:Message></m:Items></m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse>',
    );
  }
  return emptySuccess(/<m:(\w+)/.exec(request.body.split('<soap:Body>')[1] ?? '')?.[1] ?? 'CreateItem');
}

/** The CreateItem element of a request, with empty elements written one way (`<x/>`), as XML does not tell them apart. */
function createItemOf(body: string): string {
  const element = /<m:CreateItem[\s>][\s\S]*<\/m:CreateItem>/.exec(body)?.[0];
  if (!element) throw new Error(`no CreateItem in ${body.slice(0, 300)}`);
  return element.replace(/<([\w:]+)((?:\s[^<>]*?)?)><\/\1>/g, '<$1$2/>');
}

/** The CreateItem request sending `message` on the hand-written path (the transport as users get it). */
async function handWritten(message: OutgoingMessage, version?: EwsVersionName): Promise<string> {
  const http = fakeHttp(answer);
  const transport = createEwsTransport({ url: URL_, mailbox: MAILBOX, authentication: { kind: 'bearer', tokenProvider: fakeTokenProvider() }, http, retry: createRetryPolicy({ maxAttempts: 1 }), ...(version ? { version } : {}) });
  await transport.send(message);
  await transport.close();
  return http.requests.find((request) => request.body.includes('<m:CreateItem'))!.body;
}

/** The CreateItem request ews-javascript-api wrote for the same message, the way sending used it before. */
async function throughLibrary(message: OutgoingMessage, version?: EwsVersionName): Promise<string> {
  const http = fakeHttp(answer);
  const requester = new EwsRequester({ url: URL_, mailbox: MAILBOX, authentication: { kind: 'bearer', tokenProvider: fakeTokenProvider() }, http, retry: createRetryPolicy({ maxAttempts: 1 }), ...(version ? { version } : {}) });
  const prepared = await prepareOutgoingMessage(message, { mailbox: MAILBOX, capabilities: requester.capabilities });
  const email = await convertToLibraryMessage(requester.service, message, prepared.internetMessageId, prepared.attachments);
  if (prepared.saveToSentItems) {
    const service = requester.service as unknown as { CreateItem(item: unknown, folder: FolderId, disposition: MessageDisposition, invitations: null): Promise<void> };
    await requester.call('once', undefined, 'CreateItem', () => service.CreateItem(email, new FolderId(WellKnownFolderName.SentItems), MessageDisposition.SendAndSaveCopy, null));
  } else {
    await requester.call('once', undefined, 'CreateItem', () => email.Save(new FolderId(WellKnownFolderName.Drafts)));
  }
  await requester.close();
  return http.requests[0]!.body;
}

const RICH: OutgoingMessage = {
  to: [{ name: 'Jo <on call> & "co"', address: 'jo@contoso.com' }, 'ops@contoso.com'],
  cc: [{ name: "O'Brien", address: 'cc@contoso.com' }],
  bcc: ['audit@contoso.com'],
  replyTo: [{ name: 'Desk & <reply>', address: 'reply@contoso.com' }],
  from: { name: 'Alerts <shared>', address: 'shared@contoso.com' },
  subject: 'disk 97% on db-01 <&> "quoted" \'single\' ]]> 警告 🔥',
  text: 'ignored: the HTML body wins, as before',
  html: '<p>Température: <b>42 °C</b> &amp; rising</p><img src="cid:logo-1">\r\nline two',
  importance: 'high',
  headers: { 'X-Alarm-Id': 'a<1> & "2"', 'X-Runbook': 'https://runbooks.contoso.com/?a=1&b=2' },
  attachments: [
    { filename: 'notes & <todo>.txt', content: 'first line\r\nsecond & <third>' },
    { filename: 'logo.png', content: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]), contentType: 'image/png', contentId: 'logo-1' },
    { filename: 'report.pdf', content: { path: reportFile } },
  ],
  internetMessageId: '<rich&1@contoso.com>',
};

describe('the hand-written CreateItem is the one ews-javascript-api wrote', () => {
  it.each<[string, OutgoingMessage, EwsVersionName | undefined]>([
    ['a rich message: names, cc, bcc, reply-to, from, importance, headers, inline and file attachments', RICH, undefined],
    // Before Exchange 2010 SP2 attachments never go inside the CreateItem (see the test below).
    ['the same on Exchange 2007, without attachments', { ...RICH, attachments: [] }, 'Exchange2007_SP1'],
    ['the same on the on-premises default version', { ...RICH, importance: 'low' }, 'Exchange2013_SP1'],
    ['plain text with CRLF and no attachments', { to: ['ops@contoso.com'], subject: 'plain', text: 'line one\r\nline two\ttabbed', internetMessageId: '<plain@contoso.com>' }, undefined],
    ['an empty subject and normal importance', { to: ['ops@contoso.com'], subject: '', text: 'x', importance: 'normal', internetMessageId: '<empty@contoso.com>' }, undefined],
    // The library added a draft's attachments with a CreateAttachment after it; ours go inside the CreateItem (one request less).
    ['a draft (not kept in Sent Items): SaveOnly into Drafts', { ...RICH, attachments: [], saveToSentItems: false }, undefined],
  ])('%s', async (_name, message, version) => {
    const ours = await handWritten(message, version);
    const library = await throughLibrary(message, version);
    expect(createItemOf(ours)).toBe(createItemOf(library));
    // And it is what Microsoft's schema allows (the simulator refuses anything else the same way).
    const validation = await validateSoap([ours]);
    expect(validation.errors).toEqual([]);
  });

  it.each<EwsVersionName>(['Exchange2007_SP1', 'Exchange2010', 'Exchange2010_SP1'])('on %s, attachments go onto a draft with CreateAttachment, none dropped (the library left them out of a one-request send)', async (version) => {
    const http = fakeHttp((request) =>
      request.body.includes('<m:CreateAttachment>')
        ? soapResponse(
            `<m:CreateAttachmentResponse xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages><m:CreateAttachmentResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>` +
              '<m:Attachments><t:FileAttachment><t:AttachmentId Id="A" RootItemId="DRAFT&amp;1" RootItemChangeKey="CK2"/></t:FileAttachment></m:Attachments></m:CreateAttachmentResponseMessage></m:ResponseMessages></m:CreateAttachmentResponse>',
          )
        : answer(request),
    );
    const transport = createEwsTransport({ url: URL_, mailbox: MAILBOX, authentication: { kind: 'bearer', tokenProvider: fakeTokenProvider() }, http, retry: createRetryPolicy({ maxAttempts: 1 }), version });
    await transport.send({ ...RICH, internetMessageId: `<old-${version}@contoso.com>` });
    await transport.close();
    const operations = http.requests.map((request) => /<soap:Body><m:(\w+)/.exec(request.body)?.[1]);
    expect(operations).toEqual(['CreateItem', 'CreateAttachment', 'CreateAttachment', 'CreateAttachment', 'SendItem', 'FindItem']);
    expect(http.requests[0]!.body).toContain('MessageDisposition="SaveOnly"');
    expect(http.requests[0]!.body).not.toContain('<t:Attachments>');
    const names = http.requests.slice(1, 4).map((request) => /<t:Name>([^<]*)<\/t:Name>/.exec(request.body)?.[1]);
    expect(names).toEqual(['notes &amp; &lt;todo&gt;.txt', 'logo.png', 'report.pdf']);
    expect(http.requests[4]!.body).toContain('<t:ItemId Id="DRAFT&amp;1" ChangeKey="CK2"/>');
  });

  it('escapes every value: the parsed request holds exactly what the caller gave', async () => {
    const body = await handWritten(RICH);
    const document = parseEwsResponse(body, 'CreateItem');
    const texts = (name: string) => Array.from(document.getElementsByTagNameNS(T, name)).map((element) => element.textContent);
    expect(texts('Subject')).toEqual([RICH.subject]);
    expect(texts('Body')).toEqual([RICH.html]);
    expect(texts('Name')).toEqual(['notes & <todo>.txt', 'logo.png', 'report.pdf', 'Jo <on call> & "co"', "O'Brien", 'Alerts <shared>', 'Desk & <reply>']);
    expect(texts('Value')).toEqual(Object.values(RICH.headers!));
    expect(texts('InternetMessageId')).toEqual([RICH.internetMessageId]);
    const content = Array.from(document.getElementsByTagNameNS(T, 'Content')).map((element) => Buffer.from(element.textContent ?? '', 'base64'));
    expect(content[0]!.toString('utf8')).toBe('first line\r\nsecond & <third>');
    expect([...content[1]!]).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
  });
});

describe('reading the answers of hand-written requests', () => {
  const envelope = (items: string) =>
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetItemResponse xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>${items}</m:Items></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>`;

  it('item ids and attachment names, unescaped, whatever the prefixes', () => {
    const text = envelope(
      `<t:Message><t:ItemId Id="A&amp;B=" ChangeKey="c"/><t:Attachments><t:FileAttachment><t:AttachmentId Id="x"/><t:Name>a &amp; &lt;b&gt;.txt</t:Name></t:FileAttachment>` +
        `<x:ItemAttachment xmlns:x="${T}"><x:Name><![CDATA[forwarded <mail>]]></x:Name></x:ItemAttachment></t:Attachments></t:Message>`,
    );
    const document = parseEwsResponse(text, 'GetItem');
    expect(itemIdsOf(document)).toEqual(['A&B=']);
    expect(attachmentNamesOf(document)).toEqual(['a & <b>.txt', 'forwarded <mail>']);
  });

  it('an answer that is not well-formed XML is INVALID_RESPONSE, not a wrong id', () => {
    const broken = () => parseEwsResponse(envelope('<t:Message><t:ItemId Id="A"></t:Message>'), 'CreateItem');
    expect(broken).toThrow(MailbridgeError);
    expect(broken).toThrow(/CreateItem: the response is not well-formed XML/);
  });

  it('a draft answer without an item id fails the send with INVALID_RESPONSE', async () => {
    const http = fakeHttp((request) => (request.body.includes('SaveOnly') ? emptySuccess('CreateItem') : answer(request)));
    const transport = createEwsTransport({ url: URL_, mailbox: MAILBOX, authentication: { kind: 'bearer', tokenProvider: fakeTokenProvider() }, http, retry: createRetryPolicy({ maxAttempts: 1 }) });
    await expect(transport.send({ to: ['ops@contoso.com'], subject: 's', text: 't', saveToSentItems: false })).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
    await transport.close();
  });
});
