import type { CliIo } from './cli-io.js';

/** A spinner on stderr for network work; silent in JSON mode or when stderr is not a terminal. */
export interface Spinner {
  update(text: string): void;
  stop(): void;
}

export async function startSpinner(io: CliIo, text: string): Promise<Spinner> {
  // A terminal that reports 0 columns (a pty nobody sized) would make ora count infinitely many lines to clear.
  if (io.json || io.stderr.isTTY !== true || !io.stderr.columns) return { update() {}, stop() {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: io.stderr, color: 'cyan', isEnabled: io.colorEnabled || io.stderr.isTTY === true }).start();
  return {
    update(next) {
      spinner.text = next;
    },
    stop() {
      spinner.stop();
    },
  };
}

/** Runs work under a spinner. */
export async function withSpinner<T>(io: CliIo, text: string, work: (spinner: Spinner) => Promise<T>): Promise<T> {
  const spinner = await startSpinner(io, text);
  try {
    return await work(spinner);
  } finally {
    spinner.stop();
  }
}
