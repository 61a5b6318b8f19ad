import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DEMO, demoSeed, type Simulator, startSimulator } from '@mailbridge/simulator';
import nodemailer from 'nodemailer';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers.js';
import { httpGet } from './status-fixtures.js';

// `mailbridge relay` as users run it, with its status listener behind a bearer token. Two canaries:
// the client secret and the status token. Neither may appear in any response, log line or error.
const SECRET_CANARY = 'CANARY~cli-client-secret-93b1c4';
const TOKEN_CANARY = 'CANARY-cli-status-token-e27f58';

function env(extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('MAILBRIDGE_') && !/PROXY/i.test(key)) out[key] = value;
  return { ...out, NO_COLOR: '1', MB_TEST_SECRET: SECRET_CANARY, MB_STATUS_TOKEN: TOKEN_CANARY, ...extra };
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

describe('mailbridge relay with relay.status', () => {
  let simulator: Simulator;
  const dir = tempDir();
  let child: ChildProcess;
  let output = '';
  let exited: Promise<number>;
  const bodies: string[] = [];

  beforeAll(async () => {
    const seed = demoSeed();
    seed.apps[0]!.secrets = [{ id: DEMO.clientSecretId, value: SECRET_CANARY, expiresAt: DEMO.secretExpiresAt }];
    simulator = await startSimulator({ seed });
    const base = simulator.config({ transport: 'graph' }) as Record<string, any>;
    const config = {
      ...base,
      auth: { ...base.auth, clientSecret: { env: 'MB_TEST_SECRET' } },
      outbox: { store: { type: 'file', dir: join(dir.path, 'spool') } },
      relay: {
        listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }],
        status: { host: '127.0.0.1', port: 0, auth: { bearer: { env: 'MB_STATUS_TOKEN' } } },
      },
    };
    const file = dir.write('mailbridge.json', config);
    child = spawn(process.execPath, [BIN, 'relay', '--config', file], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    exited = new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await simulator?.close();
    dir.cleanup();
  });

  it('serves the page, metrics and health checks behind the bearer token, counts an SMTP send, and exits 0 on SIGTERM', async () => {
    const url = await until(() => /status\s+url=(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], 30_000, `the status line in:\n${output}`);
    const smtpPort = Number(/listening host=127\.0\.0\.1 port=(\d+)/.exec(output)?.[1]);
    const auth = { authorization: `Bearer ${TOKEN_CANARY}` };
    const get = async (path: string, headers: Record<string, string> = auth) => {
      const response = await httpGet(`${url}${path}`, { headers });
      bodies.push(JSON.stringify(response.headers), response.body);
      return response;
    };

    for (const path of ['/', '/metrics', '/healthz', '/readyz']) expect((await get(path, {})).status).toBe(401);
    expect((await get('/healthz')).status).toBe(200);

    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    await smtp.sendMail({ from: DEMO.mailbox, to: DEMO.secondMailbox, subject: 'via the relay command', text: 'hello' });
    smtp.close();
    await until(() => output.includes('delivered'), 20_000, 'the delivered log line');

    const page = await until(
      async () => {
        const response = await get('/');
        return /data-total="delivered">1</.test(response.body) ? response : undefined;
      },
      15_000,
      'the page to count the delivery',
    );
    expect(page.body).toContain('mailbridge relay status');
    expect(page.body).toContain(`SMTP on 127.0.0.1:${smtpPort}`);

    const metrics = parsePrometheusTextFormat((await get('/metrics')).body);
    const value = (name: string) => Number(metrics.find((family) => family.name === name)?.metrics[0]?.value);
    expect(value('mailbridge_messages_accepted_total')).toBe(1);
    expect(value('mailbridge_messages_delivered_total')).toBe(1);
    await until(async () => (await get('/readyz')).status === 200, 15_000, '/readyz 200');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const text of [...bodies, output]) {
      expect(text).not.toContain(SECRET_CANARY);
      expect(text).not.toContain(TOKEN_CANARY);
    }
  }, 90_000);

  it('refuses a status listener beyond loopback without auth: exit 2, naming relay.status.auth', async () => {
    const file = dir.write('open.json', {
      ...(simulator.config({ transport: 'graph' }) as Record<string, unknown>),
      relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }], status: { host: '0.0.0.0', port: 0 } },
    });
    const result = await runCli(['relay', '--config', file, '--json'], { env: { MB_TEST_SECRET: SECRET_CANARY } });
    expect(result.code).toBe(2);
    const error = result.json<{ ok: false; error: { code: string; message: string } }>().error;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('relay.status.auth: is required when the status listener is reachable from other machines');
  });
});
