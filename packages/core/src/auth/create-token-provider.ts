import { randomUUID } from 'node:crypto';
import type { ConfidentialClientApplication } from '@azure/msal-node';
import { CLOUDS, type CloudName, type TokenResource } from '../cloud/clouds.js';
import { tokenScopes } from '../cloud/token-scopes.js';
import type { ClientCredentialsAuthConfig, MailbridgeConfig } from '../config/schema.js';
import type { SecretRef } from '../config/secret-ref.js';
import { resolveSecret } from '../config/secrets.js';
import { MailbridgeError } from '../errors/index.js';
import type { HttpClient } from '../http/http-client.js';
import { requestBuffered } from '../http/request-buffered.js';
import type { Logger } from '../log/index.js';
import { defaultRedactor, type Redactor } from '../redact/index.js';
import type { RetryPolicy } from '../retry/index.js';
import { type ResolvedClientCredential, resolveClientCredential, type SecretResolver } from './client-credential.js';
import { createAuthorizationCodeProvider } from './delegated/create-authorization-code-provider.js';
import { createDeviceCodeProvider } from './delegated/create-device-code-provider.js';
import type { DelegatedTokenProvider } from './delegated/delegated-token-provider.js';
import { mapTokenError } from './map-token-error.js';
import { msalAppSetup, toAccessToken } from './msal-app-setup.js';
import { msalNode } from './msal-library.js';
import { providerTokenCache, unknownResourceError } from './provider-token-cache.js';
import type { AccessToken, TokenProvider } from './token-provider.js';

/** What a token provider is built with. */
export interface TokenProviderDeps {
  /** The HTTP client of the config's network settings; msal-node's requests go through it. */
  http: HttpClient;
  /** Gets debug records (token acquired, msal warnings) and a warning when a renewal fails. @default none */
  logger?: Logger | undefined;
  /** The clock (ms since the epoch). @default Date.now */
  now?: (() => number) | undefined;
  /** Every secret met (client secret, private key, passphrase, assertion) is registered here and on the default redactor. */
  redactor?: Redactor | undefined;
  /** Resolves a secret reference. @default core's `resolveSecret` with `env` and `baseDir` */
  resolveSecret?: SecretResolver | undefined;
  /**
   * The folder relative credential paths start from. Configs from `loadConfig`/`parseConfig`
   * already hold absolute paths; this matters only for hand-built configs. @default process.cwd()
   */
  baseDir?: string | undefined;
  /** Environment for `{ env }` secret references. @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** Renew a cached token this long before it expires. @default 300000 */
  renewBeforeMs?: number | undefined;
  /**
   * Retries a token request that failed transiently (network, 429, 5xx) for a caller who has no
   * valid token. @default createRetryPolicy(config.retry)
   */
  retry?: RetryPolicy | undefined;
  /** The wait before the next background renewal after `failures` failed ones. @default 5 s doubling to 2 min, or Retry-After */
  renewalDelayMs?: ((failures: number, error: MailbridgeError) => number) | undefined;
}

/**
 * Creates the {@link TokenProvider} for a config: app-only tokens with the client-credentials
 * flow on msal-node's ConfidentialClientApplication (client secret, certificate, or federated
 * assertion file).
 *
 * Caching is ours, not msal-node's: every msal request skips its cache, and {@link TokenCache}
 * decides when to reuse, share and renew, so that behaviour is explicit and testable with an
 * injected clock. The credential is resolved on first use (a secret reference to an unset env var
 * fails when a token is needed, not when the transport is built).
 *
 * `device-code` and `authorization-code` give a {@link DelegatedTokenProvider} (see `createDeviceCodeProvider`,
 * `createAuthorizationCodeProvider`).
 *
 * @throws MailbridgeError `USAGE` for flows that have no token provider (basic, ntlm).
 */
export function createTokenProvider(config: MailbridgeConfig, deps: TokenProviderDeps): TokenProvider {
  const auth = config.auth;
  if (auth.flow === 'client-credentials') return createClientCredentialsProvider(config, auth, deps);
  // Delegated sign-in (device code): a PublicClientApplication with a file token cache, the same TokenCache in front.
  if (auth.flow === 'device-code') return createDeviceCodeProvider(config, auth, deps);
  // Delegated sign-in in a browser: the same token cache and renewal; a public or confidential client.
  if (auth.flow === 'authorization-code') return createAuthorizationCodeProvider(config, auth, deps);
  throw new MailbridgeError({
    code: 'USAGE',
    message: `auth.flow "${auth.flow}" does not use OAuth tokens, so there is no token provider for it.`,
    hint: 'Basic and NTLM authentication are handled by the EWS adapter for Exchange Server; only client-credentials, device-code and authorization-code get tokens.',
    details: { path: 'auth.flow' },
  });
}

