import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';
import { T, testSeed } from './support/seeds.js';
import { SimClient } from './support/sim-client.js';

describe('Graph: throttling per app per mailbox', () => {
  let sim: Simulator;
  let client: SimClient;
  let full: string;
  let scoped: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: testSeed(), throttling: { requests: 12, windowMs: 60_000 } });
    client = new SimClient(sim);
    full = await client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret });
    scoped = await client.token({ tenant: T.tenant, clientId: T.scopedApp, secret: T.secret });
  });
  afterAll(async () => {
    client.close();
    await sim.close();
  });

  it('allows 4 concurrent requests per app and mailbox; the 5th gets 429 MailboxConcurrency with Retry-After', async () => {
    // Slow requests hold their slot, as a slow Exchange does.
    const remove = sim.inject({ kind: 'latency', ms: 400, api: 'graph', count: 4 });
    const responses = await Promise.all(Array.from({ length: 6 }, () => client.get(`/v1.0/users/${T.alice}/messages?$select=id`, { token: full })));
    remove();
    const throttled = responses.filter((r) => r.status === 429);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(4);
    expect(throttled).toHaveLength(2);
    for (const response of throttled) {
      expect(response.json()).toEqual({ error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } });
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('spends a request budget per app and mailbox, then answers 429 TooManyRequests with Retry-After', async () => {
    // 4 admitted requests of the previous test already count in alice's window for this app.
    let status = 200;
    let response;
    for (let i = 0; i < 20 && status === 200; i++) {
      response = await client.get(`/v1.0/users/${T.alice}/messages?$select=id`, { token: full });
      status = response.status;
    }
    expect(status).toBe(429);
    const body = response!.json();
    expect(body.error.code).toBe('TooManyRequests');
    expect(body.error.innerError).toMatchObject({ code: '429', status: '429', message: 'Please retry after' });
    const retryAfter = Number(response!.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Other mailbox, same app: its own budget. Same mailbox, other app: its own budget.
    expect((await client.get(`/v1.0/users/${T.bob}/messages?$select=id`, { token: full })).status).toBe(200);
    expect((await client.get(`/v1.0/users/${T.alice}/messages?$select=id`, { token: scoped })).status).toBe(200);
  });
});
