import { describe, expect, it } from 'vitest';
import { createLogger, type LogRecord, silentLogger } from '../src/log/index.js';
import { createRedactor } from '../src/redact/index.js';

describe('createLogger', () => {
  it('emits records at or above its level, redacted, with bindings', () => {
    const records: LogRecord[] = [];
    const redactor = createRedactor({ secrets: ['very-secret-password'] });
    const logger = createLogger({ level: 'info', sink: (record) => records.push(record), redactor, bindings: { component: 'graph' }, now: () => 42 });
    logger.debug('not shown');
    logger.info('token request with password=very-secret-password', { attempt: 1, headers: { authorization: 'Bearer x.y.z' } });
    logger.error('failed', { error: new Error('very-secret-password rejected') });
    expect(records.map((r) => r.level)).toEqual(['info', 'error']);
    expect(records[0]).toEqual({
      level: 'info',
      time: 42,
      message: 'token request with password=[REDACTED]',
      fields: { component: 'graph', attempt: 1, headers: { authorization: '[REDACTED]' } },
    });
    expect(JSON.stringify(records)).not.toContain('very-secret-password');
  });

  it('is silent without a sink, and a throwing sink does not break the caller', () => {
    expect(createLogger()).toBe(silentLogger);
    expect(() => silentLogger.error('x')).not.toThrow();
    const logger = createLogger({
      level: 'debug',
      sink: () => {
        throw new Error('disk full');
      },
    });
    expect(() => logger.debug('x')).not.toThrow();
  });
});
