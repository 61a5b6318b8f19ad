import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SeedApp, SeedTenant, SeedUser } from '../types.js';
import { type Authority, tenantDisplayName } from './authority.js';
import { authenticateDelegatedClient, delegatedGrant, delegatedTokenResponse, grantedPermissions, publicAppForAuthority, userSignInError } from './delegated-sign-in.js';
import { EntraError, missingParameter } from './entra-error.js';
import { appNotFound, type GrantContext, readClientId } from './grant-context.js';
import { redirectUriRegistered } from './redirect-uris.js';
import type { RefreshTokens } from './refresh-tokens.js';
import { cloudOf } from './resources.js';
import { type DelegatedScopes, parseDelegatedScopes } from './scopes.js';

/** Entra's authorization codes are short-lived (about 10 minutes). */
const CODE_LIFETIME_SECONDS = 600;
/** How long the sign-in page of one request may stay open. */
const REQUEST_LIFETIME_SECONDS = 3600;
/** Bounds of the stores: the oldest entries go first. */
const STORE_LIMIT = 10_000;

/** One `/authorize` request waiting for the person on the sign-in page. */
export interface PendingAuthorization {
  id: string;
  app: SeedApp;
  authority: Authority;
  redirectUri: string;
  scope: string;
  state: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain' | undefined;
  loginHint: string | undefined;
  responseMode: 'query' | 'fragment' | 'form_post';
  expiresAt: number;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain' | undefined;
  userMail: string;
  authority: Authority;
  authTime: number;
  expiresAt: number;
  redeemed: boolean;
}

/** What the `/authorize` endpoint decided: show a page, or send the browser to the redirect URI. */
export type AuthorizeOutcome =
  | { kind: 'sign-in'; pending: PendingAuthorization; permissions: string[]; needsConsent: boolean; error?: string; email?: string }
  | { kind: 'redirect'; location: string }
  /** Entra shows the error on its own page: the redirect URI is not (yet) trusted. */
  | { kind: 'error-page'; error: EntraError };

