import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/** Why the Redis tests cannot run here, or undefined. Under CI=true a missing redis-server fails instead. */
export function redisMissing(): string | undefined {
  if (spawnSync(BINARY, ['--version'], { encoding: 'utf8' }).status === 0) return undefined;
  const reason = 'redis-server is not installed (apt-get install redis-server, or set REDIS_SERVER)';
  if (process.env.CI === 'true') throw new Error(`${reason}: CI must run the Redis tests`);
  console.warn(`skipping the status listener's Redis tests: ${reason}`);
  return reason;
}

/** A redis-server on a free loopback port that a test can stop and start again on the same port and data. */
export interface StoppableRedis {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data. */
  cleanup(): Promise<void>;
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

export async function startStoppableRedis(): Promise<StoppableRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'mailbridge-status-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const process_ = spawn(BINARY, ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = await new Promise<boolean>((resolve) => {
      let output = '';
      const timer = setTimeout(() => resolve(false), 10_000);
      process_.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      process_.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      process_.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    child = process_;
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    async cleanup() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