function createClientCredentialsProvider(config: MailbridgeConfig, auth: ClientCredentialsAuthConfig, deps: TokenProviderDeps): TokenProvider {
  const { tenant, clientId } = auth;
  if (!tenant || !clientId) {
    throw new MailbridgeError({
      code: 'CONFIG_INVALID',
      message: `auth.${!tenant ? 'tenant' : 'clientId'}: required for client-credentials.`,
      hint: 'Copy the Directory (tenant) ID and the Application (client) ID from Entra admin center > App registrations > your app > Overview.',
      details: { path: `auth.${!tenant ? 'tenant' : 'clientId'}` },
    });
  }
  if (/^(common|organizations|consumers)$/i.test(tenant)) {
    throw new MailbridgeError({
      code: 'AUTH_TENANT_REQUIRED',
      message: `auth.tenant: "${tenant}" cannot be used with client-credentials: app-only tokens need your tenant id.`,
      hint: 'Set auth.tenant to your Directory (tenant) ID (Entra admin center > Overview) or a verified domain such as contoso.onmicrosoft.com.',
      details: { path: 'auth.tenant' },
    });
  }

  const now = deps.now ?? Date.now;
  const redactors = deps.redactor && deps.redactor !== defaultRedactor ? [deps.redactor, defaultRedactor] : [defaultRedactor];
  const redactor = redactors[0] as Redactor;
  const registerSecret = (value: string): void => {
    for (const r of redactors) r.addSecret(value);
  };
  const logger = deps.logger;
  const { cloud, authority, network, msalAuth, msalSystem } = msalAppSetup(config, tenant, deps, logger, redactor);

  // The credential and msal client are built once, on first use, and shared by Graph and EWS.
  let client: Promise<{ app: ConfidentialClientApplication; credential: ResolvedClientCredential }> | undefined;
  const getClient = (): Promise<{ app: ConfidentialClientApplication; credential: ResolvedClientCredential }> => {
    client ??= (async () => {
      const credential = await resolveClientCredential(auth, {
        resolveSecret: deps.resolveSecret ?? ((ref, path) => resolveSecret(ref as SecretRef, { env: deps.env ?? process.env, baseDir: deps.baseDir ?? process.cwd(), path })),
        baseDir: deps.baseDir ?? process.cwd(),
        registerSecret,
      });
      const app = new (msalNode().ConfidentialClientApplication)({ auth: { clientId, ...msalAuth, ...credential.msal }, system: msalSystem });
      return { app, credential };
    })();
    // A failed setup (missing file, unset env var) is retried on the next call, after the user fixes it.
    client.catch(() => {
      client = undefined;
    });
    return client;
  };

  const acquire = async (resource: TokenResource): Promise<AccessToken> => {
    const correlationId = randomUUID();
    const started = now();
    let looksLikeId = false;
    let credentialKind: ResolvedClientCredential['kind'] | undefined;
    try {
      const { app, credential } = await getClient();
      looksLikeId = credential.secretLooksLikeId;
      credentialKind = credential.kind;
      const wallClockBefore = Date.now();
      const result = await app.acquireTokenByClientCredential({ scopes: tokenScopes(CLOUDS[cloud], resource, 'app-only'), skipCache: true, correlationId });
      if (!result?.accessToken) throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: 'Entra ID answered without an access token.', hint: 'Check endpoints.authorityHost.' });
      const token = toAccessToken(result, wallClockBefore, started);
      checkAudience(token.claims.aud, resource, cloud);
      logger?.debug('token acquired', { resource, tenant: token.claims.tid, expiresAt: token.expiresAt.toISOString(), durationMs: now() - started });
      return token;
    } catch (error) {
      const mapped = mapTokenError(error, network.takeFailure(correlationId), {
        configuredSecretLooksLikeId: looksLikeId,
        secretExpiresAt: auth.secretExpiresAt,
        authorityHost: authority.host,
        credentialKind,
      });
      throw sanitize(mapped.details.aadsts === 500011 ? ((await wrongCloud(deps, authority.authority, cloud, mapped)) ?? mapped) : mapped, redactor);
    } finally {
      network.forget(correlationId);
    }
  };

  const cache = providerTokenCache(config, deps, redactor, acquire);

  return {
    kind: 'app-only',
    getToken: (resource, options) => {
      const unknown = unknownResourceError(resource);
      if (unknown) return Promise.reject(unknown);
      return cache.get(resource, { signal: options?.signal, forceRefresh: options?.forceRefresh });
    },
  };
}

