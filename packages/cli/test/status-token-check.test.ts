import type { AccessToken, TokenProvider } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import { createTokenCheck } from '../src/status/token-check.js';

const coded = (code: string) => Object.assign(new Error(`failed: ${code}`), { [Symbol.for('mailbridge.error')]: true, code, hint: 'do something' });

/** A token provider that records how it is asked (a unit below the token check; the browser test uses the real one). */
function provider(answers: Array<AccessToken | Error>): TokenProvider & { calls: Array<{ forceRefresh?: boolean }> } {
  const calls: Array<{ forceRefresh?: boolean }> = [];
  return {
    kind: 'app-only',
    calls,
    async getToken(_resource, options) {
      calls.push({ ...(options?.forceRefresh !== undefined ? { forceRefresh: options.forceRefresh } : {}) });
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no more answers');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

const token = (expiresAt: string): AccessToken => ({ token: 'SECRET-TOKEN-VALUE', expiresAt: new Date(expiresAt), claims: { aud: 'a', iss: 'i', tid: 't', exp: 0 } });

describe('token check', () => {
  it('forces a new token, then reuses a success for the interval; shares one request between concurrent checks', async () => {
    let now = 1_000_000;
    const tokens = provider([token('2026-12-07T05:00:00Z'), token('2026-12-07T06:00:00Z')]);
    const check = createTokenCheck({ tokens, resource: 'graph', intervalMs: 60_000, now: () => now });
    expect(check.view()).toEqual({ state: 'unknown' });
    await Promise.all([check.check(), check.check(), check.check()]);
    expect(tokens.calls).toEqual([{ forceRefresh: true }]);
    expect(check.view()).toMatchObject({ state: 'valid', expiresAt: new Date('2026-12-07T05:00:00Z') });
    now += 59_000;
    await check.check();
    expect(tokens.calls).toHaveLength(1);
    now += 2_000;
    await check.check();
    expect(tokens.calls).toHaveLength(2);
    expect(JSON.stringify(check.view())).not.toContain('SECRET-TOKEN-VALUE');
  });

  it('reports a failure with its code and hint, asks again after 5 s (not the whole interval), and recovers', async () => {
    let now = 0;
    const tokens = provider([coded('AUTH_INVALID_SECRET'), coded('AUTH_INVALID_SECRET'), token('2026-12-07T05:00:00Z')]);
    const check = createTokenCheck({ tokens, resource: 'ews', intervalMs: 60_000, now: () => now });
    await expect(check.check()).rejects.toMatchObject({ code: 'AUTH_INVALID_SECRET' });
    expect(check.view()).toMatchObject({ state: 'failing', code: 'AUTH_INVALID_SECRET', hint: 'do something' });
    now += 4_000;
    await expect(check.check()).rejects.toMatchObject({ code: 'AUTH_INVALID_SECRET' });
    expect(tokens.calls).toHaveLength(1);
    now += 2_000;
    await expect(check.check()).rejects.toMatchObject({ code: 'AUTH_INVALID_SECRET' });
    expect(tokens.calls).toHaveLength(2);
    now += 6_000;
    await check.check();
    expect(check.view().state).toBe('valid');
  });

  it('stops waiting when the caller aborts (a /readyz deadline) without cancelling the request', async () => {
    let release: (value: AccessToken) => void = () => undefined;
    const tokens: TokenProvider = { kind: 'app-only', getToken: () => new Promise((resolve) => (release = resolve)) };
    const check = createTokenCheck({ tokens, resource: 'graph' });
    const controller = new AbortController();
    const waiting = check.check(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    release(token('2026-12-07T05:00:00Z'));
    await check.check();
    expect(check.view().state).toBe('valid');
  });
});
