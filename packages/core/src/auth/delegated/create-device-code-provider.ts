import { randomUUID } from 'node:crypto';
import { PublicClientApplication, type AccountInfo, type DeviceCodeRequest } from '@azure/msal-node';
import { CLOUDS, type TokenResource } from '../../cloud/clouds.js';
import type { DeviceCodeAuthConfig, MailbridgeConfig } from '../../config/schema.js';
import { MailbridgeError } from '../../errors/index.js';
import { defaultRedactor, type Redactor } from '../../redact/index.js';
import type { TokenProviderDeps } from '../create-token-provider.js';
import { msalAppSetup, toAccessToken } from '../msal-app-setup.js';
import { providerTokenCache, unknownResourceError } from '../provider-token-cache.js';
import type { AccessToken } from '../token-provider.js';
import { delegatedScopes } from './delegated-scopes.js';
import type { DelegatedTokenProvider, SignedInAccount, SignInOptions, SignInResult } from './delegated-token-provider.js';
import { FileTokenCachePlugin } from './file-token-cache-plugin.js';
import { cancelled, interactionRequired, mapDelegatedError, type DelegatedPhase } from './map-delegated-error.js';

/** Extra knobs of the device-code provider (tests, the CLI). */
export interface DeviceCodeProviderDeps extends TokenProviderDeps {
  /** How long to wait for another process holding the token cache lock. @default 10000 */
  lockTimeoutMs?: number | undefined;
}

/**
 * The token provider of `auth.flow: "device-code"`: msal-node's PublicClientApplication on the
 * configured authority (`common`, `organizations`, `consumers` or a tenant), with the same
 * authority metadata and network module as the app-only provider (so no instance discovery, and
 * every request goes through mailbridge's HTTP client), and msal's cache persisted to
 * `auth.tokenCache` by {@link FileTokenCachePlugin}.
 *
 * Access tokens are served from core's {@link TokenCache} (shared in-flight requests, early
 * renewal), which asks msal's `acquireTokenSilent` for a new one: msal answers from the file cache
 * when another process already renewed, or redeems the refresh token. A refresh token that no
 * longer works gives `AUTH_INTERACTION_REQUIRED` with the hint to run `mailbridge login`.
 */
