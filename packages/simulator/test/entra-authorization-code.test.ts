/**
 * The authorization code flow of the simulated Entra ID, driven as Microsoft's clients drive it:
 * msal-node builds the sign-in URL (PKCE S256) and redeems the code; the sign-in page is filled in
 * by a real HTTPS client (`completeSignInPage`). Errors are checked in Entra's shape: on Entra's
 * page (AADSTS50011), in the redirect (`error`, `error_description`), at the token endpoint.
 */
import { ConfidentialClientApplication, CryptoProvider, PublicClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSignInPage, type SeedData, type Simulator, startSimulator } from '../src/index.js';
import { claimsOf, httpsCall, msalNetwork } from './support/entra-harness.js';

const CONSUMERS = '9188040d-6c67-4c5b-b112-36a304b66dad';
const HOME = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OTHER = '1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e';
const PUBLIC = '2c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f';
const CONFIDENTIAL = '3d4e5f6a-7b8c-4d9e-9f0a-2b3c4d5e6f7a';
const NO_USER_CONSENT = '4e5f6a7b-8c9d-4e0f-8a1b-3c4d5e6f7a8b';
const NEEDS_CONSENT = '5f6a7b8c-9d0e-4f1a-9b2c-4d5e6f7a8b9c';
const SECRET = 'sim~AuthCode.Secret_0123456789abcdefghij';
const PERSONAL = 'robin@outlook.com';
const WORK = 'kim@fabrikam-ac.example';
const PASSWORD = 'Sim-Passw0rd!';
const NATIVE = 'https://login.microsoftonline.com/common/oauth2/nativeclient';
const scopes = [
  { resource: 'graph', scope: 'Mail.Send' },
  { resource: 'graph', scope: 'Mail.ReadWrite' },
  { resource: 'graph', scope: 'User.Read' },
  { resource: 'ews', scope: 'EWS.AccessAsUser.All' },
] as const;

const seed: SeedData = {
  tenants: [
    { id: CONSUMERS, domains: ['outlook.com'], consumers: true },
    { id: HOME, domains: ['contoso-ac.example'] },
    { id: OTHER, domains: ['fabrikam-ac.example'] },
  ],
  apps: [
    { clientId: PUBLIC, displayName: 'public app', tenantId: HOME, publicClient: true, multiTenant: true, allowPersonalAccounts: true, redirectUris: ['http://localhost', NATIVE], delegatedScopes: [...scopes] },
    {
      clientId: CONFIDENTIAL,
      displayName: 'alerting product',
      tenantId: HOME,
      multiTenant: true,
      allowPersonalAccounts: true,
      redirectUris: [NATIVE],
      secrets: [{ id: '6a7b8c9d-0e1f-4a2b-8c3d-5e6f7a8b9c0d', value: SECRET, expiresAt: '2099-01-01T00:00:00Z' }],
      delegatedScopes: [...scopes],
    },
    { clientId: NO_USER_CONSENT, displayName: 'admin consent only', tenantId: HOME, publicClient: true, multiTenant: true, allowPersonalAccounts: true, userConsent: false, redirectUris: ['http://localhost'] },
    { clientId: NEEDS_CONSENT, displayName: 'asks consent', tenantId: HOME, publicClient: true, multiTenant: true, allowPersonalAccounts: true, redirectUris: ['http://127.0.0.1/callback'] },
  ],
  users: [
    { tenantId: CONSUMERS, mail: PERSONAL, password: PASSWORD },
    { tenantId: OTHER, mail: WORK, password: PASSWORD },
  ],
};

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed });
});
afterAll(async () => {
  await sim?.close();
});

const GRAPH = ['https://graph.microsoft.com/Mail.Send', 'https://graph.microsoft.com/User.Read', 'offline_access'];

function msalOptions(clientId: string, tenant: string) {
  return { auth: { clientId, authority: `${sim.url}/${tenant}`, knownAuthorities: [new URL(sim.url).host] }, system: { networkClient: msalNetwork(sim.caPem) } };
}

