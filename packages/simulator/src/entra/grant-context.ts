import type { Directory } from '../state/directory.js';
import type { SeedApp, SeedTenant } from '../types.js';
import { tenantDisplayName } from './authority.js';
import { EntraError, missingParameter } from './entra-error.js';
import type { FederationIssuers } from './federation-issuer.js';
import { isGuid } from './stable-guid.js';
import type { TokenIssuer } from './token-issuer.js';

/** What every grant handler needs: the directory (read at request time), the clock and the minting tools. */
export interface GrantContext {
  directory: Directory;
  baseUrl: string;
  issuer: TokenIssuer;
  federation: FederationIssuers;
  /** Simulated time of this request (ms). */
  now: number;
  /**
   * Whether a Conditional Access policy blocks token issuance to this user (mail) or app (client
   * id); `flow` names the sign-in flow, for policies that block one flow only (device code).
   */
  blockedByConditionalAccess(principal: string, flow?: 'device-code' | 'authorization-code' | 'refresh'): boolean;
}

/** AADSTS53003: a Conditional Access policy blocks token issuance. */
export function conditionalAccessBlocked(delegated: boolean): EntraError {
  return new EntraError(400, 'invalid_grant', 53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.', delegated ? 'message_only' : undefined);
}

/** The `client_id` of a request: present and a GUID, as Entra requires. */
export function readClientId(form: URLSearchParams): string {
  const clientId = form.get('client_id');
  if (!clientId) throw missingParameter('client_id');
  if (!isGuid(clientId)) {
    throw new EntraError(400, 'invalid_request', 700038, `${clientId} is not a valid application identifier.`);
  }
  return clientId;
}

/** AADSTS700016: the app has no service principal in this directory. */
export function appNotFound(clientId: string, directoryName: string): EntraError {
  return new EntraError(
    400,
    'unauthorized_client',
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${directoryName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

/** Whether an app has a service principal in a tenant: its home tenant, or a tenant that consented to a multi-tenant app. */
export function appIsInTenant(app: SeedApp, tenant: SeedTenant): boolean {
  if (app.tenantId === tenant.id) return true;
  return (app.multiTenant === true || app.allowPersonalAccounts === true) && (app.consentedTenants ?? []).includes(tenant.id);
}

/** The app for a request in a specific tenant. @throws EntraError AADSTS700016 */
export function appInTenant(ctx: GrantContext, clientId: string, tenant: SeedTenant): SeedApp {
  const app = ctx.directory.app(clientId);
  if (!app || !appIsInTenant(app, tenant)) throw appNotFound(clientId, tenantDisplayName(tenant));
  return app;
}

/** How Entra names an app in its messages: `'{id}'({displayName})`. */
export function appLabel(app: SeedApp): string {
  return `'${app.clientId}'(${app.displayName ?? app.clientId})`;
}
