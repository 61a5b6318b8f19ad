import { timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { CLOUDS } from '@mailbridge/core';
import type { SimAccessTokenClaims, TokenVerifier } from '../../entra/token-verifier.js';
import type { SimRequest, SimResponse } from '../../server/http-types.js';
import type { Directory } from '../../state/directory.js';
import type { SimState } from '../../state/sim-state.js';
import type { SeedApp, SeedUser } from '../../types.js';
import { type EwsError, ewsError } from '../ews-error.js';
import { createChallenge, ntlmMessageType, parseAuthenticate, verifyNtlmV2 } from './ntlm-server.js';

/**
 * A user as EWS sees it. `ewsRoles` is how a seed grants Exchange management roles: an on-premises
 * service account gets `"ewsRoles": ["ApplicationImpersonation"]` (what
 * `New-ManagementRoleAssignment -Role ApplicationImpersonation -User svc` does) and may then send
 * ExchangeImpersonation headers for mailboxes of its tenant.
 */
export type EwsSeedUser = SeedUser & { ewsRoles?: Array<'ApplicationImpersonation'> };

/** Who is calling, once authenticated. */
export interface EwsPrincipal {
  /** `app`: an app-only token (roles); `user`: a delegated token, Basic or NTLM. */
  kind: 'app' | 'user';
  tenantId: string;
  clientId?: string;
  app?: SeedApp;
  user?: EwsSeedUser;
  /** May send ExchangeImpersonation: an app with full_access_as_app, or a user with ApplicationImpersonation. */
  mayImpersonate: boolean;
  /** How the caller authenticated, for the log. */
  scheme: 'bearer' | 'basic' | 'ntlm';
}

/** Authenticated; or refused at the HTTP level (`response`: 401/403), or with a SOAP fault (`error`). */
export type AuthOutcome = { ok: true; principal: EwsPrincipal } | { ok: false; response: SimResponse; clientId?: string } | { ok: false; error: EwsError; clientId?: string };

/** The well-known app id of Office 365 Exchange Online, accepted as an EWS token audience in every cloud. */
const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';

/** Bearer challenge as Exchange Online sends it on a 401. */
function bearerChallenge(authorityHost: string): string {
  return (
    `Bearer client_id="${EXCHANGE_APP_ID}", trusted_issuers="00000001-0000-0000-c000-000000000000@*", ` +
    `token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="${authorityHost}/common/oauth2/authorize", error="invalid_token"`
  );
}

function unauthorized(diagnostics: string, mode: 'online' | 'onprem', authorityHost: string): SimResponse {
  return {
    status: 401,
    headers: {
      'www-authenticate': mode === 'online' ? bearerChallenge(authorityHost) : `NTLM, Negotiate, Basic realm="exsim01.mailbridge.local", ${bearerChallenge(authorityHost)}`,
      'x-ms-diagnostics': diagnostics,
      'content-length': '0',
    },
    body: '',
  };
}

/** Per-connection NTLM state: the challenge sent, then the user the connection is authenticated as. */
interface NtlmConnection {
  challenge?: Buffer;
  user?: EwsSeedUser;
}

/**
 * Authenticates EWS requests. Exchange Online: OAuth bearer tokens only. On-premises: Basic and NTLM
 * against the users' passwords (NTLM authenticates the keep-alive connection, as IIS does), plus
 * bearer tokens (hybrid modern authentication).
 */
export class EwsAuthenticator {
  private readonly ntlmConnections = new WeakMap<Socket, NtlmConnection>();

  constructor(
    private readonly directory: Directory,
    private readonly state: SimState,
    private readonly tokens: TokenVerifier,
    private readonly mode: 'online' | 'onprem',
  ) {}

  authenticate(request: SimRequest): AuthOutcome {
    const authorityHost = `${request.url.protocol}//${request.url.host}`;
    const header = request.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = (space > 0 ? header.slice(0, space) : header).toLowerCase();
    const credentials = space > 0 ? header.slice(space + 1).trim() : '';

    if (scheme === 'bearer') return this.bearer(credentials, authorityHost);
    if (this.mode === 'onprem') {
      if (scheme === 'basic') return this.basic(credentials, authorityHost);
      if (scheme === 'ntlm' || scheme === 'negotiate') return this.ntlm(request, credentials, scheme, authorityHost);
      const connection = this.ntlmConnections.get(request.raw.socket);
      if (!header && connection?.user) return { ok: true, principal: this.userPrincipal(connection.user, 'ntlm') };
      return { ok: false, response: unauthorized('2000000;reason="No credentials were sent.";error_category="invalid_user"', this.mode, authorityHost) };
    }
    // Exchange Online turned Basic authentication off for EWS (2022); only OAuth is accepted.
    const reason = scheme === 'basic' ? 'Basic authentication is disabled for Exchange Web Services.' : 'The request did not include a bearer token.';
    return { ok: false, response: unauthorized(`2000000;reason="${reason}";error_category="invalid_user"`, this.mode, authorityHost) };
  }

  private userPrincipal(user: EwsSeedUser, scheme: 'basic' | 'ntlm'): EwsPrincipal {
    return {
      kind: 'user',
      tenantId: user.tenantId.toLowerCase(),
      user,
      mayImpersonate: user.ewsRoles?.includes('ApplicationImpersonation') ?? false,
      scheme,
    };
  }

  private bearer(token: string, authorityHost: string): AuthOutcome {
    const verified = this.tokens.verify(token);
    if (!verified.ok) {
      const reasons: Record<typeof verified.error, string> = {
        malformed: '2000001;reason="The token is malformed.";error_category="invalid_token"',
        'bad-signature': '2000001;reason="The token signature is invalid.";error_category="invalid_token"',
        expired: '2000007;reason="The token has expired.";error_category="invalid_token"',
        'not-yet-valid': '2000006;reason="The token is not yet valid.";error_category="invalid_token"',
      };
      return { ok: false, response: unauthorized(reasons[verified.error], this.mode, authorityHost) };
    }
    const claims = verified.claims;
    const clientId = (claims.appid ?? claims.azp)?.toLowerCase();
    const fail = (response: SimResponse): AuthOutcome => ({ ok: false, response, ...(clientId ? { clientId } : {}) });
    const fault = (error: EwsError): AuthOutcome => ({ ok: false, error, ...(clientId ? { clientId } : {}) });

    const tenant = this.directory.tenant(claims.tid);
    const cloud = CLOUDS[tenant?.cloud ?? 'global'];
    const audiences = [cloud.ewsResource, `${cloud.ewsResource}/`, EXCHANGE_APP_ID];
    if (!audiences.includes(claims.aud)) {
      return fail(unauthorized(`2000003;reason="The audience claim value is invalid '${claims.aud}'.";error_category="invalid_resource"`, this.mode, authorityHost));
    }
    if (this.mode === 'online' && tenant?.ews) {
      const policyBlocked = tenant.ews.enabled === false;
      const notAllowed = tenant.ews.allowedAppIds !== undefined && !tenant.ews.allowedAppIds.some((id) => id.toLowerCase() === clientId);
      if (policyBlocked || notAllowed) return fail(forbidden(policyBlocked));
    }
    const roles = claims.roles ?? [];
    const scopes = (claims.scp ?? '').split(' ').filter(Boolean);
    if (roles.length === 0 && scopes.length === 0) {
      return fail(unauthorized('2000008;reason="The token contains no permissions, or permissions can not be understood.";error_category="invalid_grant"', this.mode, authorityHost));
    }
    const app = clientId ? this.directory.app(clientId) : undefined;
    if (scopes.length === 0) {
      if (!roles.includes('full_access_as_app')) return fault(ewsError('ErrorAccessDenied', 'fault'));
      return { ok: true, principal: { kind: 'app', tenantId: claims.tid.toLowerCase(), ...(clientId ? { clientId } : {}), ...(app ? { app } : {}), mayImpersonate: true, scheme: 'bearer' } };
    }
    if (!scopes.includes('EWS.AccessAsUser.All') && !scopes.includes('full_access_as_user')) return fault(ewsError('ErrorAccessDenied', 'fault'));
    const user = userOfToken(this.state, claims);
    if (!user) return fault(ewsError('ErrorNonExistentMailbox', 'fault'));
    return {
      ok: true,
      principal: {
        kind: 'user',
        tenantId: claims.tid.toLowerCase(),
        ...(clientId ? { clientId } : {}),
        ...(app ? { app } : {}),
        user,
        mayImpersonate: user.ewsRoles?.includes('ApplicationImpersonation') ?? false,
        scheme: 'bearer',
      },
    };
  }

  private basic(credentials: string, authorityHost: string): AuthOutcome {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon > 0 ? this.findUser(decoded.slice(0, colon), '') : undefined;
    if (!user || !passwordMatches(user, decoded.slice(colon + 1))) {
      return { ok: false, response: unauthorized('2000000;reason="The user name or password is incorrect.";error_category="invalid_user"', this.mode, authorityHost) };
    }
    return { ok: true, principal: this.userPrincipal(user, 'basic') };
  }

  private ntlm(request: SimRequest, credentials: string, scheme: string, authorityHost: string): AuthOutcome {
    const token = Buffer.from(credentials, 'base64');
    const type = ntlmMessageType(token);
    const socket = request.raw.socket;
    const echo = scheme === 'negotiate' ? 'Negotiate' : 'NTLM';
    if (type === 1) {
      const { message, challenge } = createChallenge();
      this.ntlmConnections.set(socket, { challenge });
      return { ok: false, response: { status: 401, headers: { 'www-authenticate': `${echo} ${message.toString('base64')}`, 'content-length': '0' }, body: '' } };
    }
    const connection = this.ntlmConnections.get(socket);
    if (type === 3 && connection?.challenge) {
      try {
        const auth = parseAuthenticate(token);
        const user = this.findUser(auth.user, auth.domain);
        if (user?.password !== undefined && user.mailboxEnabled !== false && verifyNtlmV2(auth, user.password, connection.challenge)) {
          // The connection is now authenticated: later requests on it need no Authorization header.
          this.ntlmConnections.set(socket, { user });
          return { ok: true, principal: this.userPrincipal(user, 'ntlm') };
        }
      } catch {
        // A malformed AUTHENTICATE message fails like a wrong password.
      }
    }
    this.ntlmConnections.delete(socket);
    return { ok: false, response: unauthorized('2000000;reason="NTLM authentication failed.";error_category="invalid_user"', this.mode, authorityHost) };
  }

  /** A user by UPN/SMTP address, `DOMAIN\user`, or a bare account name (the local part of the address). */
  private findUser(name: string, _domain: string): EwsSeedUser | undefined {
    const account = name.includes('\\') ? name.slice(name.indexOf('\\') + 1) : name;
    const direct = this.state.user(account);
    if (direct) return direct;
    const local = account.toLowerCase();
    return this.state.users().find((user) => user.mail.toLowerCase().split('@')[0] === local);
  }
}

function passwordMatches(user: SeedUser, password: string): boolean {
  if (user.password === undefined || user.mailboxEnabled === false) return false;
  const expected = Buffer.from(user.password, 'utf8');
  const given = Buffer.from(password, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function userOfToken(state: SimState, claims: SimAccessTokenClaims): EwsSeedUser | undefined {
  for (const key of [claims.upn, claims.preferred_username, claims.oid]) {
    if (typeof key === 'string' && key) {
      // Personal accounts' v1 tokens carry `live.com#user@domain` in upn.
      const user = state.user(key.replace(/^live\.com#/, ''));
      if (user) return user;
    }
  }
  return undefined;
}

/**
 * 403 for EWS blocked by organization policy (Set-OrganizationConfig -EwsEnabled $false, or an
 * -EwsAllowedAppIDs list without this app). Exchange Online answers these before any SOAP
 * processing, with an empty body and the reason in x-ms-diagnostics.
 */
function forbidden(disabled: boolean): SimResponse {
  const reason = disabled ? 'EWS is disabled for this organization (EwsEnabled is False).' : "This application is not in the organization's EWS allow list (EwsAllowedAppIDs).";
  return { status: 403, headers: { 'x-ms-diagnostics': `2000010;reason="${reason}";error_category="invalid_grant"`, 'content-length': '0' }, body: '' };
}
