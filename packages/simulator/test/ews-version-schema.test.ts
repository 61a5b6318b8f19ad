import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDED_AFTER_EXCHANGE_2007, exchange2007Types } from '../src/ews/exchange-2007-schema.js';
import { validateEwsSoap } from '../src/ews/index.js';
import { ALICE, attrs, BOB, type EwsHarness, envelope, impersonate, startEwsHarness, texts } from './support/ews-harness.js';

/**
 * Exchange validates a request against the schema of the RequestServerVersion it targets: an
 * Exchange 2007 SP1 request cannot carry what Exchange 2010 added to attachments (IsInline,
 * IsContactPhoto, ...), while the same request targeting Exchange 2010 can.
 */

let sim: EwsHarness;
let auth: Record<string, string>;

beforeAll(async () => {
  sim = await startEwsHarness();
  auth = { authorization: `Bearer ${await sim.appToken()}`, 'x-anchormailbox': ALICE };
});
afterAll(async () => {
  await sim.close();
});

const as = (version: string | null, body: string) => sim.soap(envelope(body, impersonate(ALICE), version), auth);
const content = Buffer.from('GIF89a').toString('base64');

async function draft(version: string | null): Promise<string> {
  const res = await as(
    version,
    `<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>versioned ${version}</t:Subject><t:Body BodyType="HTML">&lt;img src="cid:logo"&gt;</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>${BOB}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>`,
  );
  expect(texts(res.body, 'ResponseCode')).toEqual(['NoError']);
  return attrs(res.body, 'ItemId', 'Id')[0]!;
}

const createAttachment = (id: string, extra: string) =>
  `<m:CreateAttachment><m:ParentItemId Id="${id}"/><m:Attachments><t:FileAttachment><t:Name>logo.gif</t:Name><t:ContentType>image/gif</t:ContentType><t:ContentId>logo</t:ContentId>${extra}<t:Content>${content}</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>`;

describe('requests are validated against the schema of their RequestServerVersion', () => {
  it.each(['Exchange2007_SP1', null])('%s: IsInline in a FileAttachment is ErrorSchemaValidation, naming IsInline', async (version) => {
    const id = await draft(version);
    const res = await as(version, createAttachment(id, '<t:IsInline>true</t:IsInline>'));
    expect(res.status).toBe(500);
    expect(texts(res.body, 'faultcode')).toEqual(['a:ErrorSchemaValidation']);
    expect(texts(res.body, 'faultstring')[0]).toMatch(/IsInline/);
    expect(sim.log.list().at(-1)).toMatchObject({ ewsOperation: 'CreateAttachment', schemaValid: false });
    expect(sim.state.mailbox(ALICE)!.messageByEwsId(id)?.attachments).toEqual([]);
  });

  it('Exchange2007_SP1: IsContactPhoto is refused too', async () => {
    const id = await draft('Exchange2007_SP1');
    const res = await as('Exchange2007_SP1', createAttachment(id, '<t:IsContactPhoto>false</t:IsContactPhoto>'));
    expect(texts(res.body, 'faultcode')).toEqual(['a:ErrorSchemaValidation']);
    expect(texts(res.body, 'faultstring')[0]).toMatch(/IsContactPhoto/);
  });

  it('Exchange2007_SP1: an inline image by its ContentId alone is accepted and stored inline', async () => {
    const id = await draft('Exchange2007_SP1');
    const res = await as('Exchange2007_SP1', createAttachment(id, ''));
    expect(texts(res.body, 'ResponseCode')).toEqual(['NoError']);
    const [stored] = sim.state.mailbox(ALICE)!.messageByEwsId(id)!.attachments;
    expect(stored).toMatchObject({ name: 'logo.gif', contentId: 'logo', isInline: true });
  });

  it.each(['Exchange2010', 'Exchange2013_SP1', 'V2017_07_11'])('%s: IsInline and IsContactPhoto are accepted', async (version) => {
    const id = await draft(version);
    const res = await as(version, createAttachment(id, '<t:IsInline>true</t:IsInline><t:IsContactPhoto>false</t:IsContactPhoto>'));
    expect(texts(res.body, 'ResponseCode')).toEqual(['NoError']);
  });

  it('validateEwsSoap without a version (responses) uses the newest schema; with Exchange2007 the 2007 one', () => {
    const request = envelope(createAttachment('AAMk', '<t:IsInline>true</t:IsInline>'), '', 'Exchange2007_SP1');
    expect(validateEwsSoap(request).valid).toBe(true);
    expect(validateEwsSoap(request, { version: 'Exchange2007' }).valid).toBe(false);
    expect(validateEwsSoap(request, { version: 'Exchange2010_SP2' }).valid).toBe(true);
  });
});

