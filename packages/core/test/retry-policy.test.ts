import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ErrorCode, MailbridgeError } from '../src/errors/index.js';
import { classifyError, createRetryPolicy, parseRetryAfter, type RetryInfo } from '../src/retry/index.js';

// Errors shaped like the ones the adapters and the HTTP client throw.
function serviceError(status: number, extra: { retryAfterMs?: number; retryAfter?: string; code?: ErrorCode; retryable?: boolean } = {}): MailbridgeError {
  return new MailbridgeError({
    code: extra.code ?? (status === 429 ? 'THROTTLED' : 'SERVICE_UNAVAILABLE'),
    message: `The service answered ${status}.`,
    hint: 'h',
    retryable: extra.retryable ?? true,
    details: {
      status,
      ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
      ...(extra.retryAfter !== undefined ? { retryAfter: extra.retryAfter } : {}),
    },
  });
}

function networkError(requestSent: boolean): MailbridgeError {
  return new MailbridgeError({ code: 'NETWORK_ERROR', message: 'POST https://graph.example/sendMail failed: other side closed.', hint: 'Check the network.', retryable: true, details: { requestSent } });
}

/** An operation that fails with the given errors in turn, then succeeds with 'ok'. */
function failing(...errors: unknown[]) {
  const calls: number[] = [];
  const operation = vi.fn(async (attempt: number) => {
    calls.push(Date.now());
    const error = errors[attempt - 1];
    if (error !== undefined) throw error;
    return 'ok';
  });
  return { operation, calls };
}

async function rejectionOf(promise: Promise<unknown>): Promise<MailbridgeError> {
  const settled = promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as MailbridgeError,
  );
  await vi.runAllTimersAsync();
  return settled;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-24T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-24T00:00:00Z');
  it('reads delta seconds, including fractional seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('2.128', now)).toBe(2128);
    expect(parseRetryAfter('0.0001', now)).toBe(1);
  });
  it('reads an HTTP date relative to now, and a past date as 0', () => {
    expect(parseRetryAfter('Tue, 24 Nov 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 23:00:00 GMT', now)).toBe(0);
  });
  it('reads what the Graph adapter read before it used this parser', () => {
    expect(parseRetryAfter('2.128', now)).toBe(2128);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
  it('ignores what is neither', () => {
    for (const value of [null, undefined, '', 'soon', '-5', '1e3', '12abc', '1.2.3']) expect(parseRetryAfter(value, now), String(value)).toBeUndefined();
  });
});

describe('createRetryPolicy: onRetry of the policy', () => {
  it("is told of every retry of every call, after the call's own onRetry", async () => {
    const told: string[] = [];
    const policy = createRetryPolicy({ onRetry: (info) => told.push(`policy ${info.attempt}`) });
    const first = failing(serviceError(503, { retryAfter: '1' }));
    const second = failing(serviceError(429, { retryAfter: '1' }), serviceError(429, { retryAfter: '1' }));
    const results = [policy.execute(first.operation, { onRetry: (info) => told.push(`call ${info.attempt}`) }), policy.execute(second.operation)];
    await vi.runAllTimersAsync();
    await expect(Promise.all(results)).resolves.toEqual(['ok', 'ok']);
    expect(told).toEqual(['call 1', 'policy 1', 'policy 1', 'policy 2']);
  });
});

describe('createRetryPolicy: waits', () => {
  it('honours Retry-After in seconds, fractional seconds and as an HTTP date', async () => {
    const policy = createRetryPolicy();
    const waits: RetryInfo[] = [];
    const { operation, calls } = failing(
      serviceError(429, { retryAfter: '3' }),
      serviceError(503, { retryAfter: '2.128' }),
      // The clock starts on a whole second: this date is 20 s after the start.
      serviceError(429, { retryAfter: new Date(Date.now() + 20_000).toUTCString() }),
    );
    const result = policy.execute(operation, { onRetry: (info) => waits.push(info) });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(waits.map((w) => [w.delayMs, w.source])).toEqual([
      [3000, 'server'],
      [2128, 'server'],
      // The third failure happens 3 + 2.128 s after the start: the wait runs until that date.
      [20_000 - 5128, 'server'],
    ]);
    expect(calls[1]! - calls[0]!).toBe(3000);
    expect(calls[2]! - calls[1]!).toBe(2128);
    expect(calls[3]! - calls[0]!).toBe(20_000);
  });

  it('honours a service back-off hint carried by the error (EWS ErrorServerBusy BackOffMilliseconds)', async () => {
    const policy = createRetryPolicy();
    const busy = new MailbridgeError({ code: 'SERVICE_UNAVAILABLE', message: 'ErrorServerBusy', hint: 'h', retryable: true, details: { status: 500, retryAfterMs: 4321 } });
    const { operation, calls } = failing(busy);
    // Not idempotent: the back-off hint proves the server refused the request, so it is retried.
    const result = policy.execute(operation, { idempotent: false });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(calls[1]! - calls[0]!).toBe(4321);
  });

  it('backs off exponentially with full jitter within [0, min(cap, base·2^(n-1)))', async () => {
    const randoms = [0.999999, 0, 0.5, 0.999999, 0.999999];
    const policy = createRetryPolicy({ baseDelayMs: 100, maxSingleDelayMs: 1000, maxAttempts: 6, random: () => randoms.shift() ?? 0 });
    const waits: number[] = [];
    const error = networkError(false);
    const { operation } = failing(error, error, error, error, error);
    const result = policy.execute(operation, { onRetry: (info) => waits.push(info.delayMs) });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(waits).toEqual([99, 0, 200, 799, 999]);
  });

  it('keeps every jittered wait inside its bounds', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    const policy = createRetryPolicy({ baseDelayMs: 500, maxSingleDelayMs: 8000, maxAttempts: 10, maxDelayMs: 1_000_000, random });
    const waits: RetryInfo[] = [];
    const error = serviceError(502);
    const { operation } = failing(...Array.from({ length: 9 }, () => error));
    const result = policy.execute(operation, { idempotent: true, onRetry: (info) => waits.push(info) });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(waits).toHaveLength(9);
    for (const { attempt, delayMs, source } of waits) {
      expect(source).toBe('backoff');
      expect(delayMs).toBeGreaterThanOrEqual(0);
      expect(delayMs).toBeLessThan(Math.min(8000, 500 * 2 ** (attempt - 1)));
    }
  });
});

