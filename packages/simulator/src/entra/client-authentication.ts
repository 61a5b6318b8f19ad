import { createHash, X509Certificate } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { SeedApp } from '../types.js';
import { EntraError } from './entra-error.js';
import { DEFAULT_FEDERATION_AUDIENCE, type FederationIssuers } from './federation-issuer.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Entra accepts assertions up to five minutes outside their lifetime (clock skew). */
const SKEW_SECONDS = 300;
const CERT_DOCS = 'Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .';
const FIC_DOCS = 'Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation';

/** The credential a confidential client presented. */
export interface ClientCredential {
  kind: 'secret' | 'assertion';
  value: string;
}

/** How the client authenticated: Entra's `appidacr` claim (1 = secret, 2 = certificate or assertion). */
export type AppIdAcr = '1' | '2';

/** What authentication needs to know about the request. */
export interface ClientAuthContext {
  /** Simulated time in ms. */
  now: number;
  /** URLs a certificate assertion's `aud` may name (this tenant's token endpoints and issuer). */
  audiences: string[];
  federation: FederationIssuers;
}

/**
 * The credential of a token request: `client_secret` (body or HTTP Basic, as client_secret_basic)
 * or a jwt-bearer `client_assertion`. `undefined` when the request has none.
 */
export function readClientCredential(form: URLSearchParams, authorization: string | undefined): ClientCredential | undefined {
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  if (assertion !== null || assertionType !== null) {
    if (assertionType !== JWT_BEARER) {
      throw new EntraError(400, 'invalid_request', 50027, `Invalid client_assertion_type '${assertionType ?? ''}'. The only supported value is '${JWT_BEARER}'.`);
    }
    if (!assertion) throw new EntraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_assertion'.");
    return { kind: 'assertion', value: assertion };
  }
  const secret = form.get('client_secret');
  if (secret !== null) return { kind: 'secret', value: secret };
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { kind: 'secret', value: decodeURIComponent(decoded.slice(colon + 1)) };
  }
  return undefined;
}

/**
 * Authenticates a confidential client as Entra does: a secret by its value (not its ID), a
 * certificate assertion by signature against the registered certificate, a federated assertion
 * by a federated credential's issuer + subject + audience and the issuer's signature.
 * @throws EntraError 7000215, 7000222, 700027, 700024, 700021, 700211/700212/700213.
 */
export async function authenticateClient(app: SeedApp, credential: ClientCredential, ctx: ClientAuthContext): Promise<AppIdAcr> {
  if (credential.kind === 'secret') {
    checkSecret(app, credential.value, ctx.now);
    return '1';
  }
  let header: ProtectedHeaderParameters;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(credential.value);
    claims = decodeJwt(credential.value);
  } catch {
    throw new EntraError(401, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
  }
  if (claims.iss === app.clientId) await checkCertificateAssertion(app, credential.value, header, claims, ctx);
  else await checkFederatedAssertion(app, credential.value, claims, ctx);
  return '2';
}

