import { generateInternetMessageId, isInternetMessageId } from './internet-message-id.js';
import { invalidMessage } from './invalid-message.js';

/** A raw RFC 5322 message made ready to send: it has a Message-ID, and the caller knows it. */
export interface PreparedMime {
  /** The message's bytes, with a `Message-ID:` header added first when it had none. */
  bytes: Buffer;
  internetMessageId: string;
}

/**
 * Reads (or adds) the Message-ID of a raw MIME message, the same way for every transport: the
 * message must have a header section; a Message-ID it has must be well formed (`<unique@domain>`);
 * without one it gets one in the mailbox's domain — a send whose outcome is unknown could not be
 * checked in Sent Items otherwise.
 */
export function prepareMimeMessage(mime: Uint8Array | string, mailbox: string): PreparedMime {
  // latin1 maps every byte to one character and back: 8-bit content survives untouched.
  const text = typeof mime === 'string' ? mime : Buffer.from(mime.buffer, mime.byteOffset, mime.byteLength).toString('latin1');
  const headerEnd = text.search(/\r?\n\r?\n/);
  if (headerEnd <= 0) {
    throw invalidMessage('The MIME message has no header section.', 'Pass a complete RFC 5322 message: headers, an empty line, then the body.', 'mime');
  }
  // Unfolded: a long header continues on lines that start with white space.
  const head = text.slice(0, headerEnd).replace(/\r?\n[ \t]+/g, ' ');
  const given = /^message-id:[ \t]*(.*)$/im.exec(head)?.[1]?.trim();
  if (given !== undefined) {
    if (!isInternetMessageId(given)) {
      throw invalidMessage(`The MIME message's Message-ID ${JSON.stringify(given.slice(0, 200))} is not of the form <unique@domain>.`, 'Fix the Message-ID header, or remove it to have one generated.', 'mime.Message-ID');
    }
    return { bytes: Buffer.from(text, 'latin1'), internetMessageId: given };
  }
  const internetMessageId = generateInternetMessageId(mailbox);
  return { bytes: Buffer.from(`Message-ID: ${internetMessageId}\r\n${text}`, 'latin1'), internetMessageId };
}
