import { type FileHandle, open } from 'node:fs/promises';
import { assertSize, type HttpClient, MailbridgeError, openAttachment, type Semaphore, type SizedAttachment } from '@mailbridge/core';
import { exchangeBuffered, MAX_JSON_BYTES, parseJsonAnswer } from './buffer-response.js';
import { type GraphErrorContext, invalidGraphResponse, mapGraphError } from './map-graph-error.js';
import type { RequestRunner } from './request-runner.js';

/**
 * Bytes per range PUT. Graph wants ranges under 4 MB, in multiples of 320 KiB: 12 × 320 KiB = 3.75 MB.
 * One range's buffer is all an upload holds in memory, reused from range to range.
 */
export const UPLOAD_CHUNK_BYTES = 12 * 320 * 1024;

/** What an upload needs: where to PUT, what, and how to report. */
export interface UploadOptions {
  http: HttpClient;
  runner: RequestRunner;
  semaphore: Semaphore;
  /** The session's pre-authenticated `uploadUrl`. */
  uploadUrl: string;
  attachment: SizedAttachment;
  errorContext: GraphErrorContext;
  chunkBytes?: number;
  signal?: AbortSignal;
  /**
   * After the last range's answer was lost and the session is gone: whether the attachment is on
   * the draft (so the upload completed). Without it, such an upload fails.
   */
  confirmCompleted?: (signal: AbortSignal | undefined) => Promise<boolean>;
  onProgress?: (progress: { filename: string; sentBytes: number; totalBytes: number }) => void;
}

/**
 * Where the ranges of one attachment come from, one range at a time, into ONE buffer that every range
 * reuses: a file is read at the range's offset (a retried range is still in the buffer), a caller's
 * stream is copied in piece by piece, bytes are sliced without copying. Neither the file nor the
 * stream is ever held whole, and a 150 MB upload allocates one range's worth of memory instead of
 * 150 MB of short-lived buffers (which V8 collects late: it is what made peak memory climb).
 */
export class RangeSource {
  private buffer: Buffer | undefined;
  private text: Buffer | undefined;
  private file: FileHandle | undefined;
  private stream: AsyncIterator<unknown> | undefined;
  private leftover: Buffer | undefined;

  constructor(
    private readonly attachment: SizedAttachment,
    private readonly chunkBytes: number,
  ) {}

  /** The bytes at [first, first + length): a view of the shared buffer, valid until the next call. */
  async read(first: number, length: number): Promise<Uint8Array> {
    const content = this.attachment.attachment.content;
    if (content instanceof Uint8Array) return content.subarray(first, first + length);
    if (typeof content === 'string') {
      // Encoded once; never rewritten, so a retry can send its view again.
      this.text ??= Buffer.from(content, 'utf8');
      return this.text.subarray(first, first + length);
    }
    // Its own memory (allocUnsafeSlow), never a slice of Node's shared pool.
    this.buffer ??= Buffer.allocUnsafeSlow(Math.min(this.chunkBytes, this.attachment.size));
    const target = this.buffer.subarray(0, length);
    const filled = 'path' in content ? await this.readFile(content.path, target, first) : await this.readStream(target);
    // The file or the stream ended early: its size changed since it was measured.
    if (filled < length) assertSize(this.attachment, first + filled);
    // A stream longer than its declared size is refused before its last range goes out.
    if (!('path' in content) && first + length === this.attachment.size) await this.assertEnd();
    return target;
  }

  /**
   * After a failed attempt the shared buffer may still be referenced by a write queued on the
   * broken connection: the range goes on from a copy, and that buffer is never written again. Views
   * of bytes that are never rewritten (the caller's bytes, an encoded string) are kept as they are.
   */
  detach(bytes: Uint8Array): Uint8Array {
    if (!this.buffer || bytes.buffer !== this.buffer.buffer) return bytes;
    this.buffer = undefined;
    return new Uint8Array(bytes);
  }

  /** Fails when a stream has bytes beyond its declared size. */
  async assertEnd(): Promise<void> {
    let extra = this.leftover?.byteLength ?? 0;
    while (this.stream && extra === 0) {
      const next = await this.stream.next();
      if (next.done) break;
      extra = (next.value as Uint8Array).byteLength;
    }
    // More bytes than declared: refused as core refuses them for every transport.
    if (extra > 0) assertSize(this.attachment, this.attachment.size + extra);
  }

  async close(): Promise<void> {
    await this.file?.close().catch(() => undefined);
    await this.stream?.return?.().catch(() => undefined);
  }

