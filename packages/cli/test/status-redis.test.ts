import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@mailbridge/core';
import { createOutbox, type Outbox } from '@mailbridge/outbox';
import { redisUnavailable, startTestRedis, type TestRedis } from '@mailbridge/outbox/testing';
import { type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StatusListener, startStatusListener } from '../src/status/start-status-listener.js';
import { httpGet } from './status-fixtures.js';

async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<{ status: number; body: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const response = await httpGet(url);
    if (response.status === status) return response;
    if (Date.now() > until) throw new Error(`${url} still answers ${response.status} (${response.body.trim()}) after ${timeoutMs} ms, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(redisUnavailable() !== undefined)('status listener of an outbox on Redis', () => {
  let simulator: Simulator;
  let redis: TestRedis;
  let outbox: Outbox;
  let listener: StatusListener;
  let dir: string;

  beforeAll(async () => {
    simulator = await startSimulator();
    redis = await startTestRedis();
    dir = mkdtempSync(join(tmpdir(), 'mailbridge-status-redis-config-'));
    const path = join(dir, 'mailbridge.json');
    const config = {
      ...(simulator.config({ transport: 'graph' }) as Record<string, unknown>),
      outbox: { store: { type: 'redis', url: redis.url, prefix: 'status-test' }, status: { port: 0, tokenCheckSeconds: 1 } },
    };
    writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
    const loaded = await loadConfig({ path });
    outbox = await createOutbox(loaded, { pollIntervalMs: 50 });
    await outbox.start();
    listener = await startStatusListener({ service: 'outbox', loaded, status: loaded.config.outbox!.status!, configPath: 'outbox.status', outbox, globals: {}, doctor: false });
  }, 60_000);

  afterAll(async () => {
    await listener?.close();
    await redis?.restart().catch(() => undefined);
    await outbox?.close();
    await redis?.stop();
    await simulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('/readyz turns 503 naming the store when Redis stops, the page says so without hanging, and both recover', async () => {
    await waitForStatus(`${listener.url}/readyz`, 200, 15_000);
    await redis.pause();
    const failing = await waitForStatus(`${listener.url}/readyz`, 503, 15_000);
    const body = JSON.parse(failing.body) as { ok: boolean; failing: Array<{ id: string; code: string; message: string }> };
    expect(body.ok).toBe(false);
    expect(body.failing.map((check) => check.id)).toEqual(['store']);

    const started = Date.now();
    const page = await httpGet(`${listener.url}/`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(page.status).toBe(200);
    expect(page.body).toContain('The outbox store cannot be read');
    // /healthz is about the process, not its dependencies.
    expect((await httpGet(`${listener.url}/healthz`)).status).toBe(200);

    await redis.restart();
    await waitForStatus(`${listener.url}/readyz`, 200, 30_000);
    const page2 = await httpGet(`${listener.url}/`);
    expect(page2.body).not.toContain('The outbox store cannot be read');
  }, 90_000);
});
