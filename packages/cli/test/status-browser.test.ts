import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@mailbridge/core';
import { createOutbox, type Outbox } from '@mailbridge/outbox';
import { createRelay, type Relay } from '@mailbridge/relay';
import { DEMO, demoSeed, type Simulator, startSimulator } from '@mailbridge/simulator';
import nodemailer from 'nodemailer';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StatusListener, startStatusListener } from '../src/status/start-status-listener.js';
import { httpGet } from './status-fixtures.js';
import { chromiumMissing, launchChromium } from './support/chromium.js';

// The status page in a real browser, over a real outbox delivering to the simulator. The client
// secret is a canary: no response of the status listener may ever contain it.
const CANARY = 'CANARY~status-client-secret-5d1e0b7a';
const SUBJECT_CANARY = 'SUBJECT-CANARY quarterly numbers';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const missing = chromiumMissing();

async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the element's text is `text` (the page refreshes itself: no reload here). */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  // A function, not a string: the page's CSP forbids eval (and this test would see it if it did not).
  await page.waitForFunction(
    ([sel, expected]) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector(sel)?.textContent === expected,
    [selector, text] as const,
    { timeout: 15_000 },
  );
}

describe.skipIf(missing !== undefined)('status page of an outbox worker, in Chromium', () => {
  let simulator: Simulator;
  let outbox: Outbox;
  let listener: StatusListener;
  let browser: Browser;
  let dir: string;
  const bodies: string[] = [];
  const get = async (path: string) => {
    const response = await httpGet(`${listener.url}${path}`);
    bodies.push(JSON.stringify(response.headers), response.body);
    return response;
  };

  beforeAll(async () => {
    const seed = demoSeed();
    seed.apps[0]!.secrets = [{ id: DEMO.clientSecretId, value: CANARY, expiresAt: DEMO.secretExpiresAt }];
    simulator = await startSimulator({ seed });
    dir = mkdtempSync(join(tmpdir(), 'mailbridge-status-'));
    process.env.MAILBRIDGE_STATUS_TEST_SECRET = CANARY;
    const base = simulator.config({ transport: 'graph' }) as Record<string, any>;
    const config = {
      ...base,
      auth: { ...base.auth, clientSecret: { env: 'MAILBRIDGE_STATUS_TEST_SECRET' }, secretExpiresAt: new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10) },
      retry: { maxAttempts: 2, maxDelayMs: 1_000 },
      outbox: {
        store: { type: 'file', dir: join(dir, 'spool') },
        limits: { recipientsPerDay: 3 },
        status: { host: '127.0.0.1', port: 0, refreshSeconds: 2, tokenCheckSeconds: 1 },
      },
    };
    const path = join(dir, 'mailbridge.json');
    writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
    const loaded = await loadConfig({ path });
    outbox = await createOutbox(loaded, { pollIntervalMs: 50 });
    await outbox.start();
    listener = await startStatusListener({ service: 'outbox', loaded, status: loaded.config.outbox!.status!, configPath: 'outbox.status', outbox, globals: {} });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await listener?.close();
    await outbox?.close();
    await simulator?.close();
    delete process.env.MAILBRIDGE_STATUS_TEST_SECRET;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows deliveries, a permanent failure with its code and hint, and a held message with why; refreshing itself', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('response', async (response) => {
      try {
        bodies.push(JSON.stringify(await response.allHeaders()), await response.text());
      } catch {
        // A response without a body (e.g. a redirect) has nothing to check.
      }
    });
    await page.goto(listener.url);
    expect(await page.title()).toBe('mailbridge outbox status');
    expect(await page.locator('[data-total="delivered"]').textContent()).toBe('0');
    const headings = await page.getByRole('heading', { level: 2 }).allTextContents();
    expect(headings).toEqual(['Mail flow, last hour', 'Backlog', 'Held messages', 'Last failures', 'Sending mailboxes', 'Sign-in', 'doctor checks']);

    // 1. A send: the delivered count moves, without reloading (the page refreshes itself).
    const delivered = new Promise<void>((resolve) => outbox.on('delivered', () => resolve()));
    await outbox.enqueue({ to: [DEMO.secondMailbox, 'oncall@fabrikam.example'], subject: SUBJECT_CANARY, text: 'body text that must never be served' });
    await delivered;
    await waitForText(page, '[data-total="delivered"]', '1');
    expect(await page.locator('[data-backlog="delivered24h"]').textContent()).toBe('1');
    expect(await page.locator('#mailboxes-table').textContent()).toContain('2 of 3 (67% used)');

    // 2. A permanent failure (the app may not send as another mailbox): its code and hint appear.
    const failed = new Promise<{ error: { code: string; hint: string } }>((resolve) => outbox.on('failed', resolve));
    await outbox.enqueue({ from: { address: DEMO.secondMailbox }, to: [DEMO.mailbox], subject: SUBJECT_CANARY, text: 'x' });
    const failure = await failed;
    expect(failure.error.code).toBe('SEND_AS_DENIED');
    await waitForText(page, '#failures-table [data-code]', 'SEND_AS_DENIED');
    expect(await page.locator('#failures-table [data-hint]').first().textContent()).toBe(failure.error.hint);
    expect(await page.locator('.banner').textContent()).toContain('1 message failed in the last hour.');

    // 3. Over the daily recipient budget (3): held, and the page says why.
    const held = new Promise<void>((resolve) => outbox.on('held', () => resolve()));
    await outbox.enqueue({ to: [DEMO.secondMailbox, 'oncall@fabrikam.example'], subject: SUBJECT_CANARY, text: 'x' });
    await held;
    await page.locator('#held-table').waitFor({ timeout: 15_000 });
    const why = await page.locator('#held-table tbody tr').first().textContent();
    expect(why).toContain('Held');
    expect(why).toMatch(/exceed the daily recipient budget of alerts@contoso\.onmicrosoft\.com \(\d of 3 recipients used in the last 24 hours; this message has 2\)/);

    // The secret expires in 20 days: warned, in words.
    expect(await page.locator('[data-credential]').getAttribute('data-credential')).toBe('warn');
    expect(await page.locator('[data-credential]').textContent()).toContain('Renew soon');
    // The token check and the doctor run have reported.
    await page.locator('[data-token="valid"]').waitFor({ timeout: 15_000 });
    await page.locator('#doctor-table').waitFor({ timeout: 30_000 });
    // Subjects are not shown (status.showSubjects is false).
    expect(await page.content()).not.toContain('SUBJECT-CANARY');

    await page.screenshot({ path: join(ARTIFACTS, 'status-page-desktop.png'), fullPage: true });
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
    await phone.goto(listener.url);
    // Nothing sticks out sideways on a phone except inside the tables' own scroll areas.
    const overflow = await phone.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png') });
    await phone.screenshot({ path: join(ARTIFACTS, 'status-page-phone-full.png'), fullPage: true });
    // Paused, the page keeps its content: no refresh replaces it, not even one already on its way
    // (an element screenshot of a section being replaced fails: "not attached to the DOM").
    await phone.locator('#auto-refresh').click();
    expect(await phone.locator('#auto-refresh').getAttribute('aria-pressed')).toBe('false');
    const content = await phone.locator('#content').elementHandle();
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // 2.5 refresh periods
    expect(await content!.evaluate((node) => (node as unknown as { isConnected: boolean }).isConnected)).toBe(true);
    await phone.locator('#failures').screenshot({ path: join(ARTIFACTS, 'status-page-phone-failures.png') });
    await phone.close();
    await page.close();
  }, 90_000);

  it('reads without JavaScript: the same content, no pause button, a plain refresh link', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(listener.url);
    expect(await page.locator('[data-total="delivered"]').textContent()).toBe('1');
    expect(await page.locator('#failures-table').textContent()).toContain('SEND_AS_DENIED');
    expect(await page.locator('#auto-refresh').isVisible()).toBe(false);
    await page.getByRole('link', { name: 'Refresh' }).click();
    expect(await page.locator('#held-table').count()).toBe(1);
    await context.close();
  });

  it('/metrics, parsed as Prometheus text, matches what was sent', async () => {
    const response = await get('/metrics');
    const families = new Map(parsePrometheusTextFormat(response.body).map((family) => [family.name, family]));
    const value = (name: string, labels: Record<string, string> = {}) => Number(families.get(name)?.metrics.find((sample) => Object.entries(labels).every(([key, v]) => sample.labels?.[key] === v))?.value);
    expect(value('mailbridge_messages_accepted_total')).toBe(3);
    expect(value('mailbridge_messages_delivered_total')).toBe(1);
    expect(value('mailbridge_messages_failed_total', { code: 'SEND_AS_DENIED' })).toBe(1);
    expect(value('mailbridge_messages_held_total')).toBe(1);
    expect(value('mailbridge_delivery_retries_total')).toBe(0);
    expect(value('mailbridge_outbox_messages', { state: 'held' })).toBe(1);
    expect(value('mailbridge_outbox_messages', { state: 'failed' })).toBe(1);
    expect(value('mailbridge_outbox_backlog_messages')).toBe(1);
    expect(value('mailbridge_mailbox_budget_used_ratio', { mailbox: DEMO.mailbox })).toBeGreaterThanOrEqual(2 / 3);
    expect(value('mailbridge_secret_days_left', { credential: 'client-secret' })).toBeGreaterThanOrEqual(19);
    const latency = families.get('mailbridge_delivery_latency_seconds')!;
    expect(Number(latency.metrics[0]!.count)).toBe(1);
    expect(Number(latency.metrics[0]!.sum)).toBeGreaterThan(0);
  });

  it('/readyz turns 503 while the token endpoint fails, and back to 200', async () => {
    await waitFor(async () => (await get('/readyz')).status === 200, 15_000, '/readyz 200');
    expect(JSON.parse((await get('/readyz')).body)).toEqual({ ok: true, passing: ['store', 'token'] });
    const restore = simulator.inject({ kind: 'token-outage' });
    const failing = await waitFor(
      async () => {
        const response = await get('/readyz');
        return response.status === 503 ? response : undefined;
      },
      20_000,
      '/readyz 503',
    );
    const body = JSON.parse(failing.body) as { ok: boolean; failing: Array<{ id: string; code: string }>; passing: string[] };
    expect(body.ok).toBe(false);
    expect(body.failing.map((check) => check.id)).toEqual(['token']);
    expect(body.passing).toEqual(['store']);
    restore();
    await waitFor(async () => (await get('/readyz')).status === 200, 30_000, '/readyz back to 200');
    expect((await get('/healthz')).status).toBe(200);
  }, 60_000);

  it('never serves the client secret, a token, a message body or a subject', async () => {
    for (const path of ['/', '/metrics', '/healthz', '/readyz', '/nope']) await get(path);
    expect(bodies.length).toBeGreaterThan(10);
    for (const body of bodies) {
      expect(body).not.toContain(CANARY);
      expect(body).not.toContain('body text that must never be served');
      expect(body).not.toContain('SUBJECT-CANARY');
      // No JWT (a token would be three base64url parts starting with eyJ).
      expect(body).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
    }
  });
});

