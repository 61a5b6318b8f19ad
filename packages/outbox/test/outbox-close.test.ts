import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createFileStore, createOutbox } from '../src/index.js';
import { type OutboxTestBed, startOutboxTestBed } from './support/outbox-test-bed.js';

let bed: OutboxTestBed | undefined;
afterEach(async () => {
  await bed?.cleanup();
  bed = undefined;
});

// Housekeeping (expired leases, old delivered records) runs on a timer and at start. A close() that
// returned while it ran let it reopen spool folders after the store was closed: file handles left
// for the garbage collector ("Closing file descriptor N on garbage collection").
test('close() waits for the housekeeping under way before the store closes', async () => {
  bed = await startOutboxTestBed();
  const store = await createFileStore({ dir: join(bed.dir, 'close-spool') });
  const log: string[] = [];
  const maintain = store.maintain.bind(store);
  store.maintain = async (now: number) => {
    log.push('maintain started');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await maintain(now);
    log.push('maintain ended');
  };
  const close = store.close.bind(store);
  store.close = async () => {
    log.push('store closed');
    await close();
  };
  const outbox = await createOutbox(bed.config(), { store, pollIntervalMs: 20 });
  await outbox.start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await outbox.close();
  log.push('close returned');
  expect(log).toEqual(['maintain started', 'maintain ended', 'store closed', 'close returned']);
});
