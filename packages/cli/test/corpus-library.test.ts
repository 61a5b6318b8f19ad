import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createRetryPolicy, createTransport, MailbridgeError, type MailTransport, type OutgoingMessage } from '@mailbridge/core';
import { mailbridgeFailure } from '@mailbridge/core/testing';
import { DEMO, type FaultSpec, type Simulator, startSimulator } from '@mailbridge/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/**
 * The bad-input corpus against the library, over both transports as an application builds them
 * (core's createTransport) against the simulator: hostile messages (header injection, enormous
 * recipient lists, invalid addresses, attachments that are folders or devices) must be refused
 * with INVALID_MESSAGE before anything is sent; hostile server answers (truncated or malicious
 * XML, malformed JSON, an HTML page from a proxy, a gigantic body) must end in a clear error,
 * quickly, without resolving external entities or reading the whole body into memory.
 */

type TransportName = 'graph' | 'ews';
const TRANSPORTS: TransportName[] = ['graph', 'ews'];
const adapters = {
  graph: () => import('@mailbridge/graph-adapter'),
  ews: () => import('@mailbridge/ews-adapter'),
};

let sim: Simulator;
let dir: string;
const transports = {} as Record<TransportName, MailTransport>;
const closers: MailTransport[] = [];

async function newTransport(name: TransportName): Promise<MailTransport> {
  // Few, short retries: a hostile answer repeats on every attempt, the test only waits for the verdict.
  const retry = createRetryPolicy({ maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 3_000 });
  const transport = await createTransport(sim.config({ transport: name }), { adapters, retry, env: {} });
  closers.push(transport);
  return transport;
}

beforeAll(async () => {
  sim = await startSimulator();
  dir = mkdtempSync(join(tmpdir(), 'mailbridge-corpus-lib-'));
  for (const name of TRANSPORTS) {
    transports[name] = await newTransport(name);
    await transports[name].probe(); // token fetched once, connections warm
  }
});
afterAll(async () => {
  for (const transport of closers) await transport.close().catch(() => undefined);
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sim.clearFaults();
  sim.clearRequests();
});

/** Every string an error can show. */
function shown(error: MailbridgeError): string {
  return `${error.message}\n${error.hint}\n${JSON.stringify(error.toJSON())}`;
}

function expectClean(error: MailbridgeError): void {
  expect(error.message.length).toBeGreaterThan(10);
  expect(error.hint.length).toBeGreaterThan(10);
  const text = shown(error);
  expect(text).not.toContain(DEMO.clientSecret);
  expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // no JWT
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(text).not.toContain('root:x:0:0'); // never the content of /etc/passwd (XXE)
  expect(text.length).toBeLessThan(20_000);
}

/** Requests that could have sent a message (Graph sendMail/draft send, EWS CreateItem/SendItem). */
function sendRequests(): number {
  return sim.requests().filter((request) => request.method === 'POST' && (/\/(sendMail|send)$/i.test(request.url.split('?')[0]!) || request.ewsOperation === 'CreateItem' || request.ewsOperation === 'SendItem')).length;
}

const base: OutgoingMessage = { to: [DEMO.secondMailbox], subject: 'corpus', text: 'corpus body' };
const many = (count: number, domain = 'fabrikam.example') => Array.from({ length: count }, (_, index) => `r${index}@${domain}`);

