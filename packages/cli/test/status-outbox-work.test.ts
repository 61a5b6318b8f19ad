import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { DEMO, demoSeed, type Simulator, startSimulator } from '@mailbridge/simulator';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers.js';
import { httpGet } from './status-fixtures.js';

// `mailbridge outbox work` as users run it, with outbox.status behind HTTP Basic. Canaries: the
// client secret, the status password and a subject (showSubjects is off).
const SECRET_CANARY = 'CANARY~work-client-secret-41d0aa';
const PASSWORD_CANARY = 'CANARY-work-status-password-8c2e19';
const SUBJECT_CANARY = 'SUBJECT-CANARY payroll';

function env(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('MAILBRIDGE_') && !/PROXY/i.test(key)) out[key] = value;
  return { ...out, NO_COLOR: '1', MB_TEST_SECRET: SECRET_CANARY, MB_STATUS_PASSWORD: PASSWORD_CANARY };
}

async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('mailbridge outbox work with outbox.status', () => {
  let simulator: Simulator;
  const dir = tempDir();
  let file: string;
  let child: ChildProcess;
  let output = '';
  let exited: Promise<number>;

  beforeAll(async () => {
    const seed = demoSeed();
    seed.apps[0]!.secrets = [{ id: DEMO.clientSecretId, value: SECRET_CANARY, expiresAt: DEMO.secretExpiresAt }];
    simulator = await startSimulator({ seed });
    const base = simulator.config({ transport: 'graph' }) as Record<string, any>;
    file = dir.write('mailbridge.json', {
      ...base,
      auth: { ...base.auth, clientSecret: { env: 'MB_TEST_SECRET' } },
      outbox: {
        store: { type: 'file', dir: join(dir.path, 'spool') },
        status: { host: '127.0.0.1', port: 0, auth: { basic: { user: 'prometheus', password: { env: 'MB_STATUS_PASSWORD' } } } },
      },
    });
    child = spawn(process.execPath, [BIN, 'outbox', 'work', '--config', file, '--json'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    exited = new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await simulator?.close();
    dir.cleanup();
  });

  it('serves the status behind Basic auth, counts a queued send, never serves a secret or subject, and exits 0 on SIGTERM', async () => {
    const url = await until(() => /"status":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)?.[1], 30_000, `the started line in:\n${output}`);
    const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}` });
    const bodies: string[] = [];
    const get = async (path: string, headers: Record<string, string> = basic(PASSWORD_CANARY)) => {
      const response = await httpGet(`${url}${path}`, { headers });
      bodies.push(JSON.stringify(response.headers), response.body);
      return response;
    };
    expect((await get('/', {})).status).toBe(401);
    expect((await get('/metrics', basic('wrong'))).status).toBe(401);

    const queued = await runCli(['send', '--queue', '--to', DEMO.secondMailbox, '--subject', SUBJECT_CANARY, '--text', 'x', '--config', file, '--json'], { env: { MB_TEST_SECRET: SECRET_CANARY } });
    expect(queued.code).toBe(0);
    await until(() => output.includes('"event":"delivered"'), 20_000, 'the delivered line');

    const page = await until(
      async () => {
        const response = await get('/');
        return /data-total="delivered">1</.test(response.body) ? response : undefined;
      },
      15_000,
      'the page to count the delivery',
    );
    expect(page.body).toContain('mailbridge outbox status');
    const metrics = parsePrometheusTextFormat((await get('/metrics')).body);
    const value = (name: string) => Number(metrics.find((family) => family.name === name)?.metrics[0]?.value);
    expect(value('mailbridge_messages_delivered_total')).toBe(1);
    expect(value('mailbridge_messages_accepted_total')).toBe(1);
    await until(async () => (await get('/readyz')).status === 200, 15_000, '/readyz 200');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const text of [...bodies, output]) {
      expect(text).not.toContain(SECRET_CANARY);
      expect(text).not.toContain(PASSWORD_CANARY);
    }
    for (const text of bodies) expect(text).not.toContain('SUBJECT-CANARY');
  }, 90_000);
});

describe('mailbridge outbox work whose status listener cannot start', () => {
  let simulator: Simulator;
  const dir = tempDir();
  let blocker: Server;

  beforeAll(async () => {
    simulator = await startSimulator();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => blocker?.close(resolve));
    await simulator?.close();
    dir.cleanup();
  });

  it('reports STATUS_LISTEN_FAILED, closes the outbox it started (its workers stop) and exits 1 instead of running on', async () => {
    const taken = (blocker.address() as AddressInfo).port;
    const file = dir.write('mailbridge.json', {
      ...(simulator.config({ transport: 'graph' }) as Record<string, unknown>),
      outbox: { store: { type: 'file', dir: join(dir.path, 'spool') }, status: { host: '127.0.0.1', port: taken } },
    });
    // Without closing the outbox its delivery workers keep the process alive: runCli would kill it
    // after the timeout (code -1) rather than see it exit.
    const started = Date.now();
    const result = await runCli(['outbox', 'work', '--config', file, '--json'], { timeoutMs: 20_000 });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.json().error.code).toBe('STATUS_LISTEN_FAILED');
    expect(result.stdout).not.toContain('"event":"started"');
  }, 60_000);
});
