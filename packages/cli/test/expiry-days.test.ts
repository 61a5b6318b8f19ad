import { type MailbridgeConfig, parseConfig } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import { credentialExpiry } from '../src/status/credential-expiry.js';

// Issue 15, item 15: "in 9 days" for an expiry 10 days away. Days are calendar days everywhere
// (doctor, the status page, config warnings), at any hour of today.

const late = new Date('2026-12-07T23:30:00Z');
const config = (secretExpiresAt: string) => ({
  transport: 'graph',
  mailbox: 'alerts@contoso.com',
  auth: { tenant: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'X' }, secretExpiresAt },
});

describe('expiry in calendar days', () => {
  it('the status page says "in 10 days" for a date ten days ahead, late in the day', async () => {
    const loaded = parseConfig(config('2026-12-17'), { env: {}, now: late });
    expect(await credentialExpiry(loaded.config as MailbridgeConfig, late)).toMatchObject({ state: 'warn', daysLeft: 10, message: 'The client secret expires on 2026-12-17, in 10 days.' });
    // The date itself is still a valid day, as doctor counts it; the day after, expired.
    expect(await credentialExpiry(parseConfig(config('2026-12-07'), { env: {}, now: late }).config as MailbridgeConfig, late)).toMatchObject({ state: 'warn', daysLeft: 0 });
    expect(await credentialExpiry(parseConfig(config('2026-12-06'), { env: {}, now: late }).config as MailbridgeConfig, late)).toMatchObject({ state: 'expired' });
  });

  it('the config warning says "in 10 days" too, and calls a secret expiring today not yet expired', () => {
    const soon = parseConfig(config('2026-12-17'), { env: {}, now: late }).warnings.find((warning) => warning.path === 'auth.secretExpiresAt');
    expect(soon).toMatchObject({ code: 'SECRET_EXPIRES_SOON', message: 'the client secret expires on 2026-12-17 (in 10 days)' });
    const today = parseConfig(config('2026-12-07'), { env: {}, now: late }).warnings.find((warning) => warning.path === 'auth.secretExpiresAt');
    expect(today?.code).toBe('SECRET_EXPIRES_SOON');
    const gone = parseConfig(config('2026-12-06'), { env: {}, now: late }).warnings.find((warning) => warning.path === 'auth.secretExpiresAt');
    expect(gone?.code).toBe('SECRET_EXPIRED');
  });
});
