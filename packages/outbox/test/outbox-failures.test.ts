import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createOutbox, type Outbox, type OutboxEvents } from '../src/index.js';
import { type OutboxTestBed, RECIPIENT, SENDER, startOutboxTestBed, waitFor } from './support/outbox-test-bed.js';

let bed: OutboxTestBed | undefined;
let outbox: Outbox | undefined;
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
  await bed?.cleanup();
  bed = undefined;
});

function record(box: Outbox) {
  const events = { delivered: [] as Array<OutboxEvents['delivered']>, failed: [] as Array<OutboxEvents['failed']>, held: [] as Array<OutboxEvents['held']> };
  box.on('delivered', (e) => events.delivered.push(e));
  box.on('failed', (e) => events.failed.push(e));
  box.on('held', (e) => events.held.push(e));
  return events;
}

test('what send() refuses, enqueue() refuses at once, and nothing is stored', async () => {
  bed = await startOutboxTestBed();
  outbox = await createOutbox(bed.config());
  const bad: Array<[unknown, string]> = [
    [{ to: ['not-an-address'], subject: 'x', text: 'x' }, 'to[0]'],
    [{ to: [RECIPIENT], subject: 'injected\r\nBcc: victim@example.com', text: 'x' }, 'subject'],
    [{ to: [RECIPIENT], subject: 'x', text: 'x', headers: { Bcc: 'victim@example.com' } }, 'headers.Bcc'],
    [{ to: [RECIPIENT], subject: 'x', text: 'x', headers: { 'X-Ok': 'a\r\nBcc: victim@example.com' } }, 'headers.X-Ok'],
    [{ to: [], subject: 'x', text: 'x' }, 'to'],
    [{ to: [RECIPIENT], subject: 'no body' }, 'text'],
    [{ to: Array.from({ length: 501 }, (_, i) => `r${i}@example.com`), subject: 'x', text: 'x' }, 'to'],
    [{ to: [RECIPIENT], subject: 'x', text: 'x', attachments: [{ filename: 'gone.pdf', content: { path: join(bed.dir, 'missing.pdf') } }] }, 'attachments[0].content'],
    [{ mime: 'Subject: x\r\n\r\nbody', envelope: { from: SENDER, to: [] } }, 'envelope.to'],
    [{ mime: 'Subject: x\r\n\r\nbody', envelope: { from: SENDER, to: ['bad address'] } }, 'envelope.to[0]'],
  ];
  for (const [message, path] of bad) {
    await expect(outbox.enqueue(message as never), path).rejects.toMatchObject({ code: 'INVALID_MESSAGE', details: { path } });
  }
  expect(await readdir(join(bed.dir, 'spool', 'queued'))).toEqual([]);
  expect((await outbox.status()).queued).toBe(0);
});

test('a raw MIME message without a Message-ID gets one at enqueue, and keeps one it has', async () => {
  bed = await startOutboxTestBed();
  outbox = await createOutbox(bed.config());
  const without = await outbox.enqueue({ mime: `From: ${SENDER}\r\nTo: ${RECIPIENT}\r\nSubject: raw\r\n\r\nbody`, envelope: { from: SENDER, to: [RECIPIENT] } });
  expect(without.internetMessageId).toMatch(/^<[^@]+@contoso\.onmicrosoft\.com>$/);
  const kept = await outbox.enqueue({ mime: `Message-ID: <kept.1@example.com>\r\nTo: ${RECIPIENT}\r\nSubject: raw\r\n\r\nbody`, envelope: { from: SENDER, to: [RECIPIENT] } });
  expect(kept.internetMessageId).toBe('<kept.1@example.com>');
  expect((await outbox.get(without.id))?.subject).toBe('raw');
});

test('a raw MIME message whose envelope and To/Cc/Bcc headers differ is refused at enqueue (Graph and EWS mail the header recipients); one that matches is delivered to exactly them', async () => {
  bed = await startOutboxTestBed();
  outbox = await createOutbox(bed.config(), { pollIntervalMs: 20 });
  const events = record(outbox);
  const other = 'ops@fabrikam.example';
  const head = (headers: string) => `From: ${SENDER}\r\n${headers}Subject: raw envelope\r\n\r\nbody`;
  // An envelope-only recipient would be lost; a header-only one would be mailed unasked.
  await expect(outbox.enqueue({ mime: head(`To: ${RECIPIENT}\r\n`), envelope: { from: SENDER, to: [RECIPIENT, other] } })).rejects.toMatchObject({
    code: 'INVALID_MESSAGE',
    details: { path: 'envelope.to' },
    message: expect.stringContaining(`envelope.to names ${other}`),
  });
  await expect(outbox.enqueue({ mime: head(`To: ${RECIPIENT}\r\nCc: "Ops" <${other}>\r\n`), envelope: { from: SENDER, to: [RECIPIENT] } })).rejects.toMatchObject({
    code: 'INVALID_MESSAGE',
    message: expect.stringContaining(`the headers name ${other}`),
  });
  expect((await outbox.status()).queued).toBe(0);
  // Display names (one quoting an "@"), a folded header, case, and a Bcc header: the same people.
  const matching = head(`To: "Alerts @ night" <${RECIPIENT.toUpperCase()}>\r\nBcc:\r\n ${other}\r\n`);
  const { internetMessageId } = await outbox.enqueue({ mime: matching, envelope: { from: SENDER, to: [RECIPIENT, other] } });
  await outbox.start();
  await waitFor(() => events.delivered.length === 1, 30_000, 'the delivery');
  expect(bed.simulator.deliveries(internetMessageId).outbound).toBe(1);
  expect(bed.simulator.deliveries(internetMessageId).mailboxes.filter((m) => m.folder === 'inbox')).toEqual([expect.objectContaining({ mailbox: RECIPIENT })]);
});

