import type { TokenResource } from '../cloud/clouds.js';
import { MailbridgeError } from '../errors/index.js';
import type { AccessToken } from './token-provider.js';

/** How {@link TokenCache} gets a new token, and decides when to renew. */
export interface TokenCacheOptions {
  /**
   * Gets a token for a caller who has none to use: the provider wraps one token request in its
   * retry policy here, so transient failures are retried before callers see an error.
   */
  acquire(resource: TokenResource): Promise<AccessToken>;
  /**
   * Renews a still-valid token ahead of expiry: ONE token request, no retries (the still-valid
   * token is served meanwhile; the next attempt waits {@link renewalDelayMs}). @default acquire
   */
  renew?(resource: TokenResource): Promise<AccessToken>;
  /** The clock (ms since the epoch). Injected so tests can move time. */
  now(): number;
  /**
   * How long before expiry a token is renewed ahead of time; until then it is served from the
   * cache. Callers still get the old token while the renewal runs. For tokens that live less than
   * twice this, renewal starts at half their lifetime. @default 300000 (5 minutes)
   */
  renewBeforeMs?: number | undefined;
  /**
   * Below this remaining lifetime a token is not handed out at all (it could expire in flight);
   * callers wait for a new one (at most a quarter of the token's lifetime). @default 30000
   */
  minValidityMs?: number | undefined;
  /**
   * The wait before the next background renewal after `failures` consecutive failed ones.
   * @default {@link defaultRenewalDelayMs}
   */
  renewalDelayMs?(failures: number, error: MailbridgeError): number;
  /** Told about a failed background renewal (the old token is still served). */
  onRenewalFailure?(resource: TokenResource, error: MailbridgeError, retryInMs: number): void;
}

/**
 * 5 s, 10 s, 20 s … doubling up to 2 minutes; a longer Retry-After from the service wins. A
 * renewal window of 5 minutes leaves room for several attempts before the old token expires, and
 * since the old token is still valid there is no reason to retry sooner than our own back-off.
 */
export function defaultRenewalDelayMs(failures: number, error: MailbridgeError): number {
  const hinted = typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : 0;
  return Math.max(hinted, Math.min(120_000, 5_000 * 2 ** Math.min(failures - 1, 10)));
}

interface Entry {
  token?: AccessToken;
  /** From this time (ms) the token is renewed in the background. */
  renewAt: number;
  /** From this time (ms) the token is no longer handed out. */
  unusableAt: number;
  /** The acquisition every caller shares. */
  inflight?: Promise<AccessToken>;
  /** Consecutive failed background renewals. */
  renewalFailures: number;
  /** Not before this time (ms) do we try another background renewal. */
  nextRenewalAt: number;
}

/**
 * The token cache of a provider: one entry per resource (a Graph token is never handed out for
 * EWS), one shared in-flight acquisition per resource, renewal ahead of expiry, and a failed
 * renewal that keeps serving the still-valid token while it retries with back-off.
 *
 * Renewal is driven by use, not by timers: no timer keeps a process alive or fires in an idle one,
 * and tests move time with an injected clock.
 */
export class TokenCache {
  private readonly entries = new Map<TokenResource, Entry>();
  private readonly renewBeforeMs: number;
  private readonly minValidityMs: number;

  constructor(private readonly options: TokenCacheOptions) {
    this.renewBeforeMs = options.renewBeforeMs ?? 300_000;
    this.minValidityMs = options.minValidityMs ?? 30_000;
  }

  /** A token for the resource: cached, shared with concurrent callers, or freshly acquired. */
  get(resource: TokenResource, options: { signal?: AbortSignal | undefined; forceRefresh?: boolean | undefined } = {}): Promise<AccessToken> {
    const entry = this.entry(resource);
    const now = this.options.now();
    const token = entry.token;

    if (token !== undefined && options.forceRefresh !== true) {
      if (now < entry.renewAt) return Promise.resolve(token);
      if (now < entry.unusableAt) {
        // In the renewal window: renew in the background (once at a time, honouring back-off) and
        // keep serving the still-valid token, so no caller waits and a failed renewal costs nothing.
        if (entry.inflight === undefined && now >= entry.nextRenewalAt) this.renewInBackground(resource, entry);
        return Promise.resolve(token);
      }
    }
    return withAbort(entry.inflight ?? this.start(resource, entry), options.signal);
  }

