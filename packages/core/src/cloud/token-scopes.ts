import type { CloudEndpoints, TokenResource } from './clouds.js';

/**
 * The scopes to request for an API. App-only tokens take the resource's `/.default` (the
 * application permissions an administrator granted; naming a permission is AADSTS1002012).
 * Delegated tokens name the permissions, with the cloud's resource URI: in a national cloud a
 * short name like `Mail.Send` would mean the global Graph. `offline_access` gives the refresh
 * token the device-code flow keeps.
 */
export function tokenScopes(endpoints: Pick<CloudEndpoints, 'graphResource' | 'ewsResource'>, resource: TokenResource, kind: 'app-only' | 'delegated'): string[] {
  const uri = resource === 'graph' ? endpoints.graphResource : endpoints.ewsResource;
  if (kind === 'app-only') return [`${uri}/.default`];
  if (resource === 'graph') return [`${uri}/Mail.ReadWrite`, `${uri}/Mail.Send`, 'offline_access'];
  return [`${uri}/EWS.AccessAsUser.All`, 'offline_access'];
}
