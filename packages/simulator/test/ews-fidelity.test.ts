import { Agent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraStatusError } from '../src/entra/entra-error.js';
import { validateEwsSoap } from '../src/ews/index.js';
import { userSid as exportedUserSid, validateEwsSoap as exportedValidate, startSimulator } from '../src/index.js';
import type { Simulator } from '../src/types.js';
import { ALICE, APP, attrs, BOB, envelope, ewsSeed, impersonate, TENANT, texts } from './support/ews-harness.js';

/**
 * Fidelity follow-ups found by the adapter teams: the MessageType properties a client sets on
 * CreateItem survive the mail flow and are seen over both protocols (and in the MIME);
 * PR_INTERNET_MESSAGE_ID by tag on CreateItem, FindItem restrictions and AdditionalProperties;
 * Entra's error shape for injected status faults; request-log notes; the `ews-error` fault that
 * reproduces Microsoft's DeleteItem ErrorInternalServerError sample.
 */

let sim: Simulator;
let agent: Agent;
let graphToken: string;
let ewsToken: string;

function http(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const req = request(url, { method, agent, headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function tokenRequest(scope: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: APP.clientId, client_secret: APP.secret, scope }).toString();
  return http('POST', `${sim.url}/${TENANT}/oauth2/v2.0/token`, { 'content-type': 'application/x-www-form-urlencoded' }, form);
}

async function token(scope: string): Promise<string> {
  const res = await tokenRequest(scope);
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { access_token: string }).access_token;
}

/** An EWS call as `mailbox` (impersonated); the answer must validate against the XSDs. */
async function ews(mailbox: string, body: string, options: { anchor?: boolean } = {}): Promise<string> {
  const headers: Record<string, string> = { authorization: `Bearer ${ewsToken}`, 'content-type': 'text/xml; charset=utf-8' };
  if (options.anchor !== false) headers['x-anchormailbox'] = mailbox;
  const res = await http('POST', sim.ewsUrl, headers, envelope(body, impersonate(mailbox)));
  expect(res.status, res.body.slice(0, 1500)).toBe(200);
  const check = validateEwsSoap(res.body);
  expect(check.problems).toEqual([]);
  expect(check.valid).toBe(true);
  return res.body;
}

async function graph(path: string): Promise<{ status: number; json: any; text: string }> {
  const res = await http('GET', `${sim.graphUrl}/v1.0${path}`, { authorization: `Bearer ${graphToken}` });
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text: res.body };
}

/** XML-escaped, for ids in element text and attribute values. */
const x = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const PR_INTERNET_MESSAGE_ID = '<t:ExtendedFieldURI PropertyTag="0x1035" PropertyType="String"/>';

beforeAll(async () => {
  sim = await startSimulator({ seed: ewsSeed() });
  agent = new Agent({ ca: sim.caPem, keepAlive: true });
  graphToken = await token('https://graph.microsoft.com/.default');
  ewsToken = await token('https://outlook.office365.com/.default');
});
afterAll(async () => {
  agent.destroy();
  await sim.close();
});

