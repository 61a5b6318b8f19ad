import { DEMO, demoSeed, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

// A doctor check that passed only because the HTTP layer retried transient failures still passes,
// but says how many retries it needed and why, so an admin sees the flaky path.
const SECRET = 'CANARY~doctor-retries-secret-c30a9e';

interface Check {
  id: string;
  status: string;
  message: string;
  retries?: { count: number; reasons: string[] };
}

describe('doctor: checks that passed after retries', () => {
  let simulator: Simulator;
  const dir = tempDir();
  let file: string;

  beforeAll(async () => {
    const seed = demoSeed();
    seed.apps[0]!.secrets = [{ id: DEMO.clientSecretId, value: SECRET, expiresAt: DEMO.secretExpiresAt }];
    simulator = await startSimulator({ seed });
    const config = simulator.config({ transport: 'graph' }) as Record<string, any>;
    file = dir.write('mailbridge.json', { ...config, auth: { ...config.auth, clientSecret: { env: 'MB_TEST_SECRET' } } });
  }, 60_000);
  beforeEach(() => simulator.clearFaults());
  afterAll(async () => {
    await simulator?.close();
    dir.cleanup();
  });

  const doctor = async (...extra: string[]) => {
    const run = await runCli(['doctor', '--config', file, ...extra], { env: { MB_TEST_SECRET: SECRET } });
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    return run;
  };

  it('a 503 once on Graph → mailbox passes "after 1 retry", with a retries field in --json; the other checks have none', async () => {
    simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 1, retryAfterSeconds: 0 });
    const run = await doctor('--json');
    expect(run.code, run.stdout).toBe(0);
    const { ok, checks } = run.json<{ ok: boolean; checks: Check[] }>();
    expect(ok).toBe(true);
    const mailbox = checks.find((check) => check.id === 'mailbox')!;
    expect(mailbox.status).toBe('pass');
    expect(mailbox.retries).toEqual({ count: 1, reasons: [expect.any(String)] });
    expect(mailbox.message).toMatch(/ \(after 1 retry: [A-Z_0-9 ]+\)\.$/);
    expect(checks.filter((check) => check.retries !== undefined).map((check) => check.id)).toEqual(['mailbox']);
  }, 60_000);

  it('a token endpoint throttled twice → token passes "after 2 retries: THROTTLED" (human output)', async () => {
    simulator.inject({ kind: 'status', status: 429, api: 'entra', pathIncludes: '/token', count: 2, retryAfterSeconds: 0 });
    const run = await doctor();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/pass +token +.*\(after 2 retries: THROTTLED\)\./);
  }, 60_000);

  it('without faults no check mentions retries', async () => {
    const run = await doctor('--json');
    expect(run.code, run.stdout).toBe(0);
    const { checks } = run.json<{ checks: Check[] }>();
    expect(checks.some((check) => check.retries !== undefined || /after \d+ retr/.test(check.message))).toBe(false);
  }, 60_000);
});
