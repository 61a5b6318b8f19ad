import { describe, expect, it } from 'vitest';
import { defaultRenewalDelayMs, TokenCache } from '../src/auth/token-cache.js';
import type { AccessToken } from '../src/auth/token-provider.js';
import type { TokenResource } from '../src/cloud/clouds.js';
import { MailbridgeError } from '../src/errors/index.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A controllable clock and a scripted token source that counts its calls. */
function setup(options: { lifetimeMs?: number } = {}) {
  let time = Date.UTC(2026, 0, 1);
  const calls: TokenResource[] = [];
  const failures: MailbridgeError[] = [];
  let next: ((resource: TokenResource) => Promise<AccessToken>) | undefined;
  let serial = 0;
  const issue = async (resource: TokenResource): Promise<AccessToken> => {
    serial += 1;
    return {
      token: `${resource}-token-${serial}`,
      expiresAt: new Date(time + (options.lifetimeMs ?? HOUR)),
      claims: { aud: resource, iss: 'iss', tid: 'tid', exp: Math.floor((time + HOUR) / 1000) },
    };
  };
  const cache = new TokenCache({
    now: () => time,
    acquire: (resource) => {
      calls.push(resource);
      return (next ?? issue)(resource);
    },
    onRenewalFailure: (_resource, error) => failures.push(error),
  });
  return {
    cache,
    calls,
    failures,
    advance: (ms: number) => {
      time += ms;
    },
    failNextWith: (error: MailbridgeError | undefined) => {
      next = error === undefined ? undefined : () => Promise.reject(error);
    },
  };
}

const outage = () => new MailbridgeError({ code: 'SERVICE_UNAVAILABLE', message: 'Entra ID is unavailable (HTTP 503).', hint: 'retry', retryable: true });

/** Lets the cache's promise callbacks run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('TokenCache', () => {
  it('shares one acquisition between 1,000 concurrent callers', async () => {
    const { cache, calls } = setup();
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => cache.get('graph')));
    expect(calls).toEqual(['graph']);
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(['graph-token-1']));
  });

  it('keeps Graph and EWS tokens apart', async () => {
    const { cache, calls } = setup();
    const [graph, ews] = await Promise.all([cache.get('graph'), cache.get('ews')]);
    expect(graph.token).toBe('graph-token-1');
    expect(ews.token).toBe('ews-token-2');
    expect((await cache.get('ews')).token).toBe('ews-token-2');
    expect(calls).toEqual(['graph', 'ews']);
  });

  it('reuses a token until the renewal window, then renews ahead of expiry while serving the old one', async () => {
    const { cache, calls, advance } = setup();
    const first = await cache.get('graph');
    advance(HOUR - 5 * MINUTE - 1); // 5 min + 1 ms left: still fresh
    expect((await cache.get('graph')).token).toBe(first.token);
    expect(calls).toHaveLength(1);

    advance(2); // inside the 5-minute window: old token served, renewal started in the background
    expect((await cache.get('graph')).token).toBe(first.token);
    expect(calls).toHaveLength(2);
    await flush();
    expect((await cache.get('graph')).token).toBe('graph-token-2');
    expect(calls).toHaveLength(2);
  });

  it('makes callers wait for a new token once the old one is about to expire', async () => {
    const { cache, calls, advance } = setup();
    await cache.get('graph');
    advance(HOUR - 10_000); // 10 s left: below the 30 s minimum validity
    expect((await cache.get('graph')).token).toBe('graph-token-2');
    expect(calls).toHaveLength(2);
  });

  it('keeps the old token when a renewal fails, and retries with back-off', async () => {
    const { cache, calls, failures, advance, failNextWith } = setup();
    const first = await cache.get('graph');
    advance(HOUR - 4 * MINUTE);
    failNextWith(outage());

    expect((await cache.get('graph')).token).toBe(first.token);
    await flush();
    expect(failures.map((f) => f.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(calls).toHaveLength(2);

    // Within the back-off (5 s after the first failure) no new request is made.
    advance(4_000);
    expect((await cache.get('graph')).token).toBe(first.token);
    expect(calls).toHaveLength(2);

    // After it, another attempt; it fails again, and the next wait doubles (10 s).
    advance(1_001);
    expect((await cache.get('graph')).token).toBe(first.token);
    await flush();
    expect(calls).toHaveLength(3);
    advance(9_000);
    await cache.get('graph');
    expect(calls).toHaveLength(3);
    advance(1_001);
    failNextWith(undefined); // Entra is back
    expect((await cache.get('graph')).token).toBe(first.token);
    await flush();
    expect(calls).toHaveLength(4);
    expect((await cache.get('graph')).token).toBe('graph-token-2');
  });

  it('gives callers the error once no valid token is left', async () => {
    const { cache, advance, failNextWith } = setup();
    await cache.get('graph');
    advance(HOUR);
    failNextWith(outage());
    await expect(cache.get('graph')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    failNextWith(undefined);
    expect((await cache.get('graph')).token).toBe('graph-token-2'); // a failure is not cached
  });

  it('renews a short-lived token at half its lifetime, not on every call', async () => {
    const { cache, calls, advance } = setup({ lifetimeMs: 60_000 });
    await cache.get('graph');
    advance(29_000);
    await cache.get('graph');
    await cache.get('graph');
    expect(calls).toHaveLength(1);
    advance(2_000); // past half-life: one background renewal, old token served
    expect((await cache.get('graph')).token).toBe('graph-token-1');
    await flush();
    expect((await cache.get('graph')).token).toBe('graph-token-2');
    expect(calls).toHaveLength(2);
    await cache.get('graph');
    expect(calls).toHaveLength(2);
  });

  it('forceRefresh gets a new token even when the cached one is fresh', async () => {
    const { cache, calls } = setup();
    await cache.get('graph');
    expect((await cache.get('graph', { forceRefresh: true })).token).toBe('graph-token-2');
    expect(calls).toHaveLength(2);
  });

  it('an aborted caller stops waiting without cancelling the shared request', async () => {
    const { cache, calls } = setup();
    const controller = new AbortController();
    const aborted = cache.get('graph', { signal: controller.signal });
    const other = cache.get('graph');
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await other).token).toBe('graph-token-1');
    expect(calls).toHaveLength(1);
  });

  it('the default renewal delay doubles, is capped, and honours a longer Retry-After', () => {
    const error = outage();
    expect([1, 2, 3, 4].map((n) => defaultRenewalDelayMs(n, error))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(defaultRenewalDelayMs(50, error)).toBe(120_000);
    const throttled = (ms: number) => new MailbridgeError({ code: 'THROTTLED', message: 'm', hint: 'h', details: { retryAfterMs: ms } });
    expect(defaultRenewalDelayMs(1, throttled(7_000))).toBe(7_000);
    expect(defaultRenewalDelayMs(1, throttled(1_000))).toBe(5_000); // never sooner than our own back-off
    expect(defaultRenewalDelayMs(50, throttled(600_000))).toBe(600_000);
  });
});