describe('createRetryPolicy: limits', () => {
  it('stops after maxAttempts with THROTTLED, the last error as cause', async () => {
    const policy = createRetryPolicy({ maxAttempts: 3, random: () => 0 });
    const errors = [serviceError(429), serviceError(429), serviceError(429)];
    const { operation } = failing(...errors, serviceError(429));
    const error = await rejectionOf(policy.execute(operation));
    expect(operation).toHaveBeenCalledTimes(3);
    expect(error.code).toBe('THROTTLED');
    expect(error.cause).toBe(errors[2]);
    expect(error.message).toContain('after 3 attempts');
    expect(error.hint).toContain('retry.maxDelayMs');
    expect(error.details.attempts).toBe(3);
  });

  it('stops at once when the service asks for a wait longer than the remaining budget', async () => {
    const policy = createRetryPolicy({ maxDelayMs: 10_000 });
    const first = serviceError(503, { retryAfter: '4' });
    const second = serviceError(503, { retryAfter: '7' });
    const { operation, calls } = failing(first, second);
    const error = await rejectionOf(policy.execute(operation));
    expect(operation).toHaveBeenCalledTimes(2);
    expect(calls[1]! - calls[0]!).toBe(4000);
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.cause).toBe(second);
    expect(error.message).toMatch(/asked to wait 7s, more than the 6s left/);
    expect(error.details.waitedMs).toBe(4000);
  });

  it('never waits more than maxDelayMs in total', async () => {
    const policy = createRetryPolicy({ maxAttempts: 50, maxDelayMs: 5000, baseDelayMs: 1000, maxSingleDelayMs: 4000, random: () => 0.99 });
    const waits: number[] = [];
    const error = networkError(false);
    const { operation } = failing(...Array.from({ length: 60 }, () => error));
    const started = Date.now();
    const failure = await rejectionOf(policy.execute(operation, { onRetry: (info) => waits.push(info.delayMs) }));
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5000);
    expect(Date.now() - started).toBeLessThanOrEqual(5000);
    expect(failure.code).toBe('NETWORK_ERROR');
    expect(failure.cause).toBe(error);
  });

  it('does not retry what cannot succeed', async () => {
    const policy = createRetryPolicy();
    const denied = new MailbridgeError({ code: 'MAILBOX_ACCESS_DENIED', message: 'denied', hint: 'h', details: { status: 403 } });
    const { operation } = failing(denied);
    const error = await rejectionOf(policy.execute(operation));
    expect(error).toBe(denied);
    expect(operation).toHaveBeenCalledTimes(1);
    const plain = failing(new TypeError('a bug'));
    await expect(rejectionOf(policy.execute(plain.operation))).resolves.toBeInstanceOf(TypeError);
    expect(plain.operation).toHaveBeenCalledTimes(1);
  });

  it('refuses nonsensical limits', () => {
    expect(() => createRetryPolicy({ maxAttempts: 0 })).toThrow(/retry\.maxAttempts/);
    expect(() => createRetryPolicy({ maxDelayMs: -1 })).toThrow(/retry\.maxDelayMs/);
  });
});

