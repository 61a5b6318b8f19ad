/**
 * A spinner in a terminal that reports 0 columns (a pseudo-terminal nobody sized, as under
 * `script` or some CI runners): ora would count infinitely many lines to clear and the command
 * never finished. The command must end as it does elsewhere.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEMO, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, tempDir } from './helpers.js';

const DRIVER = fileURLToPath(new URL('./fixtures/pty-drive.py', import.meta.url));
const dir = tempDir();
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
  dir.cleanup();
});

it('`mailbridge doctor` in a 0-column terminal finishes', { timeout: 90_000 }, async () => {
  const config = dir.write('spinner.json', sim.config({ transport: 'graph', secretEnv: 'SPINNER_SECRET' }));
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn('python3', [DRIVER, JSON.stringify([['All checks passed', '']]), '--', process.execPath, BIN, '--config', config, 'doctor'], {
      env: { ...process.env, NO_COLOR: '1', PTY_TIMEOUT: '45', PTY_COLUMNS: '0', SPINNER_SECRET: DEMO.clientSecret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, out }));
  });
  expect(code, out.slice(-2000)).toBe(0);
  expect(out).toContain('All checks passed');
});
