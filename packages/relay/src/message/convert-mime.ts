import type { Readable } from 'node:stream';
import type { MailAddress, OutgoingMessage } from '@mailbridge/core';
import { type AddressObject, type AttachmentStream, type HeaderLines, type Headers, MailParser, type MessageText } from 'mailparser';
import type { WrittenPart } from './attachment-parts.js';
import { maySendAs, type SenderPolicy } from './sender-policy.js';

/** The SMTP envelope of one message. */
export interface SmtpEnvelope {
  /** MAIL FROM (empty for the null sender `<>`). */
  from: string;
  /** RCPT TO, in order. */
  to: string[];
}

/** An attachment of a converted message: its file (see `attachment-parts.ts`), not its bytes. */
export interface ConvertedAttachment {
  filename: string;
  contentType: string;
  /** Set for an inline part (referenced from the HTML as `cid:`). */
  contentId?: string;
  path: string;
  size: number;
}

/** A converted message (attachments apart), or why it must be refused. */
export type ConvertResult = { ok: true; message: Omit<OutgoingMessage, 'attachments'>; attachments: ConvertedAttachment[]; sender: string; rewritten: boolean } | { ok: false; reason: 'sender-refused'; sender: string };

/** Where the parser puts each attachment's decoded bytes: a file per attachment, so no attachment is ever held in memory. */
export interface AttachmentSink {
  /** `messageId` is the message's Message-ID header (the headers come before any part). */
  write(content: Readable, messageId: string | undefined): Promise<WrittenPart>;
}

/** What the relay reads of a parsed message (the fields `simpleParser` would give, without attachment bytes). */
interface ParsedHeaders {
  headers: Headers;
  headerLines: HeaderLines;
  subject?: string;
  from?: AddressObject;
  to?: AddressObject | AddressObject[];
  cc?: AddressObject | AddressObject[];
  replyTo?: AddressObject;
  messageId?: string;
  text?: string;
  html?: string | false;
}

const VALID_MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;

const lower = (address: string) => address.trim().toLowerCase();

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  const visit = (list: Array<{ address?: string; name?: string; group?: Array<{ address?: string; name?: string; group?: unknown }> }>) => {
    for (const entry of list) {
      if (entry.group) visit(entry.group as never);
      else if (entry.address) out.push(entry.name ? { address: entry.address, name: entry.name } : { address: entry.address });
    }
  };
  for (const object of field === undefined ? [] : Array.isArray(field) ? field : [field]) visit(object.value as never);
  return out;
}

function importanceOf(parsed: ParsedHeaders): OutgoingMessage['importance'] | undefined {
  const importance = String(parsed.headers.get('importance') ?? '').toLowerCase();
  if (importance === 'high' || importance === 'low') return importance;
  const priority = parsed.headers.get('x-priority');
  const level = Number.parseInt(String(priority ?? ''), 10);
  if (level === 1 || level === 2) return 'high';
  if (level === 4 || level === 5) return 'low';
  return undefined;
}

// Graph and EWS take only X- headers as custom headers; these are the relay's own or are rebuilt.
const SKIPPED_X_HEADERS = new Set(['x-priority', 'x-mailbridge-relay']);
const MAX_CUSTOM_HEADERS = 50;

function customHeaders(parsed: ParsedHeaders): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  let count = 0;
  for (const { key, line } of parsed.headerLines) {
    if (!key.startsWith('x-') || SKIPPED_X_HEADERS.has(key) || count >= MAX_CUSTOM_HEADERS) continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = line
      .slice(colon + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    if (!/^X-[A-Za-z0-9-]+$/i.test(name) || name in headers) continue;
    headers[name] = value;
    count++;
  }
  return count > 0 ? headers : undefined;
}

function attachmentOf(attachment: AttachmentStream, index: number, part: WrittenPart): ConvertedAttachment {
  const out: ConvertedAttachment = {
    filename: attachment.filename ?? `attachment-${index + 1}${attachment.contentType === 'message/rfc822' ? '.eml' : ''}`,
    contentType: attachment.contentType,
    path: part.path,
    size: part.size,
  };
  // Inline (referenced from the HTML as cid:...) when it is a related part or marked inline with a Content-ID.
  if (attachment.cid && (attachment.related || attachment.contentDisposition === 'inline')) out.contentId = attachment.cid;
  return out;
}

/**
 * Parses a message as it streams in, with mailparser's streaming `MailParser`: headers and text parts
 * in memory, every attachment straight into `sink` (the parser waits for each file, so a large
 * message costs the parser's buffers, not its size). A sink failure is the result once the rest of
 * the message was read (the SMTP client gets its reply only after the end of DATA).
 */
