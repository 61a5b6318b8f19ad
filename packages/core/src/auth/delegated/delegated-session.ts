import { randomUUID } from 'node:crypto';
import type { AccountInfo, AuthenticationResult, PublicClientApplication } from '@azure/msal-node';
import { CLOUDS, type TokenResource } from '../../cloud/clouds.js';
import type { DelegatedAuthConfig, MailbridgeConfig } from '../../config/schema.js';
import { MailbridgeError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';
import { defaultRedactor, type Redactor } from '../../redact/index.js';
import type { TokenProviderDeps } from '../create-token-provider.js';
import { type MsalAppSetup, msalAppSetup, toAccessToken } from '../msal-app-setup.js';
import { providerTokenCache, unknownResourceError } from '../provider-token-cache.js';
import type { AccessToken } from '../token-provider.js';
import { delegatedScopes } from './delegated-scopes.js';
import type { DelegatedTokenProvider, SignedInAccount, SignInOptions, SignInResult } from './delegated-token-provider.js';
import { FileTokenCachePlugin } from './file-token-cache-plugin.js';
import { type DelegatedPhase, interactionRequired, mapDelegatedError } from './map-delegated-error.js';

/** Extra knobs of the delegated providers (tests, the CLI). */
export interface DelegatedProviderDeps extends TokenProviderDeps {
  /** How long to wait for another process holding the token cache lock. @default 10000 */
  lockTimeoutMs?: number | undefined;
}

/**
 * What a delegated flow needs of its msal-node application: both PublicClientApplication and
 * ConfidentialClientApplication have these (a confidential client renews a person's refresh token
 * with its credential).
 */
export type DelegatedMsalApp = Pick<PublicClientApplication, 'getTokenCache' | 'acquireTokenSilent'>;

/** The parts of a delegated provider every flow shares, handed to the flow's own sign-in. */
export interface DelegatedSession {
  setup: MsalAppSetup;
  plugin: FileTokenCachePlugin;
  redactor: Redactor;
  logger: Logger | undefined;
  now: () => number;
  scopesFor(resource: TokenResource): string[];
  errorContext(phase: DelegatedPhase): { phase: DelegatedPhase; tenant: string; authorityHost: string };
  /**
   * After a sign-in: one config, one person (any other account in the cache file is signed out),
   * the cached access tokens are dropped, and the result reported.
   */
  completeSignIn(app: DelegatedMsalApp, result: AuthenticationResult | null, resource: TokenResource, wallClockBefore: number, started: number): Promise<SignInResult>;
}

/**
 * The token provider of a delegated flow (`device-code`, `authorization-code`): msal's cache
 * persisted to `auth.tokenCache` by {@link FileTokenCachePlugin}; access tokens served from
 * core's TokenCache (shared in-flight requests, early renewal), which asks msal's
 * `acquireTokenSilent` for a new one: msal answers from the file cache when another process
 * already renewed, or redeems the refresh token. A refresh token that no longer works gives
 * `AUTH_INTERACTION_REQUIRED` with the hint to run `mailbridge login`. Only the sign-in differs
 * per flow: `signIn` gets the session and the msal application.
 */
export function createDelegatedProvider(
  config: MailbridgeConfig,
  auth: DelegatedAuthConfig,
  deps: DelegatedProviderDeps,
  flow: {
    /** The msal application, built on first use (a confidential client resolves its credential first). */
    app(session: DelegatedSession): Promise<DelegatedMsalApp>;
    signIn(session: DelegatedSession, app: DelegatedMsalApp, options: SignInOptions): Promise<SignInResult>;
  },
): DelegatedTokenProvider {
  const { tenant } = auth;
  const now = deps.now ?? Date.now;
  const redactor: Redactor = deps.redactor ?? defaultRedactor;
  const logger = deps.logger;
  const setup = msalAppSetup(config, tenant, deps, logger, redactor);
  const { cloud, authority, network } = setup;
  const cachePath = auth.tokenCache;
  const plugin = new FileTokenCachePlugin(cachePath, {
    timeoutMs: deps.lockTimeoutMs,
    onCorruptFile: (path) => logger?.warn('the token cache file is not valid JSON; it is treated as signed out and rewritten at the next sign-in', { path }),
  });
  const errorContext = (phase: DelegatedPhase) => ({ phase, tenant, authorityHost: authority.host });
  const scopesFor = (resource: TokenResource): string[] => delegatedScopes(CLOUDS[cloud], resource);

  /** The last token handed out per resource: msal answering with it again means "not renewed yet". */
  const handedOut = new Map<TokenResource, string>();
  const forced = new Set<TokenResource>();
  // Filled below; `completeSignIn` clears it.
  let clearCache = (): void => undefined;

  const session: DelegatedSession = {
    setup,
    plugin,
    redactor,
    logger,
    now,
    scopesFor,
    errorContext,
    async completeSignIn(app, result, resource, wallClockBefore, started) {
      if (!result?.accessToken || !result.account) {
        throw new MailbridgeError({ code: 'INVALID_RESPONSE', message: 'Entra ID completed the sign-in without an access token or account.', hint: 'Check endpoints.authorityHost.' });
      }
      const token = toAccessToken(result, wallClockBefore, started);
      const others = (await app.getTokenCache().getAllAccounts()).filter((account) => account.homeAccountId !== result.account?.homeAccountId);
      for (const other of others) await app.getTokenCache().removeAccount(other);
      clearCache();
      handedOut.clear();
      return {
        account: accountOf(result.account),
        scopes: (token.claims.scp ?? '').split(' ').filter(Boolean),
        resource,
        expiresAt: token.expiresAt,
      };
    },
  };

  let appPromise: Promise<DelegatedMsalApp> | undefined;
  const getApp = (): Promise<DelegatedMsalApp> => {
    appPromise ??= flow.app(session);
    // A failed setup (missing file, unset env var) is retried on the next call, after the user fixes it.
    appPromise.catch(() => {
      appPromise = undefined;
    });
    return appPromise;
  };

  /** The account the config's tokens are for: the one named like the mailbox, else the only one. */
  const selectAccount = async (app: DelegatedMsalApp): Promise<AccountInfo | undefined> => {
    const accounts = await app.getTokenCache().getAllAccounts();
    const mailbox = config.mailbox.toLowerCase();
    return accounts.find((account) => account.username.toLowerCase() === mailbox) ?? accounts[0];
  };

  const acquire = async (resource: TokenResource): Promise<AccessToken> => {
    const correlationId = randomUUID();
    const started = now();
    try {
      const app = await getApp();
      const account = await selectAccount(app);
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
  clearCache = () => cache.clear();

  const signOut = async (): Promise<SignedInAccount[]> => {
    const app = await getApp();
    const account = await selectAccount(app);
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
    flow: auth.flow,
    tokenCachePath: cachePath,
    getToken: (resource, options) => {
      const unknown = unknownResourceError(resource);
      if (unknown) return Promise.reject(unknown);
      if (options?.forceRefresh === true) forced.add(resource);
      return cache.get(resource, { signal: options?.signal, forceRefresh: options?.forceRefresh });
    },
    signIn: async (options) => flow.signIn(session, await getApp(), options),
    signOut,
    account: async () => {
      try {
        const account = await selectAccount(await getApp());
        return account ? accountOf(account) : undefined;
      } catch (error) {
        throw mapDelegatedError(error, undefined, errorContext('silent'));
      }
    },
  };
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
