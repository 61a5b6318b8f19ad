import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';
import { T, testSeed } from './support/seeds.js';
import { SimClient } from './support/sim-client.js';
import { startTestSimulator, stopTestSimulator } from './support/test-simulator.js';

describe('Graph: reading mail', () => {
  let sim: Simulator;
  let client: SimClient;
  let token: string;
  const alice = `/v1.0/users/${T.alice}`;

  beforeAll(async () => {
    ({ sim, client, token } = await startTestSimulator());
  });
  afterAll(() => stopTestSimulator({ sim, client }));

  it('lists messages newest first with the default page size and Graph headers', async () => {
    const response = await client.get(`${alice}/messages`, { token, headers: { 'client-request-id': 'my-correlation' } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['client-request-id']).toBe('my-correlation');
    expect(response.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const body = response.json();
    expect(body['@odata.context']).toMatch(/\$metadata#users\('[0-9a-f-]+'\)\/messages$/);
    expect(body.value.map((m: { subject: string }) => m.subject)).toEqual(['third', 'second', 'first', 'archived']);
    expect(body['@odata.nextLink']).toBeUndefined();
  });

  it('applies $select, $filter on isRead and receivedDateTime with and, $orderby and $top', async () => {
    const unread = await client.get(`${alice}/mailFolders/inbox/messages?$filter=isRead eq false&$select=subject,isRead`, { token });
    const body = unread.json();
    expect(body['@odata.context']).toMatch(/mailFolders\('inbox'\)\/messages\(subject,isRead\)$/);
    expect(body.value).toEqual([expect.objectContaining({ subject: 'third', isRead: false }), expect.objectContaining({ subject: 'second', isRead: false })]);
    expect(Object.keys(body.value[0]).sort()).toEqual(['@odata.etag', 'id', 'isRead', 'subject']);

    const range = await client.get(`${alice}/mailFolders/inbox/messages?$filter=${encodeURIComponent('receivedDateTime ge 2026-01-02T00:00:00Z and receivedDateTime lt 2026-01-03T00:00:00Z')}&$select=subject`, { token });
    expect(range.json().value.map((m: { subject: string }) => m.subject)).toEqual(['second']);

    const asc = await client.get(`${alice}/mailFolders/inbox/messages?$orderby=receivedDateTime asc&$top=2&$select=subject`, { token });
    expect(asc.json().value.map((m: { subject: string }) => m.subject)).toEqual(['first', 'second']);
    expect(asc.json()['@odata.nextLink']).toContain('%24skip=2');
  });

  it('pages with absolute @odata.nextLink URLs on the simulator host until the end', async () => {
    const subjects: string[] = [];
    let url: string | undefined = `${alice}/messages?$top=1&$select=subject`;
    for (let page = 0; url && page < 10; page++) {
      const response = await client.get(url, { token });
      const body = response.json();
      subjects.push(...body.value.map((m: { subject: string }) => m.subject));
      url = body['@odata.nextLink'];
      if (url) expect(url.startsWith(`${sim.url}/v1.0/`)).toBe(true);
    }
    expect(subjects).toEqual(['third', 'second', 'first', 'archived']);
  });

  it('rejects unknown $select properties and unsupported $filter clauses like Graph', async () => {
    const select = await client.get(`${alice}/messages?$select=subject,nonsense`, { token });
    expect(select.status).toBe(400);
    expect(select.json().error.message).toContain("Could not find a property named 'nonsense'");
    expect((await client.get(`${alice}/messages?$top=0`, { token })).status).toBe(400);
    expect((await client.get(`${alice}/messages?$top=-1`, { token })).status).toBe(400);
    expect((await client.get(`${alice}/messages?$top=5000&$select=id`, { token })).json().value).toHaveLength(4);
    const filter = await client.get(`${alice}/messages?$filter=${encodeURIComponent('bodyPreview eq 1')}`, { token });
    expect(filter.status).toBe(400);
    expect(filter.json().error.code).toBe('ErrorInvalidUrlQueryFilter');
  });

  it('gets one message with the documented properties, and its MIME with $value', async () => {
    const list = await client.get(`${alice}/mailFolders/inbox/messages?$filter=hasAttachments eq true`, { token });
    const id = list.json().value[0].id as string;
    const response = await client.get(`${alice}/messages/${id}`, { token });
    const message = response.json();
    expect(message['@odata.context']).toMatch(/messages\/\$entity$/);
    expect(message).toMatchObject({
      id,
      subject: 'third',
      hasAttachments: true,
      isRead: false,
      isDraft: false,
      importance: 'normal',
      inferenceClassification: 'focused',
      body: { contentType: 'text', content: 'three' },
      bodyPreview: 'three',
      from: { emailAddress: { address: 'dana@contoso.example' } },
      ccRecipients: [{ emailAddress: { name: T.bob, address: T.bob } }],
      flag: { flagStatus: 'notFlagged' },
    });
    expect(message['@odata.etag']).toBe(`W/"${message.changeKey}"`);
    expect(message.internetMessageHeaders).toBeUndefined();

    const mime = await client.get(`${alice}/messages/${id}/$value`, { token });
    expect(mime.status).toBe(200);
    expect(mime.headers['content-type']).toBe('text/plain');
    const parsed = await simpleParser(mime.body);
    expect(parsed.subject).toBe('third');
    expect(parsed.messageId).toBe(message.internetMessageId);
    expect(parsed.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['a.txt', 'hello']]);
  });

  it('returns the HTML body as text when asked with Prefer: outlook.body-content-type', async () => {
    const list = await client.get(`${alice}/messages?$filter=${encodeURIComponent("subject eq 'second'")}`, { token });
    const id = list.json().value[0].id;
    expect(list.json().value[0].body).toEqual({ contentType: 'html', content: '<p>two <b>bold</b></p>' });
    const text = await client.get(`${alice}/messages/${id}`, { token, headers: { prefer: 'outlook.body-content-type="text"' } });
    expect(text.json().body).toEqual({ contentType: 'text', content: 'two bold' });
    expect(text.headers['preference-applied']).toBe('outlook.body-content-type="text"');
  });

  it('lists and gets mail folders by id and well-known name with item counts', async () => {
    const folders = await client.get(`${alice}/mailFolders`, { token });
    const value = folders.json().value as Array<{ displayName: string; totalItemCount: number; unreadItemCount: number; id: string }>;
    expect(value.map((f) => f.displayName)).toEqual(['Inbox', 'Sent Items', 'Drafts', 'Deleted Items', 'Archive', 'Junk Email', 'Outbox']);
    const inbox = value[0]!;
    expect(inbox).toMatchObject({ totalItemCount: 3, unreadItemCount: 2, childFolderCount: 0, isHidden: false });
    const byName = await client.get(`${alice}/mailFolders/Inbox`, { token });
    expect(byName.json().id).toBe(inbox.id);
    const selected = await client.get(`${alice}/mailFolders/inbox?$select=id,totalItemCount,unreadItemCount`, { token });
    const { '@odata.context': _context, ...rest } = selected.json();
    expect(rest).toEqual({ id: inbox.id, totalItemCount: 3, unreadItemCount: 2 });
    expect((await client.get(`${alice}/mailFolders/inbox?$select=bogus`, { token })).status).toBe(400);
    const byId = await client.get(`${alice}/mailFolders('${encodeURIComponent(inbox.id)}')/messages?$select=subject`, { token });
    expect(byId.json().value).toHaveLength(3);
  });

  it('answers ErrorItemNotFound for an unknown id and ErrorInvalidIdMalformed for garbage', async () => {
    const missing = await client.get(`${alice}/messages/AAMkAGdoesnotexist0000AAA=`, { token });
    expect(missing.status).toBe(404);
    expect(missing.json().error.code).toBe('ErrorItemNotFound');
    const malformed = await client.get(`${alice}/messages/%24%24%24`, { token });
    expect(malformed.status).toBe(400);
    expect(malformed.json().error.code).toBe('ErrorInvalidIdMalformed');
    const folder = await client.get(`${alice}/mailFolders/nosuchfolder/messages`, { token });
    expect(folder.status).toBe(404);
  });

  it('lists attachments with content and serves an attachment $value', async () => {
    const list = await client.get(`${alice}/messages?$filter=hasAttachments eq true&$select=id`, { token });
    const id = list.json().value[0].id;
    const attachments = await client.get(`${alice}/messages/${id}/attachments`, { token });
    const [attachment] = attachments.json().value;
    expect(attachment).toMatchObject({ '@odata.type': '#microsoft.graph.fileAttachment', name: 'a.txt', contentType: 'text/plain', size: 5, isInline: false, contentBytes: Buffer.from('hello').toString('base64') });
    const noContent = await client.get(`${alice}/messages/${id}/attachments?$select=name,size`, { token });
    expect(noContent.json().value[0].contentBytes).toBeUndefined();
    const raw = await client.get(`${alice}/messages/${id}/attachments/${attachment.id}/$value`, { token });
    expect(raw.text).toBe('hello');
    expect(raw.headers['content-type']).toBe('text/plain');
  });
});

describe('Graph: authorization', () => {
  let sim: Simulator;
  let client: SimClient;
  const token = (clientId: string, tenant: string = T.tenant, scope?: string) => client.token({ tenant, clientId, secret: T.secret, ...(scope ? { scope } : {}) });

  beforeAll(async () => {
    sim = await startSimulator({ seed: testSeed() });
    client = new SimClient(sim);
  });
  afterAll(async () => {
    client.close();
    await sim.close();
  });

  it('401 InvalidAuthenticationToken without a token, with a forged one, or with a token for another API', async () => {
    const none = await client.get(`/v1.0/users/${T.alice}/messages`);
    expect(none.status).toBe(401);
    expect(none.json().error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /);

    const good = await token(T.fullApp);
    const [header, payload] = good.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const bad = await client.get(`/v1.0/users/${T.alice}/messages`, { token: forged });
    expect(bad.status).toBe(401);
    expect(bad.json().error.code).toBe('InvalidAuthenticationToken');

    const ews = await token(T.ewsApp, T.tenant, 'https://outlook.office365.com/.default');
    const wrongAudience = await client.get(`/v1.0/users/${T.alice}/messages`, { token: ews });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.json().error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' });
  });

  it('403 ErrorAccessDenied when the token lacks the role the operation needs', async () => {
    const sendOnly = await token(T.sendOnlyApp);
    const read = await client.get(`/v1.0/users/${T.alice}/messages`, { token: sendOnly });
    expect(read.status).toBe(403);
    expect(read.json().error).toMatchObject({ code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' });

    const readOnly = await token(T.readOnlyApp);
    expect((await client.get(`/v1.0/users/${T.alice}/messages`, { token: readOnly })).status).toBe(200);
    const send = await client.send('POST', `/v1.0/users/${T.alice}/sendMail`, { message: { subject: 'x', toRecipients: [{ emailAddress: { address: T.bob } }] } }, { token: readOnly });
    expect(send.status).toBe(403);
    const draft = await client.send('POST', `/v1.0/users/${T.alice}/messages`, { subject: 'x' }, { token: readOnly });
    expect(draft.status).toBe(403);

    // Without admin consent the role is not in the token at all.
    const noConsent = await token(T.noConsentApp);
    expect((await client.get(`/v1.0/users/${T.alice}/messages`, { token: noConsent })).status).toBe(403);
  });

  it('403 with the access-policy message for a mailbox outside the app scope', async () => {
    const scoped = await token(T.scopedApp);
    expect((await client.get(`/v1.0/users/${T.alice}/messages`, { token: scoped })).status).toBe(200);
    const denied = await client.get(`/v1.0/users/${T.bob}/messages`, { token: scoped });
    expect(denied.status).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'ErrorAccessDenied', message: 'Access to OData is disabled.' });
  });

  it('400 for /me with an app-only token', async () => {
    const response = await client.get('/v1.0/me/messages', { token: await token(T.fullApp) });
    expect(response.status).toBe(400);
    expect(response.json().error.message).toBe('/me request is only valid with delegated authentication flow.');
  });

  it('404 ErrorInvalidUser for unknown and other-tenant users, MailboxNotEnabledForRESTAPI for a disabled mailbox', async () => {
    const full = await token(T.fullApp);
    const unknown = await client.get(`/v1.0/users/nobody@${T.domain}/messages`, { token: full });
    expect(unknown.status).toBe(404);
    expect(unknown.json().error.code).toBe('ErrorInvalidUser');
    const otherTenant = await client.get(`/v1.0/users/${T.carol}/messages`, { token: full });
    expect(otherTenant.status).toBe(404);
    expect(otherTenant.json().error.code).toBe('ErrorInvalidUser');
    const disabled = await client.get(`/v1.0/users/${T.disabled}/messages`, { token: full });
    expect(disabled.status).toBe(404);
    expect(disabled.json().error.code).toBe('MailboxNotEnabledForRESTAPI');
  });

  it('resolves users by object id as well as by address, and records the client id in the log', async () => {
    const full = await token(T.fullApp);
    sim.clearRequests();
    const byAddress = await client.get(`/v1.0/users/${T.alice}/messages?$select=id`, { token: full });
    const userId = /users\('([^']+)'\)/.exec(byAddress.json()['@odata.context'])![1]!;
    const byId = await client.get(`/v1.0/users/${userId}/messages?$select=id`, { token: full });
    expect(byId.json().value).toEqual(byAddress.json().value);
    expect(sim.requests().map((r) => r.clientId)).toEqual([T.fullApp, T.fullApp]);
  });

  it('answers an unknown segment with 400 like Graph', async () => {
    const response = await client.get(`/v1.0/users/${T.alice}/calendars`, { token: await token(T.fullApp) });
    expect(response.status).toBe(400);
    expect(response.json().error.message).toBe("Resource not found for the segment 'calendars'.");
  });
});

describe('Graph: $filter on dates', () => {
  it('compares receivedDateTime as an instant at whole-second precision, with offsets', async () => {
    const sim = await startSimulator({ seed: testSeed() });
    const client = new SimClient(sim);
    try {
      const token = await client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret });
      const query = (filter: string) => client.get(`/v1.0/users/${T.alice}/mailFolders/inbox/messages?$select=subject&$filter=${encodeURIComponent(filter)}`, { token }).then((r) => r.json().value.map((m: { subject: string }) => m.subject));
      // "second" was received at 2026-01-02T10:00:00Z exactly.
      expect(await query('receivedDateTime ge 2026-01-02T10:00:00.000Z')).toEqual(['third', 'second']);
      expect(await query('receivedDateTime ge 2026-01-02T10:00:00.500Z')).toEqual(['third', 'second']);
      expect(await query('receivedDateTime ge 2026-01-02T10:00:01Z')).toEqual(['third']);
      expect(await query('receivedDateTime le 2026-01-02T12:00:00+02:00')).toEqual(['second', 'first']);
      expect(await query('receivedDateTime gt 2026-01-02T10:00:00Z or isRead eq true')).toEqual(['third', 'first']);
      const bad = await client.get(`/v1.0/users/${T.alice}/messages?$filter=${encodeURIComponent('receivedDateTime ge yesterday')}`, { token });
      expect(bad.status).toBe(400);
    } finally {
      client.close();
      await sim.close();
    }
  });
});

