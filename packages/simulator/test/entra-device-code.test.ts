import { type AccountInfo, type AuthenticationResult, PublicClientApplication } from '@azure/msal-node';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMERS, CONTOSO, entraFixtures, FABRIKAM, MAILER, MSA_ONLY, PUBLIC_APP, SINGLE_PUBLIC, WORK_ONLY_PUBLIC } from './support/entra-fixtures.js';
import { claimsOf, type EntraHarness, msalNetwork, startEntraHarness } from './support/entra-harness.js';

let h: EntraHarness;

beforeAll(async () => {
  // interval 1 s so that the tests that wait for approval poll quickly (Entra's is 5 s).
  h = await startEntraHarness(entraFixtures().seed, { deviceCodeIntervalSeconds: 1 });
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.directory.skewMs = 0;
});

const GRAPH_SEND = 'https://graph.microsoft.com/Mail.Send';
const EWS = 'https://outlook.office365.com/EWS.AccessAsUser.All';

function pca(clientId: string, tenant: string) {
  return new PublicClientApplication({
    auth: { clientId, authority: `${h.baseUrl}/${tenant}`, knownAuthorities: [h.host] },
    system: { networkClient: msalNetwork(h.caPem) },
  });
}

/** Device-code sign-in with msal-node; `act` runs when the code is shown (what the person does). */
async function signIn(app: PublicClientApplication, scopes: string[], act: (userCode: string) => void): Promise<AuthenticationResult> {
  const result = await app.acquireTokenByDeviceCode({ scopes, deviceCodeCallback: (r) => act(r.userCode) });
  if (!result) throw new Error('no result');
  return result;
}

function expectEntraError(body: any, error: string, aadsts: number) {
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([aadsts]);
  expect(body.error_description).toMatch(new RegExp(`^AADSTS${aadsts}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: `, 's'));
  expect(body).toHaveProperty('trace_id');
  expect(body).toHaveProperty('correlation_id');
  expect(body).toHaveProperty('timestamp');
  expect(body.error_uri).toBe(`${h.baseUrl}/error?code=${aadsts}`);
}

