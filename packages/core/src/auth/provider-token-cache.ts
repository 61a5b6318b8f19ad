import type { TokenResource } from '../cloud/clouds.js';
import type { MailbridgeConfig } from '../config/schema.js';
import { MailbridgeError } from '../errors/index.js';
import type { Redactor } from '../redact/index.js';
import { createRetryPolicy } from '../retry/index.js';
import type { TokenProviderDeps } from './create-token-provider.js';
import { TokenCache } from './token-cache.js';
import type { AccessToken } from './token-provider.js';

/**
 * The {@link TokenCache} in front of a token provider's `acquire`, the same for every flow: a caller
 * without a valid token gets transient failures retried (token requests are idempotent); a renewal
 * ahead of expiry makes one attempt, and the still-valid token is served while it backs off.
 */
export function providerTokenCache(config: MailbridgeConfig, deps: TokenProviderDeps, redactor: Redactor, acquire: (resource: TokenResource) => Promise<AccessToken>): TokenCache {
  const logger = deps.logger;
  const retry = deps.retry ?? createRetryPolicy({ maxAttempts: config.retry.maxAttempts, maxDelayMs: config.retry.maxDelayMs, redactor });
  return new TokenCache({
    acquire: (resource) =>
      retry.execute(() => acquire(resource), {
        idempotent: true,
        onRetry: (info) => logger?.debug('token request failed; retrying', { resource, attempt: info.attempt, delayMs: info.delayMs }),
      }),
    renew: acquire,
    now: deps.now ?? Date.now,
    renewBeforeMs: deps.renewBeforeMs,
    renewalDelayMs: deps.renewalDelayMs,
    onRenewalFailure: (resource, error, retryInMs) => logger?.warn('token renewal failed; the current token is still valid and is kept', { resource, code: error.code, retryInMs }),
  });
}

/** The `USAGE` error of `getToken` for a resource other than "graph" or "ews" (JavaScript callers), else undefined. */
export function unknownResourceError(resource: unknown): MailbridgeError | undefined {
  if (resource === 'graph' || resource === 'ews') return undefined;
  return new MailbridgeError({ code: 'USAGE', message: `getToken: unknown resource "${String(resource)}".`, hint: 'Ask for "graph" or "ews".' });
}
