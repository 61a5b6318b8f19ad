import { afterEach, describe, expect, test } from 'vitest';
import { EXCHANGE_ONLINE_LIMITS, type SendingLimits } from '../limits/sending-limits.js';
import { newInternetMessageId, newOutboxId } from '../message/prepare-message.js';
import type { OutboxEntry } from '../outbox-types.js';
import type { OutboxStore } from '../store/outbox-store.js';
import type { Claim, StoredEntry } from '../store/stored-entry.js';

/** How the suite reaches a store implementation. */
export interface StoreConformanceOptions {
  /** A new, empty place for a store (a folder, a Redis key prefix). */
  newLocation(): Promise<string>;
  /** Opens a store on a location; opening one location twice gives two handles on the same data, as two processes would have. */
  open(location: string, options: { leaseMs: number }): Promise<OutboxStore>;
  /** Skip the whole suite with this reason (e.g. `redis-server` is not installed). */
  skip?: string | false;
}

const MAILBOX = 'alerts@contoso.example';

/** A stored entry for tests. */
export function testEntry(overrides: Partial<StoredEntry> & { at?: number } = {}): StoredEntry {
  const at = overrides.at ?? Date.now();
  const { at: _at, ...rest } = overrides;
  return {
    id: newOutboxId(at),
    internetMessageId: newInternetMessageId(MAILBOX),
    mailbox: MAILBOX,
    importance: 'normal',
    recipients: 1,
    subject: 'conformance',
    enqueuedAt: at,
    attempts: 0,
    payload: { kind: 'message', message: { to: ['ops@contoso.example'], subject: 'conformance', text: 'body' } },
    ...rest,
  };
}

