import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers.js';
import { startSandbox } from './support/sandbox-process.js';

// Issue 15, item 15: the sandbox demo printed a `send` command that could not run as shown. Every
// command the demo and the running sandbox print is taken from their output here and run by a
// POSIX shell exactly as printed, with `mailbridge` on PATH.

const dir = tempDir();
afterAll(() => dir.cleanup());

// `mailbridge` as an installed CLI: a shim on PATH that runs the built one.
const binDir = join(dir.path, 'bin');
mkdirSync(binDir);
writeFileSync(join(binDir, 'mailbridge'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
chmodSync(join(binDir, 'mailbridge'), 0o755);
const env: Record<string, string> = { PATH: `${binDir}:${process.env.PATH ?? ''}` };

function shell(line: string, cwd: string, timeoutMs = 90_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', line], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the commands the sandbox prints run as printed', () => {
  it('--demo: each "$ mailbridge …" line, and the sandbox command it names, run as shown', { timeout: 300_000 }, async () => {
    const cwd = join(dir.path, 'demo');
    mkdirSync(cwd);
    const demo = await runCli(['sandbox', '--demo', '--write-config', 'my sandbox.json'], { cwd, env, timeoutMs: 120_000 });
    expect(demo.code, demo.stdout + demo.stderr).toBe(0);
    const printed = demo.stdout
      .split('\n')
      .filter((line) => line.startsWith('$ mailbridge '))
      .map((line) => line.slice(2));
    // doctor (with the send test), a send with its body, a receive.
    expect(printed).toHaveLength(3);
    expect(printed[0]).toMatch(/ doctor --send-test /);
    expect(printed[1]).toMatch(/ send .*--text /);
    expect(printed[2]).toMatch(/ receive /);
    for (const line of printed) expect(line).toContain("--config 'my sandbox.json'");
    const keepRunning = /keep a sandbox running with `([^`]+)`/.exec(demo.stdout)?.[1];
    expect(keepRunning).toBe("mailbridge sandbox --write-config 'my sandbox.json'");

    const sandbox = await startSandbox([], { cwd, env, shellCommand: keepRunning! });
    try {
      for (const line of printed) {
        const result = await shell(line, cwd);
        expect(result.code, `${line}\n${result.output}`).toBe(0);
      }
    } finally {
      expect(await sandbox.stop()).toBe(0);
    }
  });

  it('a running sandbox: each "Try" command runs as printed (relay until stopped)', { timeout: 300_000 }, async () => {
    const cwd = join(dir.path, 'live');
    mkdirSync(cwd);
    dir.write('live/seed.yaml', 'apps:\n  - name: send-only\n    permissions: [Mail.Send]\n');
    const sandbox = await startSandbox(['--seed', 'seed.yaml'], { cwd, env });
    try {
      const tries = sandbox
        .output()
        .split('\n')
        .filter((line) => line.startsWith('  mailbridge '))
        .map((line) => line.trim());
      expect(tries.length).toBeGreaterThanOrEqual(6);
      expect(tries).toContain('mailbridge --config mailbridge.sandbox.send-only.json doctor');
      for (const line of tries) {
        if (/ relay$/.test(line)) {
          // The relay runs until stopped: it must start, then stop cleanly on SIGTERM.
          const relay = spawn('/bin/sh', ['-c', `exec ${line}`], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
          let out = '';
          relay.stdout.on('data', (chunk) => (out += chunk));
          relay.stderr.on('data', (chunk) => (out += chunk));
          const closed = new Promise<number | null>((resolve) => relay.on('close', resolve));
          const started = Date.now();
          // Its last start-up line is the status page's address (the sandbox config has relay.status).
          while (!/ status +url=/.test(out) && relay.exitCode === null && Date.now() - started < 60_000) await new Promise((resolve) => setTimeout(resolve, 100));
          expect(out, line).toMatch(/listening host=127\.0\.0\.1/);
          expect(out, line).toMatch(/ status +url=/);
          relay.kill('SIGTERM');
          expect(await closed, `${line}\n${out}`).toBe(0);
          continue;
        }
        const result = await shell(line, cwd);
        expect(result.code, `${line}\n${result.output}`).toBe(0);
      }
    } finally {
      expect(await sandbox.stop()).toBe(0);
    }
  });
});
