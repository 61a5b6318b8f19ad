import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { MailbridgeError } from '../errors/mailbridge-error.js';
import type { OutgoingAttachment } from './message.js';
import { attachmentContentType } from './mime-types.js';

/** An attachment whose size and type are known, with its place in the message (for error paths). */
export interface SizedAttachment {
  attachment: OutgoingAttachment;
  /** Position in the message's attachment list. */
  index: number;
  /** Bytes of content: the file's size, the bytes' length, or the declared size of a stream. */
  size: number;
  contentType: string;
}

/** Learns the size of every attachment (a `stat` for files) without reading any content. */
export async function sizeAttachments(attachments: OutgoingAttachment[]): Promise<SizedAttachment[]> {
  return Promise.all(
    attachments.map(async (attachment, index) => {
      const content = attachment.content;
      let size: number;
      if (content instanceof Uint8Array) size = content.byteLength;
      else if (typeof content === 'string') size = Buffer.byteLength(content, 'utf8');
      else if ('path' in content) size = await fileSize(content.path, index);
      else size = attachment.size ?? 0;
      return { attachment, index, size, contentType: attachmentContentType(attachment) };
    }),
  );
}

async function fileSize(path: string, index: number): Promise<number> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (cause) {
    throw new MailbridgeError({
      code: 'INVALID_MESSAGE',
      message: `attachments[${index}]: the file ${path} cannot be read.`,
      hint: 'Check the path and that this process may read the file.',
      details: { path: `attachments[${index}].content` },
      cause,
    });
  }
  // A folder, a device (/dev/zero) or a pipe has no size to announce and may never end.
  if (!info.isFile()) {
    throw new MailbridgeError({
      code: 'INVALID_MESSAGE',
      message: `attachments[${index}]: ${path} is not a regular file (a folder, device or pipe).`,
      hint: 'Attach a file; to attach data from elsewhere, pass it as bytes or as a stream with its size.',
      details: { path: `attachments[${index}].content` },
    });
  }
  return info.size;
}

/** A Node stream over the attachment's bytes. Files and stream factories are read lazily. */
export function openAttachment(sized: SizedAttachment): Readable {
  const content = sized.attachment.content;
  if (content instanceof Uint8Array) return Readable.from([Buffer.from(content.buffer, content.byteOffset, content.byteLength)]);
  if (typeof content === 'string') return Readable.from([Buffer.from(content, 'utf8')]);
  if ('path' in content) return createReadStream(content.path, { highWaterMark: 1024 * 1024 });
  const stream = content.stream();
  return stream instanceof Readable ? stream : Readable.fromWeb(stream as WebReadableStream<Uint8Array>);
}

/**
 * The attachment's bytes chunk by chunk, failing as soon as they pass the size announced for it, or
 * at the end when they fall short: the service was told a size, and a different one would corrupt
 * the attachment (or, longer, send what the caller did not mean).
 */
export async function* attachmentChunks(sized: SizedAttachment): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of openAttachment(sized)) {
    const bytes: Uint8Array = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    seen += bytes.byteLength;
    if (seen > sized.size) assertSize(sized, seen);
    yield bytes;
  }
  assertSize(sized, seen);
}

/** Reads a small attachment whole (only for attachments that go inside a request, a few MB at most). */
export async function readAttachment(sized: SizedAttachment): Promise<Buffer> {
  const content = sized.attachment.content;
  if (content instanceof Uint8Array) return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  const chunks: Uint8Array[] = [];
  for await (const chunk of attachmentChunks(sized)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Fails when a stream gave another number of bytes than its declared size (the upload would be corrupt). */
export function assertSize(sized: SizedAttachment, actual: number): void {
  if (actual === sized.size) return;
  throw new MailbridgeError({
    code: 'INVALID_MESSAGE',
    message: actual > sized.size ? `attachments[${sized.index}]: the stream has more than the ${sized.size} bytes given as its size.` : `attachments[${sized.index}]: the content has ${actual} bytes but its size was given as ${sized.size}.`,
    hint: 'Give the exact size of a stream attachment, or pass a file path.',
    details: { path: `attachments[${sized.index}].size` },
  });
}