async function start(app: PublicClientApplication | ConfidentialClientApplication, redirectUri: string, state = 'state-1') {
  const pkce = await new CryptoProvider().generatePkceCodes();
  const url = await app.getAuthCodeUrl({ scopes: GRAPH, redirectUri, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', state, responseMode: 'query' });
  return { url, pkce };
}

async function signIn(url: string, email = PERSONAL, extra: { decline?: boolean; password?: string } = {}): Promise<URL> {
  const outcome = await completeSignInPage(url, { ca: sim.caPem, email, password: extra.password ?? PASSWORD, decline: extra.decline });
  if (outcome.kind !== 'redirect') throw new Error(`no redirect: ${outcome.html}`);
  return new URL(outcome.location);
}

function tokenError(error: unknown): { errorCode?: string; errorMessage?: string; errorNo?: string } {
  return error as { errorCode?: string; errorMessage?: string };
}

describe('authorization code with PKCE', () => {
  it('public client, personal account on common, loopback redirect with any port: code + state, then tokens', async () => {
    const app = new PublicClientApplication(msalOptions(PUBLIC, 'common'));
    const redirectUri = 'http://localhost:51234';
    const { url, pkce } = await start(app, redirectUri);
    const page = await httpsCall(url, sim.caPem);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="email"');
    expect(page.text).toContain('Mail.Send');
    const back = await signIn(url);
    expect(back.origin).toBe('http://localhost:51234');
    expect(back.searchParams.get('state')).toBe('state-1');
    const code = back.searchParams.get('code') as string;
    const result = await app.acquireTokenByCode({ code, scopes: GRAPH, redirectUri, codeVerifier: pkce.verifier });
    expect(result.account?.username).toBe(PERSONAL);
    expect(claimsOf(result.accessToken)).toMatchObject({ tid: CONSUMERS, appid: PUBLIC });
    expect(claimsOf(result.accessToken).scp).toContain('Mail.Send');
    // Silent renewal with the refresh token.
    const silent = await app.acquireTokenSilent({ account: result.account!, scopes: GRAPH, forceRefresh: true });
    expect(silent.accessToken).not.toBe(result.accessToken);
  });

  it('confidential client (secret) with the nativeclient URI, work account on common', async () => {
    const app = new ConfidentialClientApplication({ ...msalOptions(CONFIDENTIAL, 'common'), auth: { ...msalOptions(CONFIDENTIAL, 'common').auth, clientSecret: SECRET } });
    const redirectUri = `${sim.url}/common/oauth2/nativeclient`;
    const { url, pkce } = await start(app, redirectUri);
    const back = await signIn(url, WORK);
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    const native = await httpsCall(back.href, sim.caPem);
    expect(native.status).toBe(200);
    const result = await app.acquireTokenByCode({ code: back.searchParams.get('code')!, scopes: GRAPH, redirectUri, codeVerifier: pkce.verifier });
    expect(claimsOf(result.accessToken)).toMatchObject({ tid: OTHER, appid: CONFIDENTIAL, appidacr: '1' });
    const silent = await app.acquireTokenSilent({ account: result.account!, scopes: GRAPH, forceRefresh: true });
    expect(claimsOf(silent.accessToken).tid).toBe(OTHER);
  });

  it('confidential client without its secret: AADSTS7000218', async () => {
    const app = new PublicClientApplication(msalOptions(CONFIDENTIAL, 'common'));
    const redirectUri = `${sim.url}/common/oauth2/nativeclient`;
    const { url, pkce } = await start(app, redirectUri);
    const back = await signIn(url);
    await expect(app.acquireTokenByCode({ code: back.searchParams.get('code')!, scopes: GRAPH, redirectUri, codeVerifier: pkce.verifier })).rejects.toMatchObject({ errorCode: 'invalid_client' });
  });
});

describe('Entra errors of the authorization code flow', () => {
  it("an unregistered redirect URI: AADSTS50011 on Entra's page, never a redirect", async () => {
    const app = new PublicClientApplication(msalOptions(CONFIDENTIAL, 'common'));
    const { url } = await start(app, 'http://localhost:8400');
    const outcome = await completeSignInPage(url, { ca: sim.caPem, email: PERSONAL, password: PASSWORD });
    expect(outcome.kind).toBe('page');
    expect(outcome.kind === 'page' && outcome.html).toMatch(/AADSTS50011: The redirect URI &#39;http:\/\/localhost:8400&#39; specified in the request does not match the redirect URIs configured for the application &#39;3d4e5f6a/);
  });

  it('127.0.0.1 is not localhost, and the path counts (any port still matches)', async () => {
    const app = new PublicClientApplication(msalOptions(NEEDS_CONSENT, 'common'));
    expect((await httpsCall((await start(app, 'http://127.0.0.1:9999/callback')).url, sim.caPem)).text).not.toContain('AADSTS50011');
    expect((await httpsCall((await start(app, 'http://localhost:9999/callback')).url, sim.caPem)).text).toContain('AADSTS50011');
    expect((await httpsCall((await start(app, 'http://127.0.0.1:9999/other')).url, sim.caPem)).text).toContain('AADSTS50011');
  });

  it('a code works once: AADSTS54005 on reuse', async () => {
    const app = new PublicClientApplication(msalOptions(PUBLIC, 'consumers'));
    const redirectUri = 'http://localhost:40001';
    const { url, pkce } = await start(app, redirectUri);
    const code = (await signIn(url)).searchParams.get('code')!;
    await app.acquireTokenByCode({ code, scopes: GRAPH, redirectUri, codeVerifier: pkce.verifier });
    const again = await app.acquireTokenByCode({ code, scopes: GRAPH, redirectUri, codeVerifier: pkce.verifier }).catch((e: unknown) => e);
    expect(tokenError(again).errorCode).toBe('invalid_grant');
    expect(tokenError(again).errorMessage).toContain('AADSTS54005');
  });

  it('a PKCE verifier of another sign-in: AADSTS501481', async () => {
    const app = new PublicClientApplication(msalOptions(PUBLIC, 'common'));
    const redirectUri = 'http://localhost:40002';
    const { url } = await start(app, redirectUri);
    const other = await new CryptoProvider().generatePkceCodes();
    const code = (await signIn(url)).searchParams.get('code')!;
    const error = await app.acquireTokenByCode({ code, scopes: GRAPH, redirectUri, codeVerifier: other.verifier }).catch((e: unknown) => e);
    expect(tokenError(error).errorMessage).toContain('AADSTS501481');
  });

  it('an expired code: AADSTS70008', async () => {
    const app = new PublicClientApplication(msalOptions(PUBLIC, 'common'));
    const redirectUri = 'http://localhost:40003';
    const { url, pkce } = await start(app, redirectUri);
    const code = (await signIn(url)).searchParams.get('code')!;
    const undo = sim.inject({ kind: 'clock-skew', ms: 11 * 60_000 });
    try {
      const raw = await httpsCall(`${sim.url}/common/oauth2/v2.0/token`, sim.caPem, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: PUBLIC, code, redirect_uri: redirectUri, code_verifier: pkce.verifier, scope: GRAPH.join(' ') }).toString(),
      });
      expect(raw.status).toBe(400);
      expect(raw.json).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });
      expect(raw.json.error_description).toMatch(/^AADSTS70008: .*\r\nTrace ID: /s);
    } finally {
      undo();
    }
  });

  it("a redirect URI at the token endpoint other than the sign-in's: AADSTS500112", async () => {
    const app = new PublicClientApplication(msalOptions(PUBLIC, 'common'));
    const { url, pkce } = await start(app, 'http://localhost:40004');
    const code = (await signIn(url)).searchParams.get('code')!;
    const error = await app.acquireTokenByCode({ code, scopes: GRAPH, redirectUri: 'http://localhost:40005', codeVerifier: pkce.verifier }).catch((e: unknown) => e);
    expect(tokenError(error).errorMessage).toContain('AADSTS500112');
  });

  it('Cancel: the redirect carries access_denied with AADSTS65004 and the state', async () => {
    const app = new PublicClientApplication(msalOptions(PUBLIC, 'common'));
    const { url } = await start(app, 'http://localhost:40006', 'keep-me');
    const back = await signIn(url, PERSONAL, { decline: true });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toMatch(/^AADSTS65004: /);
    expect(back.searchParams.get('state')).toBe('keep-me');
  });

  it('an app whose permissions need admin consent: consent_required with AADSTS65001', async () => {
    const app = new PublicClientApplication(msalOptions(NO_USER_CONSENT, 'common'));
    const back = await signIn((await start(app, 'http://localhost:40007')).url);
    expect(back.searchParams.get('error')).toBe('consent_required');
    expect(back.searchParams.get('error_description')).toMatch(/^AADSTS65001: /);
  });

  it('permissions not granted yet: the page asks for consent, and accepting grants them', async () => {
    const app = new PublicClientApplication(msalOptions(NEEDS_CONSENT, 'common'));
    const redirectUri = 'http://127.0.0.1:40008/callback';
    const { url, pkce } = await start(app, redirectUri);
    expect((await httpsCall(url, sim.caPem)).text).toContain('id="consent"');
    const back = await signIn(url, WORK);
    const result = await app.acquireTokenByCode({ code: back.searchParams.get('code')!, scopes: GRAPH, redirectUri, codeVerifier: pkce.verifier });
    expect(claimsOf(result.accessToken).scp).toContain('Mail.Send');
    expect((await httpsCall((await start(app, redirectUri)).url, sim.caPem)).text).not.toContain('id="consent"');
  });

  it('a wrong password shows the form again with the error', async () => {
    const app = new PublicClientApplication(msalOptions(PUBLIC, 'common'));
    const outcome = await completeSignInPage((await start(app, 'http://localhost:40009')).url, { ca: sim.caPem, email: PERSONAL, password: 'wrong' });
    expect(outcome.kind === 'page' && outcome.html).toContain('Your account or password is incorrect.');
  });
});