/** Well-known application ids of the resources, which v2 tokens carry as `aud`. */
const RESOURCE_APP_IDS: Record<TokenResource, string> = {
  graph: '00000003-0000-0000-c000-000000000000',
  ews: '00000002-0000-0ff1-ce00-000000000000',
};

/** A token whose audience is another API must never be handed out for this one. */
function checkAudience(aud: string, resource: TokenResource, cloud: CloudName): void {
  const expected = resource === 'graph' ? CLOUDS[cloud].graphResource : CLOUDS[cloud].ewsResource;
  const normalized = aud.replace(/\/+$/, '').toLowerCase();
  if (normalized === expected.toLowerCase() || normalized === RESOURCE_APP_IDS[resource]) return;
  throw new MailbridgeError({
    code: 'AUTH_WRONG_AUDIENCE',
    message: `Entra ID issued a token for ${aud}, not for ${expected} (${resource === 'ews' ? 'EWS' : 'Graph'}).`,
    hint: `Check "cloud" in the config: the tenant may be in another national cloud than "${cloud}".`,
    details: { resource },
  });
}

/** The `cloud_instance_name` of each cloud's tenants in OpenID discovery. */
const CLOUD_INSTANCES: Record<CloudName, string> = {
  global: 'microsoftonline.com',
  usgov: 'microsoftonline.us',
  'usgov-dod': 'microsoftonline.us',
  china: 'partner.microsoftonline.cn',
};

/**
 * AADSTS500011 ("the resource principal … was not found in the tenant") is what a tenant of another
 * national cloud answers when asked for this cloud's API. The tenant's OpenID discovery says which
 * cloud it lives in (`cloud_instance_name`): one request, on this error only. Undefined when the
 * tenant is in the configured cloud (the API is really missing there) or discovery says nothing.
 */
async function wrongCloud(deps: TokenProviderDeps, authority: string, cloud: CloudName, error: MailbridgeError): Promise<MailbridgeError | undefined> {
  try {
    const response = await requestBuffered(deps.http, `${authority}/v2.0/.well-known/openid-configuration`, { headers: { accept: 'application/json' }, maxResponseBytes: 256 * 1024, timeoutMs: 10_000 });
    if (response.status !== 200) return undefined;
    const instance = (JSON.parse(Buffer.from(response.body).toString('utf8')) as { cloud_instance_name?: unknown }).cloud_instance_name;
    if (typeof instance !== 'string' || instance === CLOUD_INSTANCES[cloud]) return undefined;
    const actual = (Object.keys(CLOUD_INSTANCES) as CloudName[]).find((name) => CLOUD_INSTANCES[name] === instance);
    return new MailbridgeError({
      code: 'AUTH_WRONG_CLOUD',
      message: `The tenant lives in another national cloud (${instance}) than "cloud": "${cloud}", so it has no ${cloud} APIs (AADSTS500011).`,
      hint: actual ? `Set "cloud" to "${actual === 'usgov' ? 'usgov" (GCC High; "usgov-dod" for DoD)' : `${actual}"`} and use an app registered in that cloud.` : 'Set "cloud" to the cloud the tenant is in, and use an app registered there.',
      details: error.details,
    });
  } catch {
    return undefined;
  }
}

/** Makes sure no registered secret survives in an error's message, hint, details or cause. */
function sanitize(error: MailbridgeError, redactor: Redactor): MailbridgeError {
  return new MailbridgeError({
    code: error.code,
    message: redactor.redact(error.message),
    hint: redactor.redact(error.hint),
    details: redactor.redactValue(error.details) as Record<string, unknown>,
    retryable: error.retryable,
    ...(error.cause !== undefined ? { cause: redactor.redactValue(error.cause) } : {}),
  });
}