/** Raw device-code request, then what a poll answers after `act`. */
async function rawFlow(tenant: string, clientId: string, scope: string, act: (userCode: string) => void) {
  const dc = await h.post(`/${tenant}/oauth2/v2.0/devicecode`, { client_id: clientId, scope });
  expect(dc.status).toBe(200);
  act(dc.json.user_code);
  const poll = await h.post(`/${tenant}/oauth2/v2.0/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: clientId, device_code: dc.json.device_code, client_info: '1' });
  return { dc, poll };
}

describe('device code flow with msal-node', () => {
  it('signs in a work user of a multi-tenant public app on /organizations: delegated v1 token, id token, account', async () => {
    const app = pca(PUBLIC_APP, 'organizations');
    const result = await signIn(app, [GRAPH_SEND], (code) => h.entra.approveDeviceCode(code, 'adele@contoso.com'));
    expect(result.account).toMatchObject({ username: 'adele@contoso.com', tenantId: CONTOSO, localAccountId: 'a0000000-0000-0000-0000-000000000002', homeAccountId: `a0000000-0000-0000-0000-000000000002.${CONTOSO}` });
    expect(result.idTokenClaims).toMatchObject({ preferred_username: 'adele@contoso.com', oid: 'a0000000-0000-0000-0000-000000000002', tid: CONTOSO, name: 'Adele Vance', aud: PUBLIC_APP, ver: '2.0', iss: `${h.baseUrl}/${CONTOSO}/v2.0` });
    const claims = claimsOf(result.accessToken);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${CONTOSO}/`,
      tid: CONTOSO,
      appid: PUBLIC_APP,
      appidacr: '0',
      idtyp: 'user',
      oid: 'a0000000-0000-0000-0000-000000000002',
      upn: 'adele@contoso.com',
      unique_name: 'adele@contoso.com',
      name: 'Adele Vance',
      ver: '1.0',
    });
    expect(claims.scp.split(' ').sort()).toEqual(['Mail.Send', 'openid', 'profile']);
    expect(claims.roles).toBeUndefined();
    expect(h.entra.verify(result.accessToken).ok).toBe(true);
    const jwks = (await h.get(`/${CONTOSO}/discovery/v2.0/keys`)).json;
    await jwtVerify(result.idToken, createLocalJWKSet(jwks), { audience: PUBLIC_APP, issuer: `${h.baseUrl}/${CONTOSO}/v2.0` });

    // The cache answers silently; a forced refresh redeems the refresh token, for another resource too.
    const cached = await app.acquireTokenSilent({ account: result.account as AccountInfo, scopes: [GRAPH_SEND] });
    expect(cached.accessToken).toBe(result.accessToken);
    const ews = await app.acquireTokenSilent({ account: result.account as AccountInfo, scopes: [EWS] });
    expect(claimsOf(ews.accessToken)).toMatchObject({ aud: 'https://outlook.office365.com', scp: 'EWS.AccessAsUser.All openid profile' });
  });

  it('signs in a personal account on /consumers: consumers tid, live.com identity, no upn', async () => {
    const result = await signIn(pca(PUBLIC_APP, 'consumers'), [EWS], (code) => h.entra.approveDeviceCode(code, 'pat@outlook.com'));
    expect(result.account).toMatchObject({ username: 'pat@outlook.com', tenantId: CONSUMERS });
    const claims = claimsOf(result.accessToken);
    expect(claims).toMatchObject({ aud: 'https://outlook.office365.com', tid: CONSUMERS, idp: 'live.com', unique_name: 'live.com#pat@outlook.com', email: 'pat@outlook.com', scp: 'EWS.AccessAsUser.All openid profile' });
    expect(claims.upn).toBeUndefined();
  });

  it('signs in users of both kinds on /common, each in their own tenant', async () => {
    const work = await signIn(pca(PUBLIC_APP, 'common'), [GRAPH_SEND], (code) => h.entra.approveDeviceCode(code, 'bob@fabrikam.onmicrosoft.com'));
    expect(claimsOf(work.accessToken)).toMatchObject({ tid: FABRIKAM, upn: 'bob@fabrikam.onmicrosoft.com' });
    const personal = await signIn(pca(PUBLIC_APP, 'common'), [GRAPH_SEND], (code) => h.entra.approveDeviceCode(code, 'pat@outlook.com'));
    expect(claimsOf(personal.accessToken)).toMatchObject({ tid: CONSUMERS });
    const msaOnly = await signIn(pca(MSA_ONLY, 'consumers'), ['Mail.Send'], (code) => h.entra.approveDeviceCode(code, 'pat@outlook.com'));
    expect(claimsOf(msaOnly.accessToken)).toMatchObject({ tid: CONSUMERS, appid: MSA_ONLY, scp: 'Mail.Send openid profile' });
  });

  it('keeps answering authorization_pending until the user approves (msal polls at the interval)', async () => {
    const started = Date.now();
    const result = await signIn(pca(PUBLIC_APP, CONTOSO), [GRAPH_SEND], (code) => {
      setTimeout(() => h.entra.approveDeviceCode(code, 'adele@contoso.com'), 1500);
    });
    expect(result.account?.username).toBe('adele@contoso.com');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('fails with authorization_declined when the user declines', async () => {
    await expect(signIn(pca(PUBLIC_APP, 'organizations'), [GRAPH_SEND], (code) => h.entra.approveDeviceCode(code, 'adele@contoso.com', { decline: true }))).rejects.toThrow(/authorization_declined/);
  });

  it('fails with expired_token once the code is 15 minutes old', async () => {
    await expect(
      signIn(pca(PUBLIC_APP, 'organizations'), [GRAPH_SEND], () => {
        h.directory.skewMs = 901_000;
      }),
    ).rejects.toThrow(/expired_token/);
  });

  it('revoked refresh token → invalid_grant AADSTS50173: msal asks for interaction', async () => {
    const app = pca(PUBLIC_APP, 'organizations');
    const result = await signIn(app, [GRAPH_SEND], (code) => h.entra.approveDeviceCode(code, 'adele@contoso.com'));
    const refreshed = await app.acquireTokenSilent({ account: result.account as AccountInfo, scopes: [GRAPH_SEND], forceRefresh: true });
    expect(refreshed.accessToken).not.toBe(result.accessToken);
    h.entra.revokeRefreshTokens('adele@contoso.com');
    await expect(app.acquireTokenSilent({ account: result.account as AccountInfo, scopes: [GRAPH_SEND], forceRefresh: true })).rejects.toMatchObject({
      name: 'InteractionRequiredAuthError',
      errorCode: 'invalid_grant',
      errorMessage: expect.stringContaining('AADSTS50173'),
    });
    // A new sign-in after the revocation works again.
    const again = await signIn(app, [GRAPH_SEND], (code) => h.entra.approveDeviceCode(code, 'adele@contoso.com'));
    await expect(app.acquireTokenSilent({ account: again.account as AccountInfo, scopes: [GRAPH_SEND], forceRefresh: true })).resolves.toBeTruthy();
  });
});

