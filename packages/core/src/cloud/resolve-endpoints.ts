import { CLOUDS, type CloudEndpoints, type CloudName } from './clouds.js';

/** What {@link resolveEndpoints} reads from a config. */
export interface EndpointsConfig {
  cloud?: CloudName;
  endpoints?: { authorityHost?: string; graph?: string; ews?: string };
}

// Callers join paths onto these ("/tenant", "/v1.0/..."): a trailing slash would double up.
const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * The endpoints to use: the cloud's (default `global`), with `endpoints` overrides. Overrides change
 * where mailbridge connects, not which audience it asks a token for: `graphResource` and
 * `ewsResource` stay the cloud's, so a token requested through a proxy, a private link or the
 * simulator is the same token Microsoft would issue.
 */
export function resolveEndpoints(config: EndpointsConfig): CloudEndpoints {
  const cloud = CLOUDS[config.cloud ?? 'global'];
  const overrides = config.endpoints ?? {};
  return {
    authorityHost: trimSlash(overrides.authorityHost ?? cloud.authorityHost),
    graph: trimSlash(overrides.graph ?? cloud.graph),
    ews: overrides.ews ?? cloud.ews,
    graphResource: cloud.graphResource,
    ewsResource: cloud.ewsResource,
  };
}
