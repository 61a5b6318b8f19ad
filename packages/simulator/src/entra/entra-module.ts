import type { ApiModule, SimRequest, SimResponse } from '../server/http-types.js';
import type { Directory } from '../state/directory.js';
import { resolveAuthority } from './authority.js';
import { AuthorizationCodes, type AuthorizeOutcome } from './authorization-codes.js';
import { authorizeErrorPage, authorizePage, nativeClientPage } from './authorize-page.js';
import { clientCredentialsGrant } from './client-credentials-grant.js';
import { DeviceCodes } from './device-codes.js';
import { deviceLoginDone, deviceLoginForm, readDeviceLoginForm } from './device-login-page.js';
import { instanceDiscovery, openIdConfigurationV1, openIdConfigurationV2 } from './discovery.js';
import { EntraError, entraStatusError, entraTimestamp, missingParameter } from './entra-error.js';
import { entraHeaders, errorResponse, jsonResponse, postOnly, readForm, traceFor } from './entra-http.js';
import { type FederatedAssertionOptions, FederationIssuers } from './federation-issuer.js';
import type { GrantContext } from './grant-context.js';
import { refreshTokenGrant } from './refresh-token-grant.js';
import { RefreshTokens } from './refresh-tokens.js';
import { cloudOf, v1Issuer } from './resources.js';
import { SigningKey } from './signing-key.js';
import { TokenIssuer } from './token-issuer.js';
import type { TokenVerifier } from './token-verifier.js';
import { createTokenVerifier } from './token-verifier-impl.js';

/** Options of {@link createEntraModule}. */
export interface EntraModuleOptions {
  /** The simulated directory; read at request time (state changes at run time). Its `now()` is the clock. */
  directory: Directory;
  /** The simulator's origin, `https://127.0.0.1:PORT` (no trailing slash). */
  baseUrl: string;
  /** Seconds between device-code polls that clients are told (`interval`); default 5 as Entra. Tests may use 1. */
  deviceCodeIntervalSeconds?: number;
}

/** The simulated Entra ID (Microsoft identity platform v2), mounted by the simulator's server. */
export type EntraModule = ApiModule &
  TokenVerifier & {
    /** Approve (or decline) a pending device-code sign-in as this user: what a person does in the browser. */
    approveDeviceCode(userCode: string, userMail: string, options?: { decline?: boolean }): void;
    /** Token endpoint outage: `true` until `false`, or a number of token/device-code requests to fail with 503. */
    setOutage(active: boolean | number): void;
    /** Revoke every refresh token of a user (as "revoke sessions" or a password change does). */
    revokeRefreshTokens(userMail: string): void;
    /**
     * Mint a federated (workload identity) assertion as its external issuer would. Seed the app with
     * a federated credential `{ issuer, subject }` matching it; the default issuer is
     * {@link DEFAULT_FEDERATION_ISSUER}.
     */
    issueFederatedAssertion(options: FederatedAssertionOptions): Promise<string>;
    /** Access-token lifetime in seconds for tokens issued from now on (default 3599). */
    setAccessTokenLifetime(seconds: number): void;
    /**
     * Make a Conditional Access policy block (or stop blocking) token issuance to a user (by mail:
     * device-code approval and refresh fail) or to an app (by client id: client credentials fail),
     * with AADSTS53003. `{ flow: 'device-code' }` blocks only the device code flow, as the
     * "Authentication flows" condition Microsoft recommends does: the authorization code flow still works.
     */
    setConditionalAccessBlock(principal: string, blocked: boolean, options?: { flow?: 'device-code' }): void;
  };

type Route = 'instance' | 'oidc-v2' | 'oidc-v1' | 'keys-v2' | 'keys-v1' | 'token' | 'devicecode' | 'device-login' | 'authorize' | 'nativeclient';

