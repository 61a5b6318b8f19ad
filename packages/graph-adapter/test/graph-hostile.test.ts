import { createRetryPolicy, createTokenProvider, type MailbridgeConfig } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GraphTestBed, startGraphTestBed } from './support/graph-test-bed.js';

describe('hostile or broken answers become INVALID_RESPONSE, never a hang, a crash or a fake success', () => {
  let bed: GraphTestBed;
  beforeAll(async () => {
    bed = await startGraphTestBed();
    await bed.transport.probe();
  });
  afterAll(async () => {
    await bed?.cleanup();
  });
  beforeEach(() => bed.simulator.clearFaults());

  it.each(['malformed-json', 'wrong-content-type', 'empty-body', 'truncated-xml'] as const)('%s on a message page', async (body) => {
    bed.simulator.inject({ kind: 'hostile', api: 'graph', count: 1, body, pathIncludes: '/messages' });
    const error = await mailbridgeFailure(
      (async () => {
        for await (const _message of bed.transport.receive({ limit: 5 })) void _message;
      })(),
    );
    expect(error.code).toBe('INVALID_RESPONSE');
  });

  // Issue 14, item 7: answers nested 100,000 levels deep ended in INTERNAL "Maximum call stack size exceeded".
  it.each([
    [
      'a message page',
      'graph',
      '/messages',
      (transport: GraphTestBed['transport']) =>
        (async () => {
          for await (const _message of transport.receive({ limit: 5 })) void _message;
        })(),
    ],
    ['the Entra token answer', 'entra', '/token', (transport: GraphTestBed['transport']) => transport.probe()],
  ] as const)('a JSON answer nested 100,000 levels deep on %s: INVALID_RESPONSE saying so', async (_where, api, path, call) => {
    const config = bed.simulator.config({ transport: 'graph' }) as unknown as MailbridgeConfig;
    const tokenProvider = createTokenProvider(config, { http: bed.http, retry: createRetryPolicy({ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 50 }) });
    const transport = api === 'entra' ? bed.newTransport({ tokenProvider }) : bed.transport;
    bed.simulator.inject({ kind: 'hostile', api, count: 5, body: 'deep-nesting', pathIncludes: path });
    const error = await mailbridgeFailure(call(transport));
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.message).toMatch(/nested more than \d+ levels/);
    expect(error.message).not.toMatch(/call stack/);
    expect(error.hint).toMatch(/proxy/);
  });

  it('a gigantic body is cut off at the size limit, memory bounded', async () => {
    bed.simulator.inject({ kind: 'hostile', api: 'graph', count: 1, body: 'gigantic-body', pathIncludes: 'mailFolders/inbox', sizeBytes: 512 * 1024 * 1024 });
    const before = process.memoryUsage().rss;
    const error = await mailbridgeFailure(bed.transport.probe());
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);

  it('a 200 instead of 202 to sendMail is not taken for a sent message', async () => {
    bed.simulator.inject({ kind: 'hostile', api: 'graph', count: 1, body: 'empty-body', pathIncludes: 'sendMail' });
    const id = '<hostile-send@contoso.onmicrosoft.com>';
    const error = await mailbridgeFailure(bed.transport.send({ to: [DEMO.secondMailbox], subject: 'x', text: 'x', internetMessageId: id }));
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.hint).toMatch(/Sent Items/);
    expect(bed.simulator.deliveries(id).mailboxes).toEqual([]);
  });
});

describe('a redirecting Graph endpoint gets no bearer token re-sent (issue 14, item 1)', () => {
  let bed: GraphTestBed;
  beforeAll(async () => {
    bed = await startGraphTestBed();
    await bed.transport.probe();
  });
  afterAll(async () => {
    await bed?.cleanup();
  });
  beforeEach(() => {
    bed.simulator.clearFaults();
    bed.simulator.clearCaughtRedirects();
  });

  it.each([
    ['a read (GET)', 301, 'mailFolders/inbox', () => bed.transport.probe()],
    ['a send (POST)', 307, 'sendMail', () => bed.transport.send({ to: [DEMO.secondMailbox], subject: 'redirected', text: 'x' })],
  ] as const)('%s answered %i: REDIRECT_REFUSED naming the host, nothing reaches it', async (_what, status, path, call) => {
    bed.simulator.inject({ kind: 'hostile', api: 'graph', count: 5, body: 'redirect', status, pathIncludes: path });
    const error = await mailbridgeFailure(call());
    expect(error.code).toBe('REDIRECT_REFUSED');
    expect(error.message).toMatch(/redirect to 127\.0\.0\.1:\d+/);
    expect(bed.simulator.caughtRedirects()).toEqual([]);
  });
});

// Issue 14, item 7: during an outage of the token endpoint, Graph was blamed ("Microsoft Graph answered 503").
describe("a token endpoint outage is Entra's error, not Graph's", () => {
  let bed: GraphTestBed;
  beforeAll(async () => {
    bed = await startGraphTestBed();
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('probe with no cached token during an Entra outage: SERVICE_UNAVAILABLE naming Entra ID', async () => {
    const config = bed.simulator.config({ transport: 'graph' }) as unknown as MailbridgeConfig;
    const tokenProvider = createTokenProvider(config, { http: bed.http, retry: createRetryPolicy({ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 50 }) });
    const transport = bed.newTransport({ tokenProvider });
    const stop = bed.simulator.inject({ kind: 'token-outage' });
    try {
      const error = await mailbridgeFailure(transport.probe());
      expect(error.code).toBe('SERVICE_UNAVAILABLE');
      expect(error.message).toMatch(/Entra ID/);
      expect(error.message).not.toMatch(/Microsoft Graph/);
    } finally {
      stop();
    }
  });
});
