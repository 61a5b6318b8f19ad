import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./outbox-worker.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** A worker process started by a test. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Lines it printed (`delivered ID sent|recovered`, `failed ID CODE`, `held ID`, `enqueued N MESSAGE-ID`). */
  lines: string[];
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Resolves once it printed `started`. */
  started: Promise<void>;
}

/** Starts `outbox-worker.mjs` on a config file. Needs the built package. */
export function startWorker(configPath: string, options: { leaseMs?: number; limits?: Record<string, number>; enqueue?: { from: number; count: number; tag: string; to: string } } = {}): WorkerProcess {
  if (!existsSync(DIST)) throw new Error('packages/outbox/dist is missing: run `pnpm --filter @mailbridge/outbox build` first');
  const args = [SCRIPT, configPath, String(options.leaseMs ?? 30_000), ...(options.limits ? [JSON.stringify(options.limits)] : [])];
  const env = options.enqueue ? { ...process.env, OUTBOX_WORKER_ENQUEUE: JSON.stringify(options.enqueue) } : process.env;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let index: number;
    while ((index = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      if (line === 'started') markStarted();
      else lines.push(line);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL' && stderr) process.stderr.write(`worker stderr: ${stderr}\n`);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return { child, lines, exited, started };
}
