import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';
import { T, testSeed } from './support/seeds.js';
import { SimClient } from './support/sim-client.js';

const GRAPH = 'https://graph.microsoft.com';

describe('Graph: delegated (device-code) tokens act on the signed-in user', () => {
  let sim: Simulator;
  let client: SimClient;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: testSeed() });
    client = new SimClient(sim);
    token = await client.delegatedToken({ tenant: T.tenant, clientId: T.publicApp, userMail: T.alice, scopes: [`${GRAPH}/Mail.ReadWrite`, `${GRAPH}/Mail.Send`] });
  });
  afterAll(async () => {
    client.close();
    await sim.close();
  });

  it('reads /me and /users/{own address}, sends from /me', async () => {
    const me = await client.get('/v1.0/me/mailFolders/inbox/messages?$select=subject', { token });
    expect(me.status).toBe(200);
    expect(me.json().value.map((m: { subject: string }) => m.subject)).toEqual(['third', 'second', 'first']);
    const own = await client.get(`/v1.0/users/${T.alice}/mailFolders/inbox/messages?$select=subject`, { token });
    expect(own.json().value).toEqual(me.json().value);
    const sent = await client.send('POST', '/v1.0/me/sendMail', { message: { subject: 'delegated send', toRecipients: [{ emailAddress: { address: T.bob } }] } }, { token });
    expect(sent.status).toBe(202);
    expect(sim.messages(T.bob, 'inbox').find((m) => m.subject === 'delegated send')?.from).toBe(T.alice);
  });

  it("is denied another user's mailbox", async () => {
    const other = await client.get(`/v1.0/users/${T.bob}/messages`, { token });
    expect(other.status).toBe(403);
    expect(other.json().error.code).toBe('ErrorAccessDenied');
  });

  it('approves a device code through the admin endpoint too', async () => {
    const form = (fields: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const device = (await client.request('POST', `/${T.tenant}/oauth2/v2.0/devicecode`, form({ client_id: T.publicApp, scope: `${GRAPH}/Mail.ReadWrite` }))).json();
    const key = { 'x-simulator-admin-key': sim.adminKey };
    const unknown = await client.send('POST', '/_admin/device/approve', { userCode: 'NOPE', userMail: T.bob }, { headers: key });
    expect(unknown.status).toBe(400);
    const approved = await client.send('POST', '/_admin/device/approve', { userCode: device.user_code, userMail: T.bob }, { headers: key });
    expect(approved.status).toBe(200);
    const token = await client.request('POST', `/${T.tenant}/oauth2/v2.0/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: T.publicApp, device_code: device.device_code }));
    expect(token.status).toBe(200);
    const me = await client.get('/v1.0/me/mailFolders/inbox', { token: token.json().access_token });
    expect(me.status).toBe(200);
  });

  it('needs the scope for the operation', async () => {
    const readOnly = await client.delegatedToken({ tenant: T.tenant, clientId: T.publicReadApp, userMail: T.bob, scopes: [`${GRAPH}/Mail.Read`] });
    expect((await client.get('/v1.0/me/messages', { token: readOnly })).status).toBe(200);
    const send = await client.send('POST', '/v1.0/me/sendMail', { message: { subject: 'x', toRecipients: [{ emailAddress: { address: T.alice } }] } }, { token: readOnly });
    expect(send.status).toBe(403);
    const draft = await client.send('POST', '/v1.0/me/messages', { subject: 'x' }, { token: readOnly });
    expect(draft.status).toBe(403);
  });
});