describe('Conditional Access', () => {
  it('a block of the device code flow (AADSTS53003) leaves the authorization code flow working', async () => {
    sim.setConditionalAccessBlock(WORK, true, { flow: 'device-code' });
    try {
      const form = (body: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
      const dc = await httpsCall(`${sim.url}/organizations/oauth2/v2.0/devicecode`, sim.caPem, form({ client_id: PUBLIC, scope: GRAPH.join(' ') }));
      sim.approveDeviceCode(dc.json.user_code, WORK);
      const poll = await httpsCall(`${sim.url}/organizations/oauth2/v2.0/token`, sim.caPem, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: PUBLIC, device_code: dc.json.device_code }));
      expect(poll.json).toMatchObject({ error: 'invalid_grant', error_codes: [53003] });
      const app = new PublicClientApplication(msalOptions(PUBLIC, 'organizations'));
      const redirectUri = 'http://localhost:40010';
      const { url, pkce } = await start(app, redirectUri);
      const back = await signIn(url, WORK);
      const result = await app.acquireTokenByCode({ code: back.searchParams.get('code')!, scopes: GRAPH, redirectUri, codeVerifier: pkce.verifier });
      expect(result.account?.username).toBe(WORK);
    } finally {
      sim.setConditionalAccessBlock(WORK, false, { flow: 'device-code' });
    }
  }, 30_000);

  it('a block of every flow shows AADSTS53003 on the sign-in page', async () => {
    sim.setConditionalAccessBlock(WORK, true);
    try {
      const app = new PublicClientApplication(msalOptions(PUBLIC, 'common'));
      const outcome = await completeSignInPage((await start(app, 'http://localhost:40011')).url, { ca: sim.caPem, email: WORK, password: PASSWORD });
      expect(outcome.kind === 'page' && outcome.html).toContain('AADSTS53003');
    } finally {
      sim.setConditionalAccessBlock(WORK, false);
    }
  });
});

