import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { MailbridgeError } from '@mailbridge/core';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RangeSource, uploadAttachment } from '../src/upload-session.js';
import { RequestRunner } from '../src/request-runner.js';
import { createRetryPolicy, Semaphore, type HttpClient } from '@mailbridge/core';
import type { SizedAttachment } from '../src/attachment-source.js';
import { mailboxSemaphore } from '../src/mailbox-semaphore.js';
import { mapGraphError, type GraphErrorContext } from '../src/map-graph-error.js';
import { retryAfterMs } from '../src/request-runner.js';
import { decodeSyncCursor, encodeSyncCursor } from '../src/sync-cursor.js';
import { validateOutgoingMessage } from '../src/validate-message.js';

// shared/ sits beside the repository (as CI lays it out), wherever that is.
const SAMPLES = fileURLToPath(new URL('../../../../shared/protocol/graph/samples', import.meta.url));
const sample = (name: string): unknown => JSON.parse(readFileSync(`${SAMPLES}/${name}`, 'utf8'));
const context: GraphErrorContext = { operation: 'send', mailbox: 'alerts@contoso.com', clientId: '66666666-7777-8888-9999-000000000000', tokenKind: 'app-only' };

describe('mapGraphError on Microsoft\'s documented error bodies', () => {
  it.each([
    ['error-403-ErrorAccessDenied.json', 403, 'MAILBOX_ACCESS_DENIED'],
    ['error-404-ErrorItemNotFound.json', 404, 'ITEM_NOT_FOUND'],
    ['error-404-ResourceNotFound.json', 404, 'MAILBOX_NOT_FOUND'],
    ['error-429-ApplicationThrottled-MailboxConcurrency.json', 429, 'THROTTLED'],
    ['error-429-TooManyRequests.json', 429, 'THROTTLED'],
    ['error-MailboxNotEnabledForRESTAPI.json', 404, 'MAILBOX_NOT_ENABLED_FOR_REST'],
  ])('%s → %s', (file, status, code) => {
    const headers = new Headers({ 'request-id': 'req-1', 'client-request-id': 'client-1' });
    const error = mapGraphError(status, sample(file), headers, context);
    expect(MailbridgeError.isInstance(error)).toBe(true);
    expect(error.code).toBe(code);
    expect(error.hint.length).toBeGreaterThan(20);
    expect(error.details).toMatchObject({ status, requestId: 'req-1', clientRequestId: 'client-1' });
  });

  it('names the PowerShell checks for an access-policy denial', () => {
    const error = mapGraphError(403, sample('error-403-ErrorAccessDenied.json'), undefined, context);
    expect(error.hint).toContain('Test-ApplicationAccessPolicy -Identity alerts@contoso.com -AppId 66666666-7777-8888-9999-000000000000');
    expect(error.hint).toContain('Test-ServicePrincipalAuthorization');
  });

  it('tells a missing permission from a scope denial, and names Mail.ReadWrite for large attachments', () => {
    const body = { error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' } };
    expect(mapGraphError(403, body, undefined, context).code).toBe('AUTH_MISSING_PERMISSION');
    const large = mapGraphError(403, body, undefined, { ...context, operation: 'send-large' });
    expect(large.message).toContain('Mail.ReadWrite');
    expect(large.hint).toContain('not only Mail.Send');
  });

  it('maps audience, send-as, size, 5xx and unknown errors', () => {
    const audience = { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' } };
    expect(mapGraphError(401, audience, undefined, context).code).toBe('AUTH_WRONG_AUDIENCE');
    expect(mapGraphError(403, { error: { code: 'ErrorSendAsDenied', message: 'x' } }, undefined, { ...context, from: 'ceo@contoso.com' }).message).toContain('ceo@contoso.com');
    expect(mapGraphError(413, undefined, undefined, context).code).toBe('MESSAGE_TOO_LARGE');
    expect(mapGraphError(400, { error: { code: 'ErrorMessageSizeExceeded', message: 'x' } }, undefined, context).code).toBe('MESSAGE_TOO_LARGE');
    expect(mapGraphError(502, undefined, undefined, context).code).toBe('SERVICE_UNAVAILABLE');
    expect(mapGraphError(400, { error: { code: 'Whatever', message: 'strange' } }, undefined, context).code).toBe('SERVICE_ERROR');
  });
});

describe('validateOutgoingMessage', () => {
  const ok = { to: ['a@contoso.com'], subject: 's', text: 't' };
  it('accepts a good message', () => {
    expect(() => validateOutgoingMessage(ok)).not.toThrow();
  });
  it.each([
    ['bad address', { ...ok, to: ['a@'] }, 'to[0]'],
    ['CRLF in subject', { ...ok, subject: 'a\r\nBcc: x@y.z' }, 'subject'],
    ['non X- header', { ...ok, headers: { 'Reply-To': 'x@y.z' } }, 'headers.Reply-To'],
    ['CRLF in header value', { ...ok, headers: { 'X-A': 'v\nBcc: x@y.z' } }, 'headers.X-A'],
    ['too many headers', { ...ok, headers: { 'X-1': '1', 'X-2': '2', 'X-3': '3', 'X-4': '4', 'X-5': '5', 'X-6': '6' } }, 'headers'],
    ['no recipient', { ...ok, to: [] }, 'to'],
    ['no body', { to: ['a@contoso.com'], subject: 's' }, 'text'],
    ['bad importance', { ...ok, importance: 'urgent' }, 'importance'],
    ['bad message id', { ...ok, internetMessageId: 'no-brackets@x' }, 'internetMessageId'],
    ['stream without size', { ...ok, attachments: [{ filename: 'a', content: { stream: () => Readable.from([]) } }] }, 'attachments[0].size'],
    ['CRLF in display name', { ...ok, to: [{ address: 'a@contoso.com', name: 'A\r\nB' }] }, 'to[0].name'],
  ])('%s → INVALID_MESSAGE at %s', (_title, message, path) => {
    try {
      validateOutgoingMessage(message as never);
      expect.unreachable();
    } catch (error) {
      expect(MailbridgeError.isInstance(error) && error.code).toBe('INVALID_MESSAGE');
      expect((error as MailbridgeError).details.path).toBe(path);
    }
  });
});

describe('plumbing', () => {
  it('mailboxSemaphore shares one semaphore per Graph host and mailbox (any case), across transports', () => {
    const semaphore = mailboxSemaphore('https://graph.example', 'Alerts@Contoso.com', 4);
    expect(semaphore.limit).toBe(4);
    expect(mailboxSemaphore('https://graph.example', 'alerts@contoso.com', 4)).toBe(semaphore);
    expect(mailboxSemaphore('https://graph.other.example', 'alerts@contoso.com', 4)).not.toBe(semaphore);
    expect(mailboxSemaphore('https://graph.example', 'other@contoso.com', 4)).not.toBe(semaphore);
  });

  describe('uploadAttachment when a range\'s answer is lost', () => {
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

    it('reads a file at each range\'s offset into one buffer', async () => {
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

  it('retryAfterMs reads seconds, fractions and HTTP dates', () => {
    expect(retryAfterMs('2.128')).toBe(2128);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('sync cursors round-trip and refuse foreign ones', () => {
    const cursor = encodeSyncCursor({ v: 1, folder: 'inbox', link: 'https://graph.example/v1.0/x?$deltatoken=1' });
    expect(cursor).toMatch(/^[\w-]+$/);
    expect(decodeSyncCursor(cursor, 'https://graph.example').folder).toBe('inbox');
    expect(() => decodeSyncCursor(cursor, 'https://evil.example')).toThrow(MailbridgeError);
    expect(() => decodeSyncCursor('garbage', 'https://graph.example')).toThrow(MailbridgeError);
  });
});