function parseStreaming(source: Readable, sink: AttachmentSink): Promise<{ parsed: ParsedHeaders; attachments: ConvertedAttachment[] }> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
    const parsed: Partial<ParsedHeaders> = {};
    const attachments: ConvertedAttachment[] = [];
    let failure: unknown;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      // Keep reading what is left of DATA, so the client still gets a reply.
      source.unpipe(parser);
      source.resume();
      reject(error);
    };
    parser.on('error', fail);
    source.once('error', fail);
    parser.on('headers', (headers) => {
      parsed.headers = headers;
      parsed.headerLines = parser.headerLines || [];
    });
    let reading = false;
    const reader = (): void => {
      reading = true;
      for (;;) {
        const data = parser.read() as AttachmentStream | MessageText | null;
        if (data === null) {
          reading = false;
          return;
        }
        if (data.type === 'text') {
          if (data.text !== undefined) parsed.text = data.text;
          if (data.html !== undefined) parsed.html = data.html;
          continue;
        }
        const attachment = data;
        if (failure !== undefined) {
          // Released unread: the parser drains it without us.
          attachment.release?.();
          continue;
        }
        // Only a well-formed one: it is the Message-ID the outbox keeps the message under.
        const header = String(parsed.headers?.get('message-id') ?? '');
        const messageId = VALID_MESSAGE_ID.test(header) ? header : undefined;
        sink.write(attachment.content, messageId).then(
          (part) => {
            attachments.push(attachmentOf(attachment, attachments.length, part));
            attachment.release?.();
            reader();
          },
          (error: unknown) => {
            failure = error;
            attachment.content.resume();
            attachment.release?.();
            reader();
          },
        );
        return;
      }
    };
    parser.on('readable', () => {
      if (!reading) reader();
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      if (failure !== undefined) return reject(failure);
      const headers = parsed.headers ?? (new Map() as Headers);
      const field = <T>(key: string) => (headers.has(key) ? (headers.get(key) as T) : undefined);
      resolve({
        parsed: {
          headers,
          headerLines: parsed.headerLines ?? [],
          subject: field<string>('subject'),
          from: field<AddressObject>('from'),
          to: field<AddressObject | AddressObject[]>('to'),
          cc: field<AddressObject | AddressObject[]>('cc'),
          replyTo: field<AddressObject>('reply-to'),
          messageId: field<string>('message-id'),
          ...(parsed.text !== undefined ? { text: parsed.text } : {}),
          ...(parsed.html !== undefined ? { html: parsed.html } : {}),
        },
        attachments,
      });
    });
    source.pipe(parser);
  });
}

/**
 * Turns a message received over SMTP into the `OutgoingMessage` the outbox delivers. The recipients
 * are exactly the envelope's RCPT TO list: header To/Cc addresses that are in the envelope keep
 * their place (and display names); envelope recipients that are in no header are Bcc; header
 * addresses that are not in the envelope are not mailed. The body, inline parts and attachments are
 * taken byte for byte (the attachments into `sink`, one file each). The sender is the From header (else MAIL FROM); one the relay may not send
 * as is rewritten to the mailbox (the original in Reply-To) or refused, as the policy says.
 */
export async function convertMime(source: Readable, envelope: SmtpEnvelope, policy: SenderPolicy, sink: AttachmentSink): Promise<ConvertResult> {
  const { parsed, attachments } = await parseStreaming(source, sink);
  const headerFrom = addresses(parsed.from)[0];
  const sender = headerFrom?.address ?? envelope.from;
  const rewritten = sender === '' || !maySendAs(policy, sender);
  if (rewritten && policy.otherSenders === 'refuse') return { ok: false, reason: 'sender-refused', sender };

  const remaining = new Map<string, string>();
  for (const recipient of envelope.to) if (!remaining.has(lower(recipient))) remaining.set(lower(recipient), recipient);
  const take = (list: MailAddress[]) => {
    const out: MailAddress[] = [];
    for (const entry of list) {
      if (!remaining.has(lower(entry.address))) continue; // not in the envelope (or already placed)
      remaining.delete(lower(entry.address));
      out.push(entry);
    }
    return out;
  };
  const to = take(addresses(parsed.to));
  const cc = take(addresses(parsed.cc));
  const bcc: MailAddress[] = [...remaining.values()].map((address) => ({ address }));

  const message: Omit<OutgoingMessage, 'attachments'> = { to, subject: parsed.subject ?? '' };
  if (cc.length) message.cc = cc;
  if (bcc.length) message.bcc = bcc;
  const replyTo = addresses(parsed.replyTo);
  if (!rewritten) {
    message.from = headerFrom ?? { address: sender };
    if (replyTo.length) message.replyTo = replyTo;
  } else {
    message.replyTo = replyTo.length ? replyTo : sender ? [headerFrom ?? { address: sender }] : [];
    if (message.replyTo.length === 0) delete message.replyTo;
  }
  if (typeof parsed.html === 'string') message.html = parsed.html;
  if (parsed.text !== undefined && (typeof parsed.html !== 'string' || parsed.text.length > 0)) message.text = parsed.text;
  if (message.text === undefined && message.html === undefined) message.text = '';
  const importance = importanceOf(parsed);
  if (importance && importance !== 'normal') message.importance = importance;
  const headers = customHeaders(parsed);
  if (headers) message.headers = headers;
  if (parsed.messageId && VALID_MESSAGE_ID.test(parsed.messageId)) message.internetMessageId = parsed.messageId;
  return { ok: true, message, attachments, sender, rewritten };
}
