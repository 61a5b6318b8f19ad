import type { MailbridgeError } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GraphTestBed, startGraphTestBed } from './support/graph-test-bed.js';

/**
 * Graph JSON answers nested millions of levels deep (a 30 MB body of `[`, under the 64 MB size limit)
 * are refused from a scan of the text, before `JSON.parse`: parsing them first took over ten seconds
 * and a gigabyte of memory, only for the depth check after it to refuse them anyway.
 */

/** Levels of each nested array in the simulator's answer (it holds three: about 30 MB in all). */
const DEPTH = 5_000_000;
/** Far above what reading and scanning a 30 MB answer takes, far below what parsing it took. */
const MAX_MS = 6000;
const MAX_RSS_GROWTH_BYTES = 400 * 1024 * 1024;

/** Runs `call`, sampling the process's memory meanwhile: its time and peak RSS growth. */
async function measured<T>(call: () => Promise<T>): Promise<{ result: T; ms: number; rssGrowth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const result = await call();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, ms: performance.now() - started, rssGrowth: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

function expectTooDeep(error: MailbridgeError): void {
  expect(error.code).toBe('INVALID_RESPONSE');
  expect(error.message).toMatch(/^Microsoft Graph answered with a document nested more than 512 levels deep/);
  expect(error.hint).toMatch(/proxy/);
}

describe('Graph JSON answers nested millions of levels deep fail fast, in bounded time and memory', () => {
  let bed: GraphTestBed;
  beforeAll(async () => {
    bed = await startGraphTestBed({ retry: { maxAttempts: 2 } });
    await bed.transport.probe();
  });
  afterAll(async () => {
    await bed?.cleanup();
  });
  beforeEach(() => bed.simulator.clearFaults());

  it('the answer to an upload-session creation', async () => {
    bed.simulator.inject({ kind: 'hostile', api: 'graph', count: 1, body: 'deep-nesting', depth: DEPTH, pathIncludes: 'createUploadSession' });
    const {
      result: error,
      ms,
      rssGrowth,
    } = await measured(() =>
      // 3 MB: Graph's threshold for an upload session.
      mailbridgeFailure(bed.transport.send({ to: [DEMO.secondMailbox], subject: 'deep upload session', text: 'x', attachments: [{ filename: 'a.bin', content: new Uint8Array(3 * 1024 * 1024).fill(7) }] })),
    );
    expectTooDeep(error);
    expect(ms).toBeLessThan(MAX_MS);
    expect(rssGrowth).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  }, 60_000);

  it('a page of the message list', async () => {
    bed.simulator.inject({ kind: 'hostile', api: 'graph', count: 1, body: 'deep-nesting', depth: DEPTH, pathIncludes: '/messages' });
    const {
      result: error,
      ms,
      rssGrowth,
    } = await measured(() =>
      mailbridgeFailure(
        (async () => {
          for await (const _message of bed.transport.receive({ limit: 5 })) void _message;
        })(),
      ),
    );
    expectTooDeep(error);
    expect(ms).toBeLessThan(MAX_MS);
    expect(rssGrowth).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  }, 60_000);

  it('an error answer (400 to sendMail) is refused the same way, not parsed for its error code', async () => {
    bed.simulator.inject({ kind: 'hostile', api: 'graph', count: 1, body: 'deep-nesting', depth: DEPTH, status: 400, pathIncludes: 'sendMail' });
    const { result: error, ms, rssGrowth } = await measured(() => mailbridgeFailure(bed.transport.send({ to: [DEMO.secondMailbox], subject: 'deep error', text: 'x' })));
    expectTooDeep(error);
    expect(error.details.status).toBe(400);
    expect(ms).toBeLessThan(MAX_MS);
    expect(rssGrowth).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  }, 60_000);

  it('brackets inside strings are not nesting: a real answer with them is read', async () => {
    const id = '<brackets@contoso.onmicrosoft.com>';
    await bed.transport.send({ to: [DEMO.mailbox], subject: `${'['.repeat(600)} \\" ${'{'.repeat(600)}`, text: 'x', internetMessageId: id });
    const found: string[] = [];
    for await (const message of bed.transport.receive({ limit: 50 })) if (message.internetMessageId === id) found.push(message.subject);
    expect(found).toEqual([`${'['.repeat(600)} \\" ${'{'.repeat(600)}`]);
  });
});
