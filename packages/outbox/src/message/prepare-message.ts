import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MailbridgeError, type OutgoingAttachment, type OutgoingMessage, toMailAddress, validateOutgoingMessage } from '@mailbridge/core';
import type { SendingLimits } from '../limits/sending-limits.js';
import type { OutboxMessage, RawMimeMessage } from '../outbox-types.js';
import type { StoredAttachment, StoredEntry } from '../store/stored-entry.js';
import { isKeptFile } from './kept-file.js';

/** The largest message the outbox keeps: Exchange Online's largest message (150 MB) plus base64 room. */
export const MAX_STORED_MESSAGE_BYTES = 150 * 1024 * 1024;

const MESSAGE_ID_HEADER = /^message-id:[ \t]*(<[^<>\s@]+@[^<>\s@]+>)[ \t]*$/im;
const SUBJECT_HEADER = /^subject:[ \t]*(.*)$/im;

/** A new outbox id: the enqueue time in base 36 (so ids sort oldest first) and 40 random bits. */
export function newOutboxId(now: number): string {
  return `${Math.max(0, Math.floor(now)).toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}`;
}

/** A new Internet Message-ID in the sending mailbox's domain. */
export function newInternetMessageId(mailbox: string): string {
  const domain = mailbox.slice(mailbox.lastIndexOf('@') + 1) || 'mailbridge.invalid';
  return `<${randomUUID()}@${domain}>`;
}

/** True for `{ mime, envelope }`. */
export function isRawMime(message: OutboxMessage): message is RawMimeMessage {
  return typeof message === 'object' && message !== null && 'mime' in message;
}

/**
 * Checks a message as `send()` would and turns it into a self-contained {@link StoredEntry}: the
 * Internet Message-ID fixed now (every attempt and every recovery uses it), attachments read into
 * the entry (a file may be gone by the time the message is sent), the recipient count for the limits.
 */
export async function prepareMessage(
  message: OutboxMessage,
  options: {
    mailbox: string;
    limits: SendingLimits;
    now: number;
    /** Keep {@link keptFileAttachment} files as references (a store on this machine). @default false */
    fileReferences?: boolean;
  },
): Promise<StoredEntry> {
  const { mailbox, limits, now } = options;
  const id = newOutboxId(now);
  if (isRawMime(message)) return prepareMime(message, id, mailbox, limits, now);

  // core's validation, the one every transport runs before a request: same codes and paths.
  validateOutgoingMessage(message, { maxRecipients: limits.recipientsPerMessage });
  const recipients = (message.to?.length ?? 0) + (message.cc?.length ?? 0) + (message.bcc?.length ?? 0);
  checkDailyBudget(recipients, limits);
  const internetMessageId = message.internetMessageId ?? newInternetMessageId(mailbox);
  let total = Buffer.byteLength(message.text ?? '') + Buffer.byteLength(message.html ?? '');
  const attachments: StoredAttachment[] = [];
  for (const [index, attachment] of (message.attachments ?? []).entries()) {
    if (options.fileReferences && isKeptFile(attachment)) {
      const size = await fileSize(attachment.content.path, `attachments[${index}]`);
      if (size > MAX_STORED_MESSAGE_BYTES - total) throw tooLargeError(`attachments[${index}]`);
      total += size;
      attachments.push({
        filename: attachment.filename,
        ...(attachment.contentType !== undefined ? { contentType: attachment.contentType } : {}),
        ...(attachment.contentId !== undefined ? { contentId: attachment.contentId } : {}),
        contentPath: attachment.content.path,
        size,
      });
      continue;
    }
    const bytes = await readAttachment(attachment, `attachments[${index}]`, MAX_STORED_MESSAGE_BYTES - total);
    total += bytes.length;
    attachments.push({
      filename: attachment.filename,
      ...(attachment.contentType !== undefined ? { contentType: attachment.contentType } : {}),
      ...(attachment.contentId !== undefined ? { contentId: attachment.contentId } : {}),
      contentBase64: bytes.toString('base64'),
    });
  }
  const { attachments: _dropped, ...rest } = message;
  const stored: StoredEntry['payload'] = {
    kind: 'message',
    message: { ...(rest as Record<string, unknown>), internetMessageId, ...(attachments.length > 0 ? { attachments } : {}) },
  };
  return {
    id,
    internetMessageId,
    mailbox,
    importance: message.importance ?? 'normal',
    recipients,
    subject: message.subject,
    enqueuedAt: now,
    attempts: 0,
    payload: stored,
  };
}