describe('Graph: national clouds', () => {
  it("accepts tokens for the tenant's cloud's Graph resource only", async () => {
    const gov = { tenant: '33333333-3333-4333-8333-333333333333', domain: 'agency.example', app: 'aaaaaaaa-0000-4000-8000-0000000000aa', user: 'ops@agency.example' };
    const seed = testSeed();
    seed.tenants.push({ id: gov.tenant, domains: [gov.domain], cloud: 'usgov' });
    seed.apps.push({ clientId: gov.app, tenantId: gov.tenant, secrets: [{ id: 'bbbbbbbb-0000-4000-8000-0000000000aa', value: T.secret, expiresAt: '2099-01-01T00:00:00Z' }], permissions: [{ resource: 'graph', role: 'Mail.ReadWrite' }] });
    seed.users.push({ tenantId: gov.tenant, mail: gov.user });
    const sim = await startSimulator({ seed });
    const client = new SimClient(sim);
    try {
      const token = await client.token({ tenant: gov.tenant, clientId: gov.app, secret: T.secret, scope: 'https://graph.microsoft.us/.default' });
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      expect(claims.aud.replace(/\/$/, '')).toBe('https://graph.microsoft.us');
      expect((await client.get(`/v1.0/users/${gov.user}/mailFolders/inbox`, { token })).status).toBe(200);
      // A token of another (commercial) tenant does not reach this tenant's users.
      const commercial = await client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret });
      expect((await client.get(`/v1.0/users/${gov.user}/mailFolders/inbox`, { token: commercial })).status).toBe(404);
    } finally {
      client.close();
      await sim.close();
    }
  });
});
