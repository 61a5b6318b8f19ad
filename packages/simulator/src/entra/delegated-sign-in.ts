import type { SeedApp, SeedTenant, SeedUser } from '../types.js';
import type { Authority } from './authority.js';
import { tenantDisplayName } from './authority.js';
import { authenticateClient, readClientCredential } from './client-authentication.js';
import { EntraError } from './entra-error.js';
import { appLabel, appNotFound, conditionalAccessBlocked, type GrantContext } from './grant-context.js';
import type { RefreshTokens } from './refresh-tokens.js';
import type { DelegatedScopes } from './scopes.js';
import type { DelegatedGrant } from './token-issuer.js';

/**
 * The rules of delegated (user) sign-in: which app may be used on which authority, which account
 * may sign in there, which scopes were consented — and the token answer itself.
 *
 * Account types, as Entra's "Supported account types" define them:
 * - an app registered in a personal-accounts (consumers) tenant is "personal accounts only";
 * - `allowPersonalAccounts` is "any organizational directory and personal accounts" (multi-tenant);
 * - `multiTenant` is "any organizational directory"; otherwise "this directory only".
 */

/** Whether the app accepts only personal Microsoft accounts (registered in a consumers tenant). */
export function isPersonalOnly(app: SeedApp, ctx: GrantContext): boolean {
  return ctx.directory.tenant(app.tenantId)?.consumers === true;
}

/**
 * The app for a delegated request on this authority, with Entra's app-level errors:
 * 9002331 (personal-only app outside /consumers), 9002332 (work-only app on /consumers),
 * 50194 (single-tenant app on /common or /organizations), 700016 (not in this tenant).
 */
