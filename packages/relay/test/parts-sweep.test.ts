import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartsStore, partsKey } from '../src/message/attachment-parts.js';
import { ownerGone, ownerTag, thisOwner } from '../src/message/parts-owner.js';

/** The pid of a process that has exited. */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the parts sweep', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-sweep-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function folder(root: string, messageId: string, owner: string): Promise<string> {
    const name = `${partsKey(messageId)}-0123456789ab-${owner}`;
    await mkdir(join(root, name), { recursive: true });
    await writeFile(join(root, name, '1'), 'part');
    return name;
  }

  it('an owner is gone only when its pid has exited on this host (or is ours with another token, from before we started)', async () => {
    expect(ownerGone({ ...thisOwner, pid: await exitedPid() }, Date.now())).toBe(true);
    expect(ownerGone({ ...thisOwner, pid: process.ppid }, 0)).toBe(false);
    expect(ownerGone(thisOwner, 0)).toBe(false);
    expect(ownerGone({ ...thisOwner, host: thisOwner.host === '00000000' ? '11111111' : '00000000', pid: await exitedPid() }, 0)).toBe(false);
    expect(ownerGone({ ...thisOwner, token: thisOwner.token === '00000000' ? '11111111' : '00000000' }, 0)).toBe(true);
    expect(ownerGone({ ...thisOwner, token: thisOwner.token === '00000000' ? '11111111' : '00000000' }, Date.now())).toBe(false);
    expect(ownerGone(undefined, 0)).toBe(false);
  });

  it('keeps a folder its message needs even when one reading of the outbox misses the message (it was moving between states)', async () => {
    const root = join(dir, 'moving');
    const store = await createPartsStore({ root, durable: true });
    const dead = `${thisOwner.host}-${await exitedPid()}-0badcafe`;
    const needed = await folder(root, '<moving@relay.test>', dead);
    const orphan = await folder(root, '<orphan@relay.test>', dead);
    let readings = 0;
    const removed = await store.sweep(
      async () => {
        readings++;
        return readings === 1 ? new Set<string>() : new Set([partsKey('<moving@relay.test>')]);
      },
      { graceMs: 3_600_000 },
    );
    expect(removed).toBe(1);
    expect(await readdir(root)).toEqual([needed]);
    expect(orphan).not.toBe(needed);
  });

  it('leaves a live or unknown owner’s folder for the grace; removes it after', async () => {
    const root = join(dir, 'grace');
    const store = await createPartsStore({ root, durable: true });
    const live = await folder(root, '<live@relay.test>', `${thisOwner.host}-${process.ppid}-0badcafe`);
    const legacy = `${partsKey('<legacy@relay.test>')}-0123456789ab`;
    await mkdir(join(root, legacy));
    const mine = await folder(root, '<mine@relay.test>', ownerTag());
    const none = async () => new Set<string>();
    expect(await store.sweep(none, { graceMs: 60_000 })).toBe(0);
    expect((await readdir(root)).sort()).toEqual([legacy, live, mine].sort());
    const old = new Date(Date.now() - 120_000);
    for (const name of [live, legacy, mine]) {
      for (const file of await readdir(join(root, name))) await utimes(join(root, name, file), old, old);
      await utimes(join(root, name), old, old);
    }
    expect(await store.sweep(none, { graceMs: 60_000, busy: new Set([join(root, mine)]) })).toBe(2);
    expect(await readdir(root)).toEqual([mine]);
  });

  it('removes at once the folder of an accepted message (marked) the outbox no longer holds — dropped, or delivered by another process — whatever its owner', async () => {
    const root = join(dir, 'marked');
    const store = await createPartsStore({ root, durable: true });
    const live = `${thisOwner.host}-${process.ppid}-0badcafe`;
    const delivered = await folder(root, '<delivered-elsewhere@relay.test>', live);
    await writeFile(join(root, delivered, '.accepted-20261207T093000Z-abc'), '');
    const receiving = await folder(root, '<still-receiving@relay.test>', live);
    const queued = await folder(root, '<queued@relay.test>', ownerTag());
    await writeFile(join(root, queued, '.accepted-20261207T093001Z-def'), '');
    expect(await store.sweep(async () => new Set([partsKey('<queued@relay.test>')]), { graceMs: 3_600_000 })).toBe(1);
    expect((await readdir(root)).sort()).toEqual([queued, receiving].sort());
  });
});