/** Hostile messages: each must be refused with INVALID_MESSAGE and nothing sent. */
const HOSTILE_MESSAGES: Array<[string, () => OutgoingMessage]> = [
  ['CRLF + Bcc header in the subject', () => ({ ...base, subject: 'Alarm\r\nBcc: victim@evil.example' })],
  ['bare LF in the subject', () => ({ ...base, subject: 'Alarm\nX-Injected: 1' })],
  ['CRLF in a recipient display name', () => ({ ...base, to: [{ address: DEMO.secondMailbox, name: 'On call\r\nBcc: victim@evil.example' }] })],
  ['CRLF in a recipient address', () => ({ ...base, to: [`${DEMO.secondMailbox}\r\nBcc: victim@evil.example`] })],
  ['CRLF in a reply-to address', () => ({ ...base, replyTo: [`${DEMO.mailbox}\r\nBcc: victim@evil.example`] })],
  ['CRLF in a custom header value', () => ({ ...base, headers: { 'X-Alarm-Id': '42\r\nBcc: victim@evil.example' } })],
  ['CRLF in a custom header name', () => ({ ...base, headers: { 'X-Alarm\r\nBcc': 'victim@evil.example' } })],
  ['a custom header that is not X-', () => ({ ...base, headers: { Bcc: 'victim@evil.example' } })],
  ['10,000 recipients', () => ({ ...base, to: many(10_000) })],
  ['501 recipients across to, cc and bcc', () => ({ ...base, to: many(200), cc: many(200, 'contoso.example'), bcc: many(101, 'tailspin.example') })],
  ['no recipient at all', () => ({ ...base, to: [] })],
  ['an address without @', () => ({ ...base, to: ['not-an-address'] })],
  ['an address with two @', () => ({ ...base, to: ['a@b@fabrikam.example'] })],
  ['an address without a local part', () => ({ ...base, to: ['@fabrikam.example'] })],
  ['an address without a domain', () => ({ ...base, to: ['user@'] })],
  ['an address with a space', () => ({ ...base, to: ['us er@fabrikam.example'] })],
  ['an address with angle brackets and markup', () => ({ ...base, to: ['<script>alert(1)</script>@fabrikam.example'] })],
  ['an empty address', () => ({ ...base, to: [''] })],
  ['an attachment path that is a folder', () => ({ ...base, attachments: [{ filename: 'folder.bin', content: { path: dir } }] })],
  ['an attachment path that does not exist', () => ({ ...base, attachments: [{ filename: 'missing.txt', content: { path: join(dir, 'no-such-file.txt') } }] })],
  ['an attachment path that is a device (/dev/zero)', () => ({ ...base, attachments: [{ filename: 'zero.bin', content: { path: '/dev/zero' } }] })],
  ['CRLF in an attachment filename', () => ({ ...base, attachments: [{ filename: 'a.txt\r\nBcc: victim@evil.example', content: 'x' }] })],
  ['CRLF in an attachment content id', () => ({ ...base, html: '<img src="cid:logo">', attachments: [{ filename: 'logo.png', content: 'x', contentId: 'logo\r\nBcc: victim@evil.example' }] })],
  ['CRLF in an attachment content type', () => ({ ...base, attachments: [{ filename: 'a.txt', content: 'x', contentType: 'text/plain\r\nBcc: victim@evil.example' }] })],
  [
    'two inline attachments with one content id',
    () => ({
      ...base,
      attachments: [
        { filename: 'a.png', content: 'a', contentId: 'logo' },
        { filename: 'b.png', content: 'b', contentId: 'logo' },
      ],
    }),
  ],
  ['a NUL in the subject', () => ({ ...base, subject: 'Alarm\u0000hidden' })],
  ['an importance that does not exist', () => ({ ...base, importance: 'urgent' as never })],
  ['a stream attachment without a size', () => ({ ...base, attachments: [{ filename: 's.bin', content: { stream: () => Readable.from([Buffer.from('x')]) } }] })],
  ['a stream attachment longer than its declared size', () => ({ ...base, attachments: [{ filename: 's.bin', content: { stream: () => Readable.from([Buffer.alloc(10)]) }, size: 5 }] })],
];

describe.each(TRANSPORTS)('hostile messages over %s: INVALID_MESSAGE, nothing sent', (name) => {
  it.each(HOSTILE_MESSAGES)('%s', { timeout: 20_000 }, async (_label, message) => {
    const error = await mailbridgeFailure(transports[name].send(message()));
    expect(error.code, error.message).toBe('INVALID_MESSAGE');
    expectClean(error);
    expect(sendRequests()).toBe(0);
  });

  it('500 recipients (the Exchange Online limit) are accepted and delivered', { timeout: 30_000 }, async () => {
    const result = await transports[name].send({ ...base, subject: `500 recipients over ${name}`, to: many(250), bcc: many(250, 'contoso.example') });
    const outbound = sim.outbound().filter((message) => message.internetMessageId === result.internetMessageId);
    expect(outbound.reduce((sum, message) => sum + message.to.length, 0)).toBe(500);
  });
});

describe('the same bad message gives the same error on both transports', () => {
  it.each(HOSTILE_MESSAGES)('%s', { timeout: 20_000 }, async (_label, message) => {
    const graph = await mailbridgeFailure(transports.graph.send(message()));
    const ews = await mailbridgeFailure(transports.ews.send(message()));
    expect(typeof graph.details.path, graph.message).toBe('string');
    expect({ code: ews.code, path: ews.details.path }).toEqual({ code: graph.code, path: graph.details.path });
  });
});

