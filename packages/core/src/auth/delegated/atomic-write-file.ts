import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that readers see either the old content or the new, never a torn mix, even if
 * the process dies mid-write: a temp file in the same folder (same file system, so `rename` is
 * atomic), written and fsync'ed, then renamed over the target, then the folder fsync'ed so the
 * rename itself survives a crash. The temp file is created with `mode`, so the result has it too,
 * whatever mode an older file had.
 */
export async function atomicWriteFile(path: string, content: string, mode = 0o600): Promise<void> {
  const folder = dirname(path);
  const temp = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  let renamed = false;
  try {
    try {
      await handle.writeFile(content, 'utf8');
      // A mode set at creation is filtered by the umask; 0600 has nothing a umask removes, but an
      // explicit chmod makes the result independent of it.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await syncFolder(folder);
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}

async function syncFolder(folder: string): Promise<void> {
  // Not every platform lets a folder be opened for fsync (Windows); the rename has happened anyway.
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
