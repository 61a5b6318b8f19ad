import { CLOUDS, type CloudName } from '@mailbridge/core';
import type { Authority } from './authority.js';
import { EntraError } from './entra-error.js';
import { cloudOf } from './resources.js';

/** Names Entra publishes per cloud in its discovery documents. */
const CLOUD_INSTANCE: Record<CloudName, { instance: string; aadGraph: string; rbac: string }> = {
  global: { instance: 'microsoftonline.com', aadGraph: 'graph.windows.net', rbac: 'https://pas.windows.net' },
  usgov: { instance: 'microsoftonline.us', aadGraph: 'graph.windows.net', rbac: 'https://pasff.usgovcloudapi.net' },
  'usgov-dod': { instance: 'microsoftonline.us', aadGraph: 'graph.windows.net', rbac: 'https://pasff.usgovcloudapi.net' },
  china: { instance: 'partner.microsoftonline.cn', aadGraph: 'graph.chinacloudapi.cn', rbac: 'https://pas.chinacloudapi.cn' },
};

/** The tenant id an authority's discovery documents name: the tenant's GUID, or `{tenantid}` for `common`/`organizations`. */
function discoveryIds(authority: Authority): { pathTenant: string; issuerTenant: string; cloud: CloudName; regionScope: string | null } {
  switch (authority.kind) {
    case 'tenant':
      return { pathTenant: authority.tenant.id, issuerTenant: authority.tenant.id, cloud: cloudOf(authority.tenant), regionScope: 'NA' };
    case 'consumers':
      // Microsoft keeps the `consumers` path in the endpoints but names the MSA tenant in the issuer.
      return { pathTenant: authority.segment, issuerTenant: authority.tenant.id, cloud: 'global', regionScope: null };
    default:
      return { pathTenant: authority.segment, issuerTenant: '{tenantid}', cloud: 'global', regionScope: null };
  }
}

/**
 * The v2 OpenID Connect discovery document (`/{tenant}/v2.0/.well-known/openid-configuration`),
 * with the fields and values Entra publishes. A tenant named by domain is answered with GUID-based
 * endpoints, as Entra does.
 */
export function openIdConfigurationV2(baseUrl: string, authority: Authority): Record<string, unknown> {
  const { pathTenant, issuerTenant, cloud, regionScope } = discoveryIds(authority);
  const root = `${baseUrl}/${pathTenant}`;
  return {
    token_endpoint: `${root}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${root}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${baseUrl}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${CLOUDS[cloud].graph}/oidc/userinfo`,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    ...cloudFields(root, cloud, regionScope),
  };
}

/** The v1 discovery document (`/{tenant}/.well-known/openid-configuration`): v1 endpoints, `sts.windows.net`-style issuer. */
export function openIdConfigurationV1(baseUrl: string, authority: Authority, v1Issuer: string): Record<string, unknown> {
  const { pathTenant, cloud, regionScope } = discoveryIds(authority);
  const root = `${baseUrl}/${pathTenant}`;
  return {
    token_endpoint: `${root}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${baseUrl}/common/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    scopes_supported: ['openid'],
    issuer: v1Issuer,
    microsoft_multi_refresh_token: true,
    authorization_endpoint: `${root}/oauth2/authorize`,
    device_authorization_endpoint: `${root}/oauth2/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${root}/oauth2/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'amr', 'nonce', 'email', 'given_name', 'family_name', 'nickname'],
    check_session_iframe: `${root}/oauth2/checksession`,
    userinfo_endpoint: `${root}/openid/userinfo`,
    ...cloudFields(root, cloud, regionScope),
  };
}

/**
 * Instance discovery (`/common/discovery/instance?api-version=1.1&authorization_endpoint=…`): the
 * simulator's host is the only known instance, its own preferred network and cache alias.
 */
export function instanceDiscovery(baseUrl: string, query: URLSearchParams): Record<string, unknown> {
  const endpoint = query.get('authorization_endpoint');
  if (!endpoint) throw new EntraError(400, 'invalid_request', 90014, "The required field 'authorization_endpoint' is missing.");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EntraError(400, 'invalid_instance', 50049, 'Unknown or invalid instance.');
  }
  const host = new URL(baseUrl).host;
  if (url.protocol !== 'https:' || url.host.toLowerCase() !== host.toLowerCase()) {
    throw new EntraError(400, 'invalid_instance', 50049, 'Unknown or invalid instance.');
  }
  const tenant = url.pathname.split('/').filter(Boolean)[0] ?? 'common';
  return {
    tenant_discovery_endpoint: `${baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': query.get('api-version') ?? '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

/** The fields both discovery documents end with: the tenant's cloud instance and hosts. */
function cloudFields(root: string, cloud: CloudName, regionScope: unknown): Record<string, unknown> {
  const names = CLOUD_INSTANCE[cloud];
  return {
    kerberos_endpoint: `${root}/kerberos`,
    tenant_region_scope: regionScope,
    cloud_instance_name: names.instance,
    cloud_graph_host_name: names.aadGraph,
    msgraph_host: new URL(CLOUDS[cloud].graph).host,
    rbac_url: names.rbac,
  };
}
