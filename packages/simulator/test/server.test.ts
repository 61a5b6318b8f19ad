import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../src/demo/demo-seed.js';
import { startSimulator } from '../src/simulator.js';
import type { Simulator } from '../src/types.js';
import { T, testSeed } from './support/seeds.js';
import { SimClient } from './support/sim-client.js';

describe('simulator server', () => {
  let sim: Simulator;
  let client: SimClient;

  beforeAll(async () => {
    sim = await startSimulator();
    client = new SimClient(sim);
  });
  afterAll(async () => {
    client.close();
    await sim.close();
  });

  it('listens on loopback with a free port and hands back consistent endpoints', () => {
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.url).toBe(`https://127.0.0.1:${sim.port}`);
    expect(sim.authorityHost).toBe(sim.url);
    expect(sim.graphUrl).toBe(sim.url);
    expect(sim.ewsUrl).toBe(`${sim.url}/EWS/Exchange.asmx`);
    expect(readFileSync(sim.caFile, 'utf8')).toBe(sim.caPem);
  });

  it('serves a certificate for 127.0.0.1, ::1 and localhost signed by the generated CA', async () => {
    const peer = await new Promise<https.RequestOptions & { raw: Buffer }>((resolve, reject) => {
      const req = https.request(`${sim.url}/_admin/faults`, { ca: sim.caPem, agent: false }, (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.resume();
        resolve({ raw: cert.raw });
      });
      req.on('error', reject);
      req.end();
    });
    const leaf = new X509Certificate(peer.raw);
    const ca = new X509Certificate(sim.caPem);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.subjectAltName).toContain('DNS:localhost');
    expect(leaf.subjectAltName?.toLowerCase()).toMatch(/ip address:(0:0:0:0:0:0:0:1|::1)/);
    expect(ca.ca).toBe(true);
  });

  it('is not trusted without the generated CA', async () => {
    const error = await new Promise<Error>((resolve) => {
      const req = https.request(`${sim.url}/_admin/faults`, { agent: false }, () => resolve(new Error('connected')));
      req.on('error', resolve);
      req.end();
    });
    expect((error as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it('refuses admin calls without the admin key', async () => {
    const response = await client.get('/_admin/requests');
    expect(response.status).toBe(401);
    const wrong = await client.get('/_admin/requests', { headers: { 'x-simulator-admin-key': 'nope' } });
    expect(wrong.status).toBe(401);
  });

  it('answers 404 for a path no API serves', async () => {
    const response = await client.get('/nothing/here');
    expect(response.status).toBe(404);
    expect(response.json().error.code).toBe('NotFound');
  });

  it('logs requests with bearer tokens, admin keys and upload tokens redacted', async () => {
    sim.clearRequests();
    await client.get('/v1.0/users/x/messages', { headers: { authorization: 'Bearer eyJhbGciOi.secret.token' } });
    await client.get("/api/v2.0/Users('a')/Messages('b')/AttachmentSessions('c')?authtoken=topsecret");
    await client.get('/_admin/requests', { headers: { 'x-simulator-admin-key': sim.adminKey } });
    const log = sim.requests();
    expect(log).toHaveLength(3);
    expect(log[0]).toMatchObject({ method: 'GET', api: 'graph', status: 401, url: '/v1.0/users/x/messages' });
    expect(log[0]!.headers['authorization']).toBe('Bearer [redacted]');
    expect(log[1]!.url).toContain('authtoken=[redacted]');
    expect(log[2]!.headers['x-simulator-admin-key']).toBe('[redacted]');
    expect(JSON.stringify(log)).not.toMatch(/eyJhbGciOi|topsecret|secret\.token/);
    expect(JSON.stringify(log)).not.toContain(sim.adminKey);
    for (const entry of log) expect(entry.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('exposes the request and outbound logs and faults through the admin endpoints', async () => {
    const key = { 'x-simulator-admin-key': sim.adminKey };
    const requests = await client.get('/_admin/requests', { headers: key });
    expect(requests.status).toBe(200);
    expect(Array.isArray(requests.json().requests)).toBe(true);
    const outbound = await client.get('/_admin/outbound', { headers: key });
    expect(outbound.json()).toEqual({ messages: [] });
    const bad = await client.send('POST', '/_admin/faults', { kind: 'explode' }, { headers: key });
    expect(bad.status).toBe(400);
    const added = await client.send('POST', '/_admin/faults', { kind: 'status', status: 503, api: 'graph', count: 1 }, { headers: key });
    expect(added.status).toBe(201);
    expect((await client.get('/_admin/faults', { headers: key })).json().faults).toHaveLength(1);
    const cleared = await client.request('DELETE', '/_admin/faults', { headers: key });
    expect(cleared.status).toBe(204);
    expect((await client.get('/_admin/faults', { headers: key })).json().faults).toHaveLength(0);
  });

  it('seeds users at run time through the admin endpoint', async () => {
    const key = { 'x-simulator-admin-key': sim.adminKey };
    const response = await client.send(
      'POST',
      '/_admin/seed',
      { users: [{ tenantId: DEMO.tenantId, mail: `late@${DEMO.domain}`, messages: [{ from: 'x@example.com', to: [`late@${DEMO.domain}`], subject: 'hello late' }] }] },
      { headers: key },
    );
    expect(response.status).toBe(204);
    expect(sim.messages(`late@${DEMO.domain}`, 'inbox').map((m) => m.subject)).toEqual(['hello late']);
  });

  it('starts with the demo seed by default', () => {
    const inbox = sim.messages(DEMO.mailbox, 'inbox');
    expect(inbox.length).toBe(3);
    expect(inbox.every((message) => message.id !== message.ewsId)).toBe(true);
    expect(sim.messages(DEMO.secondMailbox)).toEqual([]);
  });

  it('builds a PRODUCT.md-shaped config for the demo app and for a secret in the environment', () => {
    expect(sim.config()).toEqual({
      transport: 'graph',
      mailbox: DEMO.mailbox,
      cloud: 'global',
      auth: { flow: 'client-credentials', tenant: DEMO.tenantId, clientId: DEMO.clientId, clientSecret: DEMO.clientSecret, secretExpiresAt: '2099-12-31' },
      endpoints: { authorityHost: sim.url, graph: sim.url, ews: sim.ewsUrl },
      network: { caFile: sim.caFile },
    });
    const ews = sim.config({ transport: 'ews', secretEnv: 'SIM_SECRET', mailbox: DEMO.secondMailbox });
    expect(ews).toMatchObject({ transport: 'ews', mailbox: DEMO.secondMailbox, auth: { clientSecret: { env: 'SIM_SECRET' } }, ews: { version: 'Exchange2016', impersonate: true } });
    expect(JSON.stringify(ews)).not.toContain(DEMO.clientSecret);
  });
});

describe('simulator lifecycle', () => {
  it('seeds from a JSON file, writes the CA into dataDir, and removes its own temp folder on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-test-'));
    const seedFile = join(dir, 'seed.json');
    writeFileSync(seedFile, JSON.stringify(testSeed()));
    const sim = await startSimulator({ seed: seedFile, dataDir: dir });
    try {
      expect(sim.caFile.startsWith(dir)).toBe(true);
      expect(sim.messages(T.alice, 'inbox').map((m) => m.subject)).toEqual(['third', 'second', 'first']);
      expect(sim.messages(T.alice, 'archive')).toHaveLength(1);
    } finally {
      await sim.close();
    }
    expect(existsSync(sim.caFile)).toBe(true); // dataDir given: the caller owns it

    const own = await startSimulator({ seed: testSeed() });
    await own.close();
    expect(existsSync(own.caFile)).toBe(false);
  });

  it('refuses to bind anything but loopback, a port in use and a bad seed file with MailbridgeErrors', async () => {
    await expect(startSimulator({ host: '0.0.0.0' })).rejects.toMatchObject({ name: 'MailbridgeError', code: 'USAGE', message: expect.stringMatching(/loopback/) });
    const first = await startSimulator({ seed: testSeed() });
    try {
      await expect(startSimulator({ seed: testSeed(), port: first.port })).rejects.toMatchObject({ name: 'MailbridgeError', code: 'USAGE', hint: expect.stringContaining('another port') });
    } finally {
      await first.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'sim-test-'));
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    await expect(startSimulator({ seed: join(dir, 'bad.json') })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('not valid JSON') });
    await expect(startSimulator({ seed: join(dir, 'missing.json') })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
