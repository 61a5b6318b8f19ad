import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, attrs, BOB, type EwsHarness, envelope, impersonate, startEwsHarness, texts } from './support/ews-harness.js';

let sim: EwsHarness;
let auth: Record<string, string>;

beforeAll(async () => {
  // A 2 MB send limit (Exchange Online's is 35 MB) keeps the size-limit test cheap.
  sim = await startEwsHarness({ maxMessageBytes: 2 * 1024 * 1024 });
  auth = { authorization: `Bearer ${await sim.appToken()}`, 'x-anchormailbox': ALICE };
});
afterAll(async () => {
  await sim.close();
});

const asAlice = (body: string) => sim.soap(envelope(body, impersonate(ALICE)), auth);

async function inboxIds(extra = ''): Promise<{ ids: string[]; changeKeys: string[]; body: string }> {
  const res = await asAlice(`<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>${extra}<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`);
  expect(res.status).toBe(200);
  return { ids: attrs(res.body, 'ItemId', 'Id'), changeKeys: attrs(res.body, 'ItemId', 'ChangeKey'), body: res.body };
}

describe('EWS operations (Exchange Online, app-only with impersonation)', () => {
  it('GetFolder inbox: counts, ServerVersionInfo header, request logged as valid', async () => {
    const res = await asAlice('<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>');
    expect(res.status).toBe(200);
    expect(res.body).toContain('ServerVersionInfo');
    expect(texts(res.body, 'DisplayName')).toEqual(['Inbox']);
    expect(texts(res.body, 'TotalCount')).toEqual(['3']);
    expect(texts(res.body, 'UnreadCount')).toEqual(['2']);
    const entry = sim.log.list().at(-1)!;
    expect(entry).toMatchObject({ api: 'ews', ewsOperation: 'GetFolder', schemaValid: true, status: 200 });
    expect(entry.headers['authorization']).toBe('Bearer [redacted]');
  });

  it('FindItem pages with IndexedPageItemView and reports the paging attributes', async () => {
    const page1 = await asAlice(
      '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="2" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>',
    );
    expect(attrs(page1.body, 'RootFolder', 'TotalItemsInView')).toEqual(['3']);
    expect(attrs(page1.body, 'RootFolder', 'IncludesLastItemInRange')).toEqual(['false']);
    expect(attrs(page1.body, 'RootFolder', 'IndexedPagingOffset')).toEqual(['2']);
    // Newest first, subjects escaped correctly.
    expect(texts(page1.body, 'Subject')).toEqual(['Third with attachment', 'Second']);
    const page2 = await asAlice(
      '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="2" Offset="2" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>',
    );
    expect(texts(page2.body, 'Subject')).toEqual(['First &amp; &lt;oldest&gt;']);
    expect(attrs(page2.body, 'RootFolder', 'IncludesLastItemInRange')).toEqual(['true']);
  });

  it('FindItem restriction on IsRead and DateTimeReceived, with SortOrder ascending', async () => {
    const unread = await asAlice(
      '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="message:IsRead"/></t:AdditionalProperties></m:ItemShape>' +
        '<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/><t:FieldURIOrConstant><t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>' +
        '<m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:DateTimeReceived"/></t:FieldOrder></m:SortOrder>' +
        '<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>',
    );
    expect(texts(unread.body, 'Subject')).toEqual(['Second', 'Third with attachment']);
    expect(texts(unread.body, 'IsRead')).toEqual(['false', 'false']);
    const since = new Date(Date.now() - 90 * 60_000).toISOString();
    const recent = await asAlice(
      '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape>' +
        `<m:Restriction><t:IsGreaterThanOrEqualTo><t:FieldURI FieldURI="item:DateTimeReceived"/><t:FieldURIOrConstant><t:Constant Value="${since}"/></t:FieldURIOrConstant></t:IsGreaterThanOrEqualTo></m:Restriction>` +
        '<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>',
    );
    expect(texts(recent.body, 'Subject')).toEqual(['Third with attachment']);
  });

  it('GetItem several ids with MimeContent, BodyType Text and HTML (HTML entity-escaped in t:Body)', async () => {
    const { ids } = await inboxIds();
    const items = ids.map((id) => `<t:ItemId Id="${id}"/>`).join('');
    const html = await asAlice(`<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:BodyType>HTML</t:BodyType></m:ItemShape><m:ItemIds>${items}</m:ItemIds></m:GetItem>`);
    expect(attrs(html.body, 'GetItemResponseMessage', 'ResponseClass')).toEqual(['Success', 'Success', 'Success']);
    expect(html.body).toContain('&lt;b&gt;bold&lt;/b&gt;');
    const mime = Buffer.from(texts(html.body, 'MimeContent')[1]!, 'base64').toString('utf8');
    expect(mime).toMatch(/Subject: Second/);
    const text = await asAlice(
      `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:BodyType>Text</t:BodyType><t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${ids[1]}"/></m:ItemIds></m:GetItem>`,
    );
    expect(attrs(text.body, 'Body', 'BodyType')).toEqual(['Text']);
    expect(texts(text.body, 'Body')[0]).toContain('two & bold'.replace('&', '&amp;'));
  });

  it('calendar and meeting properties on Inbox messages: answered without them (Exchange 2010+), refused for Exchange 2007 requests', async () => {
    const { ids } = await inboxIds();
    const otherTypes = '<t:FieldURI FieldURI="meeting:AssociatedCalendarItemId"/><t:FieldURI FieldURI="calendar:Start"/><t:FieldURI FieldURI="meetingRequest:MeetingRequestType"/><t:FieldURI FieldURI="calendar:IsAllDayEvent"/>';
    const shape = `<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="message:IsRead"/>${otherTypes}</t:AdditionalProperties></m:ItemShape>`;
    const getItem = `<m:GetItem>${shape}<m:ItemIds>${ids.map((id) => `<t:ItemId Id="${id}"/>`).join('')}</m:ItemIds></m:GetItem>`;
    const findItem = `<m:FindItem Traversal="Shallow">${shape}<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`;
    const send = (body: string, version: string | null) => sim.soap(envelope(body, impersonate(ALICE), version), auth);

    // What Exchange 2010 and later (and Exchange Online) do: the properties that apply, the rest left out.
    for (const version of ['Exchange2010', 'Exchange2013_SP1', 'Exchange2016', 'V2017_07_11']) {
      const got = await send(getItem, version);
      expect(attrs(got.body, 'GetItemResponseMessage', 'ResponseClass'), version).toEqual(['Success', 'Success', 'Success']);
      expect(texts(got.body, 'Subject')).toHaveLength(3);
      expect(texts(got.body, 'IsRead')).toHaveLength(3);
      expect(got.body).not.toMatch(/<t:(Start|IsAllDayEvent|AssociatedCalendarItemId|MeetingRequestType)\b/);
      const found = await send(findItem, version);
      expect(texts(found.body, 'ResponseCode'), version).toEqual(['NoError']);
      expect(texts(found.body, 'Subject').sort()).toEqual(['First &amp; &lt;oldest&gt;', 'Second', 'Third with attachment']);
      expect(found.body).not.toMatch(/<t:(Start|IsAllDayEvent|AssociatedCalendarItemId|MeetingRequestType)\b/);
      expect(sim.log.list().at(-1)).toMatchObject({ schemaValid: true, status: 200 });
    }

    // A request that targets Exchange 2007 (or names no version, which Exchange handles as Exchange 2007) is refused.
    for (const version of ['Exchange2007', 'Exchange2007_SP1', null]) {
      const got = await send(getItem, version);
      expect(texts(got.body, 'ResponseCode'), String(version)).toEqual(['ErrorInvalidPropertyRequest', 'ErrorInvalidPropertyRequest', 'ErrorInvalidPropertyRequest']);
      expect(attrs(got.body, 'FieldURI', 'FieldURI')).toEqual(Array(3).fill('meeting:AssociatedCalendarItemId'));
      expect(texts(got.body, 'MessageText')[0]).toBe(`The property meeting:AssociatedCalendarItemId is not valid for this object type. The Current ExchangeVersion is ${version ?? 'Exchange2007'}.`);
      const found = await send(findItem, version);
      expect(texts(found.body, 'ResponseCode'), String(version)).toEqual(['ErrorInvalidPropertyRequest']);
    }
  });

  it('conversation and persona FieldURIs are no item properties: refused whatever the version', async () => {
    const { ids } = await inboxIds();
    const res = await asAlice(
      `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="conversation:ConversationId"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${ids[0]}"/></m:ItemIds></m:GetItem>`,
    );
    expect(texts(res.body, 'ResponseCode')).toEqual(['ErrorInvalidPropertyRequest']);
  });

  it('ids: malformed → ErrorInvalidIdMalformed, unknown → ErrorItemNotFound', async () => {
    const res = await asAlice(`<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="not-an-id!"/><t:ItemId Id="${Buffer.alloc(60, 7).toString('base64')}"/></m:ItemIds></m:GetItem>`);
    expect(texts(res.body, 'ResponseCode')).toEqual(['ErrorInvalidIdMalformed', 'ErrorItemNotFound']);
  });

  it('UpdateItem IsRead changes the change key; a stale change key with NeverOverwrite conflicts', async () => {
    const { ids, changeKeys } = await inboxIds();
    const update = (changeKey: string, resolution: string, value: string) =>
      asAlice(
        `<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="${resolution}"><m:ItemChanges><t:ItemChange><t:ItemId Id="${ids[1]}" ChangeKey="${changeKey}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>${value}</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
      );
    const ok = await update(changeKeys[1]!, 'AutoResolve', 'true');
    expect(texts(ok.body, 'ResponseCode')).toEqual(['NoError']);
    const newKey = attrs(ok.body, 'ItemId', 'ChangeKey')[0];
    expect(newKey).not.toBe(changeKeys[1]);
    const message = sim.state.mailbox(ALICE)!.messageByEwsId(ids[1]!)!;
    expect(message.isRead).toBe(true);
    const stale = await update(changeKeys[1]!, 'NeverOverwrite', 'false');
    expect(texts(stale.body, 'ResponseCode')).toEqual(['ErrorIrresolvableConflict']);
    await update(newKey!, 'AlwaysOverwrite', 'false');
    expect(message.isRead).toBe(false);
  });

  it('CreateItem SendAndSaveCopy delivers to the recipient Inbox and files a copy in Sent Items', async () => {
    const res = await asAlice(
      `<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>Hello Bob</t:Subject><t:Body BodyType="HTML">&lt;p&gt;Hi&lt;/p&gt;</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>${BOB}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>`,
    );
    expect(texts(res.body, 'ResponseCode')).toEqual(['NoError']);
    const bobInbox = sim.state.mailbox(BOB)!;
    const received = bobInbox.messagesIn(bobInbox.wellKnown('inbox')).find((m) => m.subject === 'Hello Bob');
    expect(received?.bodyHtml).toBe('<p>Hi</p>');
    const alice = sim.state.mailbox(ALICE)!;
    expect(alice.messagesIn(alice.wellKnown('sentitems')).map((m) => m.subject)).toContain('Hello Bob');
  });

  it('CreateItem SaveOnly, CreateAttachment, GetAttachment, SendItem', async () => {
    const draft = await asAlice(
      `<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>Draft with file</t:Subject><t:Body BodyType="Text">see file</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>${BOB}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>`,
    );
    const [id] = attrs(draft.body, 'ItemId', 'Id');
    const content = Buffer.from('hello attachment').toString('base64');
    const attach = await asAlice(
      `<m:CreateAttachment><m:ParentItemId Id="${id}"/><m:Attachments><t:FileAttachment><t:Name>a.txt</t:Name><t:ContentType>text/plain</t:ContentType><t:Content>${content}</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>`,
    );
    expect(texts(attach.body, 'ResponseCode')).toEqual(['NoError']);
    const [attachmentId] = attrs(attach.body, 'AttachmentId', 'Id');
    const [rootChangeKey] = attrs(attach.body, 'AttachmentId', 'RootItemChangeKey');
    const got = await asAlice(`<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="${attachmentId}"/></m:AttachmentIds></m:GetAttachment>`);
    expect(texts(got.body, 'Content')).toEqual([content]);
    const sent = await asAlice(`<m:SendItem SaveItemToFolder="true"><m:ItemIds><t:ItemId Id="${id}" ChangeKey="${rootChangeKey}"/></m:ItemIds></m:SendItem>`);
    expect(texts(sent.body, 'ResponseCode')).toEqual(['NoError']);
    const bob = sim.state.mailbox(BOB)!;
    const copy = bob.messagesIn(bob.wellKnown('inbox')).find((m) => m.subject === 'Draft with file');
    expect(copy?.attachments.map((a) => a.name)).toEqual(['a.txt']);
  });

  it('MoveItem returns the new id; DeleteItem MoveToDeletedItems then HardDelete', async () => {
    const { ids } = await inboxIds();
    const moved = await asAlice(`<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="junkemail"/></m:ToFolderId><m:ItemIds><t:ItemId Id="${ids[0]}"/></m:ItemIds></m:MoveItem>`);
    const [newId] = attrs(moved.body, 'ItemId', 'Id');
    expect(newId).toBeDefined();
    expect(newId).not.toBe(ids[0]);
    const alice = sim.state.mailbox(ALICE)!;
    expect(alice.messageByEwsId(newId!)?.folderId).toBe(alice.wellKnown('junkemail').id);
    const soft = await asAlice(`<m:DeleteItem DeleteType="MoveToDeletedItems"><m:ItemIds><t:ItemId Id="${newId}"/></m:ItemIds></m:DeleteItem>`);
    expect(texts(soft.body, 'ResponseCode')).toEqual(['NoError']);
    const inDeleted = alice.messagesIn(alice.wellKnown('deleteditems'));
    expect(inDeleted).toHaveLength(1);
    const hard = await asAlice(`<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${inDeleted[0]!.ewsId}"/></m:ItemIds></m:DeleteItem>`);
    expect(texts(hard.body, 'ResponseCode')).toEqual(['NoError']);
    expect(alice.messagesIn(alice.wellKnown('deleteditems'))).toHaveLength(0);
    const again = await asAlice(`<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${inDeleted[0]!.ewsId}"/></m:ItemIds></m:DeleteItem>`);
    expect(texts(again.body, 'ResponseCode')).toEqual(['ErrorItemNotFound']);
  });

  it('SyncFolderItems: initial sync in pages, then Create / ReadFlagChange / Delete; bad SyncState is ErrorInvalidSyncStateData', async () => {
    const sync = (state: string, max = 2) =>
      asAlice(
        `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ''}<m:MaxChangesReturned>${max}</m:MaxChangesReturned></m:SyncFolderItems>`,
      );
    const alice = sim.state.mailbox(ALICE)!;
    const inbox = alice.wellKnown('inbox');
    const total = alice.messagesIn(inbox).length;
    let state = '';
    let created = 0;
    for (let round = 0; round < 10; round++) {
      const res = await sync(state);
      created += (res.body.match(/<t:Create>/g) ?? []).length;
      state = texts(res.body, 'SyncState')[0]!;
      if (texts(res.body, 'IncludesLastItemInRange')[0] === 'true') break;
    }
    expect(created).toBe(total);
    const [first, second] = alice.messagesIn(inbox);
    alice.setRead(first!, !first!.isRead, sim.state.nowIso());
    alice.remove(second!);
    const delta = await sync(state, 10);
    expect(delta.body).toContain('<t:ReadFlagChange>');
    expect(attrs(delta.body.slice(delta.body.indexOf('<t:Delete>')), 'ItemId', 'Id')[0]).toBe(second!.ewsId);
    const bad = await sync(Buffer.from('garbage').toString('base64'));
    expect(texts(bad.body, 'ResponseCode')).toEqual(['ErrorInvalidSyncStateData']);
  });

  it('CreateItem with a From the mailbox may not send as → ErrorSendAsDenied; with a SendAs grant it sends', async () => {
    const send = (from: string) =>
      asAlice(
        `<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>As ${from}</t:Subject><t:Body BodyType="Text">x</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>${BOB}</t:EmailAddress></t:Mailbox></t:ToRecipients><t:From><t:Mailbox><t:EmailAddress>${from}</t:EmailAddress></t:Mailbox></t:From></t:Message></m:Items></m:CreateItem>`,
      );
    const denied = await send(BOB);
    expect(texts(denied.body, 'ResponseCode')).toEqual(['ErrorSendAsDenied']);
    expect(texts(denied.body, 'MessageText')[0]).toContain('does not have the right to send mail on behalf');
    const allowed = await send('shared@contoso.com');
    expect(texts(allowed.body, 'ResponseCode')).toEqual(['NoError']);
  });

  it('CreateItem over the size limit → ErrorMessageSizeExceeded', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 1).toString('base64');
    const res = await asAlice(
      `<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>huge</t:Subject><t:Attachments><t:FileAttachment><t:Name>big.bin</t:Name><t:Content>${big}</t:Content></t:FileAttachment></t:Attachments></t:Message></m:Items></m:CreateItem>`,
    );
    expect(texts(res.body, 'ResponseCode')).toEqual(['ErrorMessageSizeExceeded']);
  });
});

