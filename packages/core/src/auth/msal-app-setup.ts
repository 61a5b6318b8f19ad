import type { AuthenticationResult, Configuration } from '@azure/msal-node';
import type { CloudName } from '../cloud/clouds.js';
import type { MailbridgeConfig } from '../config/schema.js';
import type { Logger } from '../log/index.js';
import type { Redactor } from '../redact/index.js';
import { type AuthorityInfo, resolveAuthority } from './authority.js';
import type { TokenProviderDeps } from './create-token-provider.js';
import { decodeClaims } from './decode-claims.js';
import { msalNode } from './msal-library.js';
import { MsalNetworkClient } from './msal-network-client.js';
import type { AccessToken } from './token-provider.js';

/** What both token providers (client credentials, device code) build their msal-node application on. */
export interface MsalAppSetup {
  cloud: CloudName;
  authority: AuthorityInfo;
  /** Every msal request goes through it; it keeps the last failure per correlation id for error mapping. */
  network: MsalNetworkClient;
  /** `auth` options of the msal application: the authority with its metadata, so msal never runs instance discovery. */
  msalAuth: Pick<Required<Configuration['auth']>, 'authority' | 'knownAuthorities' | 'cloudDiscoveryMetadata' | 'authorityMetadata'>;
  /** `system` options of the msal application: our network module, msal warnings to the debug log (redacted, no PII). */
  msalSystem: NonNullable<Configuration['system']>;
}

/**
 * The msal-node setup that does not depend on the flow: the authority for `tenant` in the config's
 * cloud, the network module over mailbridge's HTTP client, and msal's logger wired to ours.
 */
export function msalAppSetup(config: MailbridgeConfig, tenant: string, deps: Pick<TokenProviderDeps, 'http'>, logger: Logger | undefined, redactor: Redactor): MsalAppSetup {
  const cloud = config.cloud ?? 'global';
  const authority = resolveAuthority({ cloud, authorityHost: config.endpoints?.authorityHost, tenant });
  const network = new MsalNetworkClient(deps.http, config.network?.timeoutMs);
  return {
    cloud,
    authority,
    network,
    msalAuth: {
      authority: authority.authority,
      knownAuthorities: authority.knownAuthorities,
      cloudDiscoveryMetadata: authority.cloudDiscoveryMetadata,
      authorityMetadata: authority.authorityMetadata,
    },
    msalSystem: {
      networkClient: network,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: msalNode().LogLevel.Warning,
        loggerCallback: (_level, message) => logger?.debug(redactor.redact(`msal: ${message}`)),
      },
    },
  };
}

/**
 * The {@link AccessToken} of an msal result. msal computes `expiresOn` from `expires_in` on the wall
 * clock; the lifetime is carried onto the provider's clock (`started` is that clock's reading when
 * the request began, `wallClockBefore` the wall clock's).
 */
export function toAccessToken(result: AuthenticationResult, wallClockBefore: number, started: number): AccessToken {
  const claims = decodeClaims(result.accessToken);
  const lifetimeMs = (result.expiresOn?.getTime() ?? claims.exp * 1000) - wallClockBefore;
  return { token: result.accessToken, expiresAt: new Date(started + lifetimeMs), claims };
}
