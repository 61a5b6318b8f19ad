import { describe, expect, it } from 'vitest';
import { ERROR_CODES, exitCodeFor, MailbridgeError } from '../src/errors/index.js';

describe('MailbridgeError', () => {
  it('is recognised across package copies by its marker, not by instanceof', () => {
    const error = new MailbridgeError({ code: 'CONFIG_INVALID', message: 'auth.clientId: expected a GUID', hint: 'Copy the Application (client) ID.' });
    expect(MailbridgeError.isInstance(error)).toBe(true);
    // A structurally identical object from "another copy" carries the same global-registry symbol.
    const foreign = Object.assign(new Error('x'), { [Symbol.for('mailbridge.error')]: true });
    expect(MailbridgeError.isInstance(foreign)).toBe(true);
    expect(MailbridgeError.isInstance(new Error('plain'))).toBe(false);
    expect(MailbridgeError.isInstance({ code: 'CONFIG_INVALID' })).toBe(false);
  });

  it('serialises code, message, hint and support ids only', () => {
    const error = new MailbridgeError({
      code: 'AUTH_INVALID_SECRET',
      message: 'The client secret was rejected.',
      hint: 'Create a new secret.',
      details: { aadsts: 7000215, correlationId: 'c', traceId: 't', status: 401 },
    });
    expect(error.toJSON()).toEqual({ code: 'AUTH_INVALID_SECRET', message: 'The client secret was rejected.', hint: 'Create a new secret.', aadsts: 7000215, correlationId: 'c', traceId: 't' });
  });

  it('maps config and usage codes to exit 2, the rest to exit 1', () => {
    for (const code of Object.keys(ERROR_CODES) as Array<keyof typeof ERROR_CODES>) {
      const expected = code.startsWith('CONFIG_') || ['USAGE', 'SECRET_UNRESOLVED', 'INVALID_MESSAGE', 'ADAPTER_MISSING', 'SANDBOX_SEED_INVALID'].includes(code) ? 2 : 1;
      expect(exitCodeFor(code), code).toBe(expected);
    }
  });
});
