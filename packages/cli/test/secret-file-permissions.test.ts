import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO, demoSeed, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, startCli, tempDir, until } from './helpers.js';

// `{file}` secrets of the status listeners (and relay users) that other users of the machine can
// read: doctor's `config` check warns, `relay` / `outbox work` log one warning at start, each with
// `chmod 600 PATH`; a file only its owner reads gets no warning. The secrets themselves are canaries.
const CLIENT_SECRET = 'CANARY~perm-client-secret-77c1e0';
const STATUS_TOKEN = 'CANARY-perm-status-token-2d94bb';
const STATUS_PASSWORD = 'CANARY-perm-status-password-a61f03';

/** Runs a long-running command until `ready` shows in its output, then stops it with SIGTERM. */
async function runUntilReady(args: string[], ready: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, { env: cliEnv({ MB_TEST_SECRET: CLIENT_SECRET }) });
  try {
    await until(
      () => (run.out() + run.err()).includes(ready) || run.child.exitCode !== null,
      30_000,
      () => `"${ready}" in:\n${run.out()}\n${run.err()}`,
      50,
    );
    if (!(run.out() + run.err()).includes(ready)) throw new Error(`"${ready}" did not show:\n${run.out()}\n${run.err()}`);
    run.child.kill('SIGTERM');
    return { code: (await run.exited).code, stdout: run.out(), stderr: run.err() };
  } finally {
    run.child.kill('SIGKILL');
  }
}

