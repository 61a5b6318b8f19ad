import { type BigIntStats, closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** Options of {@link readBoundedFile} and {@link readBoundedFileSync}. */
export interface ReadBoundedFileOptions {
  /** Largest content accepted, in bytes; more fails with reason `too-large` (without reading past it). */
  maxBytes: number;
  /**
   * Longest time the whole read may take, in ms: a FIFO nobody writes to (or that never ends) fails
   * with reason `timeout` instead of hanging.
   * @default 10000
   */
  timeoutMs?: number;
}

/** Why a bounded read gave up: the content is over `maxBytes`, or it did not end within `timeoutMs`. */
export class FileReadLimitError extends Error {
  constructor(
    readonly reason: 'too-large' | 'timeout',
    readonly file: string,
    readonly limit: number,
  ) {
    super(reason === 'too-large' ? `${file} holds more than ${limit} bytes` : `${file} was not read within ${limit} ms`);
    this.name = 'FileReadLimitError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const CHUNK_BYTES = 64 * 1024;
/** How long to wait before asking a pipe again for data. */
const POLL_MS = 10;
// Non-blocking: opening a FIFO without a writer returns at once instead of blocking a thread (or,
// synchronously, the process) forever; reads of a pipe answer EAGAIN instead of waiting.
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** What one read of the loop gave: bytes, nothing yet (EAGAIN), or the end. */
type Step = number | 'again';

/**
 * Reads a whole file with a size limit and a deadline. Regular files, character devices
 * (`/dev/zero` ends in `too-large`) and FIFOs — a shell's process substitution `<(…)` or a named
 * pipe — are all read the same way: polled without blocking, so nothing waits forever. A FIFO that
 * no writer has opened yet is waited for until the deadline. Files that report size 0 but have
 * content (`/proc/cpuinfo`) are read whole. Other failures (ENOENT, EACCES, EISDIR) are Node's errors.
 *
 * @throws FileReadLimitError when the content is over `maxBytes` or the read outlasts `timeoutMs`.
 */
export async function readBoundedFile(file: string, options: ReadBoundedFileOptions): Promise<Buffer> {
  const handle = await open(file, FLAGS);
  try {
    const stats = await handle.stat();
    const state = begin(file, stats, options);
    for (;;) {
      let step: Step;
      try {
        step = (await handle.read(state.buffer, 0, state.wanted(), null)).bytesRead;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        step = 'again';
      }
      const next = state.take(step);
      if (next === 'done') return state.result();
      if (next === 'wait') await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await handle.close();
  }
}

/** {@link readBoundedFile} for synchronous callers (waiting on a pipe blocks the thread, up to the deadline). */
export function readBoundedFileSync(file: string, options: ReadBoundedFileOptions): Buffer {
  const fd = openSync(file, FLAGS);
  try {
    // A bigint stat: a plain synchronous stat of a FIFO leaves its file type in a buffer Node shares
    // with fs.realpathSync, and symbolic links then stop being resolved — so a module imported later
    // through pnpm's links is not found (measured after reading a `<(…)` caFile).
    const state = begin(file, fstatSync(fd, { bigint: true }), options);
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      let step: Step;
      try {
        step = readSync(fd, state.buffer, 0, state.wanted(), null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        step = 'again';
      }
      const next = state.take(step);
      if (next === 'done') return state.result();
      if (next === 'wait') Atomics.wait(sleeper, 0, 0, POLL_MS);
    }
  } finally {
    closeSync(fd);
  }
}

/** The loop's bookkeeping, shared by both variants. */
function begin(file: string, stats: Stats | BigIntStats, options: ReadBoundedFileOptions) {
  if (stats.isDirectory()) throw Object.assign(new Error(`EISDIR: ${file} is a directory`), { code: 'EISDIR' });
  if (stats.isFile() && Number(stats.size) > options.maxBytes) throw new FileReadLimitError('too-large', file, options.maxBytes);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  const pipe = stats.isFIFO() || stats.isSocket();
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, options.maxBytes + 1));
  return {
    buffer,
    /** Never more than one byte past the limit. */
    wanted: () => Math.min(buffer.length, options.maxBytes + 1 - total),
    /** `more`: read again at once; `wait`: a pipe has nothing yet, ask again shortly. */
    take(step: Step): 'done' | 'more' | 'wait' {
      if (typeof step === 'number' && step > 0) {
        total += step;
        if (total > options.maxBytes) throw new FileReadLimitError('too-large', file, options.maxBytes);
        chunks.push(Buffer.from(buffer.subarray(0, step)));
      }
      const expired = performance.now() >= deadline;
      if (step === 0) {
        // A pipe reads as ended while no writer has it open: before any data that may mean the writer
        // has not started yet, so it is waited for (until the deadline).
        if (!pipe || total > 0) return 'done';
        if (expired) throw new FileReadLimitError('timeout', file, timeoutMs);
        return 'wait';
      }
      if (expired) throw new FileReadLimitError('timeout', file, timeoutMs);
      return step === 'again' ? 'wait' : 'more';
    },
    result: () => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)),
  };
}
