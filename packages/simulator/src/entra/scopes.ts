import type { CloudName } from '@mailbridge/core';
import { EntraError, missingParameter } from './entra-error.js';
import { matchResource, type ResourceMatch } from './resources.js';

/** Graph's well-known app id: short scope names (`Mail.Send`) mean Microsoft Graph of the tenant's cloud. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** The OpenID Connect scopes: they shape the id token and refresh token, not the access token's resource. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

function resourceNotFound(resource: string, tenantName: string): EntraError {
  return new EntraError(
    400,
    'invalid_resource',
    500011,
    `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  );
}

function splitScopes(scope: string | null): string[] {
  if (scope === null || scope.trim() === '') throw missingParameter('scope');
  return scope.split(/\s+/).filter((s) => s.length > 0);
}

/**
 * The resource of a client-credentials request: exactly `{resource}/.default`
 * (AADSTS1002012 otherwise, as Entra answers for `Mail.Send` or `https://graph.microsoft.com/Mail.Send`).
 */
export function parseAppOnlyScope(scope: string | null, cloud: CloudName, tenantName: string): ResourceMatch {
  const scopes = splitScopes(scope);
  for (const s of scopes) {
    if (!s.toLowerCase().endsWith('/.default')) {
      throw new EntraError(400, 'invalid_scope', 1002012, `The provided value for scope ${s} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
  }
  if (scopes.length > 1) {
    throw new EntraError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scopes.join(' ')} is not valid.`);
  }
  const resource = (scopes[0] as string).slice(0, -'/.default'.length);
  const match = matchResource(resource, cloud);
  if (!match) throw resourceNotFound(resource, tenantName);
  return match;
}

/** A delegated request's scopes, split into the one resource and the OpenID Connect scopes. */
export interface DelegatedScopes {
  resource: ResourceMatch;
  /** Permission names on the resource, as granted (`Mail.Send`, `EWS.AccessAsUser.All`); `.default` expands later. */
  permissions: string[];
  /** Whether `{resource}/.default` was asked: every consented permission of the resource. */
  wantsDefault: boolean;
  oidc: string[];
  /** The scopes as the client wrote them (echoed in `scope` so msal-node's cache finds them again). */
  requested: string[];
}

/**
 * Parses a delegated request's scopes: short names (`Mail.Send`) mean Microsoft Graph, full ones
 * name their resource; one resource per request (AADSTS28000), as Entra requires.
 */
export function parseDelegatedScopes(scope: string | null, cloud: CloudName, tenantName: string): DelegatedScopes {
  const requested = splitScopes(scope);
  const oidc: string[] = [];
  const permissions: string[] = [];
  let resource: ResourceMatch | undefined;
  let wantsDefault = false;
  for (const s of requested) {
    if (OIDC_SCOPES.has(s.toLowerCase())) {
      oidc.push(s.toLowerCase());
      continue;
    }
    const slash = s.lastIndexOf('/');
    const resourcePart = slash > 0 ? s.slice(0, slash) : GRAPH_APP_ID;
    const name = slash > 0 ? s.slice(slash + 1) : s;
    const match = matchResource(resourcePart, cloud);
    if (!match) throw resourceNotFound(resourcePart, tenantName);
    if (resource && resource.api !== match.api) {
      throw new EntraError(400, 'invalid_scope', 28000, `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${requested.join(' ')} is not valid.`);
    }
    resource = match;
    if (name.toLowerCase() === '.default') wantsDefault = true;
    else permissions.push(name);
  }
  // Only OpenID scopes: Entra issues the access token for Microsoft Graph.
  resource ??= matchResource(GRAPH_APP_ID, cloud) as ResourceMatch;
  return { resource, permissions, wantsDefault, oidc, requested };
}
