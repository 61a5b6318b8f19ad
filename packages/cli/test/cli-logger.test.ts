import { Writable } from 'node:stream';
import { defaultRedactor } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import { createIo } from '../src/output/cli-io.js';
import { cliLogLevel, createCliLogger } from '../src/output/cli-logger.js';

// The CLI logger's formatting and safety, below the process level: what reaches stderr for records
// that carry a registered secret, a token, a control sequence; levels per command kind.
const SECRET = 'CANARY~cli-logger-secret-0f3b9d';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJlLWNhbmFyeQ';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

describe('createCliLogger', () => {
  defaultRedactor.addSecret(SECRET);

  it('human: one line per record — ISO time, level, message, key=value — with secrets, tokens and control characters neutralised; stdout untouched', async () => {
    const stdout = capture();
    const stderr = capture();
    const io = createIo({ verbose: true }, { stdout: stdout.stream, stderr: stderr.stream, env: {} });
    const logger = await createCliLogger(io);
    logger.warn(`token request failed for ${SECRET}\n2026-01-01T00:00:00.000Z error  forged`, { authorization: `Bearer ${TOKEN}`, detail: `got ${TOKEN}`, attempt: 2, note: 'two words' });
    logger.debug('http response', { status: 202 });
    const lines = stderr.text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn {2}token request failed for \[REDACTED\]\\n2026/);
    expect(lines[0]).toContain('authorization=[REDACTED]');
    expect(lines[0]).toContain('detail="got [REDACTED]"');
    expect(lines[0]).toContain('attempt=2 note="two words"');
    expect(lines[1]).toMatch(/Z debug http response status=202$/);
    expect(stderr.text()).not.toContain(SECRET);
    expect(stderr.text()).not.toContain(TOKEN);
    expect(stdout.text()).toBe('');
  });

  it('--json: one JSON object per record on stderr, redacted; stdout untouched', async () => {
    const stdout = capture();
    const stderr = capture();
    const io = createIo({ json: true }, { stdout: stdout.stream, stderr: stderr.stream, env: {} });
    const logger = await createCliLogger(io, { longRunning: true });
    logger.info('outbox send will be retried', { id: 'm1', message: 'not the record message', token: TOKEN, why: `secret ${SECRET}` });
    logger.debug('dropped at info');
    const records = stderr
      .text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(records).toEqual([{ id: 'm1', token: '[REDACTED]', why: 'secret [REDACTED]', time: expect.any(String), level: 'info', message: 'outbox send will be retried' }]);
    expect(stdout.text()).toBe('');
  });

  it('levels: warn for one-shot commands, info for long-running ones, debug with --verbose', () => {
    expect(cliLogLevel({ verbose: false })).toBe('warn');
    expect(cliLogLevel({ verbose: false }, { longRunning: true })).toBe('info');
    expect(cliLogLevel({ verbose: true })).toBe('debug');
    expect(cliLogLevel({ verbose: true }, { longRunning: true })).toBe('debug');
  });
});
