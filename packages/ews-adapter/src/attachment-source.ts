import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MailbridgeError, type OutgoingAttachment } from '@mailbridge/core';

/** The size of an attachment's content in bytes, without reading it. */
export async function attachmentSize(attachment: OutgoingAttachment): Promise<number> {
  const content = attachment.content;
  if (content instanceof Uint8Array) return content.byteLength;
  if (typeof content === 'string') return Buffer.byteLength(content, 'utf8');
  if ('path' in content) {
    let info;
    try {
      info = await stat(content.path);
    } catch (error) {
      throw new MailbridgeError({
        code: 'INVALID_MESSAGE',
        message: `The attachment "${attachment.filename}" cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
        hint: 'Check that the file exists and is readable.',
        cause: error,
      });
    }
    // A folder, a device (/dev/zero) or a pipe has no size to announce and may never end.
    if (!info.isFile()) {
      throw new MailbridgeError({
        code: 'INVALID_MESSAGE',
        message: `The attachment "${attachment.filename}" (${content.path}) is not a regular file (a folder, device or pipe).`,
        hint: 'Attach a file; to attach data from elsewhere, pass it as bytes or as a stream with its size.',
      });
    }
    return info.size;
  }
  if (attachment.size === undefined) {
    throw new MailbridgeError({
      code: 'INVALID_MESSAGE',
      message: `The attachment "${attachment.filename}" is a stream without a size.`,
      hint: 'Give `size` (in bytes) for a stream attachment.',
    });
  }
  return attachment.size;
}

/** The attachment's bytes as a Node stream (a path or a stream factory is read lazily). */
export function attachmentStream(attachment: OutgoingAttachment): Readable {
  const content = attachment.content;
  if (content instanceof Uint8Array) return Readable.from([Buffer.from(content.buffer, content.byteOffset, content.byteLength)]);
  if (typeof content === 'string') return Readable.from([Buffer.from(content, 'utf8')]);
  if ('path' in content) return createReadStream(content.path);
  const stream = content.stream();
  return stream instanceof Readable ? stream : Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>);
}

/** Reads a (small) attachment whole. */
export async function attachmentBytes(attachment: OutgoingAttachment): Promise<Buffer> {
  const content = attachment.content;
  if (content instanceof Uint8Array) return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of attachmentStream(attachment)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * Base64-encodes a byte stream as it flows: 3-byte groups are encoded as they arrive and the 0-2
 * leftover bytes carried to the next chunk, so memory stays at one chunk whatever the file size.
 */
export async function* base64Chunks(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  let carry = Buffer.alloc(0);
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    const joined = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const usable = joined.length - (joined.length % 3);
    if (usable > 0) yield joined.subarray(0, usable).toString('base64');
    carry = Buffer.from(joined.subarray(usable));
  }
  if (carry.length) yield carry.toString('base64');
}

const EXTENSION_TYPES: Record<string, string> = {
  txt: 'text/plain', csv: 'text/csv', html: 'text/html', htm: 'text/html', xml: 'application/xml', json: 'application/json',
  pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg',
  gif: 'image/gif', svg: 'image/svg+xml', webp: 'image/webp', eml: 'message/rfc822', log: 'text/plain',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The attachment's MIME type: as given, else guessed from the file extension. */
export function attachmentContentType(attachment: OutgoingAttachment): string {
  if (attachment.contentType) return attachment.contentType;
  const extension = /\.([A-Za-z0-9]+)$/.exec(attachment.filename)?.[1]?.toLowerCase();
  return (extension && EXTENSION_TYPES[extension]) || 'application/octet-stream';
}