describe.skipIf(process.platform === 'win32')('secret files other users can read', () => {
  let simulator: Simulator;
  const dir = tempDir();
  let base: Record<string, any>;
  let counter = 0;

  beforeAll(async () => {
    const seed = demoSeed();
    seed.apps[0]!.secrets = [{ id: DEMO.clientSecretId, value: CLIENT_SECRET, expiresAt: DEMO.secretExpiresAt }];
    simulator = await startSimulator({ seed });
    const config = simulator.config({ transport: 'graph' }) as Record<string, any>;
    base = { ...config, auth: { ...config.auth, clientSecret: { env: 'MB_TEST_SECRET' } } };
  }, 60_000);
  afterAll(async () => {
    await simulator?.close();
    dir.cleanup();
  });

  /** A config (mode 600) whose outbox.status bearer token is a relative `{file}` and relay.status password an absolute one, both with `mode`. */
  function configWithSecretFiles(mode: number): { file: string; tokenFile: string; passwordFile: string } {
    counter += 1;
    const tokenFile = join(dir.path, `status-token-${counter}`);
    const passwordFile = join(dir.path, `status-password-${counter}`);
    writeFileSync(tokenFile, `${STATUS_TOKEN}\n`);
    writeFileSync(passwordFile, `${STATUS_PASSWORD}\n`);
    chmodSync(tokenFile, mode);
    chmodSync(passwordFile, mode);
    const file = dir.write(`mailbridge-${counter}.json`, {
      ...base,
      outbox: { store: { type: 'file', dir: join(dir.path, `spool-${counter}`) }, status: { host: '127.0.0.1', port: 0, auth: { bearer: { file: `status-token-${counter}` } } } },
      relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }], status: { host: '127.0.0.1', port: 0, auth: { basic: { user: 'prometheus', password: { file: passwordFile } } } } },
    });
    return { file, tokenFile, passwordFile };
  }

  const noSecrets = (...texts: string[]) => {
    for (const text of texts) for (const secret of [CLIENT_SECRET, STATUS_TOKEN, STATUS_PASSWORD]) expect(text).not.toContain(secret);
  };

  it('a Redis URL is a secret only when it holds a password: a readable config without one is not warned about', async () => {
    const REDIS_PASSWORD = 'CANARY-perm-redis-password-5be2';
    const configs = {
      plain: dir.write('redis-plain.json', { ...base, outbox: { store: { type: 'redis', url: 'redis://127.0.0.1:1' } } }),
      password: dir.write('redis-password.json', { ...base, outbox: { store: { type: 'redis', url: `redis://:${REDIS_PASSWORD}@127.0.0.1:1` } } }),
    };
    const checks: Record<string, { status: string; code?: string; message: string }> = {};
    for (const [name, file] of Object.entries(configs)) {
      chmodSync(file, 0o644);
      const run = await runCli(['doctor', '--json', '--config', file], { env: { MB_TEST_SECRET: CLIENT_SECRET } });
      expect(run.stdout + run.stderr).not.toContain(REDIS_PASSWORD);
      checks[name] = run.json().checks.find((check: { id: string }) => check.id === 'config');
    }
    expect(checks.plain?.status, checks.plain?.message).toBe('pass');
    expect(checks.password).toMatchObject({ status: 'warn', code: 'CONFIG_FILE_PERMISSIONS' });
    // A warning about the whole file names no field: no leading ": ".
    expect(checks.password?.message).toMatch(/^the config file .*redis-password\.json holds a secret and can be read by other users \(mode 644\)/);
  }, 60_000);

  it('doctor: mode 644 → the config check warns with chmod 600 PATH for each file; mode 600 → it passes', async () => {
    const open = configWithSecretFiles(0o644);
    const warned = await runCli(['doctor', '--json', '--config', open.file], { env: { MB_TEST_SECRET: CLIENT_SECRET } });
    const config = warned.json().checks.find((check: { id: string }) => check.id === 'config');
    expect(config.status, warned.stdout).toBe('warn');
    expect(config.code).toBe('SECRET_FILE_PERMISSIONS');
    expect(config.message).toContain(`outbox.status.auth.bearer: secret file ${open.tokenFile} can be read by other users (mode 644)`);
    expect(config.message).toContain(`relay.status.auth.basic.password: secret file ${open.passwordFile} can be read by other users (mode 644)`);
    expect(config.hint).toContain(`chmod 600 ${open.tokenFile}`);
    expect(config.hint).toContain(`chmod 600 ${open.passwordFile}`);
    expect(warned.code).toBe(0);
    noSecrets(warned.stdout, warned.stderr);

    const closed = configWithSecretFiles(0o600);
    const passed = await runCli(['doctor', '--json', '--config', closed.file], { env: { MB_TEST_SECRET: CLIENT_SECRET } });
    expect(passed.json().checks.find((check: { id: string }) => check.id === 'config').status, passed.stdout).toBe('pass');
    noSecrets(passed.stdout, passed.stderr);
  }, 60_000);

  it('outbox work: mode 644 → one warning at start with the hint; mode 600 → none', async () => {
    const open = configWithSecretFiles(0o644);
    const warned = await runUntilReady(['outbox', 'work', '--config', open.file], 'Delivering from');
    expect(warned.code, warned.stderr).toBe(0);
    const lines = warned.stderr.split('\n').filter((line) => line.includes('can be read by other users'));
    expect(lines, warned.stderr).toHaveLength(2);
    expect(lines.find((line) => line.includes(open.tokenFile))).toMatch(/ warn +secret file .* \(mode 644\) .*hint="Restrict it to its owner: chmod 600 /);
    noSecrets(warned.stdout, warned.stderr);

    const closed = configWithSecretFiles(0o600);
    const quiet = await runUntilReady(['outbox', 'work', '--config', closed.file], 'Delivering from');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain('can be read by other users');
    noSecrets(quiet.stdout, quiet.stderr);
  }, 60_000);

  it('relay --json: mode 644 → a JSON warning record on stderr with the hint (stdout stays the relay log)', async () => {
    const open = configWithSecretFiles(0o640);
    const warned = await runUntilReady(['relay', '--json', '--config', open.file], '"event":"status"');
    expect(warned.code, warned.stderr).toBe(0);
    const records = warned.stderr
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { level: string; message: string; hint?: string; path?: string });
    const record = records.find((entry) => entry.path === 'relay.status.auth.basic.password');
    expect(record, warned.stderr).toMatchObject({ level: 'warn', code: 'SECRET_FILE_PERMISSIONS', hint: `Restrict it to its owner: chmod 600 ${open.passwordFile}` });
    expect(record!.message).toContain('(mode 640)');
    for (const line of warned.stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    noSecrets(warned.stdout, warned.stderr);
  }, 60_000);
});
