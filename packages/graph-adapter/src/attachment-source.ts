import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MailbridgeError, type OutgoingAttachment } from '@mailbridge/core';

/** An attachment whose size is known, with a way to read its bytes lazily. */
export interface SizedAttachment {
  attachment: OutgoingAttachment;
  /** Position in the message's attachment list (for error paths). */
  index: number;
  size: number;
  contentType: string;
}

const TYPES: Record<string, string> = {
  txt: 'text/plain', csv: 'text/csv', html: 'text/html', htm: 'text/html', json: 'application/json', xml: 'application/xml',
  pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', png: 'image/png', jpg: 'image/jpeg',
  jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml', webp: 'image/webp', eml: 'message/rfc822', log: 'text/plain',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bin: 'application/octet-stream',
};

/** The attachment's MIME type, or one guessed from the file name's extension. */
export function contentTypeOf(attachment: OutgoingAttachment): string {
  if (attachment.contentType) return attachment.contentType;
  const extension = attachment.filename.split('.').pop()?.toLowerCase() ?? '';
  return TYPES[extension] ?? 'application/octet-stream';
}

/** Learns the size of every attachment (a `stat` for files) without reading any content. */
export async function sizeAttachments(attachments: OutgoingAttachment[]): Promise<SizedAttachment[]> {
  return Promise.all(
    attachments.map(async (attachment, index) => {
      const content = attachment.content;
      let size: number;
      if (content instanceof Uint8Array) size = content.byteLength;
      else if (typeof content === 'string') size = Buffer.byteLength(content, 'utf8');
      else if ('path' in content) {
        let info;
        try {
          info = await stat(content.path);
        } catch (cause) {
          throw new MailbridgeError({
            code: 'INVALID_MESSAGE',
            message: `attachments[${index}]: the file ${content.path} cannot be read.`,
            hint: 'Check the path and that this process may read the file.',
            details: { path: `attachments[${index}].content` },
            cause,
          });
        }
        // A folder, a device (/dev/zero) or a pipe has no size to announce and may never end.
        if (!info.isFile()) {
          throw new MailbridgeError({
            code: 'INVALID_MESSAGE',
            message: `attachments[${index}]: ${content.path} is not a regular file (a folder, device or pipe).`,
            hint: 'Attach a file; to attach data from elsewhere, pass it as bytes or as a stream with its size.',
            details: { path: `attachments[${index}].content` },
          });
        }
        size = info.size;
      } else size = attachment.size ?? 0;
      return { attachment, index, size, contentType: contentTypeOf(attachment) };
    }),
  );
}

/** A Node stream over the attachment's bytes. Files and stream factories are read lazily. */
export function openAttachment(sized: SizedAttachment): Readable {
  const content = sized.attachment.content;
  if (content instanceof Uint8Array) return Readable.from([Buffer.from(content.buffer, content.byteOffset, content.byteLength)]);
  if (typeof content === 'string') return Readable.from([Buffer.from(content, 'utf8')]);
  if ('path' in content) return createReadStream(content.path, { highWaterMark: 1024 * 1024 });
  const stream = content.stream();
  return stream instanceof Readable ? stream : Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>);
}

/** Reads a small attachment whole (only for attachments that go inline, a few MB at most). */
export async function readSmallAttachment(sized: SizedAttachment): Promise<Buffer> {
  const content = sized.attachment.content;
  if (content instanceof Uint8Array) return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of openAttachment(sized)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  const bytes = Buffer.concat(chunks);
  assertSize(sized, bytes.byteLength);
  return bytes;
}

/** Fails when a stream gave another number of bytes than its declared size (the upload would be corrupt). */
export function assertSize(sized: SizedAttachment, actual: number): void {
  if (actual !== sized.size) {
    throw new MailbridgeError({
      code: 'INVALID_MESSAGE',
      message: `attachments[${sized.index}]: the content has ${actual} bytes but its size was given as ${sized.size}.`,
      hint: 'Give the exact size of a stream attachment, or pass a file path.',
      details: { path: `attachments[${sized.index}].size` },
    });
  }
}