  /** Drops cached tokens (all, or one resource's). In-flight requests still complete. */
  clear(resource?: TokenResource): void {
    if (resource === undefined) this.entries.clear();
    else this.entries.delete(resource);
  }

  private entry(resource: TokenResource): Entry {
    let entry = this.entries.get(resource);
    if (entry === undefined) {
      entry = { renewalFailures: 0, nextRenewalAt: 0, renewAt: 0, unusableAt: 0 };
      this.entries.set(resource, entry);
    }
    return entry;
  }

  /** A foreground acquisition shared by every caller until it settles. */
  private start(resource: TokenResource, entry: Entry): Promise<AccessToken> {
    const inflight = this.options.acquire(resource).then(
      (token) => {
        if (this.entries.get(resource) === entry) {
          this.store(entry, token);
        }
        return token;
      },
      (error: unknown) => {
        throw asMailbridgeError(error);
      },
    );
    entry.inflight = inflight;
    // Clear the shared promise however it ends, so the next caller starts afresh.
    void inflight.then(
      () => this.settle(entry, inflight),
      () => this.settle(entry, inflight),
    );
    return inflight;
  }

  private renewInBackground(resource: TokenResource, entry: Entry): void {
    const inflight = (this.options.renew ?? this.options.acquire)(resource);
    entry.inflight = inflight;
    inflight.then(
      (token) => {
        this.settle(entry, inflight);
        this.store(entry, token);
      },
      (error: unknown) => {
        this.settle(entry, inflight);
        const failure = asMailbridgeError(error);
        entry.renewalFailures += 1;
        // Keep the old token. Even a non-retryable failure (a secret revoked just now) is retried
        // later: the old token stays valid, and the error surfaces once it no longer is.
        const delay = (this.options.renewalDelayMs ?? defaultRenewalDelayMs)(entry.renewalFailures, failure);
        entry.nextRenewalAt = this.options.now() + delay;
        this.options.onRenewalFailure?.(resource, failure, delay);
      },
    );
  }

  /**
   * Keeps a new token and computes when to renew it: `renewBeforeMs` ahead of expiry, but never
   * before half its lifetime, so short-lived tokens (a policy, a test tenant) are not renewed on
   * every call; likewise it is handed out until `minValidityMs` before expiry, or a quarter of its
   * lifetime for short ones.
   */
  private store(entry: Entry, token: AccessToken): void {
    const now = this.options.now();
    const expires = token.expiresAt.getTime();
    const lifetime = Math.max(0, expires - now);
    entry.token = token;
    entry.renewAt = expires - Math.min(this.renewBeforeMs, lifetime / 2);
    entry.unusableAt = expires - Math.min(this.minValidityMs, lifetime / 4);
    entry.renewalFailures = 0;
    entry.nextRenewalAt = 0;
  }

  private settle(entry: Entry, inflight: Promise<AccessToken>): void {
    if (entry.inflight === inflight) delete entry.inflight;
  }
}

function asMailbridgeError(error: unknown): MailbridgeError {
  if (MailbridgeError.isInstance(error)) return error;
  return new MailbridgeError({
    code: 'INTERNAL',
    message: 'Token acquisition failed unexpectedly.',
    hint: 'This is a bug in mailbridge; please report it with --verbose output.',
    cause: error,
  });
}

/** Lets one caller stop waiting without cancelling the acquisition other callers share. */
function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new MailbridgeError({ code: 'ABORTED', message: 'Getting an access token was aborted.', hint: 'The caller cancelled the operation.', cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
