import type { Authority } from './authority.js';
import { tenantDisplayName } from './authority.js';
import { authenticateDelegatedClient, delegatedGrant, delegatedTokenResponse, publicAppForAuthority, userSignInError } from './delegated-sign-in.js';
import { EntraError, missingParameter } from './entra-error.js';
import { type GrantContext, readClientId } from './grant-context.js';
import type { RefreshTokens } from './refresh-tokens.js';
import { cloudOf } from './resources.js';
import { parseDelegatedScopes } from './scopes.js';

/**
 * `grant_type=refresh_token`: new tokens for any resource the user consented to (Entra refresh
 * tokens are multi-resource), with a new refresh token. Revoked sessions (50173) and tokens unused
 * for 90 days (700082) answer `invalid_grant`, so clients know the user must sign in again.
 */
export async function refreshTokenGrant(ctx: GrantContext, authority: Authority, form: URLSearchParams, authorization: string | undefined, refreshTokens: RefreshTokens): Promise<Record<string, unknown>> {
  const clientId = readClientId(form);
  const token = form.get('refresh_token');
  if (!token) throw missingParameter('refresh_token');
  const app = publicAppForAuthority(ctx, clientId, authority);
  const appidacr = await authenticateDelegatedClient(ctx, app, authority, form, authorization);
  const session = refreshTokens.redeem(token, clientId, ctx.now);
  const user = ctx.directory.user(session.userMail);
  const userTenant = user ? ctx.directory.tenant(user.tenantId) : undefined;
  if (!user || !userTenant) {
    throw new EntraError(400, 'invalid_grant', 50034, `The user account ${session.userMail} does not exist in the directory. To sign into this application, the account must be added to the directory.`);
  }
  // A session that began with a device code stays one for Conditional Access (protocol tracking).
  const signInError = userSignInError(ctx, app, user, userTenant, authority, session.flow === 'device-code' ? 'device-code' : 'refresh');
  if (signInError) throw signInError;
  const requested = form.get('scope') ?? session.scope;
  const scopes = parseDelegatedScopes(requested, cloudOf(userTenant), tenantDisplayName(userTenant));
  const grant = { ...delegatedGrant(app, user, userTenant, scopes, session.authTime), appidacr, ...(session.flow ? { flow: session.flow } : {}) };
  // A refresh always answers with a new refresh token, even if the client did not repeat offline_access.
  const withRefresh = scopes.oidc.includes('offline_access') ? scopes : { ...scopes, oidc: [...scopes.oidc, 'offline_access'] };
  return delegatedTokenResponse(ctx, grant, { ...withRefresh, requested: scopes.requested }, form, refreshTokens);
}
