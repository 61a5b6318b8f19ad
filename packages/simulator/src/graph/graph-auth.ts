import { CLOUDS } from '@mailbridge/core';
import type { SimAccessTokenClaims, TokenVerifier } from '../entra/token-verifier.js';
import type { SimRequest } from '../server/http-types.js';
import type { Mailbox } from '../state/mailbox.js';
import type { SimState } from '../state/sim-state.js';
import type { SeedUser } from '../types.js';
import { GraphError } from './graph-error.js';

/** Graph's first-party app id: a token may name Graph by it instead of its URI. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** What an operation needs from the token. */
export type MailAccess = 'read' | 'write' | 'send';

/** Who is calling (from a verified token). */
export interface GraphCaller {
  claims: SimAccessTokenClaims;
  clientId: string;
  /** App-only (roles) or delegated (scp). */
  appOnly: boolean;
}

/** The mailbox a request acts on. */
export interface MailboxTarget {
  user: SeedUser;
  mailbox: Mailbox;
  /** Path prefix as the client wrote it (`me` or `users/{id}`), for @odata.context and links. */
  prefix: string;
}

const WWW_AUTHENTICATE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`;

function invalidToken(message: string): GraphError {
  return new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': WWW_AUTHENTICATE });
}

/**
 * Validates the bearer token as Graph does: signature and lifetime (the Entra module's verifier),
 * then the audience, which must be the Graph resource of the token's tenant's cloud.
 */
export function authenticate(request: SimRequest, tokens: TokenVerifier, state: SimState): GraphCaller {
  const header = request.headers.authorization;
  if (!header) throw invalidToken('Access token is empty.');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw invalidToken('Access token is empty.');
  const result = tokens.verify(match[1]!);
  if (!result.ok) {
    switch (result.error) {
      case 'expired':
        throw invalidToken('Lifetime validation failed, the token is expired.');
      case 'not-yet-valid':
        throw invalidToken('Lifetime validation failed, the token is not yet valid.');
      case 'bad-signature':
        throw invalidToken('Access token validation failure. Invalid signature.');
      default:
        throw invalidToken('IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.');
    }
  }
  const claims = result.claims;
  const tenant = state.tenant(claims.tid);
  const resource = CLOUDS[tenant?.cloud ?? 'global'].graphResource;
  const aud = claims.aud.replace(/\/$/, '');
  if (aud !== resource && aud !== GRAPH_APP_ID) throw invalidToken('Access token validation failure. Invalid audience.');
  const clientId = claims.appid ?? claims.azp ?? '';
  return { claims, clientId, appOnly: claims.scp === undefined && Array.isArray(claims.roles) };
}

/** Resolves `/me` or `/users/{id|upn}` to a mailbox, with Graph's errors for each way it can fail. */
export function resolveMailbox(caller: GraphCaller, state: SimState, segment: 'me' | { user: string }): MailboxTarget {
  let user: SeedUser | undefined;
  let prefix: string;
  if (segment === 'me') {
    if (caller.appOnly) throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    user = (caller.claims.oid && state.user(caller.claims.oid)) || (caller.claims.upn && state.user(caller.claims.upn)) || undefined;
    if (!user) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${caller.claims.upn ?? caller.claims.oid ?? ''}' is invalid.`);
    prefix = 'me';
  } else {
    user = state.user(segment.user);
    // Graph resolves users in the token's tenant only.
    if (!user || user.tenantId.toLowerCase() !== caller.claims.tid.toLowerCase()) {
      throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${segment.user}' is invalid.`);
    }
    prefix = `users/${segment.user}`;
  }
  if (user.mailboxEnabled === false) {
    throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  }
  const mailbox = state.mailbox(user.mail);
  if (!mailbox) throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  return { user, mailbox, prefix };
}

const ACCESS_DENIED = 'Access is denied. Check credentials and try again.';

function grants(values: readonly string[], access: MailAccess): boolean {
  switch (access) {
    case 'send':
      return values.includes('Mail.Send') || values.includes('Mail.Send.Shared');
    case 'write':
      return values.includes('Mail.ReadWrite') || values.includes('Mail.ReadWrite.Shared');
    case 'read':
      return values.some((value) => value === 'Mail.Read' || value === 'Mail.ReadWrite' || value === 'Mail.Read.Shared' || value === 'Mail.ReadWrite.Shared');
  }
}

/**
 * Checks the permission an operation needs and the app's mailbox scope: roles for app-only tokens,
 * scopes for delegated ones (which act only on the signed-in user's own mailbox, unless a
 * `.Shared` scope is held), and RBAC for Applications / application access policies.
 */
export function authorize(caller: GraphCaller, target: MailboxTarget, access: MailAccess, state: SimState): void {
  if (caller.appOnly) {
    if (!grants(caller.claims.roles ?? [], access)) throw new GraphError(403, 'ErrorAccessDenied', ACCESS_DENIED);
    const scope = state.app(caller.clientId)?.mailboxScope;
    if (scope && !scope.some((address) => address.toLowerCase() === target.mailbox.address)) {
      throw new GraphError(403, 'ErrorAccessDenied', 'Access to OData is disabled.');
    }
    return;
  }
  const scopes = (caller.claims.scp ?? '').split(' ').filter(Boolean);
  if (!grants(scopes, access)) throw new GraphError(403, 'ErrorAccessDenied', ACCESS_DENIED);
  const own = target.user.id === caller.claims.oid?.toLowerCase() || target.user.mail.toLowerCase() === (caller.claims.upn ?? caller.claims.preferred_username ?? '').toString().toLowerCase();
  if (!own && !scopes.some((scope) => scope.endsWith('.Shared'))) throw new GraphError(403, 'ErrorAccessDenied', ACCESS_DENIED);
}
