/**
 * Ends the process quietly when the reader of an output stream goes away (`mailbridge doctor | head -1`):
 * EPIPE on stdout or stderr exits at once with the exit code set so far (0 when none), as a command
 * killed by SIGPIPE would stop, but without Node's stack trace. Other stream errors are rethrown.
 */
export function exitOnClosedPipe(...streams: NodeJS.WriteStream[]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw error;
    });
  }
}
