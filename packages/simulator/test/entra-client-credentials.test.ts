import { createPrivateKey } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createLocalJWKSet, importPKCS8, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMERS, CONTOSO, type EntraFixtures, EXPIRED_SECRET, entraFixtures, FABRIKAM, FIC_SUBJECT, GOV, GOV_APP, MAILER, MULTI, NO_ROLES, SECRET, SECRET_ID } from './support/entra-fixtures.js';
import { claimsOf, type EntraHarness, msalNetwork, startEntraHarness } from './support/entra-harness.js';

let h: EntraHarness;
let fx: EntraFixtures;

beforeAll(async () => {
  fx = entraFixtures();
  h = await startEntraHarness(fx.seed);
});
afterAll(async () => {
  await h.close();
});

function cca(clientId: string, tenant: string, credential: { clientSecret?: string; clientAssertion?: string; clientCertificate?: { thumbprint?: string; thumbprintSha256?: string; privateKey: string } }) {
  return new ConfidentialClientApplication({
    auth: { clientId, authority: `${h.baseUrl}/${tenant}`, knownAuthorities: [h.host], ...credential },
    system: { networkClient: msalNetwork(h.caPem) },
  });
}

const GRAPH = ['https://graph.microsoft.com/.default'];

function tokenForm(clientId: string, extra: Record<string, string>) {
  return { grant_type: 'client_credentials', client_id: clientId, scope: GRAPH[0] as string, ...extra };
}

