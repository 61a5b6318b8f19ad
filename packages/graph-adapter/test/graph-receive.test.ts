import type { ReceivedMessage } from '@mailbridge/core';
import { DEMO, demoSeed, type SeedMessage } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFromGraphMessage } from '../src/convert-from-graph-message.js';
import type { GraphMessage } from '../src/graph-api.js';
import { type GraphTestBed, startGraphTestBed } from './support/graph-test-bed.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Seven alerts, newest last; five of them carry attachments (one inline, with a Content-ID). */
function alerts(): SeedMessage[] {
  return Array.from({ length: 7 }, (_, i) => ({
    from: 'monitor@fabrikam.example',
    to: [DEMO.mailbox],
    subject: `alert ${i}`,
    text: `body ${i}`,
    receivedAt: new Date(Date.UTC(2026, 0, 1, 10, i)).toISOString(),
    ...(i % 3 === 2
      ? {}
      : {
          attachments: [
            { filename: `log-${i}.txt`, contentType: 'text/plain', contentBase64: b64(`log ${i}`) },
            ...(i === 0 ? [{ filename: 'graph.png', contentType: 'image/png', contentBase64: b64('png bytes'), contentId: 'graph@fabrikam.example' }] : []),
          ],
        }),
  }));
}

describe('Graph receive: attachment metadata comes with the page', () => {
  let bed: GraphTestBed;
  beforeAll(async () => {
    const seed = demoSeed();
    seed.users.find((user) => user.mail === DEMO.mailbox)!.messages = alerts();
    bed = await startGraphTestBed({ simulator: { seed } });
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('requests per receive = pages, whatever number of messages have attachments', async () => {
    await bed.tokenProvider.getToken('graph');
    bed.simulator.clearRequests();
    const received: ReceivedMessage[] = [];
    for await (const message of bed.transport.receive({ pageSize: 3 })) received.push(message);
    expect(received.map((message) => message.subject)).toEqual(['alert 6', 'alert 5', 'alert 4', 'alert 3', 'alert 2', 'alert 1', 'alert 0']);
    const graph = bed.simulator.requests().filter((request) => request.api === 'graph');
    // 7 messages at 3 per page: 3 pages, 3 requests (there were 5 extra attachment listings before).
    expect(graph.map((request) => `${request.method} ${new URL(request.url, 'https://sim').pathname.replace(/^.*\/mailFolders\//, '…/mailFolders/')}`)).toEqual(Array(3).fill('GET …/mailFolders/inbox/messages'));
    expect(new URL(graph[0]!.url, 'https://sim').searchParams.get('$expand')).toBe('attachments($select=id,name,contentType,size,isInline,microsoft.graph.fileAttachment/contentId)');

    const bySubject = new Map(received.map((message) => [message.subject, message]));
    expect(bySubject.get('alert 2')!.attachments).toEqual([]);
    expect(bySubject.get('alert 4')!.attachments.map((a) => [a.filename, a.contentType, a.size, a.isInline])).toEqual([['log-4.txt', 'text/plain', 5, false]]);
    const first = bySubject.get('alert 0')!.attachments;
    expect(first.map((a) => a.filename)).toEqual(['log-0.txt', 'graph.png']);
    expect(first[1]!.contentId).toBe('graph@fabrikam.example');
  });

  it('the bytes are fetched only when asked, one request per attachment', async () => {
    let message: ReceivedMessage | undefined;
    for await (const newest of bed.transport.receive({ limit: 1, pageSize: 1 })) message = newest;
    expect(message!.subject).toBe('alert 6');
    bed.simulator.clearRequests();
    expect(Buffer.from(await message!.attachments[0]!.content()).toString()).toBe('log 6');
    const graph = bed.simulator.requests().filter((request) => request.api === 'graph');
    expect(graph).toHaveLength(1);
    expect(graph[0]!.url).toMatch(/\/attachments\/[^/]+\/\$value$/);
  });
});

describe('Graph receive: threading fields come in the same request', () => {
  let bed: GraphTestBed;
  beforeAll(async () => {
    const seed = demoSeed();
    seed.users.find((user) => user.mail === DEMO.mailbox)!.messages = alerts();
    bed = await startGraphTestBed({ simulator: { seed } });
  });
  afterAll(async () => {
    await bed?.cleanup();
  });

  it('receive selects conversationId, replyTo and internetMessageHeaders on the page (no request per message)', async () => {
    await bed.tokenProvider.getToken('graph');
    bed.simulator.clearRequests();
    const received: ReceivedMessage[] = [];
    for await (const message of bed.transport.receive({ pageSize: 7 })) received.push(message);
    const graph = bed.simulator.requests().filter((request) => request.api === 'graph');
    expect(graph).toHaveLength(1);
    const select = new URL(graph[0]!.url, 'https://sim').searchParams.get('$select')!.split(',');
    expect(select).toEqual(expect.arrayContaining(['conversationId', 'replyTo', 'internetMessageHeaders']));
    expect(received.every((message) => typeof message.conversationId === 'string' && Array.isArray(message.references) && Array.isArray(message.replyTo))).toBe(true);
  });

  it('getMessage is one GET of /messages/{id} with the same $select, parentFolderId and the attachments expanded', async () => {
    let newest: ReceivedMessage | undefined;
    for await (const message of bed.transport.receive({ limit: 1 })) newest = message;
    bed.simulator.clearRequests();
    const message = await bed.transport.getMessage(newest!.id);
    const graph = bed.simulator.requests().filter((request) => request.api === 'graph');
    expect(graph).toHaveLength(1);
    const url = new URL(graph[0]!.url, 'https://sim');
    expect(url.pathname).toMatch(/\/messages\/[^/]+$/);
    expect(url.searchParams.get('$select')).toContain('parentFolderId');
    expect(url.searchParams.get('$expand')).toMatch(/^attachments\(/);
    expect(message).toMatchObject({ id: newest!.id, subject: newest!.subject, body: { text: 'body 6' } });
    expect(message.attachments.map((attachment) => attachment.filename)).toEqual(['log-6.txt']);
    expect(message.folder).not.toBe('');
  });
});

describe('convertFromGraphMessage: threading headers as a hostile sender may write them', () => {
  const base: GraphMessage = { id: 'AAMk1', internetMessageId: '<a@x>', receivedDateTime: '2026-01-01T00:00:00Z' };

  it('reads In-Reply-To and References case-insensitively, ignoring comments and folding', () => {
    const message = convertFromGraphMessage(
      {
        ...base,
        conversationId: 'AAQk1',
        replyTo: [{ emailAddress: { address: 'ops@x.example', name: 'Ops' } }],
        internetMessageHeaders: [
          { name: 'in-reply-to', value: '<alert-1@x.example> (the alert)' },
          { name: 'REFERENCES', value: '<root@x.example>\r\n <alert-1@x.example>' },
        ],
      },
      'inbox',
      [],
    );
    expect(message).toMatchObject({ inReplyTo: '<alert-1@x.example>', references: ['<root@x.example>', '<alert-1@x.example>'], conversationId: 'AAQk1', replyTo: [{ address: 'ops@x.example', name: 'Ops' }] });
  });

  it('no headers, a null, a non-array or nameless entries: no threading fields, no crash', () => {
    for (const internetMessageHeaders of [undefined, null, 'x', [{ value: '<a@b>' }], [null], [{ name: 'In-Reply-To', value: 42 }]]) {
      const message = convertFromGraphMessage({ ...base, internetMessageHeaders } as unknown as GraphMessage, 'inbox', []);
      expect(message.inReplyTo).toBeUndefined();
      expect(message.references).toEqual([]);
      expect(message.replyTo).toEqual([]);
    }
  });

  it('a References header of a million characters is read only in part, quickly', () => {
    const huge = Array.from({ length: 50_000 }, (_, i) => `<id-${i}@x.example>`).join(' ');
    const started = performance.now();
    const message = convertFromGraphMessage({ ...base, internetMessageHeaders: [{ name: 'References', value: huge }] }, 'inbox', []);
    expect(performance.now() - started).toBeLessThan(500);
    expect(message.references.length).toBeLessThanOrEqual(500);
    expect(message.references[0]).toBe('<id-0@x.example>');
  });
});