describe.skipIf(missing !== undefined)('status page of the relay (relay + outbox on the simulator), in Chromium', () => {
  const GHOST = 'ghost@contoso.onmicrosoft.com';
  let simulator: Simulator;
  let outbox: Outbox;
  let relay: Relay;
  let listener: StatusListener;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    simulator = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), 'mailbridge-status-relay-'));
    const path = join(dir, 'mailbridge.json');
    const config = {
      ...(simulator.config({ transport: 'graph' }) as Record<string, unknown>),
      retry: { maxAttempts: 2, maxDelayMs: 500 },
      outbox: { store: { type: 'file', dir: join(dir, 'spool') } },
      // The relay may pass "ghost" through as the sender; the mailbox may not send as it: a permanent failure.
      relay: { listen: [{ host: '127.0.0.1', port: 0, tls: 'none' }], sendAs: [GHOST], otherSenders: 'rewrite', status: { port: 0, refreshSeconds: 2 } },
    };
    writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
    const loaded = await loadConfig({ path });
    outbox = await createOutbox(loaded, { pollIntervalMs: 50 });
    relay = await createRelay(loaded.config, { outbox });
    listener = await startStatusListener({ service: 'relay', loaded, status: loaded.config.relay!.status!, configPath: 'relay.status', outbox, relay, globals: {}, doctor: false });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await listener?.close();
    await relay?.close();
    await simulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts what SMTP clients send, shows a permanent failure with its code and hint, and exports SMTP session durations', async () => {
    const port = relay.listeners[0]!.port;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(listener.url);
    expect(await page.title()).toBe('mailbridge relay status');
    expect(await page.locator('.meta').textContent()).toContain(`SMTP on 127.0.0.1:${port}`);

    const sessions = new Promise<void>((resolve) => {
      let ended = 0;
      relay.on('session', () => {
        if (++ended === 2) resolve();
      });
    });
    const failed = new Promise<{ error: { code: string; hint?: string } }>((resolve) => relay.on('failed', resolve));
    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    await smtp.sendMail({ from: DEMO.mailbox, to: DEMO.secondMailbox, subject: 'relay status page', text: 'hello' });
    smtp.close();
    await waitForText(page, '[data-total="accepted"]', '1');
    await waitForText(page, '[data-total="delivered"]', '1');

    const ghost = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    await ghost.sendMail({ from: GHOST, to: DEMO.secondMailbox, subject: 'as a ghost', text: 'boo' });
    ghost.close();
    const failure = await failed;
    expect(failure.error.code).toBe('SEND_AS_DENIED');
    await waitForText(page, '#failures-table [data-code]', 'SEND_AS_DENIED');
    expect(await page.locator('#failures-table [data-hint]').first().textContent()).toBe(failure.error.hint);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-relay.png'), fullPage: true });
    await page.close();

    await sessions;
    const families = new Map(parsePrometheusTextFormat((await httpGet(`${listener.url}/metrics`)).body).map((family) => [family.name, family]));
    const value = (name: string, labels: Record<string, string> = {}) => Number(families.get(name)?.metrics.find((sample) => Object.entries(labels).every(([key, v]) => sample.labels?.[key] === v))?.value);
    expect(value('mailbridge_messages_accepted_total')).toBe(2);
    expect(value('mailbridge_messages_delivered_total')).toBe(1);
    expect(value('mailbridge_messages_failed_total', { code: 'SEND_AS_DENIED' })).toBe(1);
    const sessionHistogram = families.get('mailbridge_smtp_session_duration_seconds')!;
    expect(Number(sessionHistogram.metrics[0]!.count)).toBe(2);
    expect(Number(sessionHistogram.metrics[0]!.sum)).toBeGreaterThan(0);
  }, 90_000);
});
