import { request } from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FaultSpec, type Simulator, startSimulator } from '../src/index.js';

/**
 * The `hostile` fault kind: what each body looks like on the wire, that it is scoped and counted like
 * the other faults, that the request never takes effect, and that a gigantic body is streamed
 * (the simulator never holds it) and stops when the client goes away.
 */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => sim.clearFaults());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytes: number;
}

/** A raw HTTPS request (no client library): reads at most `maxBytes`, then hangs up. */
function raw(path: string, options: { method?: string; body?: string; maxBytes?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { method: options.method ?? 'GET', ca: sim.caPem, headers: { 'content-type': 'text/xml' } }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= 4096) chunks.push(chunk);
        if (options.maxBytes !== undefined && bytes >= options.maxBytes) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), bytes });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body ?? '');
  });
}

type Body = Extract<FaultSpec, { kind: 'hostile' }>['body'];

describe('hostile fault kind', () => {
  const cases: Array<[Body, string, (answer: Answer) => void]> = [
    ['truncated-xml', 'text/xml', (a) => expect(a.body).toMatch(/<t:ItemId Id="AAMk$/)],
    ['xml-entity-expansion', 'text/xml', (a) => expect(a.body).toContain('<!ENTITY lol9 "&lol8;&lol8;')],
    ['xml-external-entity', 'text/xml', (a) => expect(a.body).toContain('<!ENTITY xxe SYSTEM "file:///etc/passwd">')],
    ['malformed-json', 'application/json', (a) => expect(() => JSON.parse(a.body)).toThrow()],
    ['wrong-content-type', 'text/html', (a) => expect(a.body).toContain('<title>502 Bad Gateway</title>')],
    ['empty-body', 'text/xml', (a) => expect(a.body).toBe('')],
  ];

  it.each(cases)('%s: status 200, %s', async (body, type, check) => {
    sim.inject({ kind: 'hostile', api: 'ews', count: 1, body });
    const answer = await raw('/EWS/Exchange.asmx', { method: 'POST', body: '<x/>' });
    expect(answer.status).toBe(200);
    expect(String(answer.headers['content-type'])).toContain(type);
    check(answer);
  });

  it('is scoped by api and pathIncludes, counted, and takes a status', async () => {
    sim.inject({ kind: 'hostile', api: 'graph', pathIncludes: '/messages', count: 2, body: 'wrong-content-type', status: 502 });
    const other = await raw('/.well-known/not-here');
    expect(String(other.headers['content-type'])).not.toContain('text/html');
    for (let i = 0; i < 2; i++) {
      const hit = await raw('/v1.0/users/alerts@contoso.onmicrosoft.com/messages');
      expect(hit.status).toBe(502);
      expect(String(hit.headers['content-type'])).toContain('text/html');
    }
    const after = await raw('/v1.0/users/alerts@contoso.onmicrosoft.com/messages');
    expect(after.status).toBe(401); // the fault is used up: the real API answers (no token)
  });

  it('gigantic-body streams the size asked for, without a length, and stops when the client hangs up', async () => {
    sim.inject({ kind: 'hostile', api: 'graph', count: 1, body: 'gigantic-body', sizeBytes: 3 * 1024 * 1024 });
    const whole = await raw('/v1.0/me/messages');
    expect(whole.headers['content-length']).toBeUndefined();
    expect(whole.bytes).toBe(3 * 1024 * 1024);
    expect(whole.body.startsWith('{"value":["')).toBe(true);
    const rss = process.memoryUsage().rss;
    sim.inject({ kind: 'hostile', api: 'graph', count: 1, body: 'gigantic-body' }); // 1 GiB by default
    const cut = await raw('/v1.0/me/messages', { maxBytes: 8 * 1024 * 1024 });
    expect(cut.bytes).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
    // The server is still fine after the client hung up mid-body.
    expect((await raw('/v1.0/me/messages')).status).toBe(401);
  });

  it('a hostile answer means the request never took effect', async () => {
    const before = sim.requests().length;
    sim.inject({ kind: 'hostile', api: 'ews', count: 1, body: 'malformed-json' });
    await raw('/EWS/Exchange.asmx', { method: 'POST', body: '<not-soap/>' });
    const logged = sim.requests().slice(before);
    expect(logged.at(-1)).toMatchObject({ api: 'ews', status: 200 });
    expect(logged.at(-1)?.ewsOperation).toBeUndefined();
  });
});
