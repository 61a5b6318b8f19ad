import { createReadStream } from 'node:fs';
import type { HttpClient, Semaphore } from '@mailbridge/core';
import { assertSize, chunkStream, openAttachment, type SizedAttachment } from './attachment-source.js';
import { bufferResponse } from './buffer-response.js';
import { invalidGraphResponse, mapGraphError, type GraphErrorContext } from './map-graph-error.js';
import type { RequestRunner } from './request-runner.js';

/**
 * Bytes per range PUT. Graph wants ranges under 4 MB, in multiples of 320 KiB: 12 × 320 KiB = 3.75 MB.
 * A range is the most an upload ever holds in memory (and only for sources that cannot be re-read).
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
  onProgress?: (progress: { filename: string; sentBytes: number; totalBytes: number }) => void;
}

/** One range to PUT: its position, and a body that can be produced again for a retry. */
interface UploadRange {
  first: number;
  length: number;
  body: () => Uint8Array | AsyncIterable<Uint8Array>;
}

/**
 * The ranges of an attachment. A file is read range by range straight from disk into the request
 * (nothing is buffered, and a retried range is read again); bytes are sliced without copying; a
 * caller's stream, which cannot be re-read, is buffered one range at a time.
 */
async function* rangesOf(attachment: SizedAttachment, chunkBytes: number): AsyncGenerator<UploadRange> {
  const content = attachment.attachment.content;
  if (typeof content === 'object' && content !== null && 'path' in content) {
    for (let first = 0; first < attachment.size; first += chunkBytes) {
      const length = Math.min(chunkBytes, attachment.size - first);
      yield { first, length, body: () => createReadStream(content.path, { start: first, end: first + length - 1, highWaterMark: 256 * 1024 }) };
    }
    return;
  }
  const stream = openAttachment(attachment);
  try {
    let first = 0;
    for await (const chunk of chunkStream(stream, chunkBytes)) {
      if (first + chunk.byteLength > attachment.size) assertSize(attachment, first + chunk.byteLength);
      yield { first, length: chunk.byteLength, body: () => chunk };
      first += chunk.byteLength;
    }
    assertSize(attachment, first);
  } finally {
    stream.destroy();
  }
}

/**
 * Streams one attachment into an upload session, range after range, in order. The PUTs carry no
 * Authorization header: the upload URL holds its own token, and Graph refuses a bearer token there.
 * Each range goes through the mailbox's concurrency slot and the retry policy (a range PUT may be
 * repeated: the service keeps the bytes it already has).
 */
export async function uploadAttachment(options: UploadOptions): Promise<void> {
  const { attachment, uploadUrl } = options;
  const total = attachment.size;
  const chunkBytes = options.chunkBytes ?? UPLOAD_CHUNK_BYTES;
  let sent = 0;
  let completed = false;
  for await (const range of rangesOf(attachment, chunkBytes)) {
    const last = range.first + range.length - 1;
    const response = await options.runner.run(
      (signal) =>
        options.semaphore.run(async () => {
          const body = range.body();
          const streamed = !(body instanceof Uint8Array);
          const init = {
            method: 'PUT',
            headers: {
              'Content-Type': 'application/octet-stream',
              'Content-Length': String(range.length),
              'Content-Range': `bytes ${range.first}-${last}/${total}`,
            },
            body: body as unknown as RequestInit['body'],
            // A streamed request body must say so (fetch's half-duplex mode).
            ...(streamed ? { duplex: 'half' } : {}),
            ...(signal ? { signal } : {}),
          } as RequestInit;
          return bufferResponse(await options.http.fetch(uploadUrl, init), uploadUrl);
        }, signal),
      { signal: options.signal, idempotent: true },
    );
    if (response.status !== 200 && response.status !== 201 && response.status !== 202) {
      const body: unknown = await response.json().catch(() => undefined);
      throw mapGraphError(response.status, body, response.headers, options.errorContext);
    }
    sent = range.first + range.length;
    completed = response.status === 201;
    options.onProgress?.({ filename: attachment.attachment.filename, sentBytes: sent, totalBytes: total });
  }
  assertSize(attachment, sent);
  if (!completed && total > 0) {
    throw invalidGraphResponse('the upload session did not confirm the last range with 201 Created', 200);
  }
}
