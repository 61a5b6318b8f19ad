import { describe, expect, it } from 'vitest';
import { toNetworkError } from '../src/http/network-failure.js';

// Issue 15, item 15: undici's bare "fetch failed" (from an HTTP client other than core's) reached
// the user without the cause it wraps.
describe('toNetworkError', () => {
  it('names the cause a bare "fetch failed" wraps, with the hint for it', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4432'), { code: 'ECONNREFUSED' });
    const error = toNetworkError(new TypeError('fetch failed', { cause: refused }), 'https://127.0.0.1:4432/EWS/Exchange.asmx');
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', retryable: true, details: { requestSent: false } });
    expect(error.message).toBe('The connection to 127.0.0.1:4432 failed (connect ECONNREFUSED 127.0.0.1:4432 (ECONNREFUSED)).');
    expect(error.hint).toContain('Nothing accepts connections at 127.0.0.1:4432');
  });

  it('says what a cause without a code says, not "fetch failed"', () => {
    const error = toNetworkError(new TypeError('fetch failed', { cause: new Error('bad port') }), 'https://127.0.0.1:6000/EWS/Exchange.asmx');
    expect(error.message).toBe('The connection to 127.0.0.1:6000 failed (bad port).');
  });
});
