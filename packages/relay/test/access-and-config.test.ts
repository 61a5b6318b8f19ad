import { MailbridgeError, parseConfig } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import { matchesAddress } from '../src/access/address-pattern.js';
import { createConnectionRateLimit } from '../src/access/connection-rate-limit.js';
import { createLoginLockout } from '../src/access/login-lockout.js';
import { createNetworkAllowlist, isLoopbackHost } from '../src/access/network-allowlist.js';
import { hashPassword, verifyPassword } from '../src/index.js';
import { rewriteRecipientHeaders } from '../src/message/rewrite-recipient-headers.js';

const base = { transport: 'graph', mailbox: 'a@contoso.example', auth: { tenant: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'X' } } };
const problems = (relay: unknown): string => {
  try {
    parseConfig({ ...base, relay });
    return '';
  } catch (error) {
    return MailbridgeError.isInstance(error) ? error.message : String(error);
  }
};

describe('relay config section', () => {
  it('fills the defaults: loopback only, 2525 plain, rewrite, 35 MiB, lockout', () => {
    const { config } = parseConfig({ ...base, relay: {} });
    expect(config.relay).toMatchObject({
      listen: [{ host: '127.0.0.1', port: 2525, tls: 'none' }],
      allowedNetworks: ['127.0.0.0/8', '::1/128'],
      requireAuth: false,
      otherSenders: 'rewrite',
      maxMessageBytes: 36_700_160,
      lockout: { maxFailures: 5, windowSeconds: 900, lockSeconds: 900 },
    });
  });
  it('names each problem by path, without quoting a password', () => {
    expect(problems({ listen: [{ port: 465, tls: 'implicit' }] })).toMatch(/relay\.listen\[0\]\.tls: "implicit" needs a certificate/);
    expect(problems({ allowedNetworks: ['10.0.0.0/33'] })).toMatch(/relay\.allowedNetworks\[0\]: expected an IPv4 or IPv6 network/);
    expect(problems({ requireAuth: true })).toMatch(/relay\.users: is empty while requireAuth is true/);
    const secret = problems({ users: [{ username: 'u', password: { scrypt: 'hunter2-canary' } }] });
    expect(secret).toMatch(/relay\.users\[0\]\.password/);
    expect(secret).not.toContain('hunter2-canary');
    expect(
      problems({
        users: [
          { username: 'u', password: 'p' },
          { username: 'U', password: 'q' },
        ],
      }),
    ).toMatch(/relay\.users\[1\]\.username: appears twice/);
  });
  it('makes TLS and {file} password paths absolute against the config folder', () => {
    const { config } = parseConfig({ ...base, relay: { tls: { certFile: 'c.pem', keyFile: 'k.pem' }, users: [{ username: 'u', password: { file: 'pw' } }] } }, { baseDir: '/etc/mailbridge' });
    expect(config.relay!.tls).toEqual({ certFile: '/etc/mailbridge/c.pem', keyFile: '/etc/mailbridge/k.pem' });
    expect(config.relay!.users[0]!.password).toEqual({ file: '/etc/mailbridge/pw' });
  });
});

describe('access rules', () => {
  it('CIDR allowlist: IPv4, IPv6, IPv4-mapped, single addresses', () => {
    const list = createNetworkAllowlist(['127.0.0.0/8', '::1/128', '10.20.0.0/16', 'fd00::/8', '192.0.2.7']);
    expect(list.allows('127.0.0.1')).toBe(true);
    expect(list.allows('::ffff:10.20.3.4')).toBe(true);
    expect(list.allows('10.21.0.1')).toBe(false);
    expect(list.allows('fd12::1')).toBe(true);
    expect(list.allows('fe80::1')).toBe(false);
    expect(list.allows('192.0.2.7')).toBe(true);
    expect(list.allows('192.0.2.8')).toBe(false);
    expect(list.allows('not an ip')).toBe(false);
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('::')).toBe(false);
  });
  it('address patterns: exact (case-insensitive) and @domain (not subdomains)', () => {
    expect(matchesAddress('Scans@Contoso.com', ['scans@contoso.com'])).toBe(true);
    expect(matchesAddress('x@contoso.com', ['@contoso.com'])).toBe(true);
    expect(matchesAddress('x@evil.contoso.com', ['@contoso.com'])).toBe(false);
    expect(matchesAddress('x@contoso.com.evil', ['@contoso.com'])).toBe(false);
  });
  it('lockout locks after maxFailures within the window and unlocks after lockMs', () => {
    let now = 0;
    const lockout = createLoginLockout({ maxFailures: 3, windowMs: 1000, lockMs: 5000, now: () => now });
    lockout.recordFailure('a');
    now = 2000; // the first failure left the window
    lockout.recordFailure('a');
    expect(lockout.lockedFor('a')).toBe(0);
    expect(lockout.recordFailure('a')).toBe(false);
    expect(lockout.recordFailure('a')).toBe(true);
    expect(lockout.lockedFor('a')).toBe(5000);
    expect(lockout.lockedFor('b')).toBe(0);
    now += 5001;
    expect(lockout.lockedFor('a')).toBe(0);
  });
  it('connection rate: per address per minute, bounded memory', () => {
    let now = 0;
    const limit = createConnectionRateLimit({ perMinute: 2, maxTracked: 3, now: () => now });
    expect([limit.admit('a'), limit.admit('a'), limit.admit('a'), limit.admit('b')]).toEqual([true, true, false, true]);
    now = 60_001;
    expect(limit.admit('a')).toBe(true);
  });
  it('scrypt hashes verify only the right password; a tampered or oversized hash is refused', async () => {
    const hash = await hashPassword('s3cret-pass');
    expect(await verifyPassword('s3cret-pass', hash)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', hash)).toBe(false);
    expect(await verifyPassword('s3cret-pass', hash.replace('N=16384', 'N=1073741824'))).toBe(false);
    expect(await verifyPassword('s3cret-pass', 'plain')).toBe(false);
  });
});

describe('rewriteRecipientHeaders', () => {
  it('replaces To/Cc/Bcc (folded ones too) and keeps every other byte', () => {
    const raw = Buffer.from('Subject: =?UTF-8?B?w7w=?=\r\nTo: a@x.example,\r\n  hidden@x.example\r\nX-Keep: 1\r\nCc: c@x.example\r\n\r\nbody \xff\r\n', 'latin1');
    const out = rewriteRecipientHeaders(raw, { to: [{ address: 'a@x.example', name: 'Zoë' }], cc: [], bcc: [{ address: 'b@x.example' }] }).toString('latin1');
    expect(out).toBe('Subject: =?UTF-8?B?w7w=?=\r\nX-Keep: 1\r\nTo: =?UTF-8?B?Wm/Dqw==?= <a@x.example>\r\nBcc: <b@x.example>\r\n\r\nbody \xff\r\n');
  });
});
