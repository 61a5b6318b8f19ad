import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from './helpers.js';

const DRIVER = fileURLToPath(new URL('./fixtures/pty-drive.py', import.meta.url));
const dir = tempDir();
afterAll(() => dir.cleanup());

/** Runs the CLI with a stdout whose reader has already gone (`| head -0`), collecting stderr. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir.path, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed pipe', () => {
  it.each([[['--help']], [['--config', 'no-such-config.json', 'doctor']]])('mailbridge %j exits quietly when stdout is closed', async (args) => {
    const { code, stderr } = await withClosedStdout(args);
    expect(stderr).not.toMatch(/EPIPE|node:internal|\n\s+at /);
    expect(code).not.toBeNull();
  });
});

describe('Ctrl-C', () => {
  it('at an init prompt aborts quietly with exit 130', () => {
    const result = spawnSync('python3', [DRIVER, JSON.stringify([['Transport', '\u0003']]), '--', process.execPath, BIN, 'init', '--output', join(dir.path, 'x.json')], {
      cwd: dir.path,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', PTY_TIMEOUT: '60' },
      timeout: 90_000,
    });
    expect(result.status, result.stdout).toBe(130);
    expect(result.stdout).not.toMatch(/INTERNAL|bug in mailbridge/);
    expect(result.stdout).toMatch(/Aborted/);
  });
});
