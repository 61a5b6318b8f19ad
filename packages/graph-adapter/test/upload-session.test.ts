import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createRetryPolicy, type HttpClient, MailbridgeError, Semaphore, type SizedAttachment } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import type { GraphErrorContext } from '../src/map-graph-error.js';
import { RequestRunner } from '../src/request-runner.js';
import { RangeSource, uploadAttachment } from '../src/upload-session.js';

const context: GraphErrorContext = { operation: 'send', mailbox: 'alerts@contoso.com', clientId: '66666666-7777-8888-9999-000000000000', tokenKind: 'app-only' };

describe("uploadAttachment when a range's answer is lost", () => {
  const attachment: SizedAttachment = { attachment: { filename: 'a.bin', content: Buffer.from('0123456789') }, index: 0, size: 10, contentType: 'application/octet-stream' };
  const lost = () => new MailbridgeError({ code: 'NETWORK_ERROR', message: 'connection reset', hint: 'retry', retryable: true, details: { requestSent: true } });
  /** An upload session whose PUT answers follow `puts` and whose status GET answers `status`. */
  function session(puts: Array<'ok' | 'lost'>, status: number) {
    const calls: string[] = [];
    const http: HttpClient = {
      userAgent: 'test',
      close: async () => undefined,
      request: async (_url, init) => {
        if (init?.method !== 'PUT') {
          calls.push('GET status');
          return { status, headers: new Headers(), body: new TextEncoder().encode(status === 200 ? '{"NextExpectedRanges":["5"]}' : '{}'), url: 'https://upload.example' };
        }
        calls.push(`PUT ${init.headers?.['content-range']}`);
        if (puts.shift() === 'lost') throw lost();
        return { status: 200, headers: new Headers(), body: new TextEncoder().encode('{"NextExpectedRanges":["5"]}'), url: 'https://upload.example' };
      },
      fetch: async () => {
        throw new Error('the upload goes through request()');
      },
    };
    return { http, calls };
  }
  const upload = (http: HttpClient, confirmCompleted?: () => Promise<boolean>) =>
    uploadAttachment({
      http,
      runner: new RequestRunner(createRetryPolicy({ sleep: async () => {} })),
      semaphore: new Semaphore(4),
      uploadUrl: 'https://upload.example/session?authtoken=x',
      attachment,
      errorContext: context,
      chunkBytes: 5,
      ...(confirmCompleted ? { confirmCompleted } : {}),
    });

  it('a middle range the session already has is not sent again', async () => {
    const { http, calls } = session(['lost', 'ok'], 200);
    // The second PUT "succeeds" with 200, not 201: the upload then reports it was never confirmed.
    await expect(upload(http)).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
    expect(calls).toEqual(['PUT bytes 0-4/10', 'GET status', 'PUT bytes 5-9/10']);
  });

  it('the last range lost and the session gone: the draft decides, and "not there" fails the send', async () => {
    const confirmed = session(['ok', 'lost'], 404);
    await expect(upload(confirmed.http, async () => true)).resolves.toBeUndefined();
    expect(confirmed.calls).toEqual(['PUT bytes 0-4/10', 'PUT bytes 5-9/10', 'GET status']);
    const missing = session(['ok', 'lost'], 404);
    await expect(upload(missing.http, async () => false)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('a session gone before the last range fails the send without asking the draft', async () => {
    const { http } = session(['lost'], 404);
    let asked = false;
    await expect(
      upload(http, async () => {
        asked = true;
        return true;
      }),
    ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { sentBytes: 0 } });
    expect(asked).toBe(false);
  });
});

describe('RangeSource: every range of an upload comes out of one reused buffer', () => {
  const sized = (content: SizedAttachment['attachment']['content'], size: number): SizedAttachment => ({
    attachment: { filename: 'a.bin', content },
    index: 0,
    size,
    contentType: 'application/octet-stream',
  });
  const data = Buffer.from(Array.from({ length: 21 }, (_, i) => i));

  async function ranges(source: RangeSource, size: number, chunk: number): Promise<{ bytes: number[][]; buffers: Set<ArrayBufferLike> }> {
    const bytes: number[][] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (let first = 0; first < size; first += chunk) {
      const range = await source.read(first, Math.min(chunk, size - first));
      bytes.push([...range]);
      buffers.add(range.buffer);
    }
    await source.assertEnd();
    await source.close();
    return { bytes, buffers };
  }
  const expected = [data.subarray(0, 5), data.subarray(5, 10), data.subarray(10, 15), data.subarray(15, 20), data.subarray(20)].map((b) => [...b]);

  it('cuts a stream given in uneven pieces into exact ranges, copying into one buffer', async () => {
    const pieces = [data.subarray(0, 7), data.subarray(7, 10), data.subarray(10)];
    const { bytes, buffers } = await ranges(new RangeSource(sized({ stream: () => Readable.from(pieces) }, 21), 5), 21, 5);
    expect(bytes).toEqual(expected);
    expect(buffers.size).toBe(1);
  });

  it("reads a file at each range's offset into one buffer", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailbridge-range-'));
    try {
      writeFileSync(join(dir, 'a.bin'), data);
      const { bytes, buffers } = await ranges(new RangeSource(sized({ path: join(dir, 'a.bin') }, 21), 5), 21, 5);
      expect(bytes).toEqual(expected);
      expect(buffers.size).toBe(1);
      // The file shrank after it was measured: the upload must not send a short range.
      const shrunk = new RangeSource(sized({ path: join(dir, 'a.bin') }, 30), 10);
      await shrunk.read(0, 10);
      await shrunk.read(10, 10);
      await expect(shrunk.read(20, 10)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
      await shrunk.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('slices bytes without copying', async () => {
    const { bytes, buffers } = await ranges(new RangeSource(sized(data, 21), 5), 21, 5);
    expect(bytes).toEqual(expected);
    expect([...buffers]).toEqual([data.buffer]);
  });

  it('refuses a stream shorter or longer than its declared size', async () => {
    await expect(ranges(new RangeSource(sized({ stream: () => Readable.from([data]) }, 25), 5), 25, 5)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(ranges(new RangeSource(sized({ stream: () => Readable.from([data, data]) }, 21), 5), 21, 5)).rejects.toMatchObject({
      code: 'INVALID_MESSAGE',
      message: expect.stringContaining('more than the 21 bytes'),
    });
  });

  it('after a failed attempt, goes on from a copy and never rewrites the old buffer', async () => {
    const source = new RangeSource(sized({ stream: () => Readable.from([data]) }, 21), 5);
    const first = await source.read(0, 5);
    const copy = source.detach(first);
    expect([...copy]).toEqual([...first]);
    expect(copy.buffer).not.toBe(first.buffer);
    const second = await source.read(5, 5);
    expect(second.buffer).not.toBe(first.buffer);
    expect([...first]).toEqual(expected[0]);
    await source.close();
  });
});
