import type { TokenProvider, TokenResource } from '@mailbridge/core';
import type { TokenView } from './status-snapshot.js';

/** Options of {@link createTokenCheck}. */
export interface TokenCheckOptions {
  tokens: TokenProvider;
  resource: TokenResource;
  /**
   * How long an answer from Entra ID is reused before the next check asks again (`status.tokenCheckSeconds`).
   * @default 60000
   */
  intervalMs?: number;
  /** The clock; default `Date.now`. */
  now?: () => number;
}

/** "Is a token obtainable right now?", asked of Entra ID at most once per interval. */
export interface TokenCheck {
  /** The last answer, without asking (the status page). */
  view(): TokenView;
  /** Asks Entra ID when the last answer is older than the interval (shared by concurrent callers); throws when no token can be had. */
  check(signal?: AbortSignal): Promise<void>;
}

// A failure is asked about again sooner than a success, so /readyz recovers soon after Entra does.
const FAILURE_RECHECK_MS = 5_000;

/**
 * Creates the token check of `/readyz` and the status page. A cached token says nothing about
 * whether Entra ID still issues one (an expired or revoked secret shows only at renewal), so the
 * check forces a new token — rarely, since Entra throttles apps that ask too often. The token itself
 * never leaves this function: only its expiry is kept.
 */
export function createTokenCheck(options: TokenCheckOptions): TokenCheck {
  const intervalMs = options.intervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  let last: TokenView = { state: 'unknown' };
  let lastError: unknown;
  let inflight: Promise<void> | undefined;

  const fresh = (): boolean => {
    if (last.state === 'valid') return now() - last.checkedAt.getTime() < intervalMs;
    if (last.state === 'failing') return now() - last.checkedAt.getTime() < Math.min(intervalMs, FAILURE_RECHECK_MS);
    return false;
  };

  const ask = async (): Promise<void> => {
    try {
      const token = await options.tokens.getToken(options.resource, { forceRefresh: true });
      last = { state: 'valid', expiresAt: token.expiresAt, checkedAt: new Date(now()) };
      lastError = undefined;
    } catch (error) {
      const coded = error as { code?: unknown; message?: unknown; hint?: unknown };
      last = {
        state: 'failing',
        checkedAt: new Date(now()),
        code: typeof coded.code === 'string' ? coded.code : 'INTERNAL',
        message: typeof coded.message === 'string' ? coded.message : 'Getting a token failed.',
        ...(typeof coded.hint === 'string' ? { hint: coded.hint } : {}),
      };
      lastError = error;
    }
  };

  return {
    view: () => last,
    async check(signal) {
      if (!fresh()) {
        inflight ??= ask().finally(() => {
          inflight = undefined;
        });
        await (signal ? abortable(inflight, signal) : inflight);
      }
      if (last.state === 'failing') throw lastError;
    },
  };
}

function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
