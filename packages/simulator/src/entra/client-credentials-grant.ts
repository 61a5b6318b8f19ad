import type { Authority } from './authority.js';
import { tenantDisplayName } from './authority.js';
import { authenticateClient, readClientCredential } from './client-authentication.js';
import { EntraError } from './entra-error.js';
import { appInTenant, appLabel, appNotFound, conditionalAccessBlocked, type GrantContext, readClientId } from './grant-context.js';
import { cloudOf } from './resources.js';
import { parseAppOnlyScope } from './scopes.js';

/**
 * `grant_type=client_credentials`: an app-only token for `{resource}/.default`, authenticated by a
 * secret, a certificate assertion or a federated assertion. Needs a specific tenant: on
 * `common`/`organizations` Entra answers 50194 (single-tenant app) or 50059 (multi-tenant app: no
 * tenant to issue for), on `consumers` 9001023.
 */
export async function clientCredentialsGrant(ctx: GrantContext, authority: Authority, form: URLSearchParams, authorization: string | undefined): Promise<Record<string, unknown>> {
  const clientId = readClientId(form);
  if (authority.kind === 'consumers') {
    throw new EntraError(400, 'invalid_request', 9001023, "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.");
  }
  if (authority.kind !== 'tenant') {
    const app = ctx.directory.app(clientId);
    if (!app) throw appNotFound(clientId, authority.segment);
    if (app.multiTenant || app.allowPersonalAccounts) {
      throw new EntraError(400, 'invalid_request', 50059, 'No tenant-identifying information found in either the request or implied by any provided credentials.');
    }
    throw new EntraError(
      400,
      'invalid_request',
      50194,
      `Application ${appLabel(app)} is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
    );
  }
  const tenant = authority.tenant;
  const app = appInTenant(ctx, clientId, tenant);
  const credential = readClientCredential(form, authorization);
  if (!credential) {
    throw new EntraError(401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
  }
  const audienceTenants = [tenant.id, ...tenant.domains, authority.segment];
  const appidacr = await authenticateClient(app, credential, {
    now: ctx.now,
    federation: ctx.federation,
    audiences: [...audienceTenants.flatMap((t) => [`${ctx.baseUrl}/${t}/oauth2/v2.0/token`, `${ctx.baseUrl}/${t}/oauth2/token`]), `${ctx.baseUrl}/${tenant.id}/v2.0`],
  });
  if (ctx.blockedByConditionalAccess(app.clientId)) throw conditionalAccessBlocked(false);
  const resource = parseAppOnlyScope(form.get('scope'), cloudOf(tenant), tenantDisplayName(tenant));
  const token = await ctx.issuer.appOnly(app, tenant, resource, appidacr, ctx.now);
  return {
    token_type: 'Bearer',
    expires_in: token.expiresIn,
    ext_expires_in: token.expiresIn,
    access_token: token.accessToken,
  };
}
