/** Why {@link readStdin} gave up. */
export class StdinLimitError extends Error {
  constructor(
    readonly reason: 'too-large' | 'timeout',
    readonly limit: number,
  ) {
    super(reason === 'too-large' ? `stdin holds more than ${limit} bytes` : `stdin gave no end within ${limit} ms`);
  }
}

/**
 * Reads all of stdin, bounded in size and time. Reads the stream rather than opening /dev/stdin,
 * which fails when stdin is a socket (as when a parent process spawns the CLI).
 */
export function readStdin(options: { maxBytes: number; timeoutMs: number; stdin?: NodeJS.ReadableStream }): Promise<Buffer> {
  const stdin = options.stdin ?? process.stdin;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', onError);
      stdin.pause();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      total += bytes.byteLength;
      if (total > options.maxBytes) return finish(new StdinLimitError('too-large', options.maxBytes));
      chunks.push(bytes);
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(error);
    const timer = setTimeout(() => finish(new StdinLimitError('timeout', options.timeoutMs)), options.timeoutMs);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
    stdin.resume();
  });
}