/** The `OutgoingMessage` of a stored payload, attachments as bytes again (or as their kept files). */
export function storedToOutgoing(payload: Extract<StoredEntry['payload'], { kind: 'message' }>): OutgoingMessage {
  const { attachments, ...rest } = payload.message;
  const message = rest as unknown as OutgoingMessage;
  if (attachments && attachments.length > 0) {
    message.attachments = attachments.map((attachment) => ({
      filename: attachment.filename,
      ...(attachment.contentType !== undefined ? { contentType: attachment.contentType } : {}),
      ...(attachment.contentId !== undefined ? { contentId: attachment.contentId } : {}),
      ...(attachment.contentPath !== undefined
        ? { content: { path: attachment.contentPath }, ...(attachment.size !== undefined ? { size: attachment.size } : {}) }
        : { content: new Uint8Array(Buffer.from(attachment.contentBase64 ?? '', 'base64')) }),
    }));
  }
  return message;
}

function prepareMime(message: RawMimeMessage, id: string, mailbox: string, limits: SendingLimits, now: number): StoredEntry {
  const { envelope } = message;
  if (typeof envelope !== 'object' || envelope === null || !Array.isArray(envelope.to)) {
    throw invalid('envelope: expected { from, to: [addresses] }.', 'Give the SMTP envelope of the raw message.', 'envelope');
  }
  toMailAddress(envelope.from, 'envelope.from');
  envelope.to.forEach((to, index) => toMailAddress(to, `envelope.to[${index}]`));
  if (envelope.to.length === 0) throw invalid('envelope.to: the message has no recipient.', 'Give at least one RCPT TO address.', 'envelope.to');
  if (envelope.to.length > limits.recipientsPerMessage) {
    throw invalid(
      `envelope.to: ${envelope.to.length} recipients; the mailbox accepts at most ${limits.recipientsPerMessage} per message (outbox.limits.recipientsPerMessage).`,
      `Split the recipients over several messages of at most ${limits.recipientsPerMessage}.`,
      'envelope.to',
    );
  }
  checkDailyBudget(envelope.to.length, limits);
  let bytes: Buffer;
  if (typeof message.mime === 'string') bytes = Buffer.from(message.mime, 'utf8');
  else if (message.mime instanceof Uint8Array) bytes = Buffer.from(message.mime.buffer, message.mime.byteOffset, message.mime.byteLength);
  else throw invalid('mime: expected the message as bytes or a string.', 'Give the whole RFC 5322 message.', 'mime');
  if (bytes.length === 0) throw invalid('mime: the message is empty.', 'Give the whole RFC 5322 message.', 'mime');
  if (bytes.length > MAX_STORED_MESSAGE_BYTES) {
    throw new MailbridgeError({
      code: 'MESSAGE_TOO_LARGE',
      message: `The message is ${bytes.length} bytes; the outbox keeps messages up to ${MAX_STORED_MESSAGE_BYTES} bytes (Exchange Online's largest message is 150 MB).`,
      hint: 'Send large files as links, or split the message.',
    });
  }
  const head = headerSection(bytes);
  let internetMessageId = MESSAGE_ID_HEADER.exec(head)?.[1];
  if (!internetMessageId) {
    // The recovery after a crash finds the message in Sent Items by this id, so it must be fixed now.
    internetMessageId = newInternetMessageId(mailbox);
    bytes = Buffer.concat([Buffer.from(`Message-ID: ${internetMessageId}\r\n`, 'latin1'), bytes]);
  }
  checkEnvelopeMatchesHeaders(envelope.to, head);
  const subject = SUBJECT_HEADER.exec(head)?.[1]?.trim().slice(0, 200);
  const importance = /^(?:importance:[ \t]*high|x-priority:[ \t]*[12])\b/im.test(head) ? 'high' : /^importance:[ \t]*low\b/im.test(head) ? 'low' : 'normal';
  return {
    id,
    internetMessageId,
    mailbox,
    importance,
    recipients: envelope.to.length,
    ...(subject !== undefined ? { subject } : {}),
    enqueuedAt: now,
    attempts: 0,
    payload: { kind: 'mime', mimeBase64: bytes.toString('base64'), envelope: { from: envelope.from, to: [...envelope.to] } },
  };
}

/** The header section of a MIME message (up to the first empty line), unfolded enough for single-line lookups. */
function headerSection(bytes: Buffer): string {
  const text = bytes.subarray(0, Math.min(bytes.length, 256 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, ' ');
}

/** Addresses in a header value: each `local@domain`, inside angle brackets or bare; display names are skipped. */
function headerAddresses(value: string): string[] {
  // Quoted display names may hold anything, "@" included: drop them before looking for addresses.
  const unquoted = value.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\([^()]*\)/g, ' ');
  return [...unquoted.matchAll(/<([^<>\s]+@[^<>\s]+)>|([^\s<>,;:"]+@[^\s<>,;:"]+)/g)].map((match) => (match[1] ?? match[2] ?? '').toLowerCase());
}

