import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';

const base = {
  transport: 'graph',
  mailbox: 'alerts@contoso.com',
  auth: { tenant: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'S' } },
};

describe('config: the outbox section', () => {
  it('is optional, and when present every key has its documented default', () => {
    expect(parseConfig(base).config.outbox).toBeUndefined();
    const { outbox } = parseConfig({ ...base, outbox: {} }, { baseDir: '/srv/app' }).config;
    expect(outbox).toEqual({
      store: { type: 'file', dir: join('/srv/app', 'mailbridge-outbox') },
      limits: { messagesPerMinute: 30, recipientsPerDay: 10_000, recipientsPerMessage: 500 },
      maxAgeHours: 24,
      concurrency: 4,
    });
  });

  it('makes the spool folder absolute against the config file, and takes a redis store with a secret URL', () => {
    const file = parseConfig({ ...base, outbox: { store: { type: 'file', dir: 'spool' } } }, { baseDir: '/etc/mailbridge' }).config.outbox!;
    expect(file.store).toEqual({ type: 'file', dir: join('/etc/mailbridge', 'spool') });
    expect(isAbsolute((file.store as { dir: string }).dir)).toBe(true);
    const redis = parseConfig({ ...base, outbox: { store: { type: 'redis', url: { env: 'REDIS_URL' } } } }).config.outbox!;
    expect(redis.store).toEqual({ type: 'redis', url: { env: 'REDIS_URL' }, prefix: 'mailbridge' });
  });

  it('names the JSON path of each problem', () => {
    const bad = { ...base, outbox: { store: { type: 'sqlite' }, limits: { messagesPerMinute: 0 }, maxAgeHours: -1, concurrency: 1.5, extra: true } };
    let message = '';
    try {
      parseConfig(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('outbox.store');
    expect(message).toContain('outbox.limits.messagesPerMinute');
    expect(message).toContain('outbox.maxAgeHours');
    expect(message).toContain('outbox.concurrency');
    expect(message).toMatch(/outbox.*extra/);
  });
});
