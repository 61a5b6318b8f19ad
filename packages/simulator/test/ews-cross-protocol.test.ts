import { Agent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEwsSoap } from '../src/ews/index.js';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';
import { ALICE, APP, attrs, BOB, envelope, ewsSeed, impersonate, TENANT, texts } from './support/ews-harness.js';

/**
 * One mailbox, two protocols, through startSimulator (the real assembly): what EWS sends Graph
 * reads and the reverse; read flags and moves made over one are seen by the other; each protocol's
 * ids stay stable across changes made by the other.
 */

let sim: Simulator;
let agent: Agent;
let graphToken: string;
let ewsToken: string;

function http(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const req = request(url, { method, agent, headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function token(scope: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: APP.clientId, client_secret: APP.secret, scope }).toString();
  const res = await http('POST', `${sim.url}/${TENANT}/oauth2/v2.0/token`, { 'content-type': 'application/x-www-form-urlencoded' }, form);
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { access_token: string }).access_token;
}

async function ews(mailbox: string, body: string): Promise<string> {
  const res = await http('POST', sim.ewsUrl, { authorization: `Bearer ${ewsToken}`, 'content-type': 'text/xml; charset=utf-8', 'x-anchormailbox': mailbox }, envelope(body, impersonate(mailbox)));
  expect(res.status).toBe(200);
  expect(validateEwsSoap(res.body).valid).toBe(true);
  return res.body;
}

async function graph(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await http(method, `${sim.graphUrl}/v1.0${path}`, { authorization: `Bearer ${graphToken}`, 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
  return { status: res.status, json: res.body ? JSON.parse(res.body) : undefined };
}

const findInbox = (subjectFilter = '') =>
  `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="message:IsRead"/><t:FieldURI FieldURI="message:InternetMessageId"/></t:AdditionalProperties></m:ItemShape>${subjectFilter}<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`;

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

describe('EWS and Graph on one mailbox (startSimulator)', () => {
  it('a message sent over EWS is read over Graph', async () => {
    const sent = await ews(
      ALICE,
      `<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message><t:Subject>EWS to Graph</t:Subject><t:Body BodyType="HTML">&lt;p&gt;sent over &lt;b&gt;EWS&lt;/b&gt;&lt;/p&gt;</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>${BOB}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>`,
    );
    expect(texts(sent, 'ResponseCode')).toEqual(['NoError']);
    const list = await graph('GET', `/users/${BOB}/mailFolders/inbox/messages?$select=subject,body,from,isRead`);
    expect(list.status).toBe(200);
    const message = (list.json.value as Array<{ subject: string; body: { content: string }; from: { emailAddress: { address: string } }; isRead: boolean }>).find((m) => m.subject === 'EWS to Graph');
    expect(message?.body.content).toContain('<b>EWS</b>');
    expect(message?.from.emailAddress.address).toBe(ALICE);
    expect(message?.isRead).toBe(false);
    const sentItems = await graph('GET', `/users/${ALICE}/mailFolders/sentitems/messages?$select=subject`);
    expect((sentItems.json.value as Array<{ subject: string }>).map((m) => m.subject)).toContain('EWS to Graph');
  });

  it('a message sent over Graph is read over EWS', async () => {
    const sent = await graph('POST', `/users/${BOB}/sendMail`, {
      message: { subject: 'Graph to EWS', body: { contentType: 'Text', content: 'sent over Graph' }, toRecipients: [{ emailAddress: { address: ALICE } }] },
      saveToSentItems: true,
    });
    expect(sent.status).toBe(202);
    const found = await ews(ALICE, findInbox());
    const subjects = texts(found, 'Subject');
    const index = subjects.indexOf('Graph to EWS');
    expect(index).toBeGreaterThanOrEqual(0);
    const id = attrs(found, 'ItemId', 'Id')[index]!;
    const item = await ews(ALICE, `<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape><t:BodyType>Text</t:BodyType></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`);
    expect(texts(item, 'Body')[0]).toContain('sent over Graph');
    expect(item).toContain(BOB);
  });

  it('read flags and moves made over one protocol are seen by the other; each keeps its own stable ids', async () => {
    const list = await graph('GET', `/users/${ALICE}/mailFolders/inbox/messages?$select=subject,isRead,internetMessageId`);
    const target = (list.json.value as Array<{ id: string; subject: string; isRead: boolean; internetMessageId: string }>).find((m) => m.subject === 'Graph to EWS')!;
    const found = await ews(ALICE, findInbox());
    const index = texts(found, 'InternetMessageId').indexOf(target.internetMessageId.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(index).toBeGreaterThanOrEqual(0);
    const ewsId = attrs(found, 'ItemId', 'Id')[index]!;
    const changeKey = attrs(found, 'ItemId', 'ChangeKey')[index]!;

    // EWS marks it read → Graph sees isRead true, under the same Graph id.
    const updated = await ews(
      ALICE,
      `<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AutoResolve"><m:ItemChanges><t:ItemChange><t:ItemId Id="${ewsId}" ChangeKey="${changeKey}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>true</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`,
    );
    expect(texts(updated, 'ResponseCode')).toEqual(['NoError']);
    const afterEws = await graph('GET', `/users/${ALICE}/messages/${target.id}?$select=isRead`);
    expect(afterEws.json.isRead).toBe(true);

    // Graph marks it unread → EWS sees IsRead false, under the same EWS id.
    const patched = await graph('PATCH', `/users/${ALICE}/messages/${target.id}`, { isRead: false });
    expect(patched.status).toBe(200);
    const item = await ews(
      ALICE,
      `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="message:IsRead"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${ewsId}"/></m:ItemIds></m:GetItem>`,
    );
    expect(texts(item, 'IsRead')).toEqual(['false']);

    // Graph moves it → EWS finds it in Junk Email (new id, as in Exchange Online).
    const moved = await graph('POST', `/users/${ALICE}/messages/${target.id}/move`, { destinationId: 'junkemail' });
    expect(moved.status).toBe(201);
    const junk = await ews(ALICE, findInbox().replace('Id="inbox"', 'Id="junkemail"'));
    expect(texts(junk, 'Subject')).toContain('Graph to EWS');
    const junkId = attrs(junk, 'ItemId', 'Id')[texts(junk, 'Subject').indexOf('Graph to EWS')]!;
    expect(junkId).not.toBe(ewsId);

    // EWS moves it back → Graph lists it in the Inbox again.
    const back = await ews(ALICE, `<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="inbox"/></m:ToFolderId><m:ItemIds><t:ItemId Id="${junkId}"/></m:ItemIds></m:MoveItem>`);
    expect(texts(back, 'ResponseCode')).toEqual(['NoError']);
    const inbox = await graph('GET', `/users/${ALICE}/mailFolders/inbox/messages?$select=subject`);
    expect((inbox.json.value as Array<{ subject: string }>).map((m) => m.subject)).toContain('Graph to EWS');
  });

  it('the request log records EWS operations as schema-valid, with the client id', () => {
    const entries = sim.requests().filter((entry) => entry.api === 'ews');
    expect(entries.length).toBeGreaterThan(5);
    for (const entry of entries) {
      expect(entry).toMatchObject({ schemaValid: true, clientId: APP.clientId });
      expect(entry.schemaErrors).toBeUndefined();
    }
    expect(entries.map((entry) => entry.ewsOperation)).toEqual(expect.arrayContaining(['CreateItem', 'FindItem', 'GetItem', 'UpdateItem', 'MoveItem']));
  });
});