describe('/_admin parity', () => {
  const admin = (path: string, body: unknown) => httpsCall(`${sim.url}${path}`, sim.caPem, { method: 'POST', headers: { 'content-type': 'application/json', 'x-simulator-admin-key': sim.adminKey }, body: JSON.stringify(body) });

  it('revokes sign-ins, sets the token lifetime, seeds messages, issues federated assertions and blocks flows over HTTP', async () => {
    const app = new PublicClientApplication(msalOptions(PUBLIC, 'common'));
    const redirectUri = 'http://localhost:40012';
    expect((await admin('/_admin/token-lifetime', { seconds: 120 })).status).toBe(200);
    const { url, pkce } = await start(app, redirectUri);
    const result = await app.acquireTokenByCode({ code: (await signIn(url)).searchParams.get('code')!, scopes: GRAPH, redirectUri, codeVerifier: pkce.verifier });
    const claims = claimsOf(result.accessToken);
    expect(claims.exp * 1000 - Date.now()).toBeLessThanOrEqual(121_000);
    expect((await admin('/_admin/token-lifetime', { seconds: 3599 })).status).toBe(200);
    expect((await admin('/_admin/sign-ins/revoke', { userMail: PERSONAL })).status).toBe(200);
    const revoked = await app.acquireTokenSilent({ account: result.account!, scopes: GRAPH, forceRefresh: true }).catch((e: unknown) => e);
    expect(tokenError(revoked).errorMessage).toContain('AADSTS50173');

    const seeded = await admin('/_admin/messages', { mailbox: WORK, messages: [{ from: 'ops@example.org', to: [WORK], subject: 'seeded over HTTP' }] });
    expect(seeded.status).toBe(201);
    expect(sim.messages(WORK, 'inbox').map((m) => m.subject)).toContain('seeded over HTTP');
    expect((await admin('/_admin/messages', { mailbox: 'nobody@nowhere.example', messages: [] })).status).toBe(400);

    const assertion = await admin('/_admin/federated-assertion', { subject: 'system:serviceaccount:ops:mailer' });
    expect(assertion.status).toBe(200);
    expect(claimsOf(assertion.json.assertion)).toMatchObject({ sub: 'system:serviceaccount:ops:mailer', aud: 'api://AzureADTokenExchange', iss: 'https://federation.mailbridge-simulator.invalid' });

    expect((await admin('/_admin/conditional-access', { principal: WORK, blocked: true })).status).toBe(200);
    const blocked = await completeSignInPage((await start(app, redirectUri)).url, { ca: sim.caPem, email: WORK, password: PASSWORD });
    expect(blocked.kind === 'page' && blocked.html).toContain('AADSTS53003');
    expect((await admin('/_admin/conditional-access', { principal: WORK, blocked: false })).status).toBe(200);
  });
});