describe('device code protocol answers (raw HTTP)', () => {
  it('devicecode answers user_code, device_code, verification_uri, expires_in 900, interval, message', async () => {
    const dc = await h.post(`/organizations/oauth2/v2.0/devicecode`, { client_id: PUBLIC_APP, scope: `${GRAPH_SEND} offline_access openid profile` });
    expect(dc.status).toBe(200);
    expect(Object.keys(dc.json).sort()).toEqual(['device_code', 'expires_in', 'interval', 'message', 'user_code', 'verification_uri']);
    expect(dc.json.user_code).toMatch(/^[A-Z2-9]{9}$/);
    expect(dc.json.verification_uri).toBe(`${h.baseUrl}/common/oauth2/deviceauth`);
    expect(dc.json).toMatchObject({ expires_in: 900, interval: 1 });
    expect(dc.json.message).toBe(`To sign in, use a web browser to open the page ${h.baseUrl}/common/oauth2/deviceauth and enter the code ${dc.json.user_code} to authenticate.`);
    expect(dc.headers['cache-control']).toBe('no-store, no-cache');
    const poll = await h.post(`/organizations/oauth2/v2.0/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: PUBLIC_APP, device_code: dc.json.device_code });
    expect(poll.status).toBe(400);
    expectEntraError(poll.json, 'authorization_pending', 70016);
    const bad = await h.post(`/organizations/oauth2/v2.0/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: PUBLIC_APP, device_code: 'nope' });
    expectEntraError(bad.json, 'bad_verification_code', 70000);
    h.directory.skewMs = 900_000;
    const expired = await h.post(`/organizations/oauth2/v2.0/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: PUBLIC_APP, device_code: dc.json.device_code });
    expectEntraError(expired.json, 'expired_token', 70019);
    expect(() => h.entra.approveDeviceCode(dc.json.user_code, 'adele@contoso.com')).toThrow(/unknown or expired/);
  });

  it('approval gives access, refresh and id tokens and client_info; the refresh token rotates and expires after 90 idle days', async () => {
    const { poll } = await rawFlow('organizations', PUBLIC_APP, `${GRAPH_SEND} offline_access openid profile email`, (code) => h.entra.approveDeviceCode(code, 'adele@contoso.com'));
    expect(poll.status).toBe(200);
    expect(poll.json).toMatchObject({ token_type: 'Bearer', scope: `${GRAPH_SEND} offline_access openid profile email`, expires_in: 3599, ext_expires_in: 3599 });
    expect(JSON.parse(Buffer.from(poll.json.client_info, 'base64url').toString())).toEqual({ uid: 'a0000000-0000-0000-0000-000000000002', utid: CONTOSO });
    expect(claimsOf(poll.json.id_token)).toMatchObject({ email: 'adele@contoso.com', preferred_username: 'adele@contoso.com' });
    expect(claimsOf(poll.json.access_token).scp).toBe('Mail.Send openid profile email');
    const again = await h.post(`/organizations/oauth2/v2.0/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: PUBLIC_APP, device_code: 'x' });
    expectEntraError(again.json, 'bad_verification_code', 70000);

    const refresh = (token: string, scope = GRAPH_SEND) => h.post(`/organizations/oauth2/v2.0/token`, { grant_type: 'refresh_token', client_id: PUBLIC_APP, refresh_token: token, scope });
    const first = await refresh(poll.json.refresh_token);
    expect(first.status).toBe(200);
    expect(first.json.refresh_token).toBeTruthy();
    expect(first.json.refresh_token).not.toBe(poll.json.refresh_token);
    expect((await refresh(poll.json.refresh_token)).status).toBe(200);
    const wrongClient = await h.post(`/organizations/oauth2/v2.0/token`, { grant_type: 'refresh_token', client_id: WORK_ONLY_PUBLIC, refresh_token: first.json.refresh_token, scope: GRAPH_SEND });
    expectEntraError(wrongClient.json, 'invalid_grant', 70000);
    expectEntraError((await refresh('garbage')).json, 'invalid_grant', 9002313);
    const unconsented = await refresh(first.json.refresh_token, 'https://graph.microsoft.com/Mail.Read');
    expectEntraError(unconsented.json, 'invalid_grant', 65001);
    h.directory.skewMs = 91 * 24 * 3600_000;
    const idle = await refresh(first.json.refresh_token);
    expectEntraError(idle.json, 'invalid_grant', 700082);
    expect(idle.json.error_description).toContain('The refresh token has expired due to inactivity.');
  });

  it('without offline_access there is no refresh token', async () => {
    const { poll } = await rawFlow(CONTOSO, PUBLIC_APP, `${GRAPH_SEND} openid`, (code) => h.entra.approveDeviceCode(code, 'adele@contoso.com'));
    expect(poll.status).toBe(200);
    expect(poll.json.refresh_token).toBeUndefined();
    expect(poll.json.id_token).toBeTruthy();
  });

  it('a confidential app cannot redeem a device code: 401 invalid_client AADSTS7000218', async () => {
    const { poll } = await rawFlow(CONTOSO, MAILER, GRAPH_SEND, () => undefined);
    expect(poll.status).toBe(401);
    expectEntraError(poll.json, 'invalid_client', 7000218);
  });

  it('app-level authority errors at /devicecode: 9002331, 9002332, 50194, 700016, 90002', async () => {
    for (const tenant of ['organizations', 'common', CONTOSO]) {
      expectEntraError((await h.post(`/${tenant}/oauth2/v2.0/devicecode`, { client_id: MSA_ONLY, scope: 'Mail.Send' })).json, 'invalid_request', 9002331);
    }
    const workOnly = await h.post(`/consumers/oauth2/v2.0/devicecode`, { client_id: WORK_ONLY_PUBLIC, scope: 'Mail.Send' });
    expectEntraError(workOnly.json, 'invalid_request', 9002332);
    expect(workOnly.json.error_description).toContain(`Application '${WORK_ONLY_PUBLIC}'(Work Only CLI) is configured for use by Azure Active Directory users only. Please do not use the /consumers endpoint to serve this request.`);
    expectEntraError((await h.post(`/common/oauth2/v2.0/devicecode`, { client_id: SINGLE_PUBLIC, scope: 'Mail.Send' })).json, 'invalid_request', 50194);
    expectEntraError((await h.post(`/${FABRIKAM}/oauth2/v2.0/devicecode`, { client_id: SINGLE_PUBLIC, scope: 'Mail.Send' })).json, 'unauthorized_client', 700016);
    expectEntraError((await h.post(`/55555555-0000-0000-0000-000000000000/oauth2/v2.0/devicecode`, { client_id: PUBLIC_APP, scope: 'Mail.Send' })).json, 'invalid_tenant', 90002);
    expectEntraError((await h.post(`/common/oauth2/v2.0/devicecode`, { client_id: PUBLIC_APP, scope: `${GRAPH_SEND} ${EWS}` })).json, 'invalid_scope', 28000);
    expectEntraError((await h.post(`/common/oauth2/v2.0/devicecode`, { client_id: PUBLIC_APP, scope: 'https://graph.microsoft.us/Mail.Send' })).json, 'invalid_resource', 500011);
  });

  it('msal-node 7 ignores an error answer of /devicecode: a recording network client still sees the AADSTS body', async () => {
    // msal-node reads user_code/device_code from whatever /devicecode answered, calls the callback with
    // undefined values and polls with no device code; the 9002331 body is only visible on the wire.
    const seen: any[] = [];
    const network = msalNetwork(h.caPem);
    const app = new PublicClientApplication({
      auth: { clientId: MSA_ONLY, authority: `${h.baseUrl}/organizations`, knownAuthorities: [h.host] },
      system: {
        networkClient: {
          sendGetRequestAsync: (url, options) => network.sendGetRequestAsync(url, options),
          sendPostRequestAsync: async (url, options) => {
            const response = await network.sendPostRequestAsync(url, options);
            seen.push({ url, status: response.status, body: response.body });
            return response as any;
          },
        },
      },
    });
    let shownCode: string | undefined = 'not called';
    await expect(
      app.acquireTokenByDeviceCode({
        scopes: ['Mail.Send'],
        deviceCodeCallback: (r) => {
          shownCode = r.userCode;
        },
      }),
    ).rejects.toThrow(/bad_verification_code/);
    expect(shownCode).toBeUndefined();
    expect(seen[0]).toMatchObject({ url: `${h.baseUrl}/organizations/oauth2/v2.0/devicecode`, status: 400, body: { error: 'invalid_request', error_codes: [9002331] } });
  });

  it('user-level errors reach the polling client: 50020 for a personal or foreign account, 50034 for a work account on /consumers, 65001 without consent', async () => {
    const cases: Array<[string, string, string, string, number]> = [
      ['organizations', PUBLIC_APP, GRAPH_SEND, 'pat@outlook.com', 50020],
      [CONTOSO, PUBLIC_APP, GRAPH_SEND, 'bob@fabrikam.onmicrosoft.com', 50020],
      ['common', WORK_ONLY_PUBLIC, GRAPH_SEND, 'pat@outlook.com', 50020],
      ['consumers', PUBLIC_APP, GRAPH_SEND, 'adele@contoso.com', 50034],
      ['organizations', PUBLIC_APP, 'https://graph.microsoft.com/Mail.Read', 'adele@contoso.com', 65001],
    ];
    for (const [tenant, app, scope, user, aadsts] of cases) {
      const { poll } = await rawFlow(tenant, app, scope, (code) => h.entra.approveDeviceCode(code, user));
      expect(poll.status).toBe(400);
      expectEntraError(poll.json, 'invalid_grant', aadsts);
    }
    const { poll } = await rawFlow('organizations', PUBLIC_APP, 'Mail.Read', (code) => h.entra.approveDeviceCode(code, 'adele@contoso.com'));
    expect(poll.json.suberror).toBe('consent_required');
  });
});