const ROUTES: Array<[RegExp, Route]> = [
  [/^\/common\/discovery\/instance\/?$/i, 'instance'],
  [/^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration\/?$/i, 'oidc-v2'],
  [/^\/([^/]+)\/\.well-known\/openid-configuration\/?$/i, 'oidc-v1'],
  [/^\/([^/]+)\/discovery\/v2\.0\/keys\/?$/i, 'keys-v2'],
  [/^\/([^/]+)\/discovery\/keys\/?$/i, 'keys-v1'],
  [/^\/([^/]+)\/oauth2\/v2\.0\/token\/?$/i, 'token'],
  [/^\/([^/]+)\/oauth2\/v2\.0\/devicecode\/?$/i, 'devicecode'],
  [/^\/([^/]+)\/oauth2\/v2\.0\/authorize\/?$/i, 'authorize'],
  // The redirect URI of apps without a web server: a blank page whose address the person copies.
  [/^\/(common)\/oauth2\/nativeclient\/?$/i, 'nativeclient'],
  // The verification_uri (Microsoft's is https://microsoft.com/devicelogin → /common/oauth2/deviceauth).
  [/^\/(common)\/oauth2\/deviceauth\/?$/i, 'device-login'],
  [/^\/devicelogin\/?$/i, 'device-login'],
];

function route(url: URL): { route: Route; tenant: string } | undefined {
  for (const [pattern, name] of ROUTES) {
    const match = pattern.exec(url.pathname);
    if (match) return { route: name, tenant: decodeURIComponent(match[1] ?? 'common') };
  }
  return undefined;
}

/**
 * Creates the simulated Entra ID: discovery (OpenID configuration v1/v2, instance discovery), the
 * JWKS, and the v2 token endpoint. One RSA signing key is generated here; `verify()` checks tokens
 * against it for the simulator's resources.
 */
