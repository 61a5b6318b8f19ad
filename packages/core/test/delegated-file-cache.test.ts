/**
 * The pieces under the delegated token cache: atomic writes, the inter-process lock file, and
 * msal's cache plugin on a file (read-modify-write under the lock, 0600, corrupt files).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCacheContext } from '@azure/msal-node';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicWriteFile } from '../src/auth/delegated/atomic-write-file.js';
import { acquireFileLock } from '../src/auth/delegated/file-lock.js';
import { FileTokenCachePlugin } from '../src/auth/delegated/file-token-cache-plugin.js';
import { MailbridgeError } from '../src/errors/index.js';

const root = mkdtempSync(join(tmpdir(), 'mailbridge-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${++n}`);

describe('atomicWriteFile', () => {
  it('replaces a file readable by others with a 0600 one, leaving no temp file', async () => {
    const path = fresh() + '.json';
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    await atomicWriteFile(path, '{"new":true}');
    expect(readFileSync(path, 'utf8')).toBe('{"new":true}');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(root).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('fails cleanly when the folder does not exist', async () => {
    await expect(atomicWriteFile(join(fresh(), 'missing', 'cache.json'), '{}')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('acquireFileLock', () => {
  it('lets one holder at a time in; the next gets it when released', async () => {
    const lock = fresh() + '.lock';
    const order: string[] = [];
    const release = await acquireFileLock(lock);
    const second = acquireFileLock(lock).then((r) => {
      order.push('second');
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 80));
    order.push('first releases');
    await release();
    await (await second)();
    expect(order).toEqual(['first releases', 'second']);
    expect(existsSync(lock)).toBe(false);
  });

  it('with sync: a free lock is taken before the call returns (no thread-pool round trip); a held one is still waited for, and the lock file holds the usual owner line', async () => {
    const lock = fresh() + '.lock';
    const pending = acquireFileLock(lock, { sync: true });
    // Taken synchronously, before the promise settles.
    expect(readFileSync(lock, 'utf8')).toMatch(new RegExp(`^${process.pid} ${hostname()} \\d+ [0-9a-f]{16}$`));
    const release = await pending;
    const order: string[] = [];
    const second = acquireFileLock(lock, { sync: true }).then((r) => {
      order.push('second');
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    order.push('first releases');
    await release();
    await (await second)();
    expect(order).toEqual(['first releases', 'second']);
    expect(existsSync(lock)).toBe(false);
  });

  it('gives up after timeoutMs with a retryable error naming the lock file', async () => {
    const lock = fresh() + '.lock';
    const release = await acquireFileLock(lock);
    const error = await acquireFileLock(lock, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(MailbridgeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    expect((error as MailbridgeError).hint).toContain(lock);
    await release();
  });

  it('breaks a lock left by a process that died', async () => {
    const lock = fresh() + '.lock';
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    writeFileSync(lock, `${dead} ${hostname()} ${Date.now()} deadbeef`);
    const started = Date.now();
    const release = await acquireFileLock(lock, { timeoutMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    await release();
  });

  it('breaks a lock older than staleMs, but not a fresh one of a live process', async () => {
    const lock = fresh() + '.lock';
    writeFileSync(lock, `${process.pid} ${hostname()} 0 cafe`);
    await expect(acquireFileLock(lock, { timeoutMs: 200, staleMs: 60_000 })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(lock, old, old);
    const release = await acquireFileLock(lock, { timeoutMs: 1_000, staleMs: 60_000 });
    await release();
  });
});

/** msal's side of the plugin: a cache that deserializes and serializes JSON text. */
function fakeContext(changes: boolean, edit: (cache: Record<string, number>) => void = () => undefined): TokenCacheContext & { seen: string[] } {
  let state: Record<string, number> = {};
  const seen: string[] = [];
  return {
    seen,
    cacheHasChanged: changes,
    hasChanged: changes,
    tokenCache: {
      deserialize(text: string) {
        seen.push(text);
        state = JSON.parse(text) as Record<string, number>;
        edit(state);
      },
      serialize: () => JSON.stringify(state),
    },
  } as unknown as TokenCacheContext & { seen: string[] };
}

describe('FileTokenCachePlugin', () => {
  it('a missing file reads as an empty cache; a write creates it 0600 in a new 0700 folder', async () => {
    const folder = fresh();
    const plugin = new FileTokenCachePlugin(join(folder, 'cache.json'));
    const read = fakeContext(false);
    await plugin.beforeCacheAccess(read);
    await plugin.afterCacheAccess(read);
    expect(read.seen).toEqual(['{}']);
    expect(existsSync(plugin.path)).toBe(false);
    const write = fakeContext(true, (cache) => (cache.count = 1));
    await plugin.beforeCacheAccess(write);
    await plugin.afterCacheAccess(write);
    expect(JSON.parse(readFileSync(plugin.path, 'utf8'))).toEqual({ count: 1 });
    expect(statSync(plugin.path).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(existsSync(plugin.lockPath)).toBe(false);
  });

  it('read-modify-write under the lock: two "processes" incrementing at once lose no update', async () => {
    const path = fresh() + '.json';
    const a = new FileTokenCachePlugin(path);
    const b = new FileTokenCachePlugin(path);
    const increment = async (plugin: FileTokenCachePlugin) => {
      const context = fakeContext(true, (cache) => (cache.count = (cache.count ?? 0) + 1));
      await plugin.beforeCacheAccess(context);
      await new Promise((resolve) => setImmediate(resolve)); // msal's work between the two calls
      await plugin.afterCacheAccess(context);
    };
    const rounds = 40;
    await Promise.all(
      [a, b].map(async (plugin) => {
        for (let i = 0; i < rounds; i++) await increment(plugin);
      }),
    );
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ count: 2 * rounds });
  });

  it('a corrupt file is reported (by path only) and read as empty', async () => {
    const path = fresh() + '.json';
    writeFileSync(path, '{"RefreshToken": {"x": {"secret": "1.AXtruncated');
    const reported: string[] = [];
    const plugin = new FileTokenCachePlugin(path, { onCorruptFile: (p) => reported.push(p) });
    const read = fakeContext(false);
    await plugin.beforeCacheAccess(read);
    await plugin.afterCacheAccess(read);
    expect(read.seen).toEqual(['{}']);
    expect(reported).toEqual([path]);
  });

  it('deleteFile removes the cache (and tolerates its absence)', async () => {
    const path = fresh() + '.json';
    writeFileSync(path, '{}');
    const plugin = new FileTokenCachePlugin(path);
    await plugin.deleteFile();
    expect(existsSync(path)).toBe(false);
    await plugin.deleteFile();
  });
});
