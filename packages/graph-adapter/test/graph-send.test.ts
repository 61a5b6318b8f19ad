import type { TokenProvider } from '@mailbridge/core';
import { createTempDir, generateFile } from '@mailbridge/core/testing';
import { DEMO } from '@mailbridge/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphTransport } from '../src/index.js';
import { type GraphTestBed, startGraphTestBed } from './support/graph-test-bed.js';

const MB = 1024 * 1024;

describe('Graph send paths', () => {
  let bed: GraphTestBed;
  let temp: Awaited<ReturnType<typeof createTempDir>>;

  /** Reads a message's Graph properties straight from the simulator, as Graph returns them. */
  async function graphGet(path: string): Promise<Record<string, unknown>> {
    const { token } = await bed.tokenProvider.getToken('graph');
    const response = await bed.http.fetch(`${bed.simulator.graphUrl}/v1.0/users/${encodeURIComponent(DEMO.mailbox)}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  beforeAll(async () => {
    bed = await startGraphTestBed();
    temp = await createTempDir();
  });
  afterAll(async () => {
    await temp?.remove();
    await bed?.cleanup();
  });

  it('sends importance, reply-to and the generated internetMessageId on the wire', async () => {
    const result = await bed.transport.send({ to: [DEMO.mailbox], replyTo: ['ops@fabrikam.example'], subject: 'importance high', text: 'x', importance: 'high' });
    expect(result.internetMessageId).toMatch(/^<[0-9a-f-]{36}@contoso\.onmicrosoft\.com>$/);
    const filter = encodeURIComponent(`internetMessageId eq '${result.internetMessageId}'`);
    const page = await graphGet(`/mailFolders/inbox/messages?$filter=${filter}&$select=importance,replyTo,internetMessageId`);
    const [message] = page.value as Array<Record<string, unknown>>;
    expect(message?.importance).toBe('high');
    expect(message?.replyTo).toEqual([{ emailAddress: expect.objectContaining({ address: 'ops@fabrikam.example' }) }]);
  });

  it('a 2.9 MB attachment (too big inline, too small for an upload session) goes by its own POST …/attachments', async () => {
    const file = await generateFile(temp.dir, 'two-nine.bin', Math.round(2.9 * MB));
    bed.simulator.clearRequests();
    const result = await bed.transport.send({ to: [DEMO.secondMailbox], subject: '2.9 MB', text: 'x', attachments: [{ filename: 'a.bin', content: { path: file.path } }] });
    const paths = bed.simulator
      .requests()
      .filter((request) => request.api === 'graph' || request.api === 'upload')
      .map((request) => `${request.method} ${request.url.replace(/messages\/[^/?]+/, 'messages/{id}').replace(/^\/v1\.0\/users\/[^/]+/, '')}`);
    expect(paths).toEqual(['POST /messages', 'POST /messages/{id}/attachments', 'POST /messages/{id}/send']);
    const stored = bed.simulator.messages(DEMO.secondMailbox, 'inbox').find((message) => message.internetMessageId === result.internetMessageId);
    expect(stored?.attachments.map((attachment) => attachment.size)).toEqual([file.size]);
  });

  it('small attachments stay in the one sendMail request', async () => {
    bed.simulator.clearRequests();
    await bed.transport.send({
      to: [DEMO.secondMailbox],
      subject: 'small ones',
      text: 'x',
      attachments: [
        { filename: 'a.txt', content: 'a' },
        { filename: 'b.bin', content: new Uint8Array(1024 * 1024) },
      ],
    });
    const graph = bed.simulator.requests().filter((request) => request.api === 'graph');
    expect(graph.map((request) => request.method + ' ' + request.url.split('/').pop())).toEqual(['POST sendMail']);
  });

  it('reports upload progress for large attachments', async () => {
    const file = await generateFile(temp.dir, 'progress.bin', 9 * MB);
    const progress: number[] = [];
    await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'progress', text: 'x', attachments: [{ filename: 'p.bin', content: { path: file.path } }] }, { onUploadProgress: (event) => progress.push(event.sentBytes) });
    expect(progress).toEqual([3_932_160, 7_864_320, file.size]);
  });

  it('refuses an attachment over 150 MB before any request (MESSAGE_TOO_LARGE)', async () => {
    const { Readable } = await import('node:stream');
    const error = await bed.transport.send({ to: [DEMO.secondMailbox], subject: 'huge', text: 'x', attachments: [{ filename: 'huge.bin', content: { stream: () => Readable.from([]) }, size: 151 * MB }] }).catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('MESSAGE_TOO_LARGE');
  });

  it('addresses /me for a delegated token of the mailbox owner (and never with an app-only token)', async () => {
    const delegated: TokenProvider = {
      kind: 'delegated',
      async getToken(resource, options) {
        const token = await bed.tokenProvider.getToken(resource, options);
        return { ...token, claims: { ...token.claims, upn: DEMO.mailbox } };
      },
    };
    const transport = createGraphTransport({ mailbox: DEMO.mailbox, graphEndpoint: bed.simulator.graphUrl, tokenProvider: delegated, http: bed.http, retry: bed.retry });
    bed.simulator.clearRequests();
    // The simulator's token is app-only, so Graph refuses /me: what matters here is the path asked.
    await transport.probe().catch(() => undefined);
    const urls = bed.simulator
      .requests()
      .filter((request) => request.api === 'graph')
      .map((request) => request.url);
    expect(urls[0]).toMatch(/^\/v1\.0\/me\/mailFolders\/inbox/);
  });
});

describe('saveToSentItems: false on the draft paths', () => {
  let bed: GraphTestBed;
  let temp: Awaited<ReturnType<typeof createTempDir>>;
  beforeAll(async () => {
    bed = await startGraphTestBed();
    temp = await createTempDir();
  });
  afterAll(async () => {
    await temp?.remove();
    await bed?.cleanup();
  });

  it('a large attachment with saveToSentItems false is delivered once and keeps no Sent Items copy', async () => {
    const file = await generateFile(temp.dir, 'nocopy.bin', 4 * MB);
    const result = await bed.transport.send({
      to: [DEMO.secondMailbox],
      subject: 'large, no copy',
      text: 'x',
      saveToSentItems: false,
      attachments: [{ filename: 'nocopy.bin', content: { path: file.path } }],
    });
    const copies = bed.simulator.deliveries(result.internetMessageId).mailboxes;
    expect(copies).toEqual([{ mailbox: DEMO.secondMailbox, folder: 'inbox' }]);
  });

  it('sendMime with saveToSentItems false is delivered once and keeps no Sent Items copy', async () => {
    const id = '<mime-nocopy@contoso.onmicrosoft.com>';
    const mime = `From: ${DEMO.mailbox}\r\nTo: ${DEMO.secondMailbox}\r\nSubject: mime no copy\r\nMessage-ID: ${id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n`;
    await bed.transport.sendMime(mime, { saveToSentItems: false });
    expect(bed.simulator.deliveries(id).mailboxes).toEqual([{ mailbox: DEMO.secondMailbox, folder: 'inbox' }]);
  });
});

describe('abort', () => {
  let bed: GraphTestBed;
  let temp: Awaited<ReturnType<typeof createTempDir>>;
  beforeAll(async () => {
    bed = await startGraphTestBed();
    temp = await createTempDir();
  });
  afterAll(async () => {
    await temp?.remove();
    await bed?.cleanup();
  });

  it('an abort during a large upload stops it with ABORTED, sends nothing and removes the draft', async () => {
    const file = await generateFile(temp.dir, 'abort.bin', 20 * MB);
    const controller = new AbortController();
    const error = await bed.transport
      .send(
        { to: [DEMO.secondMailbox], subject: 'aborted', text: 'x', internetMessageId: '<aborted-1@contoso.onmicrosoft.com>', attachments: [{ filename: 'a.bin', content: { path: file.path } }] },
        { signal: controller.signal, onUploadProgress: () => controller.abort() },
      )
      .catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('ABORTED');
    expect(bed.simulator.deliveries('<aborted-1@contoso.onmicrosoft.com>').mailboxes).toEqual([]);
    expect(bed.simulator.messages(DEMO.mailbox, 'drafts').filter((message) => message.subject === 'aborted')).toEqual([]);
  });
});
