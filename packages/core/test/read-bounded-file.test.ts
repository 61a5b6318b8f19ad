import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FileReadLimitError, readBoundedFile, readBoundedFileSync } from '../src/files/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mailbridge-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
function fifo(): string {
  const path = join(dir, `pipe-${++count}`);
  execFileSync('mkfifo', [path]);
  return path;
}

describe.skipIf(process.platform === 'win32')('readBoundedFile(Sync)', () => {
  it('reads a FIFO (a `<(…)` process substitution) whole, and refuses one nobody writes to at the deadline', async () => {
    const written = fifo();
    spawn('sh', ['-c', `printf 'CA PEM' > '${written}'`]);
    expect(readBoundedFileSync(written, { maxBytes: 100 }).toString()).toBe('CA PEM');
    const silent = fifo();
    expect(() => readBoundedFileSync(silent, { maxBytes: 100, timeoutMs: 100 })).toThrow(FileReadLimitError);
    await expect(readBoundedFile(silent, { maxBytes: 100, timeoutMs: 100 })).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('refuses a regular file over the limit without reading it', async () => {
    const big = join(dir, 'big.pem');
    writeFileSync(big, Buffer.alloc(2048));
    expect(() => readBoundedFileSync(big, { maxBytes: 1024 })).toThrow(/more than 1024 bytes/);
    await expect(readBoundedFile(big, { maxBytes: 1024 })).rejects.toMatchObject({ reason: 'too-large' });
  });

  it('leaves module resolution intact after a synchronous read of a FIFO (a plain fstat broke it)', async () => {
    // A plain synchronous stat of a FIFO left its file type in a buffer Node shares with
    // fs.realpathSync: a package imported afterwards through pnpm's links was not found. It takes a
    // fresh process, as a CLI run is: the import must come after the read. (The built package: a
    // child process cannot load the TypeScript source.)
    const path = fifo();
    const script = `
      import { spawn } from 'node:child_process';
      const { readBoundedFileSync } = await import('@mailbridge/core');
      spawn('sh', ['-c', "printf x > '${path}'"]);
      readBoundedFileSync(${JSON.stringify(path)}, { maxBytes: 10 });
      await import('@azure/msal-node');
      console.log('imported');
    `;
    const core = fileURLToPath(new URL('..', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: core, timeout: 20_000 });
    expect(stdout.trim()).toBe('imported');
  });
});
