import pc from 'picocolors';

/** Global flags every command receives. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
}

/** Where a command writes, and how: human (coloured when allowed) or JSON only. */
export interface CliIo {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly colorEnabled: boolean;
  readonly colors: ReturnType<typeof pc.createColors>;
  /** Human output (suppressed with --json). */
  out(line?: string): void;
  /** Diagnostics on stderr (suppressed with --json unless --verbose). */
  err(line?: string): void;
  /** The one JSON document of a --json run. */
  printJson(value: unknown): void;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
  /** The `--config` the user passed, repeated in the commands that hints suggest. */
  readonly config?: string;
}

/** Where a command's output goes, when not the process's own streams and environment. */
export interface IoStreams {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

export function createIo(options: GlobalOptions, streams: IoStreams = {}): CliIo {
  const stdout = streams.stdout ?? process.stdout;
  const stderr = streams.stderr ?? process.stderr;
  const env = streams.env ?? process.env;
  const json = options.json === true;
  // Colour only for a person at a terminal: never in JSON, never with --no-color / NO_COLOR, never when piped.
  const colorEnabled = !json && options.color !== false && !('NO_COLOR' in env && env.NO_COLOR !== '') && stdout.isTTY === true && env.TERM !== 'dumb';
  const colors = pc.createColors(colorEnabled);
  return {
    json,
    verbose: options.verbose === true,
    colorEnabled,
    colors,
    stdout,
    stderr,
    env,
    ...(options.config ? { config: options.config } : {}),
    out(line = '') {
      if (!json) stdout.write(`${line}\n`);
    },
    err(line = '') {
      if (!json || options.verbose) stderr.write(`${line}\n`);
    },
    printJson(value) {
      stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}
