import { type ChildProcess, spawn } from 'node:child_process';
import { BIN } from '../helpers.js';

/** A `mailbridge sandbox` left running, as a person starts it in one terminal. */
export interface RunningSandbox {
  /** What it printed so far. */
  output(): string;
  /** Stops it with SIGINT (Ctrl+C) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `mailbridge sandbox …args` (or `command` through `sh -c`, to run a printed command line as
 * printed) in `cwd` and resolves once it says it is running. Fails with its output when it exits first.
 */
export async function startSandbox(args: string[], options: { cwd: string; env?: Record<string, string>; shellCommand?: string; timeoutMs?: number }): Promise<RunningSandbox> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
  for (const key of Object.keys(env)) if (key.startsWith('MAILBRIDGE_') || /PROXY/i.test(key)) delete env[key];
  const child: ChildProcess = options.shellCommand ? spawn('/bin/sh', ['-c', `exec ${options.shellCommand}`], { cwd: options.cwd, env }) : spawn(process.execPath, [BIN, 'sandbox', ...args], { cwd: options.cwd, env });
  let out = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr?.on('data', (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let gone = false;
  void exited.then(() => (gone = true));
  const started = Date.now();
  while (!out.includes('Press Ctrl+C') && !gone && Date.now() - started < (options.timeoutMs ?? 60_000)) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!out.includes('Press Ctrl+C')) {
    child.kill('SIGKILL');
    throw new Error(`mailbridge sandbox did not start:\n${out}`);
  }
  return {
    output: () => out,
    async stop() {
      if (!gone) child.kill('SIGINT');
      return exited;
    },
  };
}
