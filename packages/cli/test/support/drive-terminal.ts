import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BIN } from '../helpers.js';

const DRIVER = fileURLToPath(new URL('../fixtures/pty-drive.py', import.meta.url));

/** Keys as a terminal sends them. */
export const ENTER = '\r';
export const DOWN = '\u001b[B';

/**
 * Types `script` ([expected prompt pattern, keys] pairs) into `mailbridge ...args` in a pseudo-terminal
 * (python3's pty, fixtures/pty-drive.py); asynchronous, so a simulator in the test's process can answer.
 * The driver gives up after `timeoutSeconds`; the process is killed 30 s after that.
 */
export function driveInTerminal(script: Array<[string, string]>, args: string[], options: { cwd: string; env: Record<string, string | undefined>; timeoutSeconds: number }): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [DRIVER, JSON.stringify(script), '--', process.execPath, BIN, ...args], {
      cwd: options.cwd,
      env: { ...options.env, PTY_TIMEOUT: String(options.timeoutSeconds) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), (options.timeoutSeconds + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
