import { createServer } from 'node:net';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { createReadiness } from '../src/status/readiness.js';
import { createStatusMetrics } from '../src/status/status-metrics.js';
import { type StatusServer, type StatusServerOptions, startStatusServer } from '../src/status/status-server.js';
import { httpGet, sampleSnapshot } from './status-fixtures.js';

const CANARY = 'CANARY-status-bearer-7f3a9c';
const servers: StatusServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Partial<StatusServerOptions> = {}): Promise<StatusServer> {
  const server = await startStatusServer({
    host: '127.0.0.1',
    port: 0,
    snapshot: async () => sampleSnapshot(),
    metrics: createStatusMetrics({ processMetrics: false }),
    readiness: createReadiness([]),
    ...options,
  });
  servers.push(server);
  return server;
}

describe('status listener', () => {
  it('serves the page with a nonce-based CSP, and /healthz', async () => {
    const server = await start();
    const page = await httpGet(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(page.body).toContain(`<script nonce="${nonce}">`);
    expect(csp).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    // A new nonce for every response.
    const again = await httpGet(`${server.url}/`);
    expect(String(again.headers['content-security-policy'])).not.toContain(nonce);
    const health = await httpGet(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ ok: true });
  });

  it('answers 404 for other paths and 405 for other methods; HEAD has no body', async () => {
    const server = await start();
    expect((await httpGet(`${server.url}/admin`)).status).toBe(404);
    const post = await httpGet(`${server.url}/`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await httpGet(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('without auth, answers only requests addressed to a loopback host (no DNS rebinding)', async () => {
    const server = await start();
    const rebound = await httpGet(`${server.url}/metrics`, { headers: { host: 'attacker.example:8025' } });
    expect(rebound.status).toBe(403);
    expect((await httpGet(`${server.url}/metrics`, { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('/readyz is 200 with the passing checks, and 503 with the failing one (code, message, hint) otherwise', async () => {
    let storeUp = true;
    const server = await start({
      readiness: createReadiness([
        {
          id: 'store',
          run: async () => {
            if (!storeUp) throw Object.assign(new Error('x'), { [Symbol.for('mailbridge.error')]: true, code: 'NETWORK_ERROR', message: 'Redis is not reachable.', hint: 'Start Redis.' });
          },
        },
        { id: 'token', run: async () => undefined },
      ]),
    });
    const ok = await httpGet(`${server.url}/readyz`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, passing: ['store', 'token'] });
    storeUp = false;
    const failing = await httpGet(`${server.url}/readyz`);
    expect(failing.status).toBe(503);
    expect(JSON.parse(failing.body)).toEqual({ ok: false, failing: [{ id: 'store', code: 'NETWORK_ERROR', message: 'Redis is not reachable.', hint: 'Start Redis.' }], passing: ['token'] });
  });

  it('/readyz counts a check that hangs (a stopped Redis makes calls wait) as failing, within the timeout', async () => {
    const server = await start({ readiness: createReadiness([{ id: 'store', run: () => new Promise(() => undefined) }], { timeoutMs: 200 }) });
    const started = Date.now();
    const response = await httpGet(`${server.url}/readyz`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body).failing[0]).toMatchObject({ id: 'store', code: 'NETWORK_TIMEOUT' });
  });

  it('/metrics is the Prometheus text format with every counter, gauge and histogram, values as recorded', async () => {
    const metrics = createStatusMetrics({ processMetrics: false });
    metrics.accepted();
    metrics.accepted();
    metrics.accepted();
    metrics.delivered();
    metrics.delivered();
    metrics.deliveryLatency(1_200);
    metrics.deliveryLatency(300);
    metrics.failed('SEND_AS_DENIED');
    metrics.retried(2);
    metrics.held();
    metrics.smtpSession(40);
    const server = await start({
      metrics,
      refreshGauges: async () =>
        metrics.setGauges({
          backlog: { queued: 4, inFlight: 1, held: 1, failed: 1, delivered24h: 2, oldestQueuedAgeMs: 90_000 },
          mailboxes: [{ address: 'alerts@contoso.com', sentLastMinute: 2, recipients24h: 2500, recipientsPerDay: 10_000 }],
          credential: { kind: 'client-secret', state: 'warn', daysLeft: 12, message: '' },
        }),
    });
    const response = await httpGet(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
    const families = new Map(parsePrometheusTextFormat(response.body).map((family) => [family.name, family]));
    const value = (name: string, labels: Record<string, string> = {}) => Number(families.get(name)?.metrics.find((sample) => Object.entries(labels).every(([key, v]) => sample.labels?.[key] === v))?.value);
    expect(families.get('mailbridge_messages_accepted_total')?.type).toBe('COUNTER');
    expect(value('mailbridge_messages_accepted_total')).toBe(3);
    expect(value('mailbridge_messages_delivered_total')).toBe(2);
    expect(value('mailbridge_messages_failed_total', { code: 'SEND_AS_DENIED' })).toBe(1);
    expect(value('mailbridge_delivery_retries_total')).toBe(2);
    expect(value('mailbridge_messages_held_total')).toBe(1);
    expect(value('mailbridge_outbox_backlog_messages')).toBe(6);
    expect(value('mailbridge_outbox_messages', { state: 'queued' })).toBe(4);
    expect(value('mailbridge_outbox_oldest_message_age_seconds')).toBe(90);
    expect(value('mailbridge_mailbox_recipients_24h', { mailbox: 'alerts@contoso.com' })).toBe(2500);
    expect(value('mailbridge_mailbox_budget_used_ratio', { mailbox: 'alerts@contoso.com' })).toBe(0.25);
    expect(value('mailbridge_secret_days_left', { credential: 'client-secret' })).toBe(12);
    const latency = families.get('mailbridge_delivery_latency_seconds')!;
    expect(latency.type).toBe('HISTOGRAM');
    expect(Number(latency.metrics[0]!.count)).toBe(2);
    expect(Number(latency.metrics[0]!.sum)).toBeCloseTo(1.5);
    expect(Number(latency.metrics[0]!.buckets!['0.5'])).toBe(1);
    const sessions = families.get('mailbridge_smtp_session_duration_seconds')!;
    expect(Number(sessions.metrics[0]!.count)).toBe(1);
    expect(Number(sessions.metrics[0]!.buckets!['0.05'])).toBe(1);
  });

  it('includes the Node.js process metrics by default', async () => {
    const server = await start({ metrics: createStatusMetrics() });
    const names = parsePrometheusTextFormat((await httpGet(`${server.url}/metrics`)).body).map((family) => family.name);
    expect(names).toContain('process_resident_memory_bytes');
  });
});

describe('status auth', () => {
  it('refuses to listen beyond loopback without auth, naming the config path and the fix', async () => {
    await expect(start({ host: '0.0.0.0', configPath: 'relay.status' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('relay.status.auth: is required'),
      hint: expect.stringContaining('"bearer"'),
    });
  });

  it('with a bearer token: 401 with a challenge without it or with a wrong one, 200 with it; the token is never echoed', async () => {
    const server = await start({ auth: { bearer: CANARY } });
    for (const path of ['/', '/metrics', '/healthz', '/readyz']) {
      const denied = await httpGet(`${server.url}${path}`);
      expect(denied.status).toBe(401);
      expect(denied.headers['www-authenticate']).toBe('Bearer realm="mailbridge status"');
      const wrong = await httpGet(`${server.url}${path}`, { headers: { authorization: `Bearer ${CANARY}x` } });
      expect(wrong.status).toBe(401);
      const allowed = await httpGet(`${server.url}${path}`, { headers: { authorization: `Bearer ${CANARY}` } });
      expect(allowed.status).toBe(200);
      for (const response of [denied, wrong, allowed]) {
        expect(response.body).not.toContain(CANARY);
        expect(JSON.stringify(response.headers)).not.toContain(CANARY);
      }
    }
  });

  it('with basic auth: the right user and password pass, a wrong one of either does not', async () => {
    const server = await start({ auth: { basic: { user: 'prometheus', password: CANARY } } });
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    expect((await httpGet(`${server.url}/metrics`, { headers: basic('prometheus', CANARY) })).status).toBe(200);
    expect((await httpGet(`${server.url}/metrics`, { headers: basic('prometheus', 'nope') })).status).toBe(401);
    expect((await httpGet(`${server.url}/metrics`, { headers: basic('admin', CANARY) })).status).toBe(401);
    const denied = await httpGet(`${server.url}/`);
    expect(denied.headers['www-authenticate']).toBe('Basic realm="mailbridge status", charset="UTF-8"');
    // With auth, any Host is fine (it is how a reverse proxy or another machine reaches it).
    expect((await httpGet(`${server.url}/healthz`, { headers: { ...basic('prometheus', CANARY), host: 'status.contoso.com' } })).status).toBe(200);
  });

  it('a port in use is a STATUS_LISTEN_FAILED error that says what to do', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(start({ port, configPath: 'outbox.status' })).rejects.toMatchObject({
        code: 'STATUS_LISTEN_FAILED',
        message: expect.stringContaining('the port is in use'),
        hint: expect.stringContaining('outbox.status.port'),
      });
    } finally {
      blocker.close();
    }
  });
});
