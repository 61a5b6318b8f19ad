import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createOutbox, type Outbox, type OutboxEvents } from '../src/index.js';
import { type OutboxTestBed, RECIPIENT, startOutboxTestBed, waitFor } from './support/outbox-test-bed.js';

describe.each(['graph', 'ews'] as const)('outbox over %s', (transport) => {
  let bed: OutboxTestBed;
  let outbox: Outbox | undefined;
  beforeEach(async () => {
    bed = await startOutboxTestBed();
  });
  afterEach(async () => {
    await outbox?.close();
    outbox = undefined;
    await bed.cleanup();
  });

  test('enqueue is durable at once, the worker delivers it once, and status/list/events tell', async () => {
    outbox = await createOutbox(bed.config({ transport }), { pollIntervalMs: 20 });
    const delivered: Array<OutboxEvents['delivered']> = [];
    outbox.on('delivered', (event) => delivered.push(event));
    const { id, internetMessageId } = await outbox.enqueue({ to: [RECIPIENT], subject: 'disk 97% on db-01', text: 'Free space on /var: 3%.' });
    expect(internetMessageId).toMatch(/^<[^@]+@contoso\.onmicrosoft\.com>$/i);
    // Durable before any worker runs: the spool file is there, readable with ls.
    expect(await readdir(join(bed.dir, 'spool', 'queued'))).toEqual([`2-${id}.json`]);
    expect(await outbox.status()).toMatchObject({ queued: 1, inFlight: 0, delivered24h: 0 });

    await outbox.start();
    await waitFor(() => delivered.length === 1, 20_000, 'the delivered event');
    expect(delivered[0]).toMatchObject({ id, internetMessageId, attempts: 1, recovered: false });
    const copies = bed.simulator.deliveries(internetMessageId);
    expect(copies.mailboxes.filter((m) => m.folder === 'inbox')).toHaveLength(1);
    expect(copies.mailboxes.filter((m) => m.folder === 'sentitems')).toHaveLength(1);

    const status = await outbox.status();
    expect(status).toMatchObject({ queued: 0, inFlight: 0, held: 0, failed: 0, delivered24h: 1, oldestQueuedAgeMs: 0 });
    expect(status.mailboxes[outbox.mailbox]).toMatchObject({ sentLastMinute: 1, recipients24h: 1, recipientsPerDay: 10_000 });
    const listed = [];
    for await (const entry of outbox.list({ state: 'delivered' })) listed.push(entry);
    expect(listed).toEqual([expect.objectContaining({ id, state: 'delivered', subject: 'disk 97% on db-01', attempts: 1 })]);
  });
});
