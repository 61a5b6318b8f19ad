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