export function createEntraModule(options: EntraModuleOptions): EntraModule {
  const { directory } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const key = SigningKey.generate(directory.now());
  const issuer = new TokenIssuer(key, baseUrl);
  const federation = new FederationIssuers(() => directory.now());
  const verifier = createTokenVerifier(key, () => directory.now());
  const deviceLoginPath = '/common/oauth2/deviceauth';
  const deviceCodes = new DeviceCodes(`${baseUrl}${deviceLoginPath}`, options.deviceCodeIntervalSeconds ?? 5);
  const refreshTokens = new RefreshTokens();
  const authorizationCodes = new AuthorizationCodes(baseUrl);
  const conditionalAccessBlocks = new Set<string>();
  /** Blocks of the device code flow only ("Authentication flows" condition). */
  const deviceCodeBlocks = new Set<string>();
  const blockedByConditionalAccess = (principal: string, flow?: string): boolean => conditionalAccessBlocks.has(principal.toLowerCase()) || (flow === 'device-code' && deviceCodeBlocks.has(principal.toLowerCase()));
  /** `true`: failing until cleared; a number: how many more requests fail. */
  let outage: boolean | number = false;

  function consumeOutage(): boolean {
    if (outage === true) return true;
    if (typeof outage === 'number' && outage > 0) {
      outage -= 1;
      return true;
    }
    return false;
  }

  async function token(request: SimRequest, ctx: GrantContext, tenantSegment: string): Promise<Record<string, unknown>> {
    const authority = resolveAuthority(tenantSegment, directory);
    const form = readForm(request);
    const grantType = form.get('grant_type');
    if (!grantType) throw missingParameter('grant_type');
    const authorization = typeof request.headers.authorization === 'string' ? request.headers.authorization : undefined;
    switch (grantType) {
      case 'client_credentials':
        return clientCredentialsGrant(ctx, authority, form, authorization);
      case 'urn:ietf:params:oauth:grant-type:device_code':
      case 'device_code': // msal-node sends the short form, which Entra also accepts
        return deviceCodes.redeem(ctx, form, authorization, refreshTokens);
      case 'refresh_token':
        return refreshTokenGrant(ctx, authority, form, authorization, refreshTokens);
      case 'authorization_code':
        return authorizationCodes.redeem(ctx, authority, form, authorization, refreshTokens);
      default:
        throw new EntraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
    }
  }

  /** The page a person opens at `verification_uri`: GET shows the form, POST approves or declines. */
  function deviceLogin(request: SimRequest, ctx: GrantContext, trace: ReturnType<typeof traceFor>): SimResponse {
    const html = (status: number, body: string): SimResponse => ({ status, headers: entraHeaders(trace, 'no-store', 'text/html; charset=utf-8'), body });
    if (request.method === 'GET') return html(200, deviceLoginForm(deviceLoginPath, { code: request.url.searchParams.get('code') ?? '' }));
    if (request.method !== 'POST') throw postOnly(request.method);
    const submission = readDeviceLoginForm(request.body, directory, (code) => deviceCodes.pending(code, ctx.now));
    if (!submission.ok) return html(200, deviceLoginForm(deviceLoginPath, submission));
    try {
      deviceCodes.approve(ctx, submission.code, submission.email, submission.decline);
    } catch (err) {
      // The directory changed under the person's feet (tenant or app removed): say so on the page.
      return html(200, deviceLoginForm(deviceLoginPath, { ...submission, error: err instanceof Error ? err.message : String(err) }));
    }
    return html(200, deviceLoginDone(submission.appName, submission.decline));
  }

  /**
   * `/{tenant}/oauth2/v2.0/authorize`: GET checks the request and shows the sign-in and consent page
   * (or Entra's error page); POST is that page's form. The browser leaves with a 302 to the redirect URI.
   */
  function authorize(request: SimRequest, ctx: GrantContext, tenantSegment: string, trace: ReturnType<typeof traceFor>): SimResponse {
    const html = (status: number, body: string): SimResponse => ({ status, headers: entraHeaders(trace, 'no-store', 'text/html; charset=utf-8'), body });
    const errorPage = (error: EntraError) => html(200, authorizeErrorPage(error, { traceId: trace.traceId, correlationId: trace.correlationId, timestamp: entraTimestamp(trace.now) }));
    const show = (outcome: AuthorizeOutcome): SimResponse => {
      if (outcome.kind === 'redirect') return { status: 302, headers: { ...entraHeaders(trace, 'no-store', 'text/html; charset=utf-8'), location: outcome.location }, body: '' };
      if (outcome.kind === 'error-page') return errorPage(outcome.error);
      return html(
        200,
        authorizePage({
          action: `/${encodeURIComponent(tenantSegment)}/oauth2/v2.0/authorize`,
          requestId: outcome.pending.id,
          appName: outcome.pending.app.displayName ?? outcome.pending.app.clientId,
          permissions: outcome.permissions,
          needsConsent: outcome.needsConsent,
          email: outcome.email ?? outcome.pending.loginHint,
          error: outcome.error,
        }),
      );
    };
    try {
      if (request.method === 'GET') return show(authorizationCodes.authorize(ctx, resolveAuthority(tenantSegment, directory), request.url.searchParams));
      if (request.method !== 'POST') throw postOnly(request.method);
      const form = readForm(request);
      const pending = authorizationCodes.pendingRequest(form.get('request') ?? '', ctx.now);
      if (!pending)
        throw new EntraError(400, 'invalid_request', 50058, 'A silent sign-in request was sent but none of the currently signed in user(s) match the requested login hint; or the sign-in request expired. Start the sign-in again.');
      return show(authorizationCodes.submit(ctx, pending, { email: (form.get('email') ?? '').trim(), password: form.get('password'), decline: form.get('action') === 'cancel' }));
    } catch (err) {
      if (err instanceof EntraError) return errorPage(err);
      throw err;
    }
  }

  function contextNow(): GrantContext {
    return { directory, baseUrl, issuer, federation, now: directory.now(), blockedByConditionalAccess };
  }

  async function handle(request: SimRequest): Promise<SimResponse> {
    const now = directory.now();
    const trace = traceFor(request, now);
    const target = route(request.url);
    try {
      if (!target) throw new EntraError(404, 'invalid_request', 900561, 'The requested endpoint was not found.');
      const ctx: GrantContext = { directory, baseUrl, issuer, federation, now, blockedByConditionalAccess };
      switch (target.route) {
        case 'instance':
          return jsonResponse(200, instanceDiscovery(baseUrl, request.url.searchParams), entraHeaders(trace, 'discovery'));
        case 'oidc-v2':
          return jsonResponse(200, openIdConfigurationV2(baseUrl, resolveAuthority(target.tenant, directory)), entraHeaders(trace, 'discovery'));
        case 'oidc-v1': {
          const authority = resolveAuthority(target.tenant, directory);
          const v1 = authority.kind === 'tenant' ? v1Issuer(cloudOf(authority.tenant), authority.tenant.id) : authority.kind === 'consumers' ? v1Issuer('global', authority.tenant.id) : 'https://sts.windows.net/{tenantid}/';
          return jsonResponse(200, openIdConfigurationV1(baseUrl, authority, v1), entraHeaders(trace, 'discovery'));
        }
        case 'keys-v2':
        case 'keys-v1': {
          const authority = resolveAuthority(target.tenant, directory);
          const keyIssuer = target.route === 'keys-v1' ? undefined : `${baseUrl}/${authority.kind === 'tenant' || authority.kind === 'consumers' ? authority.tenant.id : '{tenantid}'}/v2.0`;
          return jsonResponse(200, { keys: [await key.jwk(keyIssuer)] }, entraHeaders(trace, 'discovery'));
        }
        case 'token':
        case 'devicecode': {
          if (request.method !== 'POST') throw postOnly(request.method);
          if (consumeOutage()) {
            const unavailable = new EntraError(503, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');
            // Retry-After keeps msal-node's throttling cache short (it blocks the same request for 60 s without it).
            return { ...errorResponse(unavailable, trace, baseUrl), headers: { ...entraHeaders(trace, 'no-store'), 'retry-after': '1' } };
          }
          if (target.route === 'devicecode') {
            const body = deviceCodes.request(ctx, resolveAuthority(target.tenant, directory), readForm(request));
            return jsonResponse(200, body, entraHeaders(trace, 'no-store'));
          }
          return jsonResponse(200, await token(request, ctx, target.tenant), entraHeaders(trace, 'no-store'));
        }
        case 'device-login':
          return deviceLogin(request, ctx, trace);
        case 'authorize':
          return authorize(request, ctx, target.tenant, trace);
        case 'nativeclient':
          return { status: 200, headers: entraHeaders(trace, 'no-store', 'text/html; charset=utf-8'), body: nativeClientPage() };
      }
    } catch (err) {
      if (err instanceof EntraError) return errorResponse(err, trace, baseUrl);
      throw err;
    }
  }

  return {
    name: 'entra',
    matches: (request) => route(request.url) !== undefined,
    handle,
    // An injected status fault answers in Entra's error shape (msal-node reads `error`/`error_codes`).
    errorResponse(status, request, errorOptions) {
      const trace = traceFor(request, directory.now());
      const response = errorResponse(entraStatusError(status), trace, baseUrl);
      if (errorOptions.retryAfterSeconds !== undefined) response.headers = { ...response.headers, 'retry-after': String(errorOptions.retryAfterSeconds) };
      return response;
    },
    verify: (t) => verifier.verify(t),
    approveDeviceCode(userCode, userMail, approveOptions) {
      deviceCodes.approve(contextNow(), userCode, userMail, approveOptions?.decline === true);
    },
    setOutage(active) {
      outage = typeof active === 'number' ? Math.max(0, Math.floor(active)) : active;
    },
    revokeRefreshTokens(userMail) {
      refreshTokens.revoke(userMail, directory.now());
    },
    issueFederatedAssertion: (o) => federation.issue(o),
    setConditionalAccessBlock(principal, blocked, blockOptions) {
      const set = blockOptions?.flow === 'device-code' ? deviceCodeBlocks : conditionalAccessBlocks;
      if (blocked) set.add(principal.toLowerCase());
      else set.delete(principal.toLowerCase());
    },
    setAccessTokenLifetime(seconds) {
      if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError('setAccessTokenLifetime: seconds must be a positive number');
      issuer.accessTokenLifetime = Math.floor(seconds);
    },
  };
}