export function createDeviceCodeProvider(config: MailbridgeConfig, auth: DeviceCodeAuthConfig, deps: DeviceCodeProviderDeps): DelegatedTokenProvider {
  const { clientId, tenant } = auth;
  const now = deps.now ?? Date.now;
  const redactor: Redactor = deps.redactor ?? defaultRedactor;
  const logger = deps.logger;
  const { cloud, authority, network, msalAuth, msalSystem } = msalAppSetup(config, tenant, deps, logger, redactor);
  const cachePath = auth.tokenCache;
  const plugin = new FileTokenCachePlugin(cachePath, {
    timeoutMs: deps.lockTimeoutMs,
    onCorruptFile: (path) => logger?.warn('the token cache file is not valid JSON; it is treated as signed out and rewritten at the next sign-in', { path }),
  });
  const errorContext = (phase: DelegatedPhase) => ({ phase, tenant, authorityHost: authority.host });

  const app = new PublicClientApplication({ auth: { clientId, ...msalAuth }, cache: { cachePlugin: plugin }, system: msalSystem });

  const scopesFor = (resource: TokenResource): string[] => delegatedScopes(CLOUDS[cloud], resource);

  /** The account the config's tokens are for: the one named like the mailbox, else the only one. */
  const selectAccount = async (): Promise<AccountInfo | undefined> => {
    const accounts = await app.getTokenCache().getAllAccounts();
    const mailbox = config.mailbox.toLowerCase();
    return accounts.find((account) => account.username.toLowerCase() === mailbox) ?? accounts[0];
  };

  /** The last token handed out per resource: msal answering with it again means "not renewed yet". */
  const handedOut = new Map<TokenResource, string>();
  const forced = new Set<TokenResource>();

  const acquire = async (resource: TokenResource): Promise<AccessToken> => {
    const correlationId = randomUUID();
    const started = now();
    try {
      const account = await selectAccount();
      if (!account) {
        throw interactionRequired(`No one is signed in: the token cache ${cachePath} holds no account.`, { tokenCache: cachePath });
      }
      const scopes = scopesFor(resource);
      const wallClockBefore = Date.now();
      let result = await app.acquireTokenSilent({ account, scopes, correlationId, forceRefresh: forced.delete(resource) });
      // Our cache asks only when it wants a new token: if msal's cache still holds the one we
      // handed out (it renews 5 minutes ahead; a short-lived token may be due earlier), redeem the
      // refresh token now.
      if (result?.accessToken !== undefined && result.accessToken === handedOut.get(resource)) {
        result = await app.acquireTokenSilent({ account, scopes, correlationId, forceRefresh: true });
      }
      if (!result?.accessToken) throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: 'Entra ID answered without an access token.', hint: 'Check endpoints.authorityHost.' });
      const token = toAccessToken(result, wallClockBefore, started);
      handedOut.set(resource, token.token);
      logger?.debug('delegated token acquired', { resource, tenant: token.claims.tid, expiresAt: token.expiresAt.toISOString(), durationMs: now() - started });
      return token;
    } catch (error) {
      throw mapDelegatedError(error, network.takeFailure(correlationId), errorContext('silent'));
    } finally {
      network.forget(correlationId);
    }
  };

  const cache = providerTokenCache(config, deps, redactor, acquire);

  const signIn = async (options: SignInOptions): Promise<SignInResult> => {
    const resource: TokenResource = options.resource ?? (config.transport === 'ews' ? 'ews' : 'graph');
    const correlationId = randomUUID();
    const signal = options.signal;
    if (signal?.aborted) throw cancelled(signal.reason);
    const request: DeviceCodeRequest = {
      scopes: scopesFor(resource),
      correlationId,
      deviceCodeCallback: (response) => {
        // msal-node does not check the device-code answer: an Entra error there (an app not for this
        // authority, AADSTS9002331) arrives as a "response" without a code. Stop here; the error
        // body our network module recorded says what went wrong.
        if (!response.userCode || !response.deviceCode) throw new DeviceCodeRefused();
        options.onDeviceCode({
          userCode: response.userCode,
          verificationUri: response.verificationUri,
          message: response.message,
          expiresAt: new Date(Date.now() + response.expiresIn * 1000),
        });
      },
    };
    const started = now();
    const wallClockBefore = Date.now();
    // msal checks `cancel` before each poll; we also stop waiting at once.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        request.cancel = true;
        reject(cancelled(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const flow = app.acquireTokenByDeviceCode(request);
    // msal's polling ends with "cancelled" after an abort: nobody waits for it any more.
    flow.catch(() => undefined);
    try {
      const result = await (signal ? Promise.race([flow, aborted]) : flow);
      if (!result?.accessToken || !result.account) {
        throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: 'Entra ID completed the sign-in without an access token or account.', hint: 'Check endpoints.authorityHost.' });
      }
      const token = toAccessToken(result, wallClockBefore, started);
      // One config, one person: any other account in this cache file is signed out.
      const others = (await app.getTokenCache().getAllAccounts()).filter((account) => account.homeAccountId !== result.account?.homeAccountId);
      for (const other of others) await app.getTokenCache().removeAccount(other);
      cache.clear();
      handedOut.clear();
      return {
        account: accountOf(result.account),
        scopes: (token.claims.scp ?? '').split(' ').filter(Boolean),
        resource,
        expiresAt: token.expiresAt,
      };
    } catch (error) {
      if (signal?.aborted) throw cancelled(signal.reason);
      throw mapDelegatedError(error, network.takeFailure(correlationId), errorContext('sign-in'));
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      network.forget(correlationId);
    }
  };

  const signOut = async (): Promise<SignedInAccount[]> => {
    const account = await selectAccount();
    cache.clear();
    handedOut.clear();
    if (!account) {
      await plugin.deleteFile();
      return [];
    }
    await app.getTokenCache().removeAccount(account);
    if ((await app.getTokenCache().getAllAccounts()).length === 0) await plugin.deleteFile();
    return [accountOf(account)];
  };

  return {
    kind: 'delegated',
    tokenCachePath: cachePath,
    getToken: (resource, options) => {
      const unknown = unknownResourceError(resource);
      if (unknown) return Promise.reject(unknown);
      if (options?.forceRefresh === true) forced.add(resource);
      return cache.get(resource, { signal: options?.signal, forceRefresh: options?.forceRefresh });
    },
    signIn,
    signOut,
    account: async () => {
      try {
        const account = await selectAccount();
        return account ? accountOf(account) : undefined;
      } catch (error) {
        throw mapDelegatedError(error, undefined, errorContext('silent'));
      }
    },
  };
}

/** Entra refused to hand out a device code (its error body is with the network module). */
class DeviceCodeRefused extends Error {
  constructor() {
    super('Entra ID did not hand out a device code.');
  }
}

function accountOf(account: AccountInfo): SignedInAccount {
  return {
    username: account.username,
    tenantId: account.tenantId,
    homeAccountId: account.homeAccountId,
    localAccountId: account.localAccountId,
    ...(account.name ? { name: account.name } : {}),
  };
}