describe('with validateEws off', () => {
  it('requests are served and logged without a schema verdict; envelope structure is still checked', async () => {
    const plain = await startEwsHarness({ validate: false });
    try {
      const headers = { authorization: `Bearer ${await plain.appToken()}` };
      const ok = await plain.soap(envelope('<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>', impersonate(ALICE)), headers);
      expect(ok.status).toBe(200);
      expect(plain.log.list().at(-1)!.schemaValid).toBeUndefined();
      const twoBodies = await plain.soap(
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Body><m:GetFolder/><m:GetFolder/></soap:Body></soap:Envelope>',
        headers,
      );
      expect(texts(twoBodies.body, 'faultcode')).toEqual(['a:ErrorSchemaValidation']);
      expect(plain.log.list().at(-1)!.schemaValid).toBe(false);
    } finally {
      await plain.close();
    }
  });
});

describe('large payloads', () => {
  it('a 12 MB inline attachment validates (past libxml2 default 10 MB text-node cap) and parses intact', async () => {
    const { validateEwsSoap } = await import('../src/ews/index.js');
    const { parseXml } = await import('../src/ews/xml/xml-node.js');
    const content = Buffer.alloc(12 * 1024 * 1024, 7).toString('base64');
    const xml = envelope(
      `<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>big</t:Subject><t:Attachments><t:FileAttachment><t:Name>big.bin</t:Name><t:Content>${content}</t:Content></t:FileAttachment></t:Attachments></t:Message></m:Items></m:CreateItem>`,
    );
    expect(validateEwsSoap(xml).valid).toBe(true);
    const root = parseXml(xml);
    const find = (node: typeof root): string | undefined => (node.name === 'Content' ? node.text : node.children.map(find).find((t) => t !== undefined));
    expect(find(root)).toBe(content);
  });
});