/** Checks an error body against the shape of shared/protocol/identity/samples. */
function expectEntraError(body: any, error: string, aadsts: number) {
  expect(Object.keys(body).sort()).toEqual(['correlation_id', 'error', 'error_codes', 'error_description', 'error_uri', 'timestamp', 'trace_id']);
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([aadsts]);
  expect(body.error_description).toMatch(new RegExp(`^AADSTS${aadsts}: .+\\r\\nTrace ID: ${body.trace_id}\\r\\nCorrelation ID: ${body.correlation_id}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, 's'));
  expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(body.error_uri).toBe(`${h.baseUrl}/error?code=${aadsts}`);
}

describe('client credentials with msal-node over HTTPS (only the generated CA trusted)', () => {
  it('issues a v1 app-only Graph token with only admin-consented roles, verifiable through the JWKS', async () => {
    const result = await cca(MAILER, CONTOSO, { clientSecret: SECRET }).acquireTokenByClientCredential({ scopes: GRAPH });
    expect(result?.accessToken).toBeTruthy();
    const claims = claimsOf(result!.accessToken);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${CONTOSO}/`,
      idp: `https://sts.windows.net/${CONTOSO}/`,
      tid: CONTOSO,
      appid: MAILER,
      appidacr: '1',
      app_displayname: 'Alert Mailer',
      idtyp: 'app',
      ver: '1.0',
    });
    expect(claims.roles.sort()).toEqual(['Mail.ReadWrite', 'Mail.Send']);
    expect(claims.oid).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.sub).toBe(claims.oid);
    expect(claims.scp).toBeUndefined();
    const now = Math.floor(Date.now() / 1000);
    expect(claims.exp - now).toBeGreaterThan(3500);
    expect(claims.exp - now).toBeLessThanOrEqual(3600);
    expect(claims.nbf).toBeLessThanOrEqual(now);

    const jwks = await h.get(`/${CONTOSO}/discovery/v2.0/keys`);
    expect(jwks.status).toBe(200);
    const [jwk] = jwks.json.keys;
    expect(jwk).toMatchObject({ kty: 'RSA', use: 'sig', e: 'AQAB', issuer: `${h.baseUrl}/${CONTOSO}/v2.0` });
    expect(jwk.kid).toBe(jwk.x5t);
    expect(jwk.x5c[0]).toMatch(/^MII/);
    const verified = await jwtVerify(result!.accessToken, createLocalJWKSet(jwks.json), { audience: 'https://graph.microsoft.com', issuer: `https://sts.windows.net/${CONTOSO}/` });
    expect(verified.protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: jwk.kid, x5t: jwk.kid });

    const local = h.entra.verify(result!.accessToken);
    expect(local.ok).toBe(true);
  });

  it('issues an EWS token whose roles are those of the Exchange resource only', async () => {
    const result = await cca(MAILER, 'contoso.onmicrosoft.com', { clientSecret: SECRET }).acquireTokenByClientCredential({ scopes: ['https://outlook.office365.com/.default'] });
    const claims = claimsOf(result!.accessToken);
    expect(claims.aud).toBe('https://outlook.office365.com');
    expect(claims.roles).toEqual(['full_access_as_app']);
  });

  it('issues a token WITHOUT roles when no permission has admin consent (as Entra does)', async () => {
    const result = await cca(NO_ROLES, CONTOSO, { clientSecret: SECRET }).acquireTokenByClientCredential({ scopes: GRAPH });
    const claims = claimsOf(result!.accessToken);
    expect(claims.roles).toBeUndefined();
    expect(claims.appid).toBe(NO_ROLES);
  });

  it('accepts a certificate assertion (PS256 + x5t#S256, and RS256 + x5t) signed by the registered certificate', async () => {
    for (const thumb of [{ thumbprintSha256: fx.certificate.thumbprintSha256 }, { thumbprint: fx.certificate.thumbprint }]) {
      const result = await cca(MAILER, CONTOSO, { clientCertificate: { ...thumb, privateKey: fx.certificate.keyPem } }).acquireTokenByClientCredential({ scopes: GRAPH });
      expect(claimsOf(result!.accessToken)).toMatchObject({ appid: MAILER, appidacr: '2' });
    }
  });

  it('refuses a certificate assertion whose certificate is not registered (AADSTS700027)', async () => {
    await expect(cca(MAILER, CONTOSO, { clientCertificate: { thumbprintSha256: fx.stranger.thumbprintSha256, privateKey: fx.stranger.keyPem } }).acquireTokenByClientCredential({ scopes: GRAPH })).rejects.toMatchObject({
      errorCode: 'invalid_client',
      errorMessage: expect.stringContaining('AADSTS700027: The certificate with identifier used to sign the client assertion is not registered'),
    });
  });

  it('refuses an assertion naming the registered certificate but signed by another key (AADSTS700027)', async () => {
    await expect(cca(MAILER, CONTOSO, { clientCertificate: { thumbprintSha256: fx.certificate.thumbprintSha256, privateKey: fx.stranger.keyPem } }).acquireTokenByClientCredential({ scopes: GRAPH })).rejects.toMatchObject({
      errorCode: 'invalid_client',
      errorMessage: expect.stringContaining('AADSTS700027: Client assertion failed signature validation'),
    });
  });

  it('refuses an expired certificate assertion (AADSTS700024, 401)', async () => {
    const key = await importPKCS8(createPrivateKey(fx.certificate.keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256');
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: 'x' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t: Buffer.from(fx.certificate.thumbprint, 'hex').toString('base64url') })
      .setIssuer(MAILER)
      .setSubject(MAILER)
      .setAudience(`${h.baseUrl}/${CONTOSO}/oauth2/v2.0/token`)
      .setNotBefore(now - 7200)
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(key);
    const res = await h.post(
      `/${CONTOSO}/oauth2/v2.0/token`,
      tokenForm(MAILER, {
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    );
    expect(res.status).toBe(401);
    expectEntraError(res.json, 'invalid_client', 700024);
  });

  it('accepts a federated assertion minted by the simulated external issuer, and refuses mismatches', async () => {
    const assertion = await h.entra.issueFederatedAssertion({ subject: FIC_SUBJECT });
    const result = await cca(MAILER, CONTOSO, { clientAssertion: assertion }).acquireTokenByClientCredential({ scopes: GRAPH });
    expect(claimsOf(result!.accessToken)).toMatchObject({ appid: MAILER, appidacr: '2', tid: CONTOSO });

    const wrongSubject = await h.entra.issueFederatedAssertion({ subject: 'system:serviceaccount:other:app' });
    const res1 = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: wrongSubject }));
    expectEntraError(res1.json, 'invalid_request', 700213);

    const otherIssuer = await h.entra.issueFederatedAssertion({ subject: FIC_SUBJECT, issuer: 'https://token.actions.githubusercontent.com' });
    const res2 = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: otherIssuer }));
    expectEntraError(res2.json, 'invalid_request', 700211);

    // Same issuer and subject, but signed by a key that is not the issuer's: signature validation fails.
    const forged = await new SignJWT({ sub: FIC_SUBJECT, aud: 'api://AzureADTokenExchange' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'forged' })
      .setIssuer('https://federation.mailbridge-simulator.invalid')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(await importPKCS8(createPrivateKey(fx.stranger.keyPem).export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'));
    const res3 = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: forged }));
    expect(res3.status).toBe(401);
    expectEntraError(res3.json, 'invalid_client', 700027);

    const expired = await h.entra.issueFederatedAssertion({ subject: FIC_SUBJECT, lifetimeSeconds: -3600 });
    const res4 = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: expired }));
    expectEntraError(res4.json, 'invalid_client', 700024);
  });

  it('issues a token for a multi-tenant app in a tenant that consented, with that tenant and its service principal', async () => {
    const home = claimsOf((await cca(MULTI, CONTOSO, { clientSecret: SECRET }).acquireTokenByClientCredential({ scopes: GRAPH }))!.accessToken);
    const other = claimsOf((await cca(MULTI, FABRIKAM, { clientSecret: SECRET }).acquireTokenByClientCredential({ scopes: GRAPH }))!.accessToken);
    expect(other).toMatchObject({ tid: FABRIKAM, iss: `https://sts.windows.net/${FABRIKAM}/`, appid: MULTI, roles: ['Mail.Send'] });
    expect(other.oid).not.toBe(home.oid);
  });

  it('issues national-cloud tokens for a tenant of that cloud', async () => {
    const result = await cca(GOV_APP, GOV, { clientSecret: SECRET }).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.us/.default'] });
    expect(claimsOf(result!.accessToken)).toMatchObject({ aud: 'https://graph.microsoft.us', iss: `https://login.microsoftonline.us/${GOV}/`, roles: ['Mail.Send'] });
  });
});