test('a message older than maxAgeHours fails with OUTBOX_MESSAGE_EXPIRED instead of being sent', async () => {
  let clock = Date.now();
  bed = await startOutboxTestBed();
  outbox = await createOutbox(bed.config({ outbox: { maxAgeHours: 1 } }), { now: () => clock, pollIntervalMs: 20 });
  const events = record(outbox);
  const { id, internetMessageId } = await outbox.enqueue({ to: [RECIPIENT], subject: 'stale alarm', text: 'x' });
  clock += 61 * 60_000;
  await outbox.start();
  await waitFor(() => events.failed.length === 1, 20_000, 'the failed event');
  expect(events.failed[0]).toMatchObject({ id, error: { code: 'OUTBOX_MESSAGE_EXPIRED' } });
  expect(events.failed[0]!.error.message).toContain('1 hours');
  expect((await outbox.get(id))?.state).toBe('failed');
  expect(bed.simulator.deliveries(internetMessageId).mailboxes).toEqual([]);
});

describe.each(['graph', 'ews'] as const)('over %s', (transport) => {
  test('a permanent failure (send-as denied) ends in failed with the code and hint, after one attempt, and retry/drop work', async () => {
    bed = await startOutboxTestBed();
    outbox = await createOutbox(bed.config({ transport }), { pollIntervalMs: 20 });
    const events = record(outbox);
    const { id } = await outbox.enqueue({ from: RECIPIENT, to: [SENDER], subject: 'not mine to send', text: 'x' });
    await outbox.start();
    await waitFor(() => events.failed.length === 1, 30_000, 'the failed event');
    expect(events.failed[0]).toMatchObject({ id, attempts: 1, error: { code: 'SEND_AS_DENIED' } });
    expect(events.failed[0]!.error.hint.length).toBeGreaterThan(10);
    const failed = [];
    for await (const entry of outbox.list({ state: 'failed' })) failed.push(entry);
    expect(failed).toEqual([expect.objectContaining({ id, state: 'failed', attempts: 1, lastError: expect.objectContaining({ code: 'SEND_AS_DENIED' }) })]);
    // Never retried on its own.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(events.failed).toHaveLength(1);
    expect(await outbox.retry(id)).toBe(true);
    await waitFor(() => events.failed.length === 2, 30_000, 'the second failed event');
    expect(events.failed[1]).toMatchObject({ id, attempts: 2 });
    expect(await outbox.drop(id)).toBe(true);
    expect(await outbox.get(id)).toBeUndefined();
  });

  test('a transient failure outlasting the transport retries is retried by the outbox with back-off, and delivered once', async () => {
    bed = await startOutboxTestBed();
    // The retry's delay is read from the outbox's log: `get()` shows `notBefore` only while the message
    // waits, and EWS's BackOffMilliseconds (50 ms here) may be over before a test can read it.
    const retries: Array<{ at: number; delayMs: number; code: string }> = [];
    const logger = {
      debug: () => undefined,
      info: (message: string, fields?: Record<string, unknown>) => {
        if (message === 'outbox send will be retried') retries.push({ at: Date.now(), delayMs: Number(fields?.delayMs), code: String(fields?.code) });
      },
      warn: () => undefined,
      error: () => undefined,
    };
    outbox = await createOutbox(bed.config({ transport }), { pollIntervalMs: 20, logger });
    const events = record(outbox);
    // The bed's transport tries 3 times; 4 refusals make the outbox's first attempt fail.
    if (transport === 'graph') bed.simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 4, pathIncludes: 'sendMail' });
    else bed.simulator.inject({ kind: 'ews-server-busy', count: 4, backOffMs: 50 });
    let deliveredAt = 0;
    outbox.on('delivered', () => {
      deliveredAt ||= Date.now();
    });
    const { id, internetMessageId } = await outbox.enqueue({ to: [RECIPIENT], subject: 'retry me', text: 'x' });
    await outbox.start();
    await waitFor(() => events.delivered.length === 1, 30_000, 'the delivery');
    expect(retries).toHaveLength(1);
    const [retry] = retries;
    expect(retry!.code).toMatch(/^(SERVICE_UNAVAILABLE|THROTTLED)$/);
    expect(retry!.delayMs).toBeGreaterThan(0);
    // The second attempt waited out the delay the outbox chose.
    expect(deliveredAt).toBeGreaterThanOrEqual(retry!.at + retry!.delayMs);
    expect(events.delivered[0]).toMatchObject({ id, attempts: 2 });
    expect(events.failed).toEqual([]);
    expect(bed.simulator.deliveries(internetMessageId).mailboxes.filter((m) => m.folder === 'inbox')).toHaveLength(1);
  });

  test("the service's sending-quota refusal (ErrorSubmissionQuotaExceeded) holds the message instead of failing it", async () => {
    // The mailbox's real budget is smaller than the outbox was told: the service refuses.
    bed = await startOutboxTestBed({ simulator: { sendingLimits: { recipientsPerDay: 2 } } });
    outbox = await createOutbox(bed.config({ transport }), { pollIntervalMs: 20 });
    const events = record(outbox);
    const { id } = await outbox.enqueue({ to: [RECIPIENT, SENDER, 'ops@fabrikam.example'], subject: 'too many today', text: 'x' });
    await outbox.start();
    await waitFor(() => events.held.length === 1, 30_000, 'the held event');
    expect(events.held[0]!.until.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect((await outbox.get(id))?.state).toBe('held');
    expect(events.failed).toEqual([]);
    expect(bed.simulator.sendingLimitStats(SENDER).quotaRefusals).toBe(1);
  });
});
