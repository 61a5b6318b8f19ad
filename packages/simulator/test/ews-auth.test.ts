import { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userSid } from '../src/ews/index.js';
import { ALICE, APP, attrs, BOB, type EwsHarness, envelope, GRAPH_ONLY_APP, impersonate, NO_PERMISSION_APP, PASSWORD, REST_ROLE_APP, SCOPED_APP, SERVICE, startEwsHarness, TENANT, texts } from './support/ews-harness.js';

const GET_INBOX = '<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>';
const getFolderOf = (mailbox: string) =>
  `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>${mailbox}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds></m:GetFolder>`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Exchange Online mode', () => {
  let sim: EwsHarness;
  beforeAll(async () => {
    sim = await startEwsHarness({ mode: 'online' });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('no credentials, or Basic: 401 with a Bearer challenge (Basic is off in Exchange Online)', async () => {
    const none = await sim.soap(envelope(GET_INBOX));
    expect(none.status).toBe(401);
    expect(String(none.headers['www-authenticate'])).toMatch(/^Bearer client_id="00000002-0000-0ff1-ce00-000000000000"/);
    const withBasic = await sim.soap(envelope(GET_INBOX), { authorization: basic(ALICE, PASSWORD) });
    expect(withBasic.status).toBe(401);
    expect(String(withBasic.headers['x-ms-diagnostics'])).toContain('Basic authentication is disabled');
  });

  it('a token without permissions: 401 with the documented x-ms-diagnostics 2000008', async () => {
    const token = await sim.appToken(NO_PERMISSION_APP);
    const res = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.headers['x-ms-diagnostics']).toBe('2000008;reason="The token contains no permissions, or permissions can not be understood.";error_category="invalid_grant"');
    expect(sim.log.list().at(-1)).toMatchObject({ status: 401, clientId: NO_PERMISSION_APP.clientId });
  });

  it('an Exchange token whose roles lack full_access_as_app: the SOAP fault ErrorAccessDenied', async () => {
    const token = await sim.appToken(REST_ROLE_APP);
    const res = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(500);
    expect(texts(res.body, 'faultcode')).toEqual(['a:ErrorAccessDenied']);
  });

  it('a Graph token sent to EWS: 401 invalid audience', async () => {
    const token = await sim.appToken(GRAPH_ONLY_APP, TENANT, 'https://graph.microsoft.com/.default');
    const res = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.headers['x-ms-diagnostics']).toBe(`2000003;reason="The audience claim value is invalid 'https://graph.microsoft.com'.";error_category="invalid_resource"`);
  });

  it('a tampered token: 401', async () => {
    const token = await sim.appToken();
    const res = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: `Bearer ${token.slice(0, -4)}AAAA` });
    expect(res.status).toBe(401);
  });

  it('EWS blocked by organization policy (EwsEnabled false, or an allow list without the app): 403', async () => {
    const token = await sim.appToken();
    const tenant = sim.state.tenant(TENANT)!;
    try {
      sim.state.seedDirectory({ tenants: [{ ...tenant, ews: { enabled: false } }] });
      const disabled = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: `Bearer ${token}` });
      expect(disabled.status).toBe(403);
      sim.state.seedDirectory({ tenants: [{ ...tenant, ews: { allowedAppIds: [SCOPED_APP.clientId] } }] });
      const notListed = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: `Bearer ${token}` });
      expect(notListed.status).toBe(403);
      expect(String(notListed.headers['x-ms-diagnostics'])).toContain('EwsAllowedAppIDs');
      sim.state.seedDirectory({ tenants: [{ ...tenant, ews: { allowedAppIds: [APP.clientId.toUpperCase()] } }] });
      const listed = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: `Bearer ${token}` });
      expect(listed.status).toBe(200);
    } finally {
      sim.state.seedDirectory({ tenants: [tenant] });
    }
  });

  it('app-only without ExchangeImpersonation: the SOAP fault ErrorInvalidExchangeImpersonationHeaderData', async () => {
    const token = await sim.appToken();
    const res = await sim.soap(envelope(GET_INBOX), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(500);
    expect(texts(res.body, 'faultcode')).toEqual(['a:ErrorInvalidExchangeImpersonationHeaderData']);
  });

  it('impersonation by SMTP address, UPN and SID all reach the same mailbox; X-AnchorMailbox is optional', async () => {
    const auth = { authorization: `Bearer ${await sim.appToken()}` };
    const alice = sim.state.user(ALICE)!;
    const forms = [
      impersonate(ALICE),
      `<t:ExchangeImpersonation><t:ConnectingSID><t:PrincipalName>${ALICE}</t:PrincipalName></t:ConnectingSID></t:ExchangeImpersonation>`,
      `<t:ExchangeImpersonation><t:ConnectingSID><t:SID>${userSid(alice)}</t:SID></t:ConnectingSID></t:ExchangeImpersonation>`,
    ];
    const folderIds = new Set<string>();
    for (const header of forms) {
      const res = await sim.soap(envelope(GET_INBOX, header), { ...auth, 'x-anchormailbox': ALICE });
      expect(res.status).toBe(200);
      folderIds.add(attrs(res.body, 'FolderId', 'Id')[0]!);
    }
    expect(folderIds.size).toBe(1);
    const noAnchor = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), auth);
    expect(noAnchor.status).toBe(200);
    expect(String(noAnchor.headers['x-simulator-note'])).toContain('X-AnchorMailbox');
  });

  it('impersonating a mailbox outside the app scope: ErrorImpersonateUserDenied; unknown or other-tenant mailbox: ErrorNonExistentMailbox', async () => {
    const scoped = { authorization: `Bearer ${await sim.appToken(SCOPED_APP)}` };
    expect((await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), scoped)).status).toBe(200);
    const denied = await sim.soap(envelope(GET_INBOX, impersonate(BOB)), scoped);
    expect(texts(denied.body, 'faultcode')).toEqual(['a:ErrorImpersonateUserDenied']);
    const auth = { authorization: `Bearer ${await sim.appToken()}` };
    const nobody = await sim.soap(envelope(GET_INBOX, impersonate('nobody@contoso.com')), auth);
    expect(texts(nobody.body, 'faultcode')).toEqual(['a:ErrorNonExistentMailbox']);
    const foreign = await sim.soap(envelope(GET_INBOX, impersonate('carol@fabrikam.com')), auth);
    expect(texts(foreign.body, 'faultcode')).toEqual(['a:ErrorNonExistentMailbox']);
  });

  it('an app with full_access_as_app may open another mailbox of its tenant by DistinguishedFolderId/Mailbox', async () => {
    const auth = { authorization: `Bearer ${await sim.appToken()}` };
    const res = await sim.soap(envelope(getFolderOf(BOB), impersonate(ALICE)), auth);
    expect(texts(res.body, 'ResponseCode')).toEqual(['NoError']);
    const missing = await sim.soap(envelope(getFolderOf('ghost@contoso.com'), impersonate(ALICE)), auth);
    expect(texts(missing.body, 'ResponseCode')).toEqual(['ErrorNonExistentMailbox']);
  });

  it('delegated tokens (EWS.AccessAsUser.All) act as the user without impersonation; other mailboxes are ErrorAccessDenied', async () => {
    const auth = { authorization: `Bearer ${await sim.delegatedToken(ALICE)}` };
    const own = await sim.soap(envelope(GET_INBOX), auth);
    expect(texts(own.body, 'TotalCount')).toEqual([String(sim.state.mailbox(ALICE)!.wellKnown('inbox').messageIds.size)]);
    const other = await sim.soap(envelope(getFolderOf(BOB)), auth);
    expect(texts(other.body, 'ResponseCode')).toEqual(['ErrorAccessDenied']);
    const impersonating = await sim.soap(envelope(GET_INBOX, impersonate(BOB)), auth);
    expect(texts(impersonating.body, 'faultcode')).toEqual(['a:ErrorImpersonateUserDenied']);
  });
});

