import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createOutbox, type Outbox, type OutboxEvents } from '../src/index.js';
import { type OutboxTestBed, SENDER, startOutboxTestBed, waitFor } from './support/outbox-test-bed.js';

let bed: OutboxTestBed | undefined;
let outbox: Outbox | undefined;
afterEach(async () => {
  await outbox?.close();
  await bed?.cleanup();
});

const MESSAGES = 1_000;
const HIGH = 50;
const RECIPIENTS = 12; // 1,000 x 12 = 12,000 recipients: more than the 10,000 a mailbox may reach in 24 hours

test("storm: 1,000 messages at once against Exchange Online's real limits, on a controllable clock", { timeout: 240_000 }, async () => {
  let clock = Date.UTC(2026, 11, 7, 9, 0, 0);
  const now = () => clock;
  // The simulator enforces the real defaults (30/min, 10,000 recipients/24 h) on the same clock.
  bed = await startOutboxTestBed({ simulator: { sendingLimits: { now } } });
  const logged: string[] = [];
  const record = (level: string) => (message: string) => void logged.push(`${level} ${message}`);
  const logger = { debug: () => undefined, info: record('info'), warn: record('warn'), error: record('error') };
  outbox = await createOutbox(bed.config({ outbox: { concurrency: 4 } }), { now, pollIntervalMs: 5, logger });
  expect(outbox.limits).toMatchObject({ messages: 30, windowMs: 60_000, recipientsPerDay: 10_000, recipientsPerMessage: 500 });

  const delivered: Array<OutboxEvents['delivered'] & { at: number }> = [];
  const held: Array<OutboxEvents['held']> = [];
  const warnings: Array<OutboxEvents['budget-warning']> = [];
  outbox.on('delivered', (event) => delivered.push({ ...event, at: clock }));
  outbox.on('held', (event) => held.push(event));
  outbox.on('budget-warning', (event) => warnings.push(event));

  const high = new Set<string>();
  const recipients = (i: number) => Array.from({ length: RECIPIENTS }, (_, r) => `oncall${r}.${i}@pager.example`);
  // The high-importance alarms are the last enqueued: they must still go first.
  for (let i = 0; i < MESSAGES; i++) {
    const importance = i >= MESSAGES - HIGH ? 'high' : 'normal';
    const { id } = await outbox.enqueue({ to: recipients(i), subject: `storm ${i}`, text: `alarm ${i}`, importance });
    if (importance === 'high') high.add(id);
  }
  expect((await readdir(join(bed.dir, 'spool', 'queued'))).filter((name) => name.startsWith('1-'))).toHaveLength(HIGH);
  const start = clock;
  await outbox.start();

  // Minute 1: exactly 30 leave, all of them high importance.
  await waitFor(() => delivered.length >= 30, 30_000, '30 deliveries');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(delivered).toHaveLength(30);
  expect(delivered.every((event) => high.has(event.id) && event.at === start)).toBe(true);
  const status = await outbox.status();
  expect(status).toMatchObject({ queued: MESSAGES - 30, inFlight: 0, held: 0, delivered24h: 30 });
  expect(status.mailboxes[SENDER.toLowerCase()]).toMatchObject({ sentLastMinute: 30, recipients24h: 30 * RECIPIENTS });

  // Minute by minute until the daily recipient budget is used up.
  const budgetMessages = Math.floor(10_000 / RECIPIENTS); // 833
  for (let minute = 1; delivered.length < budgetMessages; minute++) {
    clock = start + minute * 60_000 + 1;
    const expected = Math.min(budgetMessages, (minute + 1) * 30);
    await waitFor(() => delivered.length >= expected, 30_000, `${expected} deliveries in minute ${minute + 1}`);
    if (minute === 1) {
      // Every high alarm is out by the end of minute 2; sends end in any order, so with 4 in flight
      // a normal one may finish just before the last high ones.
      const highDone = delivered.filter((event) => high.has(event.id));
      expect(highDone).toHaveLength(HIGH);
      expect(delivered.slice(0, HIGH + 3).filter((event) => high.has(event.id))).toHaveLength(HIGH);
    }
  }
  // The rest is held, not sent: it would break the 24-hour budget.
  await waitFor(() => held.length >= MESSAGES - budgetMessages, 30_000, 'the rest held').catch(async (error) => {
    throw new Error(
      `${(error as Error).message}: ${held.length} held, ${delivered.length} delivered, ${JSON.stringify(await outbox!.status())}; log: ${logged
        .filter((line) => !line.includes('held'))
        .slice(-5)
        .join(' | ')}`,
    );
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(delivered).toHaveLength(budgetMessages);
  const after = await outbox.status();
  expect(after).toMatchObject({ queued: 0, inFlight: 0, held: MESSAGES - budgetMessages, failed: 0, delivered24h: budgetMessages });
  expect(after.mailboxes[SENDER.toLowerCase()]?.recipients24h).toBe(budgetMessages * RECIPIENTS);
  // Reported with when it can go: when the first minute's recipients leave the rolling 24 hours.
  expect(held[0]).toMatchObject({ recipientsPerDay: 10_000, recipients24h: budgetMessages * RECIPIENTS });
  expect(held[0]!.until.getTime()).toBe(start + 24 * 60 * 60_000);
  const listed = [];
  for await (const entry of outbox.list({ state: 'held' })) listed.push(entry);
  expect(listed).toHaveLength(MESSAGES - budgetMessages);
  expect(listed[0]?.heldUntil?.getTime()).toBe(start + 24 * 60 * 60_000);
  // One warning, when 80% of the budget was crossed.
  expect(warnings).toHaveLength(1);
  expect(warnings[0]!.recipients24h).toBeGreaterThanOrEqual(8_000);
  expect(warnings[0]!.recipients24h).toBeLessThan(8_000 + RECIPIENTS);

  // The holds and the warning are logged too, and nothing was retried.
  expect(logged.filter((line) => line.startsWith('warn outbox message held'))).toHaveLength(MESSAGES - budgetMessages);
  expect(logged.filter((line) => line.includes('80% of the daily recipient budget'))).toHaveLength(1);
  expect(logged.filter((line) => line.includes('will be retried'))).toEqual([]);

  // The service never had to refuse anything: no throttling, no quota block.
  expect(bed.simulator.sendingLimitStats(SENDER)).toMatchObject({ sent: budgetMessages, maxInWindow: 30, rateRefusals: 0, quotaRefusals: 0 });
});
