import type { CloudEndpoints, TokenResource } from '../../cloud/clouds.js';
import { tokenScopes } from '../../cloud/token-scopes.js';

/**
 * The scopes a delegated (device-code) sign-in asks for. Graph: `Mail.ReadWrite`, `Mail.Send`,
 * `User.Read` (so the adapter can tell whose mailbox `/me` is) and `offline_access` (the refresh
 * token we keep); EWS: `EWS.AccessAsUser.All` on the cloud's Exchange Online resource. Each named
 * with the cloud's resource URI, as {@link tokenScopes} explains.
 */
export function delegatedScopes(endpoints: Pick<CloudEndpoints, 'graphResource' | 'ewsResource'>, resource: TokenResource): string[] {
  const scopes = tokenScopes(endpoints, resource, 'delegated');
  if (resource !== 'graph') return scopes;
  const userRead = `${endpoints.graphResource}/User.Read`;
  return scopes.some((scope) => scope.toLowerCase() === userRead.toLowerCase()) ? scopes : [...scopes.filter((s) => s !== 'offline_access'), userRead, 'offline_access'];
}