describe('on-premises mode', () => {
  let sim: EwsHarness;
  beforeAll(async () => {
    sim = await startEwsHarness({ mode: 'onprem' });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('Basic: right password works, wrong password is 401 with NTLM/Negotiate/Basic challenges', async () => {
    const ok = await sim.soap(envelope(GET_INBOX), { authorization: basic(ALICE, PASSWORD) });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('MinorVersion="2"');
    const bad = await sim.soap(envelope(GET_INBOX), { authorization: basic(ALICE, 'nope') });
    expect(bad.status).toBe(401);
    expect(String(bad.headers['www-authenticate'])).toMatch(/NTLM.*Negotiate.*Basic/);
    const domainForm = await sim.soap(envelope(GET_INBOX), { authorization: basic('CONTOSO\\alice', PASSWORD) });
    expect(domainForm.status).toBe(200);
  });

  it('OAuth still works where configured (hybrid modern authentication)', async () => {
    const res = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: `Bearer ${await sim.appToken()}` });
    expect(res.status).toBe(200);
  });

  it('a service account with the ApplicationImpersonation role impersonates; an ordinary user may not', async () => {
    const service = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: basic(SERVICE, PASSWORD), 'x-anchormailbox': ALICE });
    expect(service.status).toBe(200);
    expect(texts(service.body, 'TotalCount')).toEqual([String(sim.state.mailbox(ALICE)!.wellKnown('inbox').messageIds.size)]);
    const bob = await sim.soap(envelope(GET_INBOX, impersonate(ALICE)), { authorization: basic(BOB, PASSWORD) });
    expect(texts(bob.body, 'faultcode')).toEqual(['a:ErrorImpersonateUserDenied']);
  });

  it('NTLM: a challenge per connection; a wrong AUTHENTICATE message is refused; no policy 403 on-premises', async () => {
    const agent = new Agent({ ca: sim.caPem, keepAlive: true, maxSockets: 1 });
    try {
      // A NEGOTIATE message (type 1) from a minimal client: signature, type, flags.
      const negotiate = Buffer.alloc(32);
      negotiate.write('NTLMSSP\0', 0, 'latin1');
      negotiate.writeUInt32LE(1, 8);
      negotiate.writeUInt32LE(0x00088207, 12);
      const challenge = await sim.http('POST', '/EWS/Exchange.asmx', { agent, headers: { authorization: `NTLM ${negotiate.toString('base64')}` }, body: '' });
      expect(challenge.status).toBe(401);
      const type2 = Buffer.from(String(challenge.headers['www-authenticate']).replace(/^NTLM /, ''), 'base64');
      expect(type2.subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
      expect(type2.readUInt32LE(8)).toBe(2);
      // An AUTHENTICATE message with a made-up response fails like a wrong password.
      const bogus = Buffer.alloc(88);
      bogus.write('NTLMSSP\0', 0, 'latin1');
      bogus.writeUInt32LE(3, 8);
      bogus.writeUInt16LE(24, 20);
      bogus.writeUInt16LE(24, 22);
      bogus.writeUInt32LE(64, 24);
      const refused = await sim.http('POST', '/EWS/Exchange.asmx', { agent, headers: { authorization: `NTLM ${bogus.toString('base64')}` }, body: envelope(GET_INBOX) });
      expect(refused.status).toBe(401);
    } finally {
      agent.destroy();
    }
    const tenant = sim.state.tenant(TENANT)!;
    sim.state.seedDirectory({ tenants: [{ ...tenant, ews: { enabled: false } }] });
    try {
      const res = await sim.soap(envelope(GET_INBOX), { authorization: basic(ALICE, PASSWORD) });
      expect(res.status).toBe(200);
    } finally {
      sim.state.seedDirectory({ tenants: [tenant] });
    }
  });
});