describe('Conditional Access (AADSTS53003)', () => {
  it('blocks a user at sign-in and at refresh, with suberror message_only (msal: interaction required)', async () => {
    const app = pca(PUBLIC_APP, 'organizations');
    const result = await signIn(app, [GRAPH_SEND], (code) => h.entra.approveDeviceCode(code, 'alerts@contoso.com'));
    h.entra.setConditionalAccessBlock('alerts@contoso.com', true);
    try {
      await expect(app.acquireTokenSilent({ account: result.account as AccountInfo, scopes: [GRAPH_SEND], forceRefresh: true })).rejects.toMatchObject({
        name: 'InteractionRequiredAuthError',
        errorMessage: expect.stringContaining('AADSTS53003'),
      });
      const { poll } = await rawFlow('organizations', PUBLIC_APP, GRAPH_SEND, (code) => h.entra.approveDeviceCode(code, 'alerts@contoso.com'));
      expectEntraError(poll.json, 'invalid_grant', 53003);
      expect(poll.json.suberror).toBe('message_only');
    } finally {
      h.entra.setConditionalAccessBlock('alerts@contoso.com', false);
    }
  });
});

describe('the verification page a person uses', () => {
  it('serves a form, checks the password, and approves or declines', async () => {
    const page = await h.get('/common/oauth2/deviceauth');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<form method="post" action="/common/oauth2/deviceauth">');

    const dc = await h.post(`/organizations/oauth2/v2.0/devicecode`, { client_id: PUBLIC_APP, scope: `${GRAPH_SEND} offline_access openid profile` });
    const code: string = dc.json.user_code;
    const wrongPassword = await h.post('/common/oauth2/deviceauth', { code, email: 'adele@contoso.com', password: 'nope', action: 'continue' });
    expect(wrongPassword.text).toContain('Your account or password is incorrect.');
    const badCode = await h.post('/common/oauth2/deviceauth', { code: 'ZZZZZZZZZ', email: 'adele@contoso.com', password: 'P@ssw0rd!', action: 'continue' });
    expect(badCode.text).toContain('That code didn&#39;t work.');
    const ok = await h.post('/common/oauth2/deviceauth', { code: code.toLowerCase(), email: 'adele@contoso.com', password: 'P@ssw0rd!', action: 'continue' });
    expect(ok.text).toContain('You have signed in to the Mailbridge CLI application on your device.');
    const poll = await h.post(`/organizations/oauth2/v2.0/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: PUBLIC_APP, device_code: dc.json.device_code });
    expect(poll.status).toBe(200);
    expect(claimsOf(poll.json.access_token).upn).toBe('adele@contoso.com');

    const declined = await rawFlow('organizations', PUBLIC_APP, GRAPH_SEND, () => undefined);
    const dc2 = await h.post(`/organizations/oauth2/v2.0/devicecode`, { client_id: PUBLIC_APP, scope: GRAPH_SEND });
    const cancel = await h.post('/devicelogin', { code: dc2.json.user_code, email: 'alerts@contoso.com', action: 'decline' });
    expect(cancel.text).toContain('Sign-in cancelled');
    const poll2 = await h.post(`/organizations/oauth2/v2.0/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: PUBLIC_APP, device_code: dc2.json.device_code });
    expectEntraError(poll2.json, 'authorization_declined', 65004);
    expectEntraError(declined.poll.json, 'authorization_pending', 70016);
  });
});