describe("answers are in the schema of the request's RequestServerVersion", () => {
  /** A draft with an inline image (by ContentId) and a file; returns the ids of the draft and the image. */
  async function draftWithInlineImage(version: string): Promise<{ itemId: string; attachmentId: string }> {
    const itemId = await draft(version);
    const res = await as(version, createAttachment(itemId, ''));
    expect(texts(res.body, 'ResponseCode')).toEqual(['NoError']);
    return { itemId, attachmentId: attrs(res.body, 'AttachmentId', 'Id')[0]! };
  }
  const shape =
    '<m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/>' +
    '<t:FieldURI FieldURI="item:ConversationId"/><t:FieldURI FieldURI="item:TextBody"/></t:AdditionalProperties></m:ItemShape>';
  const getItem = (id: string) => `<m:GetItem>${shape}<m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`;
  const findItem = `<m:FindItem Traversal="Shallow">${shape.replace(/<t:FieldURI FieldURI="item:(?:Attachments|TextBody)"\/>/g, '')}<m:IndexedPageItemView MaxEntriesReturned="50" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="drafts"/></m:ParentFolderIds></m:FindItem>`;
  const getAttachment = (id: string) => `<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="${id}"/></m:AttachmentIds></m:GetAttachment>`;
  /** What Exchange 2007 SP1 never wrote in these answers (from Exchange 2010 on). */
  const LATER = /<t:(?:IsInline|IsContactPhoto|Size|LastModifiedTime|ConversationId|TextBody)\b/g;

  it('Exchange2007_SP1: GetItem, FindItem and GetAttachment of a message with an inline image validate against the 2007 schema', async () => {
    const { itemId, attachmentId } = await draftWithInlineImage('Exchange2007_SP1');
    const answers = {
      GetItem: await as('Exchange2007_SP1', getItem(itemId)),
      FindItem: await as('Exchange2007_SP1', findItem),
      GetAttachment: await as('Exchange2007_SP1', getAttachment(attachmentId)),
    };
    for (const [operation, res] of Object.entries(answers)) {
      expect(texts(res.body, 'ResponseCode'), operation).toEqual(['NoError']);
      expect(validateEwsSoap(res.body, { version: 'Exchange2007_SP1' }), operation).toMatchObject({ valid: true, problems: [] });
    }
    // The inline image is still recognisable the 2007 way: by its ContentId, which the HTML body refers to.
    expect(texts(answers.GetItem.body, 'ContentId')).toEqual(['logo']);
    expect(texts(answers.GetAttachment.body, 'Content')).toEqual([content]);
    // Only Size, LastModifiedTime … of the item itself (Exchange 2007 SP1 has those on items).
    expect(answers.GetItem.body.match(LATER)).toEqual(['<t:Size', '<t:LastModifiedTime']);
    expect(answers.GetAttachment.body.match(LATER)).toBeNull();
  });

  it('Exchange2010_SP2: the same answers carry IsInline, the attachment Size and ConversationId (and would not validate as 2007)', async () => {
    const { itemId, attachmentId } = await draftWithInlineImage('Exchange2010_SP2');
    const item = await as('Exchange2010_SP2', getItem(itemId));
    const attachment = await as('Exchange2010_SP2', getAttachment(attachmentId));
    expect(texts(item.body, 'IsInline')).toEqual(['true']);
    expect(texts(item.body, 'ConversationId').length + attrs(item.body, 'ConversationId', 'Id').length).toBeGreaterThan(0);
    expect(texts(attachment.body, 'IsContactPhoto')).toEqual(['false']);
    expect(validateEwsSoap(item.body).valid).toBe(true);
    expect(validateEwsSoap(item.body, { version: 'Exchange2007_SP1' }).valid).toBe(false);
    expect(validateEwsSoap(attachment.body, { version: 'Exchange2007_SP1' }).valid).toBe(false);
  });
});

describe('the Exchange 2007 schema variant', () => {
  const newest = readFileSync(new URL('../src/ews/schema/types.xsd', import.meta.url), 'utf8');

  it('removes exactly the listed elements, and nothing else', () => {
    const variant = exchange2007Types(newest);
    const removed = Object.values(ADDED_AFTER_EXCHANGE_2007).flat().length;
    const count = (xsd: string) => (xsd.match(/<xs:element /g) ?? []).length;
    expect(count(newest) - count(variant)).toBe(removed);
    const attachment = /<xs:complexType name="AttachmentType">[\s\S]*?<\/xs:complexType>/.exec(variant)![0];
    expect([...attachment.matchAll(/name="(\w+)" type/g)].map((m) => m[1])).toEqual(['AttachmentId', 'Name', 'ContentType', 'ContentId', 'ContentLocation']);
  });

  it('refuses a schema where an element it should remove is missing (so it cannot silently stop removing it)', () => {
    expect(() => exchange2007Types(newest.replace('<xs:element name="IsInline" type="xs:boolean" minOccurs="0" maxOccurs="1"/>', ''))).toThrow(/IsInline/);
  });
});