/** What a hostile answer does to a read: the verdict codes a user may see for each kind. */
interface HostileCase {
  body: Extract<FaultSpec, { kind: 'hostile' }>['body'];
  status?: number;
  codes: string[];
}

const HOSTILE_ANSWERS: Record<TransportName, HostileCase[]> = {
  graph: [
    { body: 'malformed-json', codes: ['INVALID_RESPONSE'] },
    { body: 'wrong-content-type', codes: ['INVALID_RESPONSE'] },
    { body: 'wrong-content-type', status: 502, codes: ['SERVICE_UNAVAILABLE'] },
    { body: 'truncated-xml', codes: ['INVALID_RESPONSE'] },
    { body: 'empty-body', codes: ['INVALID_RESPONSE'] },
    { body: 'gigantic-body', codes: ['INVALID_RESPONSE'] },
  ],
  ews: [
    { body: 'truncated-xml', codes: ['INVALID_RESPONSE'] },
    { body: 'xml-entity-expansion', codes: ['INVALID_RESPONSE'] },
    { body: 'xml-external-entity', codes: ['INVALID_RESPONSE'] },
    { body: 'malformed-json', codes: ['INVALID_RESPONSE'] },
    { body: 'wrong-content-type', codes: ['INVALID_RESPONSE'] },
    { body: 'wrong-content-type', status: 502, codes: ['SERVICE_UNAVAILABLE'] },
    { body: 'empty-body', codes: ['INVALID_RESPONSE'] },
    { body: 'gigantic-body', codes: ['INVALID_RESPONSE'] },
  ],
};

async function readInbox(transport: MailTransport): Promise<number> {
  let count = 0;
  for await (const _message of transport.receive({ limit: 5 })) count++;
  return count;
}

describe.each(TRANSPORTS)('hostile server answers over %s', (name) => {
  it.each(HOSTILE_ANSWERS[name].map((entry) => [`${entry.body}${entry.status ? ` (${entry.status})` : ''}`, entry] as const))('%s: a clear error, quickly, bounded memory', { timeout: 60_000 }, async (_label, entry) => {
    sim.inject({ kind: 'hostile', api: name, count: 50, body: entry.body, ...(entry.status ? { status: entry.status } : {}) });
    const rssBefore = process.memoryUsage().rss;
    const error = await mailbridgeFailure(readInbox(transports[name]));
    expect(entry.codes, `${error.code}: ${error.message}`).toContain(error.code);
    expectClean(error);
    // A 1 GiB body is cut off at the adapter's limit (Graph 64 MB of JSON, EWS 220 MB of SOAP), not held whole.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
    sim.clearFaults();
    expect(await readInbox(transports[name])).toBeGreaterThan(0); // and the transport still works after it
  });
});

describe.each(TRANSPORTS)('hostile token endpoint answers (%s)', (name) => {
  const cases = ['malformed-json', 'wrong-content-type', 'gigantic-body'] as const;
  for (const body of cases)
    it(`${body}: a clear error, no crash`, { timeout: 30_000 }, async () => {
      const transport = await newTransport(name); // a fresh token provider: the token is fetched now
      sim.inject({ kind: 'hostile', api: 'entra', pathIncludes: '/token', count: 50, body });
      const error = await mailbridgeFailure(transport.probe());
      expect(['INVALID_RESPONSE', 'AUTH_FAILED', 'SERVICE_UNAVAILABLE', 'NETWORK_ERROR'], `${error.code}: ${error.message}`).toContain(error.code);
      expectClean(error);
    });
});

describe('hostile send answers never duplicate a message', () => {
  it.each(TRANSPORTS)('%s: an unparseable answer to a send that never took effect', { timeout: 30_000 }, async (name) => {
    sim.inject({ kind: 'hostile', api: name, count: 1, body: name === 'graph' ? 'malformed-json' : 'truncated-xml', ...(name === 'graph' ? { pathIncludes: 'sendMail' } : {}) });
    const internetMessageId = `<corpus-hostile-send-${name}-${Date.now()}@${DEMO.domain}>`;
    try {
      await transports[name].send({ ...base, subject: `hostile send answer over ${name}`, internetMessageId });
    } catch (error) {
      expect(MailbridgeError.isInstance(error)).toBe(true);
      expectClean(error as MailbridgeError);
    }
    const copies = sim.deliveries(internetMessageId).mailboxes.filter((copy) => copy.folder === 'inbox').length;
    expect(copies).toBeLessThanOrEqual(1);
  });
});
