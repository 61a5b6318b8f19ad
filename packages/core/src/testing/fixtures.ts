import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A generated file on disk and the SHA-256 of its bytes. */
export interface GeneratedFile {
  path: string;
  size: number;
  sha256: string;
}

/** A temp folder for generated attachments, removed by `remove()`. */
export async function createTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mailbridge-conformance-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Writes `size` pseudo-random bytes to a file, 1 MiB at a time (memory stays flat for big files),
 * and returns its hash so a round trip can be checked byte for byte.
 */
export async function generateFile(dir: string, name: string, size: number): Promise<GeneratedFile> {
  const path = join(dir, name);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const block = randomBytes(1024 * 1024);
  let written = 0;
  let round = 0;
  while (written < size) {
    const length = Math.min(block.length, size - written);
    // Vary each block so ranges uploaded in the wrong order cannot go unnoticed.
    block.writeUInt32BE(round++, 0);
    const chunk = Buffer.from(block.subarray(0, length));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
    written += length;
  }
  out.end();
  await once(out, 'finish');
  return { path, size, sha256: hash.digest('hex') };
}

/** SHA-256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
