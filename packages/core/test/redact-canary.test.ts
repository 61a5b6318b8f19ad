import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailbridgeError } from '../src/errors/index.js';
import { createHttpClient } from '../src/http/index.js';
import { createLogger, type LogRecord } from '../src/log/index.js';
import { defaultRedactor } from '../src/redact/index.js';
import { createRetryPolicy } from '../src/retry/index.js';

// The canaries: a client secret as Entra issues them (registered, as config secrets are when
// resolved) and a JWT access token (never registered: it must be caught by its shape).
const SECRET = 'Qx8~canary.SecretValue_9f3kLmN0pQrStUvWxYz';
const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSIsImNhbmFyeSI6dHJ1ZX0.Y2FuYXJ5LXNpZ25hdHVyZS1ub3QtcmVhbC1hdC1hbGw';
defaultRedactor.addSecret(SECRET);

/** Every string a user or a log could see from a value: message, hint, JSON, String, stack, inspect with causes. */
function everyString(value: unknown): string {
  const parts: string[] = [inspect(value, { depth: 20, showHidden: true }), String(value)];
  try {
    parts.push(JSON.stringify(value));
  } catch {
    // Not serialisable: inspect covers it.
  }
  let current: unknown = value;
  for (let depth = 0; depth < 10 && current instanceof Error; depth += 1) {
    parts.push(current.message, current.stack ?? '', MailbridgeError.isInstance(current) ? current.hint + JSON.stringify(current.details) + JSON.stringify(current.toJSON()) : '');
    current = current.cause;
  }
  return parts.join('\n');
}

function expectClean(value: unknown): void {
  const text = everyString(value);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(encodeURIComponent(SECRET));
  expect(text).not.toContain(JWT);
  expect(text).not.toContain(JWT.split('.')[2]);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

let server: Server;
let origin: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/hang')) return;
    // Reads the request, then drops the connection: a failure after the request went out.
    req.resume();
    req.on('end', () => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('canary secrets never leave through errors or logs', () => {
  const request = {
    method: 'POST',
    headers: { authorization: `Bearer ${JWT}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: `client_id=x&client_secret=${encodeURIComponent(SECRET)}&client_assertion=${JWT}`,
  };

  it('HTTP client errors: broken connection, timeout, refused, invalid URL, proxy with credentials', async () => {
    const logged: string[] = [];
    const logger = createLogger({ level: 'debug', sink: (record) => logged.push(inspect(record, { depth: 10 })) });
    const http = createHttpClient({ env: {}, logger });
    const impatient = createHttpClient({ env: {}, timeoutMs: 200, logger });
    const viaProxy = createHttpClient({ env: {}, proxy: `http://proxyuser:${SECRET}@127.0.0.1:1`, logger });
    const errors = [
      await caught(http.fetch(`${origin}/send/${JWT}?key=${SECRET}&t=${JWT}`, request)),
      await caught(impatient.fetch(`${origin}/hang?secret=${SECRET}`, request)),
      await caught(http.fetch(`http://user:${SECRET}@127.0.0.1:1/?access_token=${JWT}`, request)),
      await caught(http.fetch(`ht tp://bad url/${SECRET}?${JWT}`, request)),
      await caught(viaProxy.fetch(`${origin}/x?sig=${SECRET}`, request)),
    ];
    expect(errors.map((e) => (e as MailbridgeError).code)).toEqual(['NETWORK_ERROR', 'NETWORK_TIMEOUT', 'NETWORK_ERROR', 'USAGE', 'PROXY_ERROR']);
    for (const error of errors) expectClean(error);
    expect(logged.length).toBeGreaterThanOrEqual(4);
    expectClean(logged.join('\n'));
    await Promise.all([http.close(), impatient.close(), viaProxy.close()]);
  });

  it('retry policy errors: exhausted, ambiguous and over-budget, with a service error echoing the secret as cause', async () => {
    const logged: string[] = [];
    const logger = createLogger({ level: 'debug', sink: (record) => logged.push(JSON.stringify(record)) });
    const policy = createRetryPolicy({ sleep: async () => {}, maxAttempts: 2, logger });
    const echoing = () =>
      new MailbridgeError({
        code: 'SERVICE_UNAVAILABLE',
        message: `The service said: invalid request client_secret=${SECRET} token ${JWT}`,
        hint: 'h',
        retryable: true,
        details: { status: 502 },
        cause: new Error(`upstream: Bearer ${JWT} / ${SECRET}`),
      });
    const exhausted = await caught(policy.execute(async () => Promise.reject(echoing()), { idempotent: true }));
    const ambiguous = await caught(policy.execute(async () => Promise.reject(echoing()), { idempotent: false }));
    const overBudget = await caught(
      createRetryPolicy({ maxDelayMs: 10 }).execute(async () => {
        throw Object.assign(new Error(`throttled ${SECRET}`), { status: 429, retryAfterMs: 60_000 });
      }),
    );
    expect([exhausted, ambiguous].map((e) => (e as MailbridgeError).code)).toEqual(['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
    expect((ambiguous as MailbridgeError).details.ambiguous).toBe(true);
    expect((overBudget as MailbridgeError).code).toBe('THROTTLED');
    for (const error of [exhausted, ambiguous, overBudget]) expectClean(error);
    expect(logged.length).toBeGreaterThan(0);
    expectClean(logged.join('\n'));
  });

  it('logger output', () => {
    const lines: string[] = [];
    const records: LogRecord[] = [];
    const logger = createLogger({
      level: 'debug',
      sink: (record) => {
        records.push(record);
        lines.push(JSON.stringify(record), inspect(record, { depth: 20 }));
      },
    });
    logger.debug(`token acquired: ${JWT}`, { token: JWT, secret: SECRET, request: { headers: { Authorization: `Bearer ${JWT}` }, body: `client_secret=${SECRET}` } });
    logger.info(`retrying with secret ${SECRET}`, { attempt: 2, note: `value ${SECRET} in prose`, list: [JWT, { deep: [SECRET] }] });
    logger.warn('failed', { error: new Error(`rejected ${SECRET}`, { cause: new Error(`Bearer ${JWT}`) }) });
    logger.error(`Authorization: Bearer ${JWT}`);
    expect(records).toHaveLength(4);
    expectClean(lines.join('\n'));
    expect(lines.join('\n')).toContain('[REDACTED]');
  });
});
