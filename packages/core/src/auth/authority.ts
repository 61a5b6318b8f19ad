import { CLOUDS, type CloudName } from '../cloud/clouds.js';

/** Where tokens come from: the authority URL and what msal-node needs to use it without discovery. */
export interface AuthorityInfo {
  /** Authority host without trailing slash, e.g. `https://login.microsoftonline.com`. */
  host: string;
  /** `{host}/{tenant}`. */
  authority: string;
  /** `{authority}/oauth2/v2.0/token`. */
  tokenEndpoint: string;
  /** For msal-node `auth.knownAuthorities`: host (and port) only. */
  knownAuthorities: string[];
  /** For msal-node `auth.cloudDiscoveryMetadata` (JSON string). */
  cloudDiscoveryMetadata: string;
  /** For msal-node `auth.authorityMetadata` (JSON string). */
  authorityMetadata: string;
}

/**
 * Builds the authority for a tenant. Entra ID's endpoints follow one template in every national
 * cloud (and in the simulator), so we hand msal-node the metadata it would otherwise fetch: a token
 * request then costs exactly one HTTP request, and no request ever goes to Microsoft's instance
 * discovery endpoint (which a custom host such as the simulator or a sovereign override would not
 * pass, and which a locked-down network may not reach).
 */
export function resolveAuthority(options: { cloud?: CloudName | undefined; authorityHost?: string | undefined; tenant: string }): AuthorityInfo {
  const cloud = CLOUDS[options.cloud ?? 'global'];
  const host = (options.authorityHost ?? cloud.authorityHost).replace(/\/+$/, '');
  const tenant = encodeURIComponent(options.tenant);
  const authority = `${host}/${tenant}`;
  const hostAndPort = new URL(host).host;
  const tokenEndpoint = `${authority}/oauth2/v2.0/token`;
  return {
    host,
    authority,
    tokenEndpoint,
    knownAuthorities: [hostAndPort],
    cloudDiscoveryMetadata: JSON.stringify({
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: hostAndPort, preferred_cache: hostAndPort, aliases: [hostAndPort] }],
    }),
    authorityMetadata: JSON.stringify({
      token_endpoint: tokenEndpoint,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      issuer: `${host}/${tenant}/v2.0`,
      jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
    }),
  };
}