function checkSecret(app: SeedApp, value: string, now: number): void {
  // Compared by value; a secret's ID (a GUID) pasted instead of its value is the classic mistake
  // that 7000215's text warns about, and it simply does not match.
  const secret = (app.secrets ?? []).find((s) => s.value === value);
  if (!secret) {
    throw new EntraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
  }
  if (Date.parse(secret.expiresAt) <= now) {
    throw new EntraError(
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds`,
    );
  }
}

function checkTimes(claims: JWTPayload, now: number): void {
  const seconds = now / 1000;
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : typeof claims.iat === 'number' ? claims.iat : undefined;
  if (exp === undefined || exp + SKEW_SECONDS < seconds || (nbf !== undefined && nbf - SKEW_SECONDS > seconds)) {
    const iso = (s: number | undefined) => (s === undefined ? 'unknown' : new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, '.0000000Z'));
    throw new EntraError(401, 'invalid_client', 700024, `Client assertion is not within its valid time range. Current time: ${iso(Math.floor(seconds))}, assertion valid from ${iso(nbf)}, expiry time of assertion ${iso(exp)}. ${CERT_DOCS}`);
  }
}

async function checkCertificateAssertion(app: SeedApp, jwt: string, header: ProtectedHeaderParameters, claims: JWTPayload, ctx: ClientAuthContext): Promise<void> {
  if (claims.sub !== app.clientId) {
    throw new EntraError(401, 'invalid_client', 700021, `Client assertion application identifier doesn't match 'client_id' parameter. ${CERT_DOCS}`);
  }
  const sha1 = typeof header.x5t === 'string' ? header.x5t : undefined;
  const sha256 = typeof header['x5t#S256'] === 'string' ? (header['x5t#S256'] as string) : undefined;
  const presented = sha256 ?? sha1;
  const presentedHex = presented ? Buffer.from(presented, 'base64url').toString('hex').toUpperCase() : '';
  const certificates = (app.certificates ?? []).map((pem) => new X509Certificate(pem));
  const certificate = certificates.find(
    (c) => (sha1 !== undefined && createHash('sha1').update(c.raw).digest('base64url') === sha1.replace(/=+$/, '')) || (sha256 !== undefined && createHash('sha256').update(c.raw).digest('base64url') === sha256.replace(/=+$/, '')),
  );
  if (!certificate) {
    throw new EntraError(
      401,
      'invalid_client',
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${presentedHex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments#app-registration-and-token-service-root-endpoints to learn more.]`,
    );
  }
  if (Date.parse(certificate.validTo) <= ctx.now) {
    throw new EntraError(
      401,
      'invalid_client',
      700027,
      `The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: '${presentedHex}', Found key 'Start=${new Date(certificate.validFrom).toISOString()}, End=${new Date(certificate.validTo).toISOString()}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.]`,
    );
  }
  try {
    await compactVerify(jwt, certificate.publicKey, { algorithms: ['RS256', 'PS256'] });
  } catch {
    throw new EntraError(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${CERT_DOCS}`);
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const allowed = new Set(ctx.audiences.map((a) => a.toLowerCase()));
  if (!audiences.some((a) => typeof a === 'string' && allowed.has(a.toLowerCase()))) {
    throw new EntraError(401, 'invalid_client', 700027, `Client assertion contains an invalid audience claim '${String(claims.aud)}'. The audience must be the token endpoint of the tenant. ${CERT_DOCS}`);
  }
  checkTimes(claims, ctx.now);
}

async function checkFederatedAssertion(app: SeedApp, jwt: string, claims: JWTPayload, ctx: ClientAuthContext): Promise<void> {
  const issuer = typeof claims.iss === 'string' ? claims.iss : '';
  const byIssuer = (app.federatedCredentials ?? []).filter((c) => c.issuer === issuer);
  if (byIssuer.length === 0) {
    throw new EntraError(400, 'invalid_request', 700211, `No matching federated identity record found for presented assertion issuer '${issuer}'. ${FIC_DOCS}`);
  }
  if (!(await ctx.federation.verifySignature(jwt, issuer))) {
    throw new EntraError(401, 'invalid_client', 700027, `Client assertion failed signature validation. The key used to sign the assertion was not found in the JWKS of issuer '${issuer}'.`);
  }
  checkTimes(claims, ctx.now);
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  const bySubject = byIssuer.filter((c) => c.subject === subject);
  if (bySubject.length === 0) {
    throw new EntraError(400, 'invalid_request', 700213, `No matching federated identity record found for presented assertion subject '${subject}'. ${FIC_DOCS}`);
  }
  const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string');
  if (!bySubject.some((c) => audiences.includes(c.audience ?? DEFAULT_FEDERATION_AUDIENCE))) {
    throw new EntraError(400, 'invalid_request', 700212, `No matching federated identity record found for presented assertion audience '${audiences.join(',')}'. ${FIC_DOCS}`);
  }
}
