import { describe, expect, it } from 'vitest';
import { createRetryPolicy, isOutcomeUnknown, MailbridgeError } from '../src/index.js';

describe('isOutcomeUnknown', () => {
  it('is true for the ambiguous failure of a non-idempotent request, false otherwise', async () => {
    const reset = new MailbridgeError({ code: 'NETWORK_ERROR', message: 'reset', hint: 'retry', details: { requestSent: true }, retryable: true });
    const policy = createRetryPolicy({ maxAttempts: 3 });
    const error = await policy.execute(() => Promise.reject(reset), { idempotent: false }).catch((caught: unknown) => caught);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(isOutcomeUnknown(reset)).toBe(false);
    expect(isOutcomeUnknown(new Error('plain'))).toBe(false);
    expect(isOutcomeUnknown(undefined)).toBe(false);
  });
});