  private async readFile(path: string, target: Buffer, position: number): Promise<number> {
    this.file ??= await open(path, 'r');
    let filled = 0;
    while (filled < target.byteLength) {
      const { bytesRead } = await this.file.read(target, filled, target.byteLength - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  }

  private async readStream(target: Buffer): Promise<number> {
    this.stream ??= openAttachment(this.attachment)[Symbol.asyncIterator]();
    let filled = 0;
    while (filled < target.byteLength) {
      let piece = this.leftover;
      this.leftover = undefined;
      if (!piece) {
        const next = await this.stream.next();
        if (next.done) break;
        piece = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
      }
      const taken = piece.copy(target, filled);
      filled += taken;
      if (taken < piece.byteLength) this.leftover = piece.subarray(taken);
    }
    return filled;
  }
}

/** Where the upload session stands: the next byte it expects, or `gone` (ended, or never ours). */
type SessionState = { next: number } | 'gone';

/**
 * Asks the upload session which byte it expects next (GET on the upload URL, no Authorization
 * header). Outlook answers `NextExpectedRanges: ["{start}"]` (Graph's `nextExpectedRanges`, which
 * may read "{start}-"). A session that no longer answers (404/401: completed, expired or cancelled)
 * is `gone`.
 */
async function sessionState(options: UploadOptions, signal: AbortSignal | undefined): Promise<SessionState> {
  const response = await exchangeBuffered(options.http, options.uploadUrl, { maxResponseBytes: MAX_JSON_BYTES, ...(signal ? { signal } : {}) });
  if (response.status === 404 || response.status === 401 || response.status === 410) return 'gone';
  let body: { NextExpectedRanges?: unknown; nextExpectedRanges?: unknown } | undefined;
  try {
    body = parseJsonAnswer(await response.text(), response.status) as typeof body;
  } catch (error) {
    if (MailbridgeError.isInstance(error)) throw error;
    body = undefined;
  }
  if (response.status !== 200) throw mapGraphError(response.status, body, response.headers, options.errorContext);
  const ranges = body?.NextExpectedRanges ?? body?.nextExpectedRanges;
  const first = Array.isArray(ranges) ? /^(\d+)(-\d*)?$/.exec(String(ranges[0] ?? '')) : null;
  if (!first) throw invalidGraphResponse('the upload session status has no next expected byte', response.status, response.headers);
  return { next: Number(first[1]) };
}

/** What a retried range found out before sending again. */
const ALREADY_RECEIVED = 299;

/**
 * Streams one attachment into an upload session, range after range, in order. The PUTs carry no
 * Authorization header: the upload URL holds its own token, and Graph refuses a bearer token there.
 * Each range goes through the mailbox's concurrency slot and the retry policy. A range is never
 * sent twice blindly: Outlook ignores a failed range but refuses (416) one it already has, and a
 * broken connection does not say which happened, so a retry first asks the session for its next
 * expected byte. When the last range's answer was lost, the session is gone either way: then
 * `confirmCompleted` (the attachment is on the draft) decides.
 */
export async function uploadAttachment(options: UploadOptions): Promise<void> {
  const { attachment, uploadUrl } = options;
  const total = attachment.size;
  const chunkBytes = options.chunkBytes ?? UPLOAD_CHUNK_BYTES;
  const source = new RangeSource(attachment, chunkBytes);
  let completed = false;
  try {
    for (let first = 0; first < total; first += chunkBytes) {
      const length = Math.min(chunkBytes, total - first);
      const last = first + length === total;
      let body = await source.read(first, length);
      let attempts = 0;
      let sessionGone = false;
      const response = await options.runner.run(
        (signal) =>
          options.semaphore.run(async () => {
            if (attempts++ > 0) {
              body = source.detach(body);
              const state = await sessionState(options, signal);
              if (state === 'gone') {
                sessionGone = true;
                return new Response(null, { status: ALREADY_RECEIVED });
              }
              if (state.next === first + length) return new Response(null, { status: ALREADY_RECEIVED });
              if (state.next !== first) {
                throw invalidGraphResponse(`the upload session expects byte ${state.next}, but the upload is at byte ${first}`, 200);
              }
            }
            return exchangeBuffered(options.http, uploadUrl, {
              method: 'PUT',
              headers: {
                'content-type': 'application/octet-stream',
                'content-range': `bytes ${first}-${first + length - 1}/${total}`,
              },
              body,
              maxResponseBytes: MAX_JSON_BYTES,
              ...(signal ? { signal } : {}),
            });
          }, signal),
        { signal: options.signal, idempotent: true },
      );
      if (sessionGone) {
        // Only the last range's answer can be lost that way: the session ends when it completes.
        if (!last || !(await options.confirmCompleted?.(options.signal))) {
          throw new MailbridgeError({
            code: 'SERVICE_UNAVAILABLE',
            message: `The upload session of attachments[${attachment.index}] (${attachment.attachment.filename}) ended before the attachment was complete.`,
            hint: 'The connection broke during the upload and the session expired or was cancelled meanwhile. Send again: nothing was sent yet.',
            retryable: true,
            details: { path: `attachments[${attachment.index}]`, sentBytes: first },
          });
        }
        completed = true;
      } else if (response.status === ALREADY_RECEIVED) {
        completed = last;
      } else if (response.status !== 200 && response.status !== 201 && response.status !== 202) {
        const errorBody: unknown = await response.json().catch((error: unknown) => {
          if (MailbridgeError.isInstance(error)) throw error;
          return undefined;
        });
        throw mapGraphError(response.status, errorBody, response.headers, options.errorContext);
      } else {
        completed = response.status === 201;
      }
      options.onProgress?.({ filename: attachment.attachment.filename, sentBytes: first + length, totalBytes: total });
    }
    await source.assertEnd();
  } finally {
    await source.close();
  }
  if (!completed && total > 0) {
    throw invalidGraphResponse('the upload session did not confirm the last range with 201 Created', 200);
  }
}
