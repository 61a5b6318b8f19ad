import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { MailbridgeConfig } from '@mailbridge/core';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialExpiry } from '../src/status/credential-expiry.js';
import { tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.cleanup());
const now = new Date('2026-12-07T03:00:00Z');
const appOnly = (auth: Record<string, unknown>) => ({ auth: { flow: 'client-credentials', tenant: 't', clientId: 'c', ...auth } }) as unknown as MailbridgeConfig;

function opensslMissing(): string | undefined {
  if (spawnSync('openssl', ['version']).status === 0) return undefined;
  if (process.env.CI === 'true') throw new Error('openssl is not installed: CI must run the certificate expiry test');
  console.warn('skipping the certificate expiry test: openssl is not installed');
  return 'openssl missing';
}

describe('credential expiry on the status page', () => {
  it('a client secret: ok, warned within 30 days, expired after; unknown without secretExpiresAt is a warning', async () => {
    expect(await credentialExpiry(appOnly({ clientSecret: { env: 'X' }, secretExpiresAt: '2027-06-01' }), now)).toMatchObject({ kind: 'client-secret', state: 'ok', daysLeft: 176 });
    expect(await credentialExpiry(appOnly({ clientSecret: { env: 'X' }, secretExpiresAt: '2026-12-20' }), now)).toMatchObject({
      state: 'warn',
      daysLeft: 13,
      message: 'The client secret expires on 2026-12-20, in 13 days.',
    });
    expect(await credentialExpiry(appOnly({ clientSecret: { env: 'X' }, secretExpiresAt: '2026-12-01' }), now)).toMatchObject({ state: 'expired', message: 'The client secret expired on 2026-12-01.' });
    expect(await credentialExpiry(appOnly({ clientSecret: { env: 'X' } }), now)).toMatchObject({ state: 'warn', message: expect.stringContaining('auth.secretExpiresAt is not set') });
  });

  it('nothing expires for a signed-in person or a federated credential', async () => {
    expect(await credentialExpiry({ auth: { flow: 'device-code' } } as unknown as MailbridgeConfig, now)).toMatchObject({ kind: 'none', state: 'none' });
    expect(await credentialExpiry(appOnly({ clientAssertionFile: '/x' }), now)).toMatchObject({ kind: 'none', state: 'none' });
  });

  it.skipIf(opensslMissing() !== undefined)('a certificate: its own expiry, read from the PEM file; an unreadable file is a warning', async () => {
    const make = (name: string, days: number) => {
      const cert = join(dir.path, `${name}.pem`);
      const result = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', '/CN=mailbridge-test', '-keyout', join(dir.path, `${name}-key.pem`), '-out', cert]);
      expect(result.status).toBe(0);
      return cert;
    };
    const soon = await credentialExpiry(appOnly({ certificate: { certificateFile: make('soon', 10), privateKeyFile: 'k' } }));
    expect(soon).toMatchObject({ kind: 'certificate', state: 'warn' });
    expect(soon.daysLeft).toBeGreaterThanOrEqual(9);
    expect(soon.daysLeft).toBeLessThanOrEqual(10);
    expect(await credentialExpiry(appOnly({ certificate: { certificateFile: make('later', 400), privateKeyFile: 'k' } }))).toMatchObject({ state: 'ok' });
    const garbage = dir.write('garbage.pem', 'not a certificate');
    expect(await credentialExpiry(appOnly({ certificate: { certificateFile: garbage, privateKeyFile: 'k' } }))).toMatchObject({ kind: 'certificate', state: 'warn', message: expect.stringContaining('cannot be read') });
  });
});
