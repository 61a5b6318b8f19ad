import type { HttpClient } from '@mailbridge/core';
import { assertSize, chunkStream, openAttachment, type SizedAttachment } from './attachment-source.js';
import { bufferResponse } from './buffer-response.js';
import type { MailboxSemaphore } from './mailbox-semaphore.js';
import { invalidGraphResponse, mapGraphError, type GraphErrorContext } from './map-graph-error.js';
import type { RequestRunner } from './request-runner.js';

/**
 * Bytes per range PUT. Graph wants ranges under 4 MB, in multiples of 320 KiB: 12 × 320 KiB = 3.75 MB.
 * One range is the most memory an upload holds, whatever the attachment's size.
 */
export const UPLOAD_CHUNK_BYTES = 12 * 320 * 1024;

/** What an upload needs: where to PUT, what, and how to report. */
export interface UploadOptions {
  http: HttpClient;
  runner: RequestRunner;
  semaphore: MailboxSemaphore;
  /** The session's pre-authenticated `uploadUrl`. */
  uploadUrl: string;
  attachment: SizedAttachment;
  errorContext: GraphErrorContext;
  chunkBytes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { filename: string; sentBytes: number; totalBytes: number }) => void;
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
  let offset = 0;
  let completed = false;
  const stream = openAttachment(attachment);
  try {
    for await (const chunk of chunkStream(stream, chunkBytes)) {
      if (offset + chunk.byteLength > total) assertSize(attachment, offset + chunk.byteLength);
      const first = offset;
      const last = offset + chunk.byteLength - 1;
      const response = await options.runner.run(
        (signal) =>
          options.semaphore.run(
            async () =>
              bufferResponse(
                await options.http.fetch(uploadUrl, {
                  method: 'PUT',
                  headers: {
                    'Content-Type': 'application/octet-stream',
                    'Content-Range': `bytes ${first}-${last}/${total}`,
                  },
                  body: chunk,
                  ...(signal ? { signal } : {}),
                }),
              ),
            signal,
          ),
        { signal: options.signal, idempotent: true },
      );
      if (response.status !== 200 && response.status !== 201 && response.status !== 202) {
        const body: unknown = await response.json().catch(() => undefined);
        throw mapGraphError(response.status, body, response.headers, options.errorContext);
      }
      await response.arrayBuffer();
      offset += chunk.byteLength;
      completed = response.status === 201;
      options.onProgress?.({ filename: attachment.attachment.filename, sentBytes: offset, totalBytes: total });
    }
  } finally {
    stream.destroy();
  }
  assertSize(attachment, offset);
  if (!completed && total > 0) {
    throw invalidGraphResponse('the upload session did not confirm the last range with 201 Created', 200);
  }
}