describe('CreateItem: the MessageType properties clients send survive the mail flow, over both protocols', () => {
  it('Importance, Sensitivity, Categories, receipts, X- header, InternetMessageId, From and ReplyTo', async () => {
    const messageId = '<fidelity-props-1@contoso.com>';
    const sent = await ews(
      ALICE,
      '<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId><m:Items><t:Message>' +
        '<t:Subject>Fidelity properties</t:Subject><t:Sensitivity>Confidential</t:Sensitivity><t:Body BodyType="Text">urgent</t:Body>' +
        '<t:Categories><t:String>Red category</t:String></t:Categories><t:Importance>High</t:Importance>' +
        '<t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId="InternetHeaders" PropertyName="X-Alert-Id" PropertyType="String"/><t:Value>alert-42</t:Value></t:ExtendedProperty>' +
        `<t:ToRecipients><t:Mailbox><t:EmailAddress>${BOB}</t:EmailAddress></t:Mailbox></t:ToRecipients>` +
        '<t:IsReadReceiptRequested>true</t:IsReadReceiptRequested><t:IsDeliveryReceiptRequested>true</t:IsDeliveryReceiptRequested>' +
        `<t:From><t:Mailbox><t:Name>Alice Example</t:Name><t:EmailAddress>${ALICE}</t:EmailAddress></t:Mailbox></t:From>` +
        `<t:InternetMessageId>${x(messageId)}</t:InternetMessageId>` +
        '<t:ReplyTo><t:Mailbox><t:EmailAddress>replies@fabrikam.com</t:EmailAddress></t:Mailbox></t:ReplyTo>' +
        '</t:Message></m:Items></m:CreateItem>',
    );
    expect(texts(sent, 'ResponseCode')).toEqual(['NoError']);

    // The recipient's copy over Graph (property names and types of the metadata).
    const list = await graph(`/users/${BOB}/mailFolders/inbox/messages?$select=subject,importance,replyTo,from,internetMessageId,isReadReceiptRequested,isDeliveryReceiptRequested,internetMessageHeaders&$top=100`);
    expect(list.status).toBe(200);
    const received = (list.json.value as any[]).find((m) => m.internetMessageId === messageId);
    expect(received).toBeDefined();
    expect(received.importance).toBe('high');
    expect(received.replyTo).toEqual([{ emailAddress: expect.objectContaining({ address: 'replies@fabrikam.com' }) }]);
    expect(received.from.emailAddress).toMatchObject({ name: 'Alice Example', address: ALICE });
    expect(received.isReadReceiptRequested).toBe(true);
    expect(received.isDeliveryReceiptRequested).toBe(true);
    expect(received.internetMessageHeaders).toEqual(expect.arrayContaining([{ name: 'X-Alert-Id', value: 'alert-42' }]));

    // Its MIME carries what Exchange writes for them.
    const mime = await graph(`/users/${BOB}/messages/${received.id}/$value`);
    expect(mime.status).toBe(200);
    expect(mime.text).toMatch(/^Importance: high\r?$/m);
    expect(mime.text).toMatch(/^X-Priority: 1\r?$/m);
    expect(mime.text).toMatch(/^Sensitivity: Company-Confidential\r?$/m);
    expect(mime.text).toMatch(new RegExp(`^Disposition-Notification-To: ${ALICE}\\r?$`, 'm'));
    expect(mime.text).toMatch(new RegExp(`^Return-Receipt-To: ${ALICE}\\r?$`, 'm'));
    expect(mime.text).toMatch(/^Reply-To: replies@fabrikam\.com\r?$/m);
    // Header names are case-insensitive (MailComposer writes X-Alert-ID).
    expect(mime.text).toMatch(/^X-Alert-Id: alert-42\r?$/im);

    // The recipient's copy over EWS.
    const found = await ews(
      BOB,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="message:InternetMessageId"/><t:FieldURIOrConstant><t:Constant Value="${x(messageId)}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`,
    );
    const [bobId] = attrs(found, 'ItemId', 'Id');
    expect(bobId).toBeDefined();
    const item = await ews(
      BOB,
      `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:InternetMessageHeaders"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${bobId}"/></m:ItemIds></m:GetItem>`,
    );
    expect(texts(item, 'Importance')).toEqual(['High']);
    expect(texts(item, 'Sensitivity')).toEqual(['Confidential']);
    expect(texts(item, 'IsReadReceiptRequested')).toEqual(['true']);
    expect(texts(item, 'IsDeliveryReceiptRequested')).toEqual(['true']);
    expect(item).toMatch(/<t:ReplyTo><t:Mailbox><t:Name>[^<]*<\/t:Name><t:EmailAddress>replies@fabrikam\.com<\/t:EmailAddress>/);
    expect(item).toContain('<t:InternetMessageHeader HeaderName="X-Alert-Id">alert-42</t:InternetMessageHeader>');

    // Categories are the sender's own (Exchange does not send them): the Sent Items copy keeps them.
    const sentItems = await graph(`/users/${ALICE}/mailFolders/sentitems/messages?$select=internetMessageId,categories,importance&$top=100`);
    const sentCopy = (sentItems.json.value as any[]).find((m) => m.internetMessageId === messageId);
    expect(sentCopy).toMatchObject({ categories: ['Red category'], importance: 'high' });
  });

  it('a low-importance draft is Low over EWS and low over Graph; Normal writes no priority header', async () => {
    const created = await ews(
      ALICE,
      '<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>Low draft</t:Subject><t:Importance>Low</t:Importance></t:Message><t:Message><t:Subject>Normal draft</t:Subject></t:Message></m:Items></m:CreateItem>',
    );
    const [lowId, normalId] = attrs(created, 'ItemId', 'Id');
    const got = await ews(
      ALICE,
      `<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape><m:ItemIds><t:ItemId Id="${lowId}"/><t:ItemId Id="${normalId}"/></m:ItemIds></m:GetItem>`,
    );
    expect(texts(got, 'Importance')).toEqual(['Low', 'Normal']);
    const mimes = [...got.matchAll(/<t:MimeContent[^>]*>([^<]*)<\/t:MimeContent>/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'));
    expect(mimes[0]).toMatch(/^Importance: low\r?$/m);
    expect(mimes[0]).toMatch(/^X-Priority: 5\r?$/m);
    expect(mimes[1]).not.toMatch(/^(Importance|X-Priority):/im);
    const drafts = await graph(`/users/${ALICE}/mailFolders/drafts/messages?$select=subject,importance&$top=100`);
    expect((drafts.json.value as any[]).find((m) => m.subject === 'Low draft')?.importance).toBe('low');
  });
});

describe('PR_INTERNET_MESSAGE_ID (PropertyTag 0x1035) by tag', () => {
  it('is set by CreateItem, matched by a FindItem restriction and answered in AdditionalProperties', async () => {
    const messageId = '<fidelity-tagged-1@contoso.com>';
    const created = await ews(
      ALICE,
      `<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>Tagged id</t:Subject><t:ExtendedProperty>${PR_INTERNET_MESSAGE_ID}<t:Value>${x(messageId)}</t:Value></t:ExtendedProperty></t:Message></m:Items></m:CreateItem>`,
    );
    const [id] = attrs(created, 'ItemId', 'Id');

    // Stored as the message's Internet Message-ID: Graph and t:InternetMessageId see it.
    const drafts = await graph(`/users/${ALICE}/mailFolders/drafts/messages?$select=subject,internetMessageId&$top=100`);
    expect((drafts.json.value as any[]).find((m) => m.subject === 'Tagged id')?.internetMessageId).toBe(messageId);

    for (const tag of ['0x1035', '4149']) {
      const found = await ews(
        ALICE,
        `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:ExtendedFieldURI PropertyTag="${tag}" PropertyType="String"/></t:AdditionalProperties></m:ItemShape>` +
          `<m:Restriction><t:IsEqualTo><t:ExtendedFieldURI PropertyTag="${tag}" PropertyType="String"/><t:FieldURIOrConstant><t:Constant Value="${x(messageId)}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>` +
          '<m:ParentFolderIds><t:DistinguishedFolderId Id="drafts"/></m:ParentFolderIds></m:FindItem>',
      );
      expect(attrs(found, 'ItemId', 'Id')).toEqual([id]);
      expect(attrs(found, 'RootFolder', 'TotalItemsInView')).toEqual(['1']);
      expect(found).toContain(`<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x1035" PropertyType="String"/><t:Value>&lt;fidelity-tagged-1@contoso.com&gt;</t:Value></t:ExtendedProperty>`);
    }

    // A restriction on another message's id finds nothing; t:InternetMessageId keeps working.
    const none = await ews(
      ALICE,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:Restriction><t:IsEqualTo>${PR_INTERNET_MESSAGE_ID}<t:FieldURIOrConstant><t:Constant Value="&lt;nobody@contoso.com&gt;"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="drafts"/></m:ParentFolderIds></m:FindItem>`,
    );
    expect(attrs(none, 'ItemId', 'Id')).toEqual([]);
    const got = await ews(
      ALICE,
      `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="message:InternetMessageId"/>${PR_INTERNET_MESSAGE_ID}</t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`,
    );
    expect(texts(got, 'InternetMessageId')).toEqual(['&lt;fidelity-tagged-1@contoso.com&gt;']);
    expect(texts(got, 'Value')).toEqual(['&lt;fidelity-tagged-1@contoso.com&gt;']);
  });

  it('an extended property of another type is not mistaken for it', async () => {
    const created = await ews(
      ALICE,
      '<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>Not tagged</t:Subject><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x1035" PropertyType="Integer"/><t:Value>7</t:Value></t:ExtendedProperty></t:Message></m:Items></m:CreateItem>',
    );
    const [id] = attrs(created, 'ItemId', 'Id');
    const got = await ews(
      ALICE,
      `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="message:InternetMessageId"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`,
    );
    expect(texts(got, 'InternetMessageId')[0]).not.toBe('7');
  });
});

describe("Entra: injected status faults answer in Entra's error shape", () => {
  it('503 is temporarily_unavailable AADSTS90033 with trace ids and Retry-After; 500 is server_error AADSTS50000', async () => {
    sim.inject({ kind: 'status', api: 'entra', status: 503, count: 1 });
    const unavailable = await tokenRequest('https://graph.microsoft.com/.default');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers['content-type']).toMatch(/^application\/json/);
    expect(unavailable.headers['retry-after']).toBe('1');
    const body = JSON.parse(unavailable.body);
    expect(Object.keys(body).sort()).toEqual(['correlation_id', 'error', 'error_codes', 'error_description', 'error_uri', 'timestamp', 'trace_id']);
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_codes).toEqual([90033]);
    expect(body.error_description).toMatch(/^AADSTS90033: .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(body.trace_id).toBe(unavailable.headers['x-ms-request-id']);
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);

    sim.inject({ kind: 'status', api: 'entra', status: 500, count: 1 });
    const failed = await tokenRequest('https://graph.microsoft.com/.default');
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toMatchObject({ error: 'server_error', error_codes: [50000] });

    sim.inject({ kind: 'status', api: 'entra', status: 429, count: 1, retryAfterSeconds: 7 });
    const throttled = await tokenRequest('https://graph.microsoft.com/.default');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
    expect(JSON.parse(throttled.body)).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90055] });

    // The faults are used up: the token endpoint answers again.
    expect((await tokenRequest('https://graph.microsoft.com/.default')).status).toBe(200);
  });

  it("the server's own 4xx (413, body too large) maps to invalid_request AADSTS9002313, 502/504 to AADSTS90033", () => {
    expect(entraStatusError(413)).toMatchObject({ status: 413, error: 'invalid_request', aadsts: 9002313 });
    expect(entraStatusError(502)).toMatchObject({ status: 502, error: 'temporarily_unavailable', aadsts: 90033 });
    expect(entraStatusError(504)).toMatchObject({ status: 504, error: 'temporarily_unavailable', aadsts: 90033 });
  });
});

describe('request log notes', () => {
  it('impersonation without X-AnchorMailbox is noted in LoggedRequest.notes (and the header); with it, no notes', async () => {
    sim.clearRequests();
    await ews(ALICE, '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>', { anchor: false });
    await ews(ALICE, '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>');
    const [without, withAnchor] = sim.requests().filter((entry) => entry.api === 'ews');
    expect(without?.notes?.join(' ')).toMatch(/X-AnchorMailbox/);
    expect(withAnchor?.notes).toBeUndefined();
  });
});

describe('ews-error fault', () => {
  it('reproduces the DeleteItem ErrorInternalServerError sample with its inner error; the item is not deleted', async () => {
    const created = await ews(ALICE, '<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>Out of quota</t:Subject></t:Message></m:Items></m:CreateItem>');
    const [id] = attrs(created, 'ItemId', 'Id');
    const remove = `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:DeleteItem>`;
    // Scoped to DeleteItem: other operations are not affected.
    sim.inject({ kind: 'ews-error', operation: 'DeleteItem', responseCode: 'ErrorInternalServerError', innerResponseCode: 'ErrorQuotaExceededOnDelete', count: 1 });
    await ews(ALICE, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`);

    const failed = await ews(ALICE, remove);
    // The sample's structure, element by element (validated against the XSDs by ews()).
    const message = /<m:DeleteItemResponseMessage ResponseClass="Error">(.*?)<\/m:DeleteItemResponseMessage>/s.exec(failed)?.[1];
    expect(message).toBe(
      '<m:MessageText>An internal server error occurred. The operation failed.</m:MessageText>' +
        '<m:ResponseCode>ErrorInternalServerError</m:ResponseCode>' +
        '<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>' +
        '<m:MessageXml>' +
        '<t:Value Name="InnerErrorMessageText">Cannot delete message because the folder is out of quota.</t:Value>' +
        '<t:Value Name="InnerErrorResponseCode">ErrorQuotaExceededOnDelete</t:Value>' +
        '<t:Value Name="InnerErrorDescriptiveLinkKey">0</t:Value>' +
        '</m:MessageXml>',
    );
    expect(sim.messages(ALICE, 'drafts').some((m) => m.subject === 'Out of quota')).toBe(true);

    // Used up: the next DeleteItem takes effect.
    const deleted = await ews(ALICE, remove);
    expect(texts(deleted, 'ResponseCode')).toEqual(['NoError']);
    expect(sim.messages(ALICE, 'drafts').some((m) => m.subject === 'Out of quota')).toBe(false);
  });
});

describe('package exports for adapter tests', () => {
  it('validateEwsSoap and userSid are exported from the package root', () => {
    expect(exportedValidate('<not-soap/>').valid).toBe(false);
    expect(exportedValidate(envelope('<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>')).valid).toBe(true);
    const sid = exportedUserSid({ tenantId: TENANT, mail: ALICE });
    expect(sid).toMatch(/^S-1-5-21-\d+-\d+-\d+-\d+$/);
    expect(exportedUserSid({ tenantId: TENANT, mail: ALICE })).toBe(sid);
  });
});
