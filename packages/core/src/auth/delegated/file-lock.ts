import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { MailbridgeError } from '../../errors/index.js';

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /** Give up after waiting this long for another process to release the lock. @default 10000 */
  timeoutMs?: number | undefined;
  /**
   * A lock older than this is taken to be left behind by a process that died while holding it.
   * The lock is only held around a read-modify-write of a small file (milliseconds). @default 30000
   */
  staleMs?: number | undefined;
  /**
   * Take a free lock, and release it, with synchronous file calls: a lock held around a read-modify-
   * write of a small file costs microseconds instead of several round trips through libuv's thread
   * pool (milliseconds on a busy machine). Waiting for a lock another process holds stays
   * asynchronous, so the event loop is never blocked on it. @default false
   */
  sync?: boolean | undefined;
}

/** Releases a lock taken with {@link acquireFileLock}; safe to call twice. */
export type ReleaseFileLock = () => Promise<void>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An inter-process lock: a lock file created with O_CREAT|O_EXCL (`wx`), which exactly one process
 * can create, holding `pid host time nonce`. Others poll (10–50 ms, jittered) until it is gone.
 * A lock whose owner is a dead process on this host, or older than `staleMs`, is broken: it is
 * renamed away first (only one breaker's rename succeeds), and its content compared with what was
 * judged stale, so a lock just re-taken by someone else is not removed by mistake.
 *
 * @throws MailbridgeError `SERVICE_UNAVAILABLE` (retryable) when the lock stays taken for `timeoutMs`;
 *   `CONFIG_INVALID` when the lock file cannot be created (missing or read-only folder).
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<ReleaseFileLock> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const host = hostname();
  const content = `${process.pid} ${host} ${Date.now()} ${randomBytes(8).toString('hex')}`;
  const started = Date.now();
  if (options.sync) {
    const taken = takeLockSync(lockPath, content);
    if (taken) return taken;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(content, 'utf8');
      } finally {
        await handle.close();
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        // Remove it only if it is still ours (a stale-lock breaker could have taken it over).
        const current = await readFile(lockPath, 'utf8').catch(() => undefined);
        if (current === content) await unlink(lockPath).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(lockPath, error);
    }
    await breakIfStale(lockPath, host, staleMs);
    if (Date.now() - started > timeoutMs) throw lockTimeout(lockPath, timeoutMs);
    await sleep(10 + Math.floor(Math.random() * Math.min(40, 5 * (attempt + 1))));
  }
}

async function breakIfStale(lockPath: string, host: string, staleMs: number): Promise<void> {
  let seen: string;
  let ageMs: number;
  try {
    seen = await readFile(lockPath, 'utf8');
    ageMs = Date.now() - (await stat(lockPath)).mtimeMs;
  } catch {
    return; // gone already: the next attempt takes it
  }
  const [pid, owner] = seen.split(' ');
  // An empty file is a lock being written this instant: not stale unless old.
  const deadOwner = owner === host && pid !== undefined && /^\d+$/.test(pid) && !isAlive(Number(pid));
  if (!deadOwner && ageMs < staleMs) return;
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== seen) {
    // We moved a lock taken after our look: put it back if the place is still free.
    await rename(aside, lockPath).catch(() => undefined);
    return;
  }
  await unlink(aside).catch(() => undefined);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockTimeout(lockPath: string, timeoutMs: number): MailbridgeError {
  return new MailbridgeError({
    code: 'SERVICE_UNAVAILABLE',
    message: `The token cache is locked by another process (waited ${Math.round(timeoutMs / 1000)} s for ${lockPath}).`,
    hint: `Another mailbridge process is writing the token cache. Try again; if no other mailbridge runs, delete ${lockPath}.`,
    retryable: true,
    details: { lockPath },
  });
}

function lockError(lockPath: string, cause: unknown): MailbridgeError {
  return new MailbridgeError({
    code: 'CONFIG_INVALID',
    message: `Cannot create the token cache lock ${lockPath}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}.`,
    hint: 'Check that the folder of auth.tokenCache exists and is writable by this user.',
    details: { path: 'auth.tokenCache' },
    cause,
  });
}

/** Creates the lock file synchronously when it is free; undefined when another process holds it. */
function takeLockSync(lockPath: string, content: string): ReleaseFileLock | undefined {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw lockError(lockPath, error);
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    try {
      // Remove it only if it is still ours (a stale-lock breaker could have taken it over).
      if (readFileSync(lockPath, 'utf8') === content) unlinkSync(lockPath);
    } catch {
      // gone already
    }
  };
}