/** AADSTS50011: the redirect URI is not one the app registered. */
export function redirectUriMismatch(redirectUri: string, app: SeedApp): EntraError {
  return new EntraError(
    400,
    'invalid_request',
    50011,
    `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
  );
}

/**
 * The authorization code grant as Entra runs it for native and web apps: `/authorize` checks the
 * app and the redirect URI (errors there are shown on Entra's page, never sent to an untrusted URI),
 * shows a sign-in and consent page, and sends the browser to the redirect URI with `code` and
 * `state` (or `error`); the token endpoint redeems a code once, within its lifetime, for the same
 * client and redirect URI, with the PKCE verifier of its challenge.
 */
export class AuthorizationCodes {
  private readonly pending = new Map<string, PendingAuthorization>();
  private readonly codes = new Map<string, IssuedCode>();

  constructor(private readonly baseUrl: string) {}

  private prune(now: number): void {
    for (const [id, entry] of this.pending) {
      if (entry.expiresAt > now && this.pending.size < STORE_LIMIT) break;
      this.pending.delete(id);
    }
    for (const [code, entry] of this.codes) {
      // Redeemed codes are kept until they expire, so a second redemption is told "already redeemed".
      if (entry.expiresAt + CODE_LIFETIME_SECONDS * 1000 > now && this.codes.size < STORE_LIMIT) break;
      this.codes.delete(code);
    }
  }

  /** `GET /{tenant}/oauth2/v2.0/authorize`. */
  authorize(ctx: GrantContext, authority: Authority, query: URLSearchParams): AuthorizeOutcome {
    this.prune(ctx.now);
    const clientId = readClientId(query);
    const app = publicAppForAuthority(ctx, clientId, authority);
    const redirectUri = query.get('redirect_uri');
    if (!redirectUri) throw missingParameter('redirect_uri');
    if (!redirectUriRegistered(app, redirectUri, this.baseUrl)) return { kind: 'error-page', error: redirectUriMismatch(redirectUri, app) };
    const state = query.get('state') ?? undefined;
    const responseMode = (query.get('response_mode') ?? 'query') as PendingAuthorization['responseMode'];
    const redirectError = (error: EntraError): AuthorizeOutcome => ({ kind: 'redirect', location: this.errorLocation(redirectUri, responseMode, state, error) });
    if (query.get('response_type') !== 'code') {
      return redirectError(new EntraError(400, 'unsupported_response_type', 700054, `response_type '${query.get('response_type') ?? ''}' is not enabled for the application.`));
    }
    const method = query.get('code_challenge_method') ?? (query.get('code_challenge') ? 'plain' : undefined);
    if (method !== undefined && method !== 'S256' && method !== 'plain') {
      return redirectError(new EntraError(400, 'invalid_request', 501491, `Invalid size or value of code_challenge_method '${method}'.`));
    }
    try {
      const cloud = authority.kind === 'tenant' ? cloudOf(authority.tenant) : 'global';
      parseDelegatedScopes(query.get('scope'), cloud, authority.kind === 'tenant' ? tenantDisplayName(authority.tenant) : authority.segment);
    } catch (err) {
      if (err instanceof EntraError) return redirectError(err);
      throw err;
    }
    const pending: PendingAuthorization = {
      id: randomBytes(18).toString('base64url'),
      app,
      authority,
      redirectUri,
      scope: query.get('scope') as string,
      state,
      codeChallenge: query.get('code_challenge') ?? undefined,
      codeChallengeMethod: method as PendingAuthorization['codeChallengeMethod'],
      loginHint: query.get('login_hint') ?? undefined,
      responseMode: responseMode === 'fragment' ? 'fragment' : 'query',
      expiresAt: ctx.now + REQUEST_LIFETIME_SECONDS * 1000,
    };
    this.pending.set(pending.id, pending);
    return { kind: 'sign-in', pending, ...this.permissionsOf(ctx, pending) };
  }

  private permissionsOf(ctx: GrantContext, pending: PendingAuthorization, userTenant?: SeedTenant): { permissions: string[]; needsConsent: boolean } {
    const cloud = userTenant ? cloudOf(userTenant) : pending.authority.kind === 'tenant' ? cloudOf(pending.authority.tenant) : 'global';
    const scopes = parseDelegatedScopes(pending.scope, cloud, userTenant ? tenantDisplayName(userTenant) : pending.authority.segment);
    const granted = grantedPermissions(pending.app, scopes);
    return { permissions: scopes.wantsDefault ? (pending.app.delegatedScopes ?? []).filter((s) => s.resource === scopes.resource.api).map((s) => s.scope) : scopes.permissions, needsConsent: granted instanceof EntraError };
  }

  /** The pending request a sign-in form names, if it is still open. */
  pendingRequest(id: string, now: number): PendingAuthorization | undefined {
    const entry = this.pending.get(id);
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  /**
   * The person submitted the sign-in page: cancel (access_denied, 65004), or an account and its
   * password. Sign-in problems (unknown account, wrong password, an account the authority refuses,
   * a Conditional Access block) are shown on the page, as Entra does; consent is recorded on the app
   * when the person accepts, or refused with 65001 (`consent_required`) when the app does not allow
   * user consent. Success sends the browser to the redirect URI with a new code.
   */
  submit(ctx: GrantContext, pending: PendingAuthorization, form: { email: string; password: string | null; decline: boolean }): AuthorizeOutcome {
    const again = (error: string): AuthorizeOutcome => ({ kind: 'sign-in', pending, ...this.permissionsOf(ctx, pending), error, email: form.email });
    const toRedirect = (error: EntraError): AuthorizeOutcome => {
      this.pending.delete(pending.id);
      return { kind: 'redirect', location: this.errorLocation(pending.redirectUri, pending.responseMode, pending.state, error) };
    };
    if (form.decline) return toRedirect(new EntraError(400, 'access_denied', 65004, 'User declined to consent to access the app.'));
    const user = ctx.directory.user(form.email);
    if (!user) return again("We couldn't find an account with that username.");
    if (user.password !== undefined && form.password !== user.password) return again('Your account or password is incorrect.');
    const userTenant = ctx.directory.tenant(user.tenantId);
    if (!userTenant) return again(`The tenant of ${user.mail} is not in the simulated directory.`);
    const signInError = userSignInError(ctx, pending.app, user, userTenant, pending.authority, 'authorization-code');
    if (signInError) return again(`AADSTS${signInError.aadsts}: ${signInError.text}`);
    let scopes: DelegatedScopes;
    try {
      scopes = parseDelegatedScopes(pending.scope, cloudOf(userTenant), tenantDisplayName(userTenant));
    } catch (err) {
      if (err instanceof EntraError) return toRedirect(err);
      throw err;
    }
    if (grantedPermissions(pending.app, scopes) instanceof EntraError) {
      if (pending.app.userConsent === false) {
        return toRedirect(
          new EntraError(
            400,
            'consent_required',
            65001,
            `The user or administrator has not consented to use the application with ID '${pending.app.clientId}' named '${pending.app.displayName ?? pending.app.clientId}'. Send an interactive authorization request for this user and resource.`,
          ),
        );
      }
      // The person accepted the permissions listed on the page: a user consent.
      const have = new Set((pending.app.delegatedScopes ?? []).map((s) => `${s.resource}:${s.scope.toLowerCase()}`));
      const added = scopes.permissions.filter((p) => !have.has(`${scopes.resource.api}:${p.toLowerCase()}`)).map((scope) => ({ resource: scopes.resource.api as 'graph' | 'ews', scope }));
      pending.app.delegatedScopes = [...(pending.app.delegatedScopes ?? []), ...added];
    }
    this.pending.delete(pending.id);
    const code = `M.C5${randomBytes(48).toString('base64url')}`;
    this.codes.set(code, {
      clientId: pending.app.clientId,
      redirectUri: pending.redirectUri,
      scope: pending.scope,
      codeChallenge: pending.codeChallenge,
      codeChallengeMethod: pending.codeChallengeMethod,
      userMail: user.mail,
      authority: pending.authority,
      authTime: ctx.now,
      expiresAt: ctx.now + CODE_LIFETIME_SECONDS * 1000,
      redeemed: false,
    });
    const params = new URLSearchParams({ code, ...(pending.state !== undefined ? { state: pending.state } : {}), session_state: randomUUID() });
    return { kind: 'redirect', location: withParams(pending.redirectUri, params, pending.responseMode) };
  }

  /** `grant_type=authorization_code` at the token endpoint. */
  async redeem(ctx: GrantContext, authority: Authority, form: URLSearchParams, authorization: string | undefined, refreshTokens: RefreshTokens): Promise<Record<string, unknown>> {
    const clientId = readClientId(form);
    const code = form.get('code');
    if (!code) throw missingParameter('code');
    const redirectUri = form.get('redirect_uri');
    if (!redirectUri) throw missingParameter('redirect_uri');
    const app = ctx.directory.app(clientId);
    if (!app) throw appNotFound(clientId, authority.segment);
    const appidacr = await authenticateDelegatedClient(ctx, app, authority, form, authorization);
    const entry = this.codes.get(code);
    if (!entry || entry.clientId.toLowerCase() !== clientId.toLowerCase()) {
      throw new EntraError(400, 'invalid_grant', 70000, "The provided value for the 'code' parameter is not valid.");
    }
    if (entry.redeemed) {
      throw new EntraError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
    }
    if (entry.expiresAt <= ctx.now) {
      throw new EntraError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    if (entry.redirectUri !== redirectUri) {
      throw new EntraError(400, 'invalid_grant', 500112, `The reply address '${redirectUri}' does not match the reply address '${entry.redirectUri}' provided when requesting Authorization code.`);
    }
    if (entry.codeChallenge !== undefined) {
      const verifier = form.get('code_verifier') ?? '';
      const computed = entry.codeChallengeMethod === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
      if (verifier === '' || computed !== entry.codeChallenge) {
        throw new EntraError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
    }
    entry.redeemed = true;
    const user = ctx.directory.user(entry.userMail) as SeedUser | undefined;
    const userTenant = user ? ctx.directory.tenant(user.tenantId) : undefined;
    if (!user || !userTenant) {
      throw new EntraError(400, 'invalid_grant', 50034, `The user account ${entry.userMail} does not exist in the directory. To sign into this application, the account must be added to the directory.`);
    }
    const signInError = userSignInError(ctx, app, user, userTenant, entry.authority, 'authorization-code');
    if (signInError) throw signInError;
    const scopes = parseDelegatedScopes(form.get('scope') ?? entry.scope, cloudOf(userTenant), tenantDisplayName(userTenant));
    const grant = { ...delegatedGrant(app, user, userTenant, scopes, entry.authTime), appidacr, flow: 'authorization-code' as const };
    return delegatedTokenResponse(ctx, grant, scopes, form, refreshTokens);
  }

  private errorLocation(redirectUri: string, mode: PendingAuthorization['responseMode'], state: string | undefined, error: EntraError): string {
    const trace = randomUUID();
    const params = new URLSearchParams({
      error: error.error,
      error_description: `AADSTS${error.aadsts}: ${error.text}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date()
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z')}`,
      error_uri: `${this.baseUrl}/error?code=${error.aadsts}`,
      ...(state !== undefined ? { state } : {}),
    });
    return withParams(redirectUri, params, mode === 'fragment' ? 'fragment' : 'query');
  }
}

function withParams(uri: string, params: URLSearchParams, mode: 'query' | 'fragment' | 'form_post'): string {
  const url = new URL(uri);
  if (mode === 'fragment') {
    url.hash = params.toString();
    return url.href;
  }
  for (const [key, value] of params) url.searchParams.append(key, value);
  // `new URL('http://localhost:1234')` gains a "/" path: keep the redirect URI as registered.
  return /^[a-z]+:\/\/[^/?#]+$/i.test(uri) ? `${uri}?${url.searchParams.toString()}` : url.href;
}