export function publicAppForAuthority(ctx: GrantContext, clientId: string, authority: Authority): SeedApp {
  const app = ctx.directory.app(clientId);
  if (authority.kind === 'consumers') {
    if (!app) {
      throw new EntraError(
        400,
        'unauthorized_client',
        700016,
        'The client does not exist or is not enabled for consumers. If you are the application developer, configure a new application through the App Registrations in the Azure Portal at https://go.microsoft.com/fwlink/?linkid=2083908.',
      );
    }
    if (!app.allowPersonalAccounts && !isPersonalOnly(app, ctx)) {
      throw new EntraError(400, 'invalid_request', 9002332, `Application ${appLabel(app)} is configured for use by Azure Active Directory users only. Please do not use the /consumers endpoint to serve this request.`);
    }
    return app;
  }
  if (!app) throw appNotFound(clientId, authority.kind === 'tenant' ? tenantDisplayName(authority.tenant) : authority.segment);
  if (isPersonalOnly(app, ctx)) {
    throw new EntraError(400, 'invalid_request', 9002331, `Application ${appLabel(app)} is configured for use by Microsoft Account users only. Please use the /consumers endpoint to serve this request.`);
  }
  const multi = app.multiTenant === true || app.allowPersonalAccounts === true;
  if (authority.kind !== 'tenant') {
    if (!multi) {
      throw new EntraError(
        400,
        'invalid_request',
        50194,
        `Application ${appLabel(app)} is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
      );
    }
    return app;
  }
  // A multi-tenant app can sign in users of any work tenant (user consent creates its service principal).
  if (!multi && app.tenantId !== authority.tenant.id && !(app.consentedTenants ?? []).includes(authority.tenant.id)) {
    throw appNotFound(clientId, tenantDisplayName(authority.tenant));
  }
  return app;
}

/**
 * Device code and refresh grants are public-client flows: a confidential app must authenticate
 * (7000218), and a public client must not send a credential (700025).
 */
export function requirePublicClient(app: SeedApp, form: URLSearchParams, authorization: string | undefined): void {
  const credential = readClientCredential(form, authorization);
  if (!app.publicClient) {
    throw new EntraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  if (credential) {
    throw new EntraError(400, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
  }
}

/** How a delegated token is being obtained: Conditional Access may block one flow (device code) and not the others. */
export type SignInFlow = 'device-code' | 'authorization-code' | 'refresh';

/**
 * The client authentication of a delegated grant (authorization code, refresh): a confidential
 * client authenticates with its secret, certificate or federated assertion; without a credential
 * the app must be a public client (7000218).
 */
export async function authenticateDelegatedClient(ctx: GrantContext, app: SeedApp, authority: Authority, form: URLSearchParams, authorization: string | undefined): Promise<'0' | '1' | '2'> {
  const credential = readClientCredential(form, authorization);
  if (!credential) {
    if (!app.publicClient) {
      throw new EntraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    return '0';
  }
  if (app.publicClient && !(app.secrets?.length || app.certificates?.length || app.federatedCredentials?.length)) {
    throw new EntraError(400, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
  }
  const tenants = authority.kind === 'tenant' || authority.kind === 'consumers' ? [authority.tenant.id, ...authority.tenant.domains, authority.segment] : [authority.segment];
  return authenticateClient(app, credential, {
    now: ctx.now,
    federation: ctx.federation,
    audiences: [...tenants.flatMap((t) => [`${ctx.baseUrl}/${t}/oauth2/v2.0/token`, `${ctx.baseUrl}/${t}/oauth2/token`]), ...tenants.map((t) => `${ctx.baseUrl}/${t}/v2.0`)],
  });
}

/**
 * Whether this user may sign in to this app on this authority. Personal accounts on a work
 * authority (or a work-only app), and work accounts outside their tenant, are refused with 50020;
 * work accounts on /consumers with 50034, users a Conditional Access policy blocks with 53003 — what the
 * sign-in page reports, delivered to the polling client.
 */
export function userSignInError(ctx: GrantContext, app: SeedApp, user: SeedUser, userTenant: SeedTenant, authority: Authority, flow: SignInFlow): EntraError | undefined {
  const personal = userTenant.consumers === true;
  const idp = personal ? 'live.com' : `https://sts.windows.net/${userTenant.id}/`;
  const notInTenant = (tenantName: string) =>
    new EntraError(
      400,
      'invalid_grant',
      50020,
      `User account '${user.mail}' from identity provider '${idp}' does not exist in tenant '${tenantName}' and cannot access the application ${appLabel(app)} in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
    );
  if (authority.kind === 'consumers') {
    if (!personal) {
      return new EntraError(400, 'invalid_grant', 50034, `The user account ${user.mail} does not exist in the '${authority.tenant.id}' directory. To sign into this application, the account must be added to the directory.`);
    }
    return undefined;
  }
  if (authority.kind === 'tenant' && (personal || authority.tenant.id !== userTenant.id)) return notInTenant(tenantDisplayName(authority.tenant));
  if (authority.kind === 'organizations' && personal) return notInTenant('organizations');
  if (ctx.blockedByConditionalAccess(user.mail, flow)) return conditionalAccessBlocked(true);
  const homeTenant = ctx.directory.tenant(app.tenantId);
  const homeName = homeTenant ? tenantDisplayName(homeTenant) : app.tenantId;
  if (personal && !app.allowPersonalAccounts && !isPersonalOnly(app, ctx)) return notInTenant(homeName);
  if (!personal && !app.multiTenant && !app.allowPersonalAccounts && userTenant.id !== app.tenantId && !(app.consentedTenants ?? []).includes(userTenant.id)) {
    return notInTenant(homeName);
  }
  return undefined;
}

/** The permissions granted for a request, or AADSTS65001 when one was never consented. */
export function grantedPermissions(app: SeedApp, scopes: DelegatedScopes): string[] | EntraError {
  const consented = (app.delegatedScopes ?? []).filter((s) => s.resource === scopes.resource.api).map((s) => s.scope);
  const byLower = new Map(consented.map((s) => [s.toLowerCase(), s]));
  const wanted = scopes.wantsDefault ? consented : scopes.permissions;
  const missing = wanted.filter((s) => !byLower.has(s.toLowerCase()));
  if (missing.length > 0 || (scopes.wantsDefault && consented.length === 0)) {
    return new EntraError(
      400,
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName ?? app.clientId}'. Send an interactive authorization request for this user and resource.`,
      'consent_required',
    );
  }
  return [...new Set(wanted.map((s) => byLower.get(s.toLowerCase()) as string))];
}

/** Builds the grant of a delegated token, or the error Entra would answer. */
export function delegatedGrant(app: SeedApp, user: SeedUser, userTenant: SeedTenant, scopes: DelegatedScopes, authTime: number): DelegatedGrant {
  const permissions = grantedPermissions(app, scopes);
  if (permissions instanceof EntraError) throw permissions;
  const oidc = scopes.oidc.filter((s) => s !== 'offline_access');
  return { app, user, userTenant, resource: scopes.resource, scp: [...permissions, ...oidc], wantsEmail: scopes.oidc.includes('email'), authTime };
}

/**
 * The token answer of a delegated grant: access token, `scope` (as the client asked, so msal-node's
 * cache finds it again), a refresh token with `offline_access`, an id token with `openid`, and
 * `client_info` when asked (`client_info=1`, as msal-node does).
 */
export async function delegatedTokenResponse(ctx: GrantContext, grant: DelegatedGrant, scopes: DelegatedScopes, form: URLSearchParams, refreshTokens: RefreshTokens): Promise<Record<string, unknown>> {
  const access = await ctx.issuer.delegated(grant, ctx.now);
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: scopes.requested.join(' '),
    expires_in: access.expiresIn,
    ext_expires_in: access.expiresIn,
    access_token: access.accessToken,
  };
  if (scopes.oidc.includes('offline_access')) {
    body.refresh_token = refreshTokens.issue({ clientId: grant.app.clientId, userMail: grant.user.mail, authTime: grant.authTime, scope: scopes.requested.join(' '), flow: grant.flow }, ctx.now);
  }
  if (scopes.oidc.includes('openid')) body.id_token = await ctx.issuer.idToken(grant, ctx.now);
  if (form.get('client_info') === '1') body.client_info = ctx.issuer.clientInfo(grant);
  return body;
}