describe("client credentials errors, in Entra's exact shape", () => {
  it("wrong secret → 401 invalid_client AADSTS7000215, with Entra's headers", async () => {
    const res = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: 'wrong' }), { 'client-request-id': 'd9b2c4e1-0000-4000-8000-000000000001' });
    expect(res.status).toBe(401);
    expectEntraError(res.json, 'invalid_client', 7000215);
    expect(res.json.error_description).toContain(`not the client secret ID, for a secret added to app '${MAILER}'.`);
    expect(res.json.correlation_id).toBe('d9b2c4e1-0000-4000-8000-000000000001');
    expect(res.headers['client-request-id']).toBe('d9b2c4e1-0000-4000-8000-000000000001');
    expect(res.headers['x-ms-request-id']).toBe(res.json.trace_id);
    expect(res.headers['cache-control']).toBe('no-store, no-cache');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text).not.toContain('wrong');
  });

  it('the secret ID instead of its value → AADSTS7000215', async () => {
    const res = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET_ID }));
    expectEntraError(res.json, 'invalid_client', 7000215);
  });

  it('an expired secret → 401 AADSTS7000222; msal-node surfaces it', async () => {
    const res = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: EXPIRED_SECRET }));
    expect(res.status).toBe(401);
    expectEntraError(res.json, 'invalid_client', 7000222);
    expect(res.json.error_description).toContain(`The provided client secret keys for app '${MAILER}' are expired.`);
    await expect(cca(MAILER, CONTOSO, { clientSecret: EXPIRED_SECRET }).acquireTokenByClientCredential({ scopes: GRAPH })).rejects.toMatchObject({ errorCode: 'invalid_client', errorMessage: expect.stringContaining('AADSTS7000222') });
  });

  it('a secret sent as client_secret_basic is checked the same way', async () => {
    const basic = (s: string) => ({ authorization: `Basic ${Buffer.from(`${MAILER}:${encodeURIComponent(s)}`).toString('base64')}` });
    expect((await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, {}), basic(SECRET))).status).toBe(200);
    expect((await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, {}), basic('nope'))).json.error_codes).toEqual([7000215]);
  });

  it('app not in the tenant → 400 unauthorized_client AADSTS700016 (also a single-tenant app from another tenant)', async () => {
    const unknown = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm('99999999-7777-8888-9999-000000000000', { client_secret: SECRET }));
    expect(unknown.status).toBe(400);
    expectEntraError(unknown.json, 'unauthorized_client', 700016);
    const foreign = await h.post(`/${FABRIKAM}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }));
    expectEntraError(foreign.json, 'unauthorized_client', 700016);
    expect(foreign.json.error_description).toContain("was not found in the directory 'fabrikam'");
    const notConsented = await h.post(`/${GOV}/oauth2/v2.0/token`, tokenForm(MULTI, { client_secret: SECRET }));
    expectEntraError(notConsented.json, 'unauthorized_client', 700016);
  });

  it('common/organizations: AADSTS50194 for a single-tenant app, AADSTS50059 for a multi-tenant one; consumers: AADSTS9001023', async () => {
    for (const segment of ['common', 'organizations']) {
      const single = await h.post(`/${segment}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }));
      expectEntraError(single.json, 'invalid_request', 50194);
      expect(single.json.error_description).toContain(
        `Application '${MAILER}'(Alert Mailer) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'.`,
      );
      const multi = await h.post(`/${segment}/oauth2/v2.0/token`, tokenForm(MULTI, { client_secret: SECRET }));
      expectEntraError(multi.json, 'invalid_request', 50059);
    }
    const consumers = await h.post(`/consumers/oauth2/v2.0/token`, tokenForm(MULTI, { client_secret: SECRET }));
    expectEntraError(consumers.json, 'invalid_request', 9001023);
  });

  it('unknown tenant → AADSTS90002 invalid_tenant; malformed tenant → AADSTS900023', async () => {
    const byGuid = await h.post(`/44444444-0000-0000-0000-000000000000/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }));
    expect(byGuid.status).toBe(400);
    expectEntraError(byGuid.json, 'invalid_tenant', 90002);
    expect(byGuid.json.error_description).toContain("Tenant '44444444-0000-0000-0000-000000000000' not found.");
    const byDomain = await h.get(`/nowhere.example/v2.0/.well-known/openid-configuration`);
    expectEntraError(byDomain.json, 'invalid_tenant', 90002);
    const malformed = await h.get(`/${encodeURIComponent('not a tenant!')}/v2.0/.well-known/openid-configuration`);
    expectEntraError(malformed.json, 'invalid_request', 900023);
  });

  it("a scope that is not {resource}/.default → AADSTS1002012; another cloud's resource → AADSTS500011", async () => {
    const notDefault = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET, scope: 'https://graph.microsoft.com/Mail.Send' }));
    expectEntraError(notDefault.json, 'invalid_scope', 1002012);
    const crossCloud = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET, scope: 'https://graph.microsoft.us/.default' }));
    expectEntraError(crossCloud.json, 'invalid_resource', 500011);
    expect(crossCloud.json.error_description).toContain('The resource principal named https://graph.microsoft.us was not found in the tenant named contoso.');
    const govAskingGlobal = await h.post(`/${GOV}/oauth2/v2.0/token`, tokenForm(GOV_APP, { client_secret: SECRET, scope: 'https://outlook.office365.com/.default' }));
    expectEntraError(govAskingGlobal.json, 'invalid_resource', 500011);
  });

  it('a Conditional Access block on the app → AADSTS53003 until lifted', async () => {
    h.entra.setConditionalAccessBlock(MAILER, true);
    try {
      const blocked = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }));
      expect(blocked.status).toBe(400);
      expectEntraError(blocked.json, 'invalid_grant', 53003);
      // A wrong secret is still reported as such: the policy is evaluated after authentication.
      expectEntraError((await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: 'x' }))).json, 'invalid_client', 7000215);
    } finally {
      h.entra.setConditionalAccessBlock(MAILER, false);
    }
    expect((await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }))).status).toBe(200);
  });

  it('missing parameters and unsupported grants are named', async () => {
    const noGrant = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, { client_id: MAILER });
    expectEntraError(noGrant.json, 'invalid_request', 900144);
    const noScope = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, { grant_type: 'client_credentials', client_id: MAILER, client_secret: SECRET });
    expectEntraError(noScope.json, 'invalid_request', 900144);
    const password = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, { grant_type: 'password', client_id: MAILER });
    expectEntraError(password.json, 'unsupported_grant_type', 70003);
    const get = await h.get(`/${CONTOSO}/oauth2/v2.0/token`);
    expectEntraError(get.json, 'invalid_request', 900561);
  });

  it('outage: the token endpoint answers 503 temporarily_unavailable for the given number of requests', async () => {
    h.entra.setOutage(2);
    const first = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }));
    const second = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }));
    const third = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }));
    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    expectEntraError(first.json, 'temporarily_unavailable', 90033);
    expect(first.headers['retry-after']).toBe('1');
    h.entra.setOutage(true);
    expect((await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }))).status).toBe(503);
    expect((await h.get(`/${CONTOSO}/v2.0/.well-known/openid-configuration`)).status).toBe(200);
    h.entra.setOutage(false);
    expect((await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }))).status).toBe(200);
  });
});

describe('verify(): what resources use to check bearer tokens', () => {
  it('checks signature and lifetime with five minutes of tolerance, on the simulator clock', async () => {
    const res = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }));
    const token: string = res.json.access_token;
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(h.entra.verify(token)).toMatchObject({ ok: true, claims: { aud: 'https://graph.microsoft.com' } });
    const [head, body, sig] = token.split('.') as [string, string, string];
    const tampered = `${head}.${Buffer.from(JSON.stringify({ ...claimsOf(token), roles: ['Mail.ReadWrite', 'full_access_as_app'] })).toString('base64url')}.${sig}`;
    expect(h.entra.verify(tampered)).toEqual({ ok: false, error: 'bad-signature' });
    expect(h.entra.verify('not-a-jwt')).toEqual({ ok: false, error: 'malformed' });
    expect(h.entra.verify(`${head}.${body}`)).toEqual({ ok: false, error: 'malformed' });
    try {
      h.directory.skewMs = (3599 + 240) * 1000; // past exp, within the 5-minute tolerance
      expect(h.entra.verify(token).ok).toBe(true);
      h.directory.skewMs = (3599 + 360) * 1000;
      expect(h.entra.verify(token)).toEqual({ ok: false, error: 'expired' });
      h.directory.skewMs = -20 * 60 * 1000;
      expect(h.entra.verify(token)).toEqual({ ok: false, error: 'not-yet-valid' });
    } finally {
      h.directory.skewMs = 0;
    }
  });

  it('honours setAccessTokenLifetime', async () => {
    h.entra.setAccessTokenLifetime(120);
    try {
      const res = await h.post(`/${CONTOSO}/oauth2/v2.0/token`, tokenForm(MAILER, { client_secret: SECRET }));
      expect(res.json.expires_in).toBe(120);
      expect(claimsOf(res.json.access_token).exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(120);
    } finally {
      h.entra.setAccessTokenLifetime(3599);
    }
  });
});

describe('discovery', () => {
  it('serves the v2 OpenID configuration with GUID endpoints for a domain, and {tenantid} issuer for common', async () => {
    const byDomain = await h.get('/contoso.com/v2.0/.well-known/openid-configuration');
    expect(byDomain.status).toBe(200);
    expect(byDomain.json).toMatchObject({
      token_endpoint: `${h.baseUrl}/${CONTOSO}/oauth2/v2.0/token`,
      jwks_uri: `${h.baseUrl}/${CONTOSO}/discovery/v2.0/keys`,
      issuer: `${h.baseUrl}/${CONTOSO}/v2.0`,
      device_authorization_endpoint: `${h.baseUrl}/${CONTOSO}/oauth2/v2.0/devicecode`,
      authorization_endpoint: `${h.baseUrl}/${CONTOSO}/oauth2/v2.0/authorize`,
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      msgraph_host: 'graph.microsoft.com',
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(byDomain.headers['cache-control']).toBe('max-age=86400, private');
    const common = await h.get('/common/v2.0/.well-known/openid-configuration');
    expect(common.json).toMatchObject({ issuer: `${h.baseUrl}/{tenantid}/v2.0`, token_endpoint: `${h.baseUrl}/common/oauth2/v2.0/token`, tenant_region_scope: null });
    const consumers = await h.get('/consumers/v2.0/.well-known/openid-configuration');
    expect(consumers.json).toMatchObject({ issuer: `${h.baseUrl}/${CONSUMERS}/v2.0`, token_endpoint: `${h.baseUrl}/consumers/oauth2/v2.0/token` });
    const gov = await h.get(`/${GOV}/v2.0/.well-known/openid-configuration`);
    expect(gov.json).toMatchObject({ cloud_instance_name: 'microsoftonline.us', msgraph_host: 'graph.microsoft.us' });
    const v1 = await h.get(`/${CONTOSO}/.well-known/openid-configuration`);
    expect(v1.json).toMatchObject({ issuer: `https://sts.windows.net/${CONTOSO}/`, token_endpoint: `${h.baseUrl}/${CONTOSO}/oauth2/token` });
  });

  it('serves instance discovery, which msal-node can use instead of knownAuthorities', async () => {
    const authorize = `${h.baseUrl}/${CONTOSO}/oauth2/v2.0/authorize`;
    const res = await h.get(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(authorize)}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      tenant_discovery_endpoint: `${h.baseUrl}/${CONTOSO}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: h.host, preferred_cache: h.host, aliases: [h.host] }],
    });
    const foreign = await h.get(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent('https://login.example.com/x/oauth2/v2.0/authorize')}`);
    expectEntraError(foreign.json, 'invalid_instance', 50049);

    const app = new ConfidentialClientApplication({
      auth: { clientId: MAILER, authority: `${h.baseUrl}/${CONTOSO}`, clientSecret: SECRET, cloudDiscoveryMetadata: JSON.stringify(res.json) },
      system: { networkClient: msalNetwork(h.caPem) },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: GRAPH });
    expect(claimsOf(result!.accessToken).tid).toBe(CONTOSO);
  });
});