async function collect(iterable: AsyncIterable<OutboxEntry>): Promise<OutboxEntry[]> {
  const out: OutboxEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

async function claimAll(store: OutboxStore, now = Date.now()): Promise<Claim[]> {
  const claims: Claim[] = [];
  for (;;) {
    const claim = await store.claim(now);
    if (!claim) return claims;
    claims.push(claim);
  }
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The store conformance suite: every outbox store (`file`, `redis`, or a third party's) registers
 * these tests with a few lines, the way adapters run `describeTransportConformance`.
 *
 * @example
 * ```ts
 * describeStoreConformance('file', {
 *   newLocation: () => mkdtemp(join(tmpdir(), 'outbox-')),
 *   open: (dir, { leaseMs }) => createFileStore({ dir, leaseMs }),
 * });
 * ```
 */
export function describeStoreConformance(name: string, options: StoreConformanceOptions): void {
  const opened: OutboxStore[] = [];
  const open = async (location: string, leaseMs = 30_000) => {
    const store = await options.open(location, { leaseMs });
    opened.push(store);
    return store;
  };
  const fresh = async (leaseMs?: number) => open(await options.newLocation(), leaseMs);

  (options.skip ? describe.skip : describe)(`outbox store conformance: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close().catch(() => undefined)));
    });

    test('an added message is queued, claimed once, and its content comes back whole', async () => {
      const store = await fresh();
      const entry = testEntry({ subject: 'whole', recipients: 3 });
      await store.add(entry);
      expect((await store.get(entry.id))?.state).toBe('queued');
      const claim = await store.claim(Date.now());
      expect(claim?.entry).toMatchObject({ id: entry.id, internetMessageId: entry.internetMessageId, recipients: 3, subject: 'whole', payload: entry.payload });
      expect(claim?.entry.uncertain ?? false).toBe(false);
      expect(await store.claim(Date.now())).toBeUndefined();
      expect((await store.get(entry.id))?.state).toBe('sending');
    });

    test('a second handle on the same store (another process) sees what the first stored', async () => {
      const location = await options.newLocation();
      const first = await open(location);
      const entry = testEntry();
      await first.add(entry);
      const second = await open(location);
      expect((await second.get(entry.id))?.internetMessageId).toBe(entry.internetMessageId);
      expect((await second.counts(Date.now())).queued).toBe(1);
    });

    test('high importance first, then oldest first', async () => {
      const store = await fresh();
      const base = Date.now() - 10_000;
      const normalOld = testEntry({ at: base });
      const low = testEntry({ at: base + 1, importance: 'low' });
      const normalNew = testEntry({ at: base + 2 });
      const high = testEntry({ at: base + 3, importance: 'high' });
      for (const entry of [normalOld, low, normalNew, high]) await store.add(entry);
      const order = (await claimAll(store)).map((claim) => claim.entry.id);
      expect(order).toEqual([high.id, normalOld.id, normalNew.id, low.id]);
    });

    test('two handles claiming at once never get the same message', async () => {
      const location = await options.newLocation();
      const [a, b] = [await open(location), await open(location)];
      const entries = Array.from({ length: 40 }, (_, index) => testEntry({ at: Date.now() - 1_000 + index }));
      for (const entry of entries) await a.add(entry);
      const claimed: string[] = [];
      await Promise.all(
        [a, b, a, b].map(async (store) => {
          for (;;) {
            const claim = await store.claim(Date.now());
            if (!claim) return;
            claimed.push(claim.entry.id);
          }
        }),
      );
      expect(claimed.sort()).toEqual(entries.map((entry) => entry.id).sort());
    });

    test('delivered: recorded with its time, counted, body no longer needed', async () => {
      const store = await fresh();
      const entry = testEntry();
      await store.add(entry);
      const claim = (await store.claim(Date.now()))!;
      const at = Date.now();
      await store.finish(claim, { state: 'delivered', at });
      const shown = await store.get(entry.id);
      expect(shown).toMatchObject({ state: 'delivered', attempts: 1 });
      expect(shown?.deliveredAt?.getTime()).toBe(at);
      const counts = await store.counts(Date.now());
      expect(counts).toMatchObject({ queued: 0, inFlight: 0, delivered24h: 1 });
      expect(await store.claim(Date.now())).toBeUndefined();
    });

    test('queued again with a back-off: not claimable before its time, then claimable and marked uncertain when asked', async () => {
      const store = await fresh();
      const entry = testEntry();
      await store.add(entry);
      // Real time: a store may leave delays to its engine's clock (BullMQ does).
      const now = Date.now();
      const claim = (await store.claim(now))!;
      const error = { code: 'SERVICE_UNAVAILABLE', message: 'busy', hint: 'wait' };
      await store.finish(claim, { state: 'queued', notBefore: now + 1_500, error, uncertain: true, countAttempt: true });
      expect(await store.claim(Date.now())).toBeUndefined();
      const shown = await store.get(entry.id);
      expect(shown).toMatchObject({ state: 'queued', attempts: 1, lastError: error });
      expect(shown?.notBefore?.getTime()).toBe(now + 1_500);
      const again = await eventually(async () => (Date.now() > now + 1_500 ? store.claim(Date.now()) : undefined), 10_000);
      expect(again.entry).toMatchObject({ id: entry.id, attempts: 1, uncertain: true });
    });

    test('failed: listed with its error; retry puts it back; drop removes it', async () => {
      const store = await fresh();
      const entry = testEntry();
      await store.add(entry);
      const claim = (await store.claim(Date.now()))!;
      const error = { code: 'SEND_AS_DENIED', message: 'no', hint: 'grant Send As' };
      await store.finish(claim, { state: 'failed', error, at: Date.now() });
      const failed = await collect(store.list('failed'));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ id: entry.id, state: 'failed', attempts: 1, lastError: error });
      expect((await store.counts(Date.now())).failed).toBe(1);
      expect(await store.retry(entry.id, Date.now())).toBe(true);
      const again = (await store.claim(Date.now()))!;
      expect(again.entry.id).toBe(entry.id);
      await store.finish(again, { state: 'failed', error, at: Date.now() });
      expect(await store.drop(entry.id)).toBe(true);
      expect(await store.get(entry.id)).toBeUndefined();
      expect(await store.drop(entry.id)).toBe(false);
      expect(await store.retry(entry.id, Date.now())).toBe(false);
    });

    test('a message being sent cannot be dropped', async () => {
      const store = await fresh();
      const entry = testEntry();
      await store.add(entry);
      await store.claim(Date.now());
      await expect(store.drop(entry.id)).rejects.toMatchObject({ code: 'USAGE' });
    });

    test('held: not claimable, reported, released by housekeeping when its time comes', async () => {
      const store = await fresh();
      const entry = testEntry({ importance: 'high' });
      await store.add(entry);
      const now = Date.now();
      const claim = (await store.claim(now))!;
      await store.finish(claim, { state: 'held', until: now + 1_500 });
      expect(await store.claim(now)).toBeUndefined();
      const held = await collect(store.list('held'));
      expect(held.map((e) => e.id)).toEqual([entry.id]);
      expect(held[0]?.heldUntil?.getTime()).toBe(now + 1_500);
      expect((await store.counts(now)).held).toBe(1);
      await store.maintain(now + 500);
      expect(await store.claim(now + 500)).toBeUndefined();
      const released = await eventually(async () => {
        if (Date.now() <= now + 1_500) return undefined;
        await store.maintain(Date.now());
        return store.claim(Date.now());
      }, 10_000);
      expect(released.entry.id).toBe(entry.id);
    });

    test('a claim whose worker stopped renewing is handed out again, marked uncertain', async () => {
      const location = await options.newLocation();
      const crashed = await open(location, 500);
      const entry = testEntry();
      await crashed.add(entry);
      expect((await crashed.claim(Date.now()))?.entry.id).toBe(entry.id);
      // The worker "dies": it never renews nor finishes. Another handle takes over after the lease.
      const survivor = await open(location, 500);
      const recovered = await eventually(async () => {
        await survivor.maintain(Date.now());
        return survivor.claim(Date.now());
      }, 15_000);
      expect(recovered.entry).toMatchObject({ id: entry.id, uncertain: true });
    });

    test('a claim that is renewed stays with its worker', async () => {
      const location = await options.newLocation();
      const worker = await open(location, 600);
      const other = await open(location, 600);
      await worker.add(testEntry());
      const claim = (await worker.claim(Date.now()))!;
      for (let i = 0; i < 8; i++) {
        await worker.renew([claim]);
        await other.maintain(Date.now());
        expect(await other.claim(Date.now())).toBeUndefined();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await worker.finish(claim, { state: 'delivered', at: Date.now() });
      expect((await other.get(claim.entry.id))?.state).toBe('delivered');
    });

    test('addClaimed (when the store has it): durable and in flight at once, claimable by nobody else, recorded by its claim', async (context) => {
      const location = await options.newLocation();
      const store = await open(location);
      if (!store.addClaimed) return context.skip();
      const entry = testEntry({ subject: 'handed over' });
      const claim = await store.addClaimed(entry);
      expect(claim.entry).toMatchObject({ id: entry.id, internetMessageId: entry.internetMessageId, subject: 'handed over', payload: entry.payload });
      expect(claim.entry.uncertain ?? false).toBe(false);
      const other = await open(location);
      expect((await other.get(entry.id))?.state).toBe('sending');
      expect(await other.claim(Date.now())).toBeUndefined();
      expect(await store.claim(Date.now())).toBeUndefined();
      await store.renew([claim]);
      await store.finish(claim, { state: 'delivered', at: Date.now(), recheckable: true });
      expect(await other.get(entry.id)).toMatchObject({ state: 'delivered', attempts: 1 });
      expect(await other.counts(Date.now())).toMatchObject({ queued: 0, inFlight: 0, delivered24h: 1 });
    });

    test('addClaimed (when the store has it): a worker that dies before sending loses the message to another, marked uncertain', async (context) => {
      const location = await options.newLocation();
      const crashed = await open(location, 500);
      if (!crashed.addClaimed) return context.skip();
      const entry = testEntry();
      await crashed.addClaimed(entry);
      const survivor = await open(location, 500);
      const recovered = await eventually(async () => {
        await survivor.maintain(Date.now());
        return survivor.claim(Date.now());
      }, 15_000);
      expect(recovered.entry).toMatchObject({ id: entry.id, uncertain: true });
    });

    test('counts and the oldest message', async () => {
      const store = await fresh();
      const now = Date.now();
      await store.add(testEntry({ at: now - 5_000 }));
      await store.add(testEntry({ at: now - 1_000 }));
      const counts = await store.counts(now);
      expect(counts).toMatchObject({ queued: 2, inFlight: 0, held: 0, failed: 0, delivered24h: 0 });
      expect(counts.oldestEnqueuedAt).toBe(now - 5_000);
      await store.claim(now);
      expect(await store.counts(now)).toMatchObject({ queued: 1, inFlight: 1 });
      expect((await collect(store.list())).map((e) => e.state).sort()).toEqual(['queued', 'sending']);
    });

    describe('limiter', () => {
      const limits: SendingLimits = { ...EXCHANGE_ONLINE_LIMITS, messages: 3, windowMs: 1_000, recipientsPerDay: 10, dayMs: 60_000 };

      test('admits at most `messages` per window, counting sends in flight; says how long to wait', async () => {
        const store = await fresh();
        const now = 1_000_000;
        const tokens: string[] = [];
        for (let i = 0; i < 3; i++) {
          const r = await store.limiter.reserve(MAILBOX, 1, limits, now);
          expect(r.ok).toBe(true);
          if (r.ok) tokens.push(r.token);
        }
        const refused = await store.limiter.reserve(MAILBOX, 1, limits, now + 10);
        expect(refused).toMatchObject({ ok: false, reason: 'rate' });
        for (const token of tokens) await store.limiter.settle(MAILBOX, token, now + 100);
        const wait = await store.limiter.reserve(MAILBOX, 1, limits, now + 200);
        expect(wait).toMatchObject({ ok: false, reason: 'rate', waitMs: 900 });
        expect((await store.limiter.reserve(MAILBOX, 1, limits, now + 1_100)).ok).toBe(true);
        expect((await store.limiter.usage(MAILBOX, limits, now + 1_100)).inWindow).toBe(1);
      });

      test('holds a message that would exceed the rolling recipient budget, until enough recipients age out', async () => {
        const store = await fresh();
        const now = 2_000_000;
        const first = await store.limiter.reserve(MAILBOX, 6, limits, now);
        expect(first).toMatchObject({ ok: true, recipients24h: 6 });
        if (first.ok) await store.limiter.settle(MAILBOX, first.token, now + 5);
        const second = await store.limiter.reserve(MAILBOX, 3, limits, now + 2_000);
        expect(second).toMatchObject({ ok: true, recipients24h: 9 });
        if (second.ok) await store.limiter.settle(MAILBOX, second.token, now + 2_010);
        const held = await store.limiter.reserve(MAILBOX, 2, limits, now + 4_000);
        // 6 + 3 + 2 > 10: it fits once the first 6 leave the day, at their send time + dayMs.
        expect(held).toMatchObject({ ok: false, reason: 'budget', until: now + 5 + limits.dayMs, recipients24h: 9 });
        expect((await store.limiter.usage(MAILBOX, limits, now + 4_000)).recipientsInDay).toBe(9);
        expect((await store.limiter.reserve(MAILBOX, 2, limits, now + 6 + limits.dayMs)).ok).toBe(true);
      });

      test('is shared by every handle on the store', async () => {
        const location = await options.newLocation();
        const [a, b] = [await open(location), await open(location)];
        const now = 3_000_000;
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).limiter.reserve(MAILBOX, 1, limits, now)));
        expect(results.filter((r) => r.ok)).toHaveLength(3);
        expect(await a.limiter.mailboxes()).toContain(MAILBOX);
      });
    });
  });
}
