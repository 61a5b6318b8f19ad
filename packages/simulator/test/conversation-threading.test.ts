import { Agent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEwsSoap } from '../src/ews/index.js';
import { startSimulator } from '../src/index.js';
import { messageFromParts } from '../src/mail/message-parts.js';
import { Mailbox } from '../src/state/mailbox.js';
import type { Simulator } from '../src/types.js';
import { ALICE, APP, attrs, BOB, envelope, ewsSeed, impersonate, TENANT, texts } from './support/ews-harness.js';

/**
 * Replies join the conversation of the message they answer (Exchange threads on In-Reply-To and
 * References when the mailbox holds that message), and both protocols answer the threading
 * properties as Microsoft defines them: Graph `conversationId` and `internetMessageHeaders`, EWS
 * `t:InReplyTo`, `t:References`, `t:ConversationId` and `t:ReplyTo`.
 */

const NOW = '2026-01-01T00:00:00Z';

/** The Graph message properties the test selects. */
interface GraphThreadingView {
  internetMessageId: string;
  conversationId?: string;
  replyTo?: Array<{ emailAddress: { name?: string; address: string } }>;
  internetMessageHeaders?: Array<{ name: string; value: string }>;
}
const message = (subject: string, options: { id?: string; headers?: Array<{ name: string; value: string }> } = {}) =>
  messageFromParts(
    { to: [{ address: 'a@x.example' }], subject, text: subject, ...(options.id ? { internetMessageId: options.id } : {}), ...(options.headers ? { headers: options.headers } : {}) },
    { nowIso: NOW, isDraft: false, isRead: false },
  );

describe('Mailbox: conversation threading', () => {
  it('a reply (In-Reply-To, any case) joins the conversation of the message it answers, with a child conversation index', () => {
    const mailbox = new Mailbox('a@x.example', 'user-1', 'tenant-1');
    const inbox = mailbox.wellKnown('inbox');
    const alert = mailbox.add(inbox, message('alert', { id: '<Alert-1@x.example>' }));
    const reply = mailbox.add(inbox, message('RE: alert', { headers: [{ name: 'In-Reply-To', value: '<alert-1@X.EXAMPLE>' }] }));
    expect(reply.conversationId).toBe(alert.conversationId);
    const parentIndex = Buffer.from(alert.conversationIndex, 'base64');
    const childIndex = Buffer.from(reply.conversationIndex, 'base64');
    expect(childIndex.length).toBe(parentIndex.length + 5);
    expect(childIndex.subarray(0, parentIndex.length).equals(parentIndex)).toBe(true);
    const unrelated = mailbox.add(inbox, message('other'));
    expect(unrelated.conversationId).not.toBe(alert.conversationId);
  });

  it('threads on References (newest first) when In-Reply-To names nothing held; a reply to an unknown message starts its own', () => {
    const mailbox = new Mailbox('a@x.example', 'user-1', 'tenant-1');
    const inbox = mailbox.wellKnown('inbox');
    const first = mailbox.add(inbox, message('first', { id: '<first@x.example>' }));
    const second = mailbox.add(inbox, message('second', { id: '<second@x.example>' }));
    const byReferences = mailbox.add(
      inbox,
      message('RE', {
        headers: [
          { name: 'In-Reply-To', value: '<gone@x.example>' },
          { name: 'References', value: '<first@x.example> <second@x.example> <gone@x.example>' },
        ],
      }),
    );
    expect(byReferences.conversationId).toBe(second.conversationId);
    expect(byReferences.conversationId).not.toBe(first.conversationId);
    const orphan = mailbox.add(inbox, message('RE: lost', { headers: [{ name: 'In-Reply-To', value: '<never-seen@x.example>' }] }));
    expect([first.conversationId, second.conversationId]).not.toContain(orphan.conversationId);
  });
});

