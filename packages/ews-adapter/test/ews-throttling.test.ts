import { DEMO } from '@mailbridge/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { type EwsTestBed, invalidEwsRequests, startEwsTestBed } from './support/ews-test-bed.js';

/**
 * The adapter against the simulator's model of Exchange Online's EWS throttling (the budget and
 * EWSMaxConcurrency): no throttling error here is injected, each comes from the model.
 */
describe('EWS throttling: the adapter backs off and every message arrives once', () => {
  let bed: EwsTestBed | undefined;
  afterEach(async () => {
    await bed?.cleanup();
    bed = undefined;
  });

  const delivered = (internetMessageId: string) => bed!.simulator.deliveries(internetMessageId).mailboxes.filter((copy) => copy.mailbox === DEMO.secondMailbox).length;

  it('budget exhausted: waits the BackOffMilliseconds of ErrorServerBusy, then succeeds', async () => {
    // 1 ms of budget per ms of time, 1,500 ms per request, blocked 500 ms below zero: the second
    // request leaves the balance at about -1,500, and the third is refused for about 1.5 s.
    bed = await startEwsTestBed('oauth', {
      simulator: { ewsThrottling: { maxBurstMs: 1_500, rechargeRateMsPerHour: 3_600_000, cutoffBalanceMs: 500, chargePerRequestMs: 1_500 } },
      retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 10_000 },
    });
    bed.simulator.clearRequests();
    const results = [];
    const started = Date.now();
    for (const subject of ['budget 1', 'budget 2', 'budget 3']) {
      results.push(await bed.transport.send({ to: [DEMO.secondMailbox], subject, text: 'throttled by the budget' }));
    }
    expect(results.map((result) => delivered(result.internetMessageId))).toEqual([1, 1, 1]);
    const ews = bed.simulator.requests().filter((request) => request.api === 'ews');
    const busy = ews.filter((request) => request.status === 500);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((request) => request.notes?.some((note) => note.startsWith('throttled: budget')))).toBe(true);
    // It waited out each BackOffMilliseconds instead of hammering: the next request came no sooner.
    for (const refusal of busy) {
      const backOff = Number(/back off (\d+) ms/.exec(refusal.notes!.find((note) => note.startsWith('throttled: budget'))!)![1]);
      const next = ews[ews.indexOf(refusal) + 1]!;
      // Logged times are when each answer was written: the next request started durationMs before its own.
      expect(Date.parse(next.time) - next.durationMs - Date.parse(refusal.time)).toBeGreaterThanOrEqual(backOff - 20);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(bed.simulator.requests().some((request) => request.api === 'ews' && request.status === 200 && request.ewsOperation === 'CreateItem')).toBe(true);
    expect(invalidEwsRequests(bed.simulator)).toEqual([]);
  });

  it('over EWSMaxConcurrency: ErrorExceededConnectionCount is retried and every message arrives once', async () => {
    bed = await startEwsTestBed('oauth', {
      simulator: { ewsThrottling: { maxConcurrency: 2 } },
      retry: { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2_000 },
    });
    bed.simulator.clearRequests();
    // A slow server holds each connection for 300 ms, so parallel sends overlap there.
    bed.simulator.inject({ kind: 'latency', ms: 300, api: 'ews', count: 12 });
    const subjects = ['parallel 1', 'parallel 2', 'parallel 3', 'parallel 4', 'parallel 5'];
    const results = await Promise.all(subjects.map((subject) => bed!.transport.send({ to: [DEMO.secondMailbox], subject, text: 'in parallel' })));
    expect(results.map((result) => delivered(result.internetMessageId))).toEqual([1, 1, 1, 1, 1]);
    const refused = bed.simulator.requests().filter((request) => request.api === 'ews' && request.status === 500);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((request) => request.notes?.includes('throttled: EWSMaxConcurrency 2'))).toBe(true);
    expect(invalidEwsRequests(bed.simulator)).toEqual([]);
  });
});
