import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.cleanup());

describe('mailbridge sandbox', () => {
  it('--demo runs doctor, a send and a receive end to end and exits 0', async () => {
    const run = await runCli(['sandbox', '--demo', '--write-config', join(dir.path, 'demo', 'sandbox.json')], { timeoutMs: 120_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/All checks passed/);
    expect(run.stdout).toMatch(/✔ Sent from/);
    expect(run.stdout).toMatch(/Disk almost full on web-01/);
    expect(run.stdout).toMatch(/ran end to end/);
    const config = JSON.parse(readFileSync(join(dir.path, 'demo', 'sandbox.json'), 'utf8'));
    expect(config.auth.clientSecret).toEqual({ file: './sandbox.secret' });
    expect(statSync(join(dir.path, 'demo', 'sandbox.secret')).mode & 0o777).toBe(0o600);
    expect(run.stdout).not.toContain(readFileSync(join(dir.path, 'demo', 'sandbox.secret'), 'utf8').trim());
  });

  // Issue 14, item 6: --write-config overwrote an existing (production) config and wrote through symlinks.
  it('--write-config never replaces a config it did not write, nor writes through a link, unless --force', { timeout: 180_000 }, async () => {
    const prod = dir.write('prod.json', '{"transport":"graph","mailbox":"ops@contoso.com"}');
    const refused = await runCli(['--json', 'sandbox', '--demo', '--write-config', prod], { timeoutMs: 60_000 });
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.json().error).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/already exists/) });
    expect(readFileSync(prod, 'utf8')).toBe('{"transport":"graph","mailbox":"ops@contoso.com"}');
    expect(existsSync(join(dir.path, 'prod.secret'))).toBe(false);

    const victim = dir.write('victim.json', 'precious');
    const link = join(dir.path, 'linked.json');
    symlinkSync(victim, link);
    const through = await runCli(['--json', 'sandbox', '--demo', '--write-config', link], { timeoutMs: 60_000 });
    expect(through.code, through.stdout + through.stderr).toBe(2);
    expect(through.json().error.message).toMatch(/symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');

    // Its own earlier config (the port changes at every start) is replaced without asking.
    const own = join(dir.path, 'demo', 'sandbox.json');
    if (existsSync(own)) {
      const again = await runCli(['sandbox', '--demo', '--write-config', own], { timeoutMs: 120_000 });
      expect(again.code, again.stdout + again.stderr).toBe(0);
    }
  });

  it('keeps running with a ready config until interrupted', async () => {
    const configPath = join(dir.path, 'live', 'mailbridge.sandbox.json');
    const child = spawn(process.execPath, [BIN, 'sandbox', '--write-config', configPath], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    try {
      const started = Date.now();
      while (!out.includes('Press Ctrl+C') && Date.now() - started < 60_000) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(out).toMatch(/mailbridge sandbox is running at https:\/\/127\.0\.0\.1:\d+/);
      expect(existsSync(configPath)).toBe(true);
      const doctor = await runCli(['--json', '--config', configPath, 'doctor']);
      expect(doctor.code, doctor.stdout).toBe(0);
      expect(doctor.json().ok).toBe(true);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });
});
