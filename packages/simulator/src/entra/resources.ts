import { CLOUDS, type CloudName } from '@mailbridge/core';

/** Well-known application ids of the first-party resources (scopes may name them instead of the URI). */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';

/** A resource (API) a token can be issued for. */
export interface ResourceMatch {
  /** Which API of the simulator. */
  api: 'graph' | 'ews';
  /** The resource URI of the tenant's cloud: the token's `aud`. */
  uri: string;
}

/** The cloud a tenant lives in (default global). */
export function cloudOf(tenant: { cloud?: CloudName }): CloudName {
  return tenant.cloud ?? 'global';
}

function normalise(uri: string): string {
  return uri.toLowerCase().replace(/\/+$/, '');
}

/**
 * Finds the resource a scope prefix names, for a tenant of the given cloud. A resource of
 * another national cloud (or an unknown one) is not a service principal of this tenant: `undefined`,
 * which the caller turns into AADSTS500011.
 */
export function matchResource(resource: string, cloud: CloudName): ResourceMatch | undefined {
  const endpoints = CLOUDS[cloud];
  const wanted = normalise(resource);
  if (wanted === normalise(endpoints.graphResource) || wanted === GRAPH_APP_ID) return { api: 'graph', uri: endpoints.graphResource };
  if (wanted === normalise(endpoints.ewsResource) || wanted === EXCHANGE_APP_ID) return { api: 'ews', uri: endpoints.ewsResource };
  return undefined;
}

/** The v1 token issuer of a cloud (Graph and Exchange accept v1 tokens, as Entra issues them). */
export function v1Issuer(cloud: CloudName, tenantId: string): string {
  switch (cloud) {
    case 'usgov':
    case 'usgov-dod':
      return `https://login.microsoftonline.us/${tenantId}/`;
    case 'china':
      return `https://sts.chinacloudapi.cn/${tenantId}/`;
    default:
      return `https://sts.windows.net/${tenantId}/`;
  }
}
