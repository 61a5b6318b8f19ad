import { execFileSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, tempDir, until } from './helpers.js';

// A SIGTERM at any moment of `mailbridge relay` / `mailbridge outbox work` start-up (a service
// manager stopping a unit that just started) must take the clean way out: exit 0, listeners closed,
// no stack trace. The moments are made deterministic: the first "listening" line (the status listener
// still binding), and files that are FIFOs — the test's open() for writing returns exactly when the
// command has begun reading one (its config: the first thing it does; a relay user's password: while
// the relay creates its listeners).

const events = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { event: string }).event);

describe.skipIf(process.platform === 'win32')('SIGTERM during start-up', () => {
  let simulator: Simulator;
  const dir = tempDir();
  let config: Record<string, unknown>;
  let counter = 0;

  beforeAll(async () => {
    simulator = await startSimulator();
    config = simulator.config({ transport: 'graph' }) as Record<string, unknown>;
  }, 60_000);
  afterAll(async () => {
    await simulator?.close();
    dir.cleanup();
  });

  const relayConfig = () => {
    counter += 1;
    return {
      ...config,
      outbox: { store: { type: 'file', dir: join(dir.path, `spool-${counter}`) }, status: { host: '127.0.0.1', port: 0 } },
      relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }], status: { host: '127.0.0.1', port: 0 } },
    };
  };

  /** Starts `args` on a config that is a FIFO; sends SIGTERM the moment the command opens it, then writes the config. */
  async function signalWhileReadingConfig(args: string[]): Promise<{ run: ReturnType<typeof startCli>; exit: { code: number | null; signal: string | null } }> {
    counter += 1;
    const fifo = join(dir.path, `config-${counter}.json`);
    execFileSync('mkfifo', [fifo]);
    const run = startCli([...args, '--config', fifo]);
    try {
      // Resolves once the command has opened the FIFO for reading: it is starting up.
      const writer = await open(fifo, 'w');
      run.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await writer.writeFile(JSON.stringify(relayConfig()));
      await writer.close();
      return { run, exit: await run.exited };
    } finally {
      run.child.kill('SIGKILL');
    }
  }

  it('relay: SIGTERM as the first "listening" line appears (the status listener still to bind) → exit 0 after a clean stop', async () => {
    const file = dir.write(`relay-${counter}.json`, relayConfig());
    const run = startCli(['relay', '--config', file, '--json']);
    try {
      await until(
        () => run.out().includes('"event":"listening"'),
        30_000,
        () => `the listening line in:\n${run.out()}\n${run.err()}`,
        5,
      );
      run.child.kill('SIGTERM');
      expect(await run.exited, run.out() + run.err()).toEqual({ code: 0, signal: null });
    } finally {
      run.child.kill('SIGKILL');
    }
    expect(events(run.out()).slice(-2)).toEqual(['stopping', 'stopped']);
    expect(run.err()).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("relay: SIGTERM while it reads a relay user's password file (before its listeners bind) → exit 0 after a clean stop", async () => {
    counter += 1;
    const fifo = join(dir.path, `password-${counter}`);
    execFileSync('mkfifo', [fifo]);
    const base = relayConfig();
    const file = dir.write(`relay-users-${counter}.json`, { ...base, relay: { ...base.relay, users: [{ username: 'scanner', password: { file: fifo } }] } });
    const run = startCli(['relay', '--config', file, '--json']);
    try {
      // Resolves once the relay has opened the password file: it is creating its listeners.
      const writer = await open(fifo, 'w');
      run.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await writer.writeFile('a-long-enough-password\n');
      await writer.close();
      expect(await run.exited, run.out() + run.err()).toEqual({ code: 0, signal: null });
    } finally {
      run.child.kill('SIGKILL');
    }
    expect(events(run.out()).slice(-2)).toEqual(['stopping', 'stopped']);
    expect(run.err()).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('relay: SIGTERM while it reads its config (a FIFO, as `--config <(…)`) → exit 0, nothing listened', async () => {
    // Also the regression test of a FIFO config breaking the relay's module loading (core's config
    // warnings stat the config file; see config-warnings.ts): it failed with an INTERNAL error.
    const { run, exit } = await signalWhileReadingConfig(['relay', '--json']);
    expect(exit, run.out() + run.err()).toEqual({ code: 0, signal: null });
    expect(events(run.out())).toEqual(['stopped']);
    expect(run.err()).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('outbox work: SIGTERM while it reads its config → exit 0, no worker started', async () => {
    const { run, exit } = await signalWhileReadingConfig(['outbox', 'work', '--json']);
    expect(exit, run.out() + run.err()).toEqual({ code: 0, signal: null });
    expect(events(run.out())).toEqual(['stopped']);
    expect(run.err()).not.toMatch(/\n\s+at /);
  }, 60_000);
});