/**
 * Graph and EWS deliver a raw MIME message to the addresses of its To, Cc and Bcc headers; they have
 * no separate SMTP envelope. A `{ mime, envelope }` whose envelope names someone the headers do not
 * (lost), or whose headers name someone the envelope does not (mailed unasked), would not be
 * delivered as given: it is refused at enqueue rather than sent to the wrong people.
 */
function checkEnvelopeMatchesHeaders(envelopeTo: readonly string[], head: string): void {
  const inHeaders = new Set<string>();
  for (const match of head.matchAll(/^(?:to|cc|bcc):[ \t]*(.*)$/gim)) for (const address of headerAddresses(match[1] ?? '')) inHeaders.add(address);
  const inEnvelope = new Set(envelopeTo.map((address) => address.trim().toLowerCase()));
  const onlyEnvelope = [...inEnvelope].filter((address) => !inHeaders.has(address));
  const onlyHeaders = [...inHeaders].filter((address) => !inEnvelope.has(address));
  if (onlyEnvelope.length === 0 && onlyHeaders.length === 0) return;
  const listed = (addresses: string[]) => addresses.slice(0, 5).join(', ') + (addresses.length > 5 ? ', …' : '');
  const parts = [
    ...(onlyEnvelope.length > 0 ? [`envelope.to names ${listed(onlyEnvelope)}, which no To, Cc or Bcc header does`] : []),
    ...(onlyHeaders.length > 0 ? [`the headers name ${listed(onlyHeaders)}, which envelope.to does not`] : []),
  ];
  throw invalid(
    `envelope.to and the message's To/Cc/Bcc headers differ: ${parts.join('; ')}. Graph and EWS deliver a MIME message to its header recipients.`,
    'Make the To, Cc and Bcc headers name exactly the envelope recipients (put envelope-only ones in Bcc), or enqueue an OutgoingMessage instead.',
    'envelope.to',
  );
}

function checkDailyBudget(recipients: number, limits: SendingLimits): void {
  if (recipients > limits.recipientsPerDay) {
    throw invalid(
      `The message has ${recipients} recipients, more than the mailbox may send to in a whole day (${limits.recipientsPerDay}, outbox.limits.recipientsPerDay).`,
      'Split the recipients over several messages and days, or send to a distribution group.',
      'to',
    );
  }
}

function tooLargeError(path: string): MailbridgeError {
  return new MailbridgeError({
    code: 'MESSAGE_TOO_LARGE',
    message: `${path}: the message would exceed ${MAX_STORED_MESSAGE_BYTES} bytes, the most the outbox keeps (Exchange Online's largest message is 150 MB).`,
    hint: 'Send large files as links, or split the message.',
    details: { path },
  });
}

async function fileSize(file: string, path: string): Promise<number> {
  try {
    const info = await stat(file);
    if (info.isFile()) return info.size;
  } catch (error) {
    throw invalid(`${path}.content: the file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, 'Check the path and its permissions.', `${path}.content`);
  }
  throw invalid(`${path}.content: ${file} is not a regular file.`, 'Attach a file.', `${path}.content`);
}

async function readAttachment(attachment: OutgoingAttachment, path: string, room: number): Promise<Buffer> {
  const content = attachment.content;
  const tooLarge = () => tooLargeError(path);
  if (content instanceof Uint8Array) {
    if (content.byteLength > room) throw tooLarge();
    return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  }
  if (typeof content === 'string') {
    const bytes = Buffer.from(content, 'utf8');
    if (bytes.length > room) throw tooLarge();
    return bytes;
  }
  if ('path' in content) {
    let size: number;
    try {
      size = (await stat(content.path)).size;
    } catch (error) {
      throw invalid(`${path}.content: the file ${content.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, 'Check the path and its permissions.', `${path}.content`);
    }
    if (size > room) throw tooLarge();
    return readFile(content.path);
  }
  const source = content.stream();
  const readable = source instanceof Readable ? source : Readable.fromWeb(source as import('node:stream/web').ReadableStream<Uint8Array>);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of readable) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > room) {
      readable.destroy();
      throw tooLarge();
    }
    chunks.push(buffer);
  }
  if (attachment.size !== undefined && total !== attachment.size) {
    throw invalid(`${path}.size: the stream gave ${total} bytes, not the ${attachment.size} declared.`, 'Give the exact size of the stream.', `${path}.size`);
  }
  return Buffer.concat(chunks);
}

function invalid(message: string, hint: string, path: string): MailbridgeError {
  return new MailbridgeError({ code: 'INVALID_MESSAGE', message, hint, details: { path } });
}
