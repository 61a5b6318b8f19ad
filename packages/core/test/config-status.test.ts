import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { isLoopbackHost, parseConfig, statusSchema } from '../src/config/index.js';

describe('status listener config (relay.status / outbox.status)', () => {
  it('defaults to loopback port 8025, no subjects, a 10 s page refresh and a 60 s token check', () => {
    expect(statusSchema.parse({})).toEqual({ host: '127.0.0.1', port: 8025, showSubjects: false, refreshSeconds: 10, tokenCheckSeconds: 60 });
  });

  it.each(['127.0.0.1', '127.10.0.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1', 'LOCALHOST'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'status.contoso.com', '::ffff:10.0.0.1', '128.0.0.1'])('%s is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('refuses a listener beyond loopback without auth, naming status.auth and how to fix it', () => {
    const result = statusSchema.safeParse({ host: '0.0.0.0' });
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path).toEqual(['auth']);
    expect(issue.message).toContain('is required when the status listener is reachable from other machines');
    expect(issue.message).toContain('"bearer"');
  });

  it('accepts a listener beyond loopback with a bearer token or basic credentials (secret references)', () => {
    expect(statusSchema.parse({ host: '0.0.0.0', auth: { bearer: { env: 'STATUS_TOKEN' } } }).auth).toEqual({ bearer: { env: 'STATUS_TOKEN' } });
    expect(statusSchema.parse({ host: '::', auth: { basic: { user: 'prometheus', password: { file: './status-password' } } } }).auth).toEqual({
      basic: { user: 'prometheus', password: { file: './status-password' } },
    });
  });

  it('refuses malformed auth without quoting the value', () => {
    const result = statusSchema.safeParse({ auth: { token: 'CANARY-status-secret-1234' } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error!.issues)).not.toContain('CANARY-status-secret-1234');
    expect(result.error!.issues[0]!.message).toContain('expected {"bearer": SECRET}');
    expect(statusSchema.safeParse({ auth: { basic: { user: 'a:b', password: 'x' } } }).success).toBe(false);
  });

  it('refuses ports out of range and unknown keys', () => {
    expect(statusSchema.safeParse({ port: 70000 }).success).toBe(false);
    expect(statusSchema.safeParse({ port: 80.5 }).success).toBe(false);
    expect(statusSchema.safeParse({ prot: 80 }).success).toBe(false);
  });

  it('has a JSON Schema for editors', () => {
    const json = z.toJSONSchema(statusSchema, { io: 'input', unrepresentable: 'throw' }) as Record<string, any>;
    expect(json.properties.port.default).toBe(8025);
    expect(json.properties.showSubjects.default).toBe(false);
    expect(json.additionalProperties).toBe(false);
  });
});

describe('status listener secrets in config warnings', () => {
  const base = {
    transport: 'graph',
    mailbox: 'alerts@contoso.com',
    auth: { tenant: '11111111-2222-3333-4444-555555555555', clientId: '66666666-7777-8888-9999-000000000000', clientSecret: { env: 'MB_SECRET' } },
  };

  it('warns about a status token written in the config file, without quoting it', () => {
    const { warnings } = parseConfig({ ...base, relay: { status: { auth: { bearer: 'CANARY-literal-status-token' } } } }, { env: { MB_SECRET: 'x' } });
    expect(warnings).toContainEqual(expect.objectContaining({ path: 'relay.status.auth.bearer', code: 'SECRET_INLINE' }));
    expect(JSON.stringify(warnings)).not.toContain('CANARY-literal-status-token');
  });

  it('warns about a status password variable that is not set', () => {
    const { warnings } = parseConfig({ ...base, outbox: { status: { auth: { basic: { user: 'prometheus', password: { env: 'MB_STATUS_PASSWORD' } } } } } }, { env: { MB_SECRET: 'x' } });
    expect(warnings).toContainEqual(expect.objectContaining({ path: 'outbox.status.auth.basic.password', code: 'SECRET_ENV_MISSING' }));
    expect(parseConfig({ ...base, outbox: { status: { auth: { basic: { user: 'p', password: { env: 'MB_STATUS_PASSWORD' } } } } } }, { env: { MB_SECRET: 'x', MB_STATUS_PASSWORD: 'y' } }).warnings).toEqual([]);
  });
});