describe('threading properties over Graph and EWS', () => {
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
    return (JSON.parse(res.body) as { access_token: string }).access_token;
  }

  async function ews(mailbox: string, body: string): Promise<string> {
    const res = await http('POST', sim.ewsUrl, { authorization: `Bearer ${ewsToken}`, 'content-type': 'text/xml; charset=utf-8', 'x-anchormailbox': mailbox }, envelope(body, impersonate(mailbox)));
    expect(res.status, res.body.slice(0, 1500)).toBe(200);
    expect(validateEwsSoap(res.body).problems).toEqual([]);
    return res.body;
  }

  async function graphList(mailbox: string, folder: string): Promise<GraphThreadingView[]> {
    const res = await http('GET', `${sim.graphUrl}/v1.0/users/${mailbox}/mailFolders/${folder}/messages?$select=internetMessageId,conversationId,replyTo,internetMessageHeaders&$top=100`, { authorization: `Bearer ${graphToken}` });
    expect(res.status).toBe(200);
    return (JSON.parse(res.body) as { value: GraphThreadingView[] }).value;
  }

  const sendMime = (from: string, mime: string) =>
    ews(
      from,
      `<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId><m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">${Buffer.from(mime).toString('base64')}</t:MimeContent></t:Message></m:Items></m:CreateItem>`,
    );

  beforeAll(async () => {
    sim = await startSimulator({ seed: ewsSeed() });
    agent = new Agent({ ca: sim.caPem, keepAlive: true });
    graphToken = await token('https://graph.microsoft.com/.default');
    ewsToken = await token('https://outlook.office365.com/.default');
  });
  afterAll(async () => {
    agent.destroy();
    await sim?.close();
  });

  it("Bob's reply to Alice's alert reaches Alice in the alert's conversation, with In-Reply-To, References and Reply-To on both protocols", async () => {
    const alertId = '<threading-alert-1@contoso.com>';
    const replyId = '<threading-reply-1@contoso.com>';
    const mime = (lines: string[]) => [...lines, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'body', ''].join('\r\n');
    expect(texts(await sendMime(ALICE, mime([`From: ${ALICE}`, `To: ${BOB}`, 'Subject: disk full', `Message-ID: ${alertId}`])), 'ResponseCode')).toEqual(['NoError']);
    expect(
      texts(
        await sendMime(BOB, mime([`From: ${BOB}`, `To: ${ALICE}`, 'Reply-To: Ops <ops@contoso.com>', 'Subject: RE: disk full', `Message-ID: ${replyId}`, `In-Reply-To: ${alertId}`, `References: <root@contoso.com>\r\n ${alertId}`])),
        'ResponseCode',
      ),
    ).toEqual(['NoError']);

    const sentAlert = (await graphList(ALICE, 'sentitems')).find((m) => m.internetMessageId === alertId);
    const reply = (await graphList(ALICE, 'inbox')).find((m) => m.internetMessageId === replyId);
    expect(typeof sentAlert?.conversationId).toBe('string');
    expect(reply?.conversationId).toBe(sentAlert?.conversationId);
    expect(reply?.replyTo).toEqual([{ emailAddress: { name: 'Ops', address: 'ops@contoso.com' } }]);
    expect(reply?.internetMessageHeaders).toEqual(
      expect.arrayContaining([
        { name: 'In-Reply-To', value: alertId },
        { name: 'References', value: `<root@contoso.com> ${alertId}` },
      ]),
    );

    const found = await ews(
      ALICE,
      `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="message:InternetMessageId"/><t:FieldURIOrConstant><t:Constant Value="${replyId.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`,
    );
    const [itemId] = attrs(found, 'ItemId', 'Id');
    const item = await ews(
      ALICE,
      `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:InReplyTo"/><t:FieldURI FieldURI="message:References"/><t:FieldURI FieldURI="item:ConversationId"/><t:FieldURI FieldURI="message:ReplyTo"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${itemId}"/></m:ItemIds></m:GetItem>`,
    );
    expect(texts(item, 'InReplyTo')).toEqual([alertId.replace(/</g, '&lt;').replace(/>/g, '&gt;')]);
    expect(texts(item, 'References')).toEqual([`&lt;root@contoso.com&gt; ${alertId.replace(/</g, '&lt;').replace(/>/g, '&gt;')}`]);
    expect(attrs(item, 'ConversationId', 'Id')).toEqual([sentAlert?.conversationId]);
    expect(item).toMatch(/<t:ReplyTo><t:Mailbox><t:Name>Ops<\/t:Name><t:EmailAddress>ops@contoso\.com<\/t:EmailAddress>/);
  });
});
