import { createReadStream } from 'node:fs';
import { isOutcomeUnknown, type Logger, MailbridgeError, type ReceivedMessage } from '@mailbridge/core';
import { createTempDir, generateFile, sha256 } from '@mailbridge/core/testing';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GraphTestBed, startGraphTestBed } from './support/graph-test-bed.js';

/** Copies of a message in Inboxes (the simulator's store) and in the outbound log. */
function inboxCopies(bed: GraphTestBed, internetMessageId: string): number {
  return bed.simulator.deliveries(internetMessageId).mailboxes.filter((copy) => copy.folder === 'inbox').length;
}

function sendMailRequests(bed: GraphTestBed): Array<{ status: number; url: string }> {
  return bed.simulator.requests().filter((request) => request.method === 'POST' && /\/sendMail$/i.test(request.url.split('?')[0]!));
}

describe('graph adapter under injected faults: every message delivered exactly once', () => {
  let bed: GraphTestBed;
  let temp: Awaited<ReturnType<typeof createTempDir>>;

  beforeAll(async () => {
    bed = await startGraphTestBed();
    temp = await createTempDir();
    await bed.transport.probe(); // warm: token fetched once
  });
  afterAll(async () => {
    await temp?.remove();
    await bed?.cleanup();
  });
  beforeEach(() => {
    bed.simulator.clearFaults();
    bed.simulator.clearRequests();
  });

  it('retries a burst of 429 on sendMail, honouring Retry-After', async () => {
    bed.simulator.inject({ kind: 'status', status: 429, api: 'graph', count: 3, retryAfterSeconds: 1, pathIncludes: 'sendMail' });
    const started = Date.now();
    const result = await bed.transport.send({ to: [DEMO.secondMailbox], subject: '429 burst', text: 'x' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect(sendMailRequests(bed).map((request) => request.status)).toEqual([429, 429, 429, 202]);
    expect(inboxCopies(bed, result.internetMessageId)).toBe(1);
  });

  it('retries 503 on sendMail', async () => {
    bed.simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 2, pathIncludes: 'sendMail' });
    const result = await bed.transport.send({ to: [DEMO.secondMailbox], subject: '503', text: 'x' });
    expect(sendMailRequests(bed).map((request) => request.status)).toEqual([503, 503, 202]);
    expect(inboxCopies(bed, result.internetMessageId)).toBe(1);
  });

  it('resends after a reset before the request took effect (not in Sent Items)', async () => {
    bed.simulator.inject({ kind: 'reset-before', api: 'graph', count: 1, pathIncludes: 'sendMail' });
    const result = await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'reset before', text: 'x' });
    expect(inboxCopies(bed, result.internetMessageId)).toBe(1);
    expect(bed.simulator.deliveries(result.internetMessageId).mailboxes.filter((copy) => copy.folder === 'sentitems')).toHaveLength(1);
    // The Sent Items lookup happened before the second sendMail.
    const lookups = bed.simulator.requests().filter((request) => request.method === 'GET' && request.url.includes('sentitems'));
    expect(lookups.length).toBeGreaterThanOrEqual(1);
  });

  it('does not resend after a reset once the request took effect (found in Sent Items)', async () => {
    bed.simulator.inject({ kind: 'reset-after', api: 'graph', count: 1, pathIncludes: 'sendMail' });
    const result = await bed.transport.send({ to: [DEMO.secondMailbox, 'someone@external.example'], subject: 'reset after', text: 'x' });
    expect(sendMailRequests(bed)).toHaveLength(1);
    expect(inboxCopies(bed, result.internetMessageId)).toBe(1);
    expect(bed.simulator.deliveries(result.internetMessageId).outbound).toBe(1);
    expect(result.id).toEqual(expect.any(String));
  });

  it('logs the Sent Items check of an unclear send, without any token', async () => {
    const records: Array<{ level: string; message: string; fields?: unknown }> = [];
    const logger: Logger = {
      debug: (message, fields) => records.push({ level: 'debug', message, fields }),
      info: (message, fields) => records.push({ level: 'info', message, fields }),
      warn: (message, fields) => records.push({ level: 'warn', message, fields }),
      error: (message, fields) => records.push({ level: 'error', message, fields }),
    };
    const transport = bed.newTransport({ logger });
    bed.simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 1, pathIncludes: 'sendMail' });
    bed.simulator.inject({ kind: 'reset-after', api: 'graph', count: 1, pathIncludes: 'sendMail' });
    const result = await transport.send({ to: [DEMO.secondMailbox], subject: 'logged', text: 'x' });
    expect(inboxCopies(bed, result.internetMessageId)).toBe(1);
    expect(records.map((record) => `${record.level} ${record.message}`)).toEqual([
      'debug graph: request retried',
      'warn graph: a send may or may not have gone out; looking for it in Sent Items',
      'info graph: the send went out (found in Sent Items); not sending again',
    ]);
    const { token } = await bed.tokenProvider.getToken('graph');
    expect(JSON.stringify(records)).not.toContain(token);
  });

  // Issue 14, item 2: a send cut off after it took effect, whose Sent Items check failed too, was
  // SERVICE_UNAVAILABLE (not outcome-unknown), and resending the same message delivered it twice.
  it('a cut-off send whose Sent Items check fails too: SEND_UNCONFIRMED with the Message-ID; a resend of it delivers nothing twice', async () => {
    const id = '<unconfirmed-check-down@contoso.onmicrosoft.com>';
    bed.simulator.inject({ kind: 'reset-after', api: 'graph', count: 1, pathIncludes: 'sendMail' });
    bed.simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 1000, pathIncludes: 'sentitems', retryAfterSeconds: 0 });
    const error = await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'check down', text: 'x', internetMessageId: id }).catch((caught: unknown) => caught);
    expect(MailbridgeError.isInstance(error) && error.code).toBe('SEND_UNCONFIRMED');
    expect(isOutcomeUnknown(error)).toBe(true);
    expect((error as MailbridgeError).details.internetMessageId).toBe(id);
    expect((error as MailbridgeError).message).toContain(id);
    // The check was retried within the budget before giving up.
    expect(bed.simulator.requests().filter((request) => request.method === 'GET' && request.url.includes('sentitems')).length).toBeGreaterThan(1);
    bed.simulator.clearFaults();
    // The caller retries the same message: it is looked up first, not sent twice.
    const again = await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'check down', text: 'x', internetMessageId: id });
    expect(again.id).toEqual(expect.any(String));
    expect(inboxCopies(bed, id)).toBe(1);
    expect(sendMailRequests(bed)).toHaveLength(1);
  });

  it('send(…, { resend: true }) looks in Sent Items first (another process may have sent it)', async () => {
    const first = await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'resend flag', text: 'x' });
    const other = bed.newTransport();
    const again = await other.send({ to: [DEMO.secondMailbox], subject: 'resend flag', text: 'x', internetMessageId: first.internetMessageId }, { resend: true });
    expect(again.internetMessageId).toBe(first.internetMessageId);
    expect(inboxCopies(bed, first.internetMessageId)).toBe(1);
  });

  it('fails with SEND_UNCONFIRMED instead of risking a duplicate when saveToSentItems is false', async () => {
    bed.simulator.inject({ kind: 'reset-after', api: 'graph', count: 1, pathIncludes: 'sendMail' });
    const error = await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'reset after, no copy', text: 'x', saveToSentItems: false, internetMessageId: '<unconfirmed-1@contoso.onmicrosoft.com>' }).catch((caught: unknown) => caught);
    expect(MailbridgeError.isInstance(error) && error.code).toBe('SEND_UNCONFIRMED');
    expect((error as MailbridgeError).hint).toContain('<unconfirmed-1@contoso.onmicrosoft.com>');
    expect(inboxCopies(bed, '<unconfirmed-1@contoso.onmicrosoft.com>')).toBe(1);
  });

  it('large attachment: 429 on an upload range and a reset after the final send — delivered once', async () => {
    const file = await generateFile(temp.dir, 'big.bin', 5 * 1024 * 1024);
    bed.simulator.inject({ kind: 'status', status: 429, api: 'upload', count: 1, retryAfterSeconds: 0 });
    bed.simulator.inject({ kind: 'reset-after', api: 'graph', count: 1, pathIncludes: '/send' });
    const result = await bed.transport.send({
      to: [DEMO.secondMailbox],
      subject: 'large with faults',
      text: 'x',
      attachments: [{ filename: 'big.bin', content: { path: file.path } }],
    });
    expect(inboxCopies(bed, result.internetMessageId)).toBe(1);
    const stored = bed.simulator.messages(DEMO.secondMailbox, 'inbox').find((message) => message.internetMessageId === result.internetMessageId);
    expect(stored?.attachments.map((attachment) => attachment.size)).toEqual([file.size]);
    const uploads = bed.simulator.requests().filter((request) => request.api === 'upload');
    expect(uploads.map((request) => request.status)).toContain(429);
    // Upload PUTs never carry the bearer token.
    expect(uploads.every((request) => !Object.keys(request.headers).some((name) => name.toLowerCase() === 'authorization'))).toBe(true);
  });

  it.each([
    ['a file', 'reset-before', 9],
    ['a file', 'reset-after', 9],
    ['a stream', 'reset-after', 9],
    // One range only: its answer is lost and the session has ended; the draft's attachments tell.
    ['a file', 'reset-after', 3.5],
  ] as const)('large attachment from %s: a %s on the first upload range (%s MB) is retried and the bytes arrive intact', async (source, kind, megabytes) => {
    const file = await generateFile(temp.dir, `ranges-${kind}.bin`, megabytes * 1024 * 1024);
    // The first range fails, before or after it was stored: the retry asks the session where it
    // stands, sends the range again from a copy if needed, and the later ranges come from a new buffer.
    bed.simulator.inject({ kind, api: 'upload', count: 1 });
    const content = source === 'a file' ? { path: file.path } : { stream: () => createReadStream(file.path, { highWaterMark: 100_000 }) };
    const result = await bed.transport.send({
      to: [DEMO.mailbox],
      subject: `upload ${kind} from ${source}`,
      text: 'x',
      attachments: [{ filename: 'ranges.bin', content, ...(source === 'a stream' ? { size: file.size } : {}) }],
    });
    const uploads = bed.simulator.requests().filter((request) => request.api === 'upload');
    // The retry asked the session where it stood before sending anything again.
    expect(uploads.filter((request) => request.method === 'GET')).toHaveLength(1);
    expect(uploads.filter((request) => request.method === 'PUT')).toHaveLength(Math.ceil(file.size / (12 * 320 * 1024)) + (kind === 'reset-before' ? 1 : 0));
    let received: ReceivedMessage | undefined;
    for await (const message of bed.transport.receive({ limit: 50 })) {
      if (message.internetMessageId === result.internetMessageId) received = message;
    }
    const bytes = await received!.attachments[0]!.content();
    expect(sha256(bytes)).toBe(file.sha256);
    expect(inboxCopies(bed, result.internetMessageId)).toBe(1);
  });

  it('keeps at most 4 requests in flight per mailbox: 24 concurrent sends cause no 429', async () => {
    bed.simulator.inject({ kind: 'latency', ms: 30, api: 'graph', count: 100 });
    const results = await Promise.all(Array.from({ length: 24 }, (_, index) => bed.transport.send({ to: [DEMO.secondMailbox], subject: `concurrent ${index}`, text: 'x' })));
    expect(bed.simulator.requests().filter((request) => request.status === 429)).toEqual([]);
    for (const result of results) expect(inboxCopies(bed, result.internetMessageId)).toBe(1);
  });

  it('markRead of many ids survives a 429 on $batch', async () => {
    await bed.harness.seedMessages(30, { subjectPrefix: 'batch fault' });
    const ids: string[] = [];
    for await (const message of bed.transport.receive({ unreadOnly: true, includeBody: false, pageSize: 200 })) {
      if (message.subject.startsWith('batch fault')) ids.push(message.id);
    }
    expect(ids).toHaveLength(30);
    bed.simulator.inject({ kind: 'status', status: 429, api: 'graph', count: 1, retryAfterSeconds: 0, pathIncludes: '$batch' });
    await bed.transport.markRead(ids);
    const stored = bed.simulator.messages(DEMO.mailbox, 'inbox').filter((message) => message.subject.startsWith('batch fault'));
    expect(stored.every((message) => message.isRead)).toBe(true);
    const batches = bed.simulator.requests().filter((request) => request.url.includes('$batch'));
    expect(batches.length).toBeGreaterThanOrEqual(3); // 2 batches of ≤ 20, one repeated after 429
  });

  it('gives up with THROTTLED (and the request id) when 429s outlast the retry budget', async () => {
    bed.simulator.inject({ kind: 'status', status: 429, api: 'graph', count: 50, retryAfterSeconds: 0, pathIncludes: 'mailFolders/inbox' });
    const error = await bed.transport.probe().catch((caught: unknown) => caught);
    expect(MailbridgeError.isInstance(error) && error.code).toBe('THROTTLED');
    expect((error as MailbridgeError).hint).toMatch(/retry/i);
  });

  it('gives up with SERVICE_UNAVAILABLE when 503s outlast the retry budget', async () => {
    bed.simulator.inject({ kind: 'status', status: 503, api: 'graph', count: 50, retryAfterSeconds: 0, pathIncludes: 'mailFolders/inbox' });
    const error = await bed.transport.probe().catch((caught: unknown) => caught);
    expect(MailbridgeError.isInstance(error) && error.code).toBe('SERVICE_UNAVAILABLE');
  });
});
