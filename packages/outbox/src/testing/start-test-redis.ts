import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server a test started on a free loopback port, with its data in a temp folder. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (if running) and removes its data. */
  stop(): Promise<void>;
  /** Stops the server but keeps its port and data, as an outage would; `restart()` brings it back. */
  pause(): Promise<void>;
  /** Starts the server again after `pause()`, on the same port with the same data. No-op while it runs. */
  restart(): Promise<void>;
}

/** Options of {@link startTestRedis}. */
export interface StartTestRedisOptions {
  /**
   * The redis-server binary.
   * @default process.env.REDIS_SERVER ?? 'redis-server'
   */
  binary?: string;
  /**
   * How long to wait for "Ready to accept connections".
   * @default 10000
   */
  startTimeoutMs?: number;
}

const defaultBinary = () => process.env.REDIS_SERVER ?? 'redis-server';

/**
 * Why Redis tests cannot run here, or `undefined` when they can. Under `CI=true` a missing
 * redis-server throws instead: CI must always run the Redis tests, never skip them quietly.
 */
export function redisUnavailable(binary = defaultBinary()): string | undefined {
  if (spawnSync(binary, ['--version'], { encoding: 'utf8' }).status === 0) return undefined;
  const reason = 'redis-server is not installed (apt-get install redis-server, or set REDIS_SERVER)';
  if (process.env.CI === 'true') throw new Error(`${reason}: CI must run the Redis tests`);
  console.warn(`skipping the Redis tests: ${reason}`);
  return reason;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Spawns redis-server and resolves with the process once it accepts connections, or undefined if it exited or timed out. */
async function spawnRedis(binary: string, port: number, dir: string, timeoutMs: number): Promise<ChildProcess | undefined> {
  // Loopback only, AOF with an fsync on every write: what the outbox's durability claims rely on.
  const child = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'yes'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const ready = await new Promise<boolean>((resolve) => {
    let output = '';
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      // Keep only the tail: the marker line is short, the log is not read for anything else.
      output = (output + chunk.toString()).slice(-4096);
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (ready) {
    child.stdout!.resume();
    return child;
  }
  child.kill('SIGKILL');
  return undefined;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts redis-server on 127.0.0.1 and a free port, in a new temp folder. For tests only: the
 * outbox's Redis store, the relay sharing one outbox, and the status listener's outage checks.
 */
export async function startTestRedis(options: StartTestRedisOptions = {}): Promise<TestRedis> {
  const binary = options.binary ?? defaultBinary();
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'mailbridge-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  // The port can be taken between finding it and binding it: try a few.
  for (let attempt = 0; !child && attempt < 4; attempt++) {
    port = await freePort();
    child = await spawnRedis(binary, port, dir, timeoutMs);
  }
  if (!child) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${binary} did not start`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopProcess(child);
      child = undefined;
      await rm(dir, { recursive: true, force: true });
    },
    async pause() {
      await stopProcess(child);
      child = undefined;
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = await spawnRedis(binary, port, dir, timeoutMs);
      if (!child) throw new Error(`${binary} did not start again on port ${port}`);
    },
  };
}
