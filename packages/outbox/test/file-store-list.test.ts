import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createFileStore, EXCHANGE_ONLINE_LIMITS, type OutboxEntry, prepareMessage } from '../src/index.js';

// The file store's `list()` reads the spool folder by folder while workers move messages between
// them: every message must still be listed, once (the relay's duplicate check and its attachment
// sweep rely on it, as `mailbridge outbox list` does).

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailbridge-list-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (subject: string, now: number) => prepareMessage({ to: ['oncall@contoso.com'], subject, text: 'x' }, { mailbox: 'alerts@contoso.com', limits: EXCHANGE_ONLINE_LIMITS, now });

/** A file store with two queued messages, the first one older. */
async function twoQueued() {
  const store = await createFileStore({ dir: join(dir, 'spool') });
  const now = Date.now();
  const first = await entry('first', now - 2_000);
  const second = await entry('second', now - 1_000);
  await store.add(first);
  await store.add(second);
  return { store, first, second, now };
}

test('a message claimed while the listing is being read is listed once, where it went', async () => {
  const { store, first, second, now } = await twoQueued();
  const listed: OutboxEntry[] = [];
  for await (const item of store.list()) {
    listed.push(item);
    // A worker claims both while the listing goes on: the second leaves queued/ before it is read.
    if (listed.length === 1) {
      await store.claim(now);
      await store.claim(now);
    }
  }
  expect(listed.map((item) => item.id)).toEqual([first.id, second.id]);
  expect(listed[1]?.state).toBe('sending');
  await store.close();
});

test('a listing of one state leaves out what left that state meanwhile', async () => {
  const { store, first, now } = await twoQueued();
  const listed: string[] = [];
  for await (const item of store.list('queued')) {
    listed.push(item.id);
    if (listed.length === 1) {
      await store.claim(now);
      await store.claim(now);
    }
  }
  expect(listed).toEqual([first.id]);
  await store.close();
});