describe('createRetryPolicy: abort', () => {
  it('stops waiting at once when the signal aborts', async () => {
    const policy = createRetryPolicy();
    const controller = new AbortController();
    const { operation } = failing(serviceError(429, { retryAfter: '60' }));
    const settled = policy.execute(operation, { signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error as MailbridgeError,
    );
    await vi.advanceTimersByTimeAsync(1000);
    const abortedAt = Date.now();
    controller.abort(new Error('shutdown'));
    const error = await settled;
    expect(Date.now()).toBe(abortedAt);
    expect(error?.code).toBe('ABORTED');
    expect((error?.cause as Error | undefined)?.message).toBe('shutdown');
    expect(operation).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not start when already aborted, and never retries an abort', async () => {
    const policy = createRetryPolicy();
    const never = vi.fn(async () => 'x');
    await expect(policy.execute(never, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(never).not.toHaveBeenCalled();
    const aborted = new MailbridgeError({ code: 'ABORTED', message: 'aborted', hint: 'h', retryable: false });
    const { operation } = failing(aborted);
    expect(await rejectionOf(policy.execute(operation))).toBe(aborted);
    expect(operation).toHaveBeenCalledTimes(1);
  });
});

describe('createRetryPolicy: requests that may already have taken effect', () => {
  it('does not repeat a send whose connection broke after the body went out: ambiguous', async () => {
    const policy = createRetryPolicy();
    const broken = networkError(true);
    const { operation } = failing(broken);
    const error = await rejectionOf(policy.execute(operation, { idempotent: false }));
    expect(operation).toHaveBeenCalledTimes(1);
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.details.ambiguous).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.cause).toBe(broken);
    expect(error.hint).toContain('Sent Items');
  });

  it('does not repeat a gateway 5xx of a non-idempotent request, but does repeat it for an idempotent one', async () => {
    const policy = createRetryPolicy({ random: () => 0 });
    const send = failing(serviceError(504));
    expect((await rejectionOf(policy.execute(send.operation, { idempotent: false }))).details.ambiguous).toBe(true);
    expect(send.operation).toHaveBeenCalledTimes(1);
    const read = failing(serviceError(504), serviceError(502));
    const result = policy.execute(read.operation, { idempotent: true });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
  });

  it('repeats a non-idempotent request that provably never arrived or was refused', async () => {
    const policy = createRetryPolicy({ random: () => 0 });
    const { operation } = failing(networkError(false), serviceError(429), serviceError(503));
    const result = policy.execute(operation, { idempotent: false });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(operation).toHaveBeenCalledTimes(4);
  });

  it('lets onAmbiguous settle it: applied returns the found value, not-applied retries, unknown throws', async () => {
    const policy = createRetryPolicy({ random: () => 0 });

    const applied = failing(networkError(true));
    const found = policy.execute(applied.operation, { onAmbiguous: async () => ({ outcome: 'applied', value: 'found in Sent Items' }) });
    await vi.runAllTimersAsync();
    await expect(found).resolves.toBe('found in Sent Items');
    expect(applied.operation).toHaveBeenCalledTimes(1);

    const notApplied = failing(networkError(true));
    const checks: number[] = [];
    const resent = policy.execute(notApplied.operation, {
      onAmbiguous: async ({ attempt }) => {
        checks.push(attempt);
        return { outcome: 'not-applied' };
      },
    });
    await vi.runAllTimersAsync();
    await expect(resent).resolves.toBe('ok');
    expect(notApplied.operation).toHaveBeenCalledTimes(2);
    expect(checks).toEqual([1]);

    const unknown = failing(networkError(true));
    const error = await rejectionOf(policy.execute(unknown.operation, { onAmbiguous: async () => ({ outcome: 'unknown' }) }));
    expect(error.details.ambiguous).toBe(true);

    const specific = new MailbridgeError({ code: 'SEND_UNCONFIRMED', message: 'm', hint: 'h' });
    const thrown = failing(networkError(true));
    expect(
      await rejectionOf(
        policy.execute(thrown.operation, {
          onAmbiguous: async () => {
            throw specific;
          },
        }),
      ),
    ).toBe(specific);
  });

  it('lets a caller classifier decide first and fall back to the default', async () => {
    const policy = createRetryPolicy({ random: () => 0 });
    const custom = new Error('ErrorTimeoutExpired');
    const { operation } = failing(custom, serviceError(429));
    const result = policy.execute(operation, {
      classify: (error) => (error === custom ? { kind: 'retry', delayMs: 250 } : undefined),
    });
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(operation).toHaveBeenCalledTimes(3);
  });

  it('classifies plain errors by status when they are not MailbridgeErrors', () => {
    const context = { idempotent: false, attempt: 1, now: Date.now() };
    expect(classifyError(Object.assign(new Error('x'), { statusCode: 429 }), context)).toEqual({ kind: 'retry' });
    expect(classifyError(Object.assign(new Error('x'), { status: 502 }), context)).toEqual({ kind: 'ambiguous' });
    expect(classifyError(Object.assign(new Error('x'), { status: 400 }), context)).toEqual({ kind: 'fail' });
    expect(classifyError(Object.assign(new Error('x'), { status: 503, retryAfterMs: 10 }), context)).toEqual({ kind: 'retry', delayMs: 10 });
  });
});
