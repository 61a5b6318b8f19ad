import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultRegistry } from '../src/faults/fault-registry.js';
import { FAULT_KINDS } from '../src/seed/fault-schema.js';
import type { Simulator } from '../src/types.js';
import { T } from './support/seeds.js';
import type { SimClient } from './support/sim-client.js';
import { startTestSimulator, stopTestSimulator } from './support/test-simulator.js';

describe('faults', () => {
  let sim: Simulator;
  let client: SimClient;
  let token: string;
  const alice = `/v1.0/users/${T.alice}`;
  const sendBody = (subject: string) => ({ message: { subject, toRecipients: [{ emailAddress: { address: T.bob } }] } });

  beforeAll(async () => {
    ({ sim, client, token } = await startTestSimulator());
  });
  afterAll(() => stopTestSimulator({ sim, client }));

  it('latency delays matching requests for the given count', async () => {
    sim.inject({ kind: 'latency', ms: 300, api: 'graph', count: 1 });
    let started = performance.now();
    expect((await client.get(`${alice}/messages?$select=id`, { token })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    started = performance.now();
    await client.get(`${alice}/messages?$select=id`, { token });
    expect(performance.now() - started).toBeLessThan(290);
  });

  it('a burst of 503 with Retry-After in Graph error shape, then normal answers', async () => {
    sim.inject({ kind: 'status', status: 503, api: 'graph', count: 2, retryAfterSeconds: 3 });
    for (let i = 0; i < 2; i++) {
      const response = await client.get(`${alice}/messages`, { token, headers: { 'client-request-id': 'c1' } });
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('3');
      expect(response.json().error).toMatchObject({ code: 'ServiceUnavailable', innerError: { 'client-request-id': 'c1' } });
    }
    expect((await client.get(`${alice}/messages`, { token })).status).toBe(200);
  });

  it('a 429 burst answers the documented TooManyRequests body; pathIncludes and api filters scope it', async () => {
    sim.inject({ kind: 'status', status: 429, api: 'graph', count: 1, pathIncludes: '/sendMail' });
    expect((await client.get(`${alice}/messages`, { token })).status).toBe(200);
    const throttled = await client.send('POST', `${alice}/sendMail`, sendBody('throttled'), { token });
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.json().error.code).toBe('TooManyRequests');
    expect(sim.messages(T.bob, 'inbox').some((m) => m.subject === 'throttled')).toBe(false);

    sim.inject({ kind: 'status', status: 503, api: 'ews', count: 1 });
    expect((await client.get(`${alice}/messages`, { token })).status).toBe(200);
    sim.clearFaults();
  });

  it('reset-before drops the connection and the request never takes effect', async () => {
    sim.inject({ kind: 'reset-before', api: 'graph', count: 1, pathIncludes: '/sendMail' });
    await expect(client.send('POST', `${alice}/sendMail`, sendBody('reset before'), { token })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sim.messages(T.bob, 'inbox').some((m) => m.subject === 'reset before')).toBe(false);
    expect((await client.send('POST', `${alice}/sendMail`, sendBody('after reset'), { token })).status).toBe(202);
  });

  it('reset-after processes the request (it takes effect) and then drops the connection', async () => {
    sim.inject({ kind: 'reset-after', api: 'graph', count: 1, pathIncludes: '/sendMail' });
    await expect(client.send('POST', `${alice}/sendMail`, sendBody('reset after'), { token })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sim.messages(T.bob, 'inbox').filter((m) => m.subject === 'reset after')).toHaveLength(1);
    expect(sim.requests().some((r) => r.url.endsWith('/sendMail') && r.status === 0)).toBe(true);
  });

  it('token-outage fails token requests while it lasts', async () => {
    const remove = sim.inject({ kind: 'token-outage', count: 1 });
    await expect(client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret })).rejects.toThrow(/token request failed: 5\d\d/);
    expect(await client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret })).toMatch(/^ey/);
    remove();

    const stop = sim.inject({ kind: 'token-outage' });
    await expect(client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret })).rejects.toThrow(/5\d\d/);
    await expect(client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret })).rejects.toThrow(/5\d\d/);
    stop();
    expect(await client.token({ tenant: T.tenant, clientId: T.fullApp, secret: T.secret })).toMatch(/^ey/);
  });

  it('clock-skew moves the simulator clock: a valid token becomes expired, until removed', async () => {
    const remove = sim.inject({ kind: 'clock-skew', ms: 2 * 3600_000 });
    const expired = await client.get(`${alice}/messages`, { token });
    expect(expired.status).toBe(401);
    expect(expired.json().error.message).toContain('expired');
    remove();
    expect((await client.get(`${alice}/messages`, { token })).status).toBe(200);
  });

  it('faults injected through the admin endpoint take effect', async () => {
    const key = { 'x-simulator-admin-key': sim.adminKey };
    expect((await client.send('POST', '/_admin/faults', { kind: 'status', status: 502, api: 'graph', count: 1 }, { headers: key })).status).toBe(201);
    expect((await client.get(`${alice}/messages`, { token })).status).toBe(502);
    expect((await client.get(`${alice}/messages`, { token })).status).toBe(200);
  });

  it('the admin endpoint takes every fault kind a seed file takes, and names them when the kind is unknown', async () => {
    const key = { 'x-simulator-admin-key': sim.adminKey };
    const late = await client.send('POST', '/_admin/faults', { kind: 'late-sent-copy', ms: 10 }, { headers: key });
    expect(late.status).toBe(201);
    const unknown = await client.send('POST', '/_admin/faults', { kind: 'bogus' }, { headers: key });
    expect(unknown.status).toBe(400);
    for (const kind of FAULT_KINDS) expect(unknown.json().error.message).toContain(kind);
    sim.clearFaults();
  });
});

describe('fault registry', () => {
  it('gives out counted faults once per use, filters by api and path, and lets API modules take their own kinds', () => {
    const registry = new FaultRegistry();
    expect(registry.empty).toBe(true);
    const remove = registry.add({ kind: 'ews-server-busy', count: 2, backOffMs: 500 });
    registry.add({ kind: 'status', status: 503, api: 'graph', count: 1, pathIncludes: '/sendMail' });
    expect(registry.take('status', { api: 'ews', path: '/EWS/Exchange.asmx' })).toBeUndefined();
    expect(registry.take('status', { api: 'graph', path: '/v1.0/me/messages' })).toBeUndefined();
    expect(registry.take('status', { api: 'graph', path: '/v1.0/me/sendMail' })).toMatchObject({ status: 503 });
    expect(registry.take('status', { api: 'graph', path: '/v1.0/me/sendMail' })).toBeUndefined();
    expect(registry.take('ews-server-busy')).toMatchObject({ backOffMs: 500 });
    expect(registry.list()).toHaveLength(1);
    remove();
    expect(registry.take('ews-server-busy')).toBeUndefined();
    expect(registry.empty).toBe(true);
    registry.add({ kind: 'latency', ms: 5 });
    for (let i = 0; i < 5; i++) expect(registry.take('latency', { api: 'x', path: '/' })).toBeDefined();
    registry.clear();
    expect(registry.empty).toBe(true);
  });
});
