import { randomBytes } from 'node:crypto';
import { ids } from '../state/ids.js';
import type { NewMessage } from '../state/mailbox.js';
import type { StoredAddress, StoredAttachment } from '../state/stored-message.js';

/** A message in protocol-neutral form: what Graph JSON, EWS XML and MIME imports are turned into. */
export interface MessageParts {
  from?: StoredAddress;
  sender?: StoredAddress;
  to: StoredAddress[];
  cc?: StoredAddress[];
  bcc?: StoredAddress[];
  replyTo?: StoredAddress[];
  subject?: string;
  text?: string;
  html?: string;
  importance?: 'low' | 'normal' | 'high';
  /** EWS Sensitivity; Normal is stored as absent. */
  sensitivity?: 'Personal' | 'Private' | 'Confidential';
  /** Custom internet headers (Graph allows only `X-` names on send). */
  headers?: Array<{ name: string; value: string }>;
  attachments?: Array<{ name: string; contentType?: string; content: Buffer; isInline?: boolean; contentId?: string }>;
  internetMessageId?: string;
  isDeliveryReceiptRequested?: boolean;
  isReadReceiptRequested?: boolean;
  categories?: string[];
}

/** A new Internet Message-ID in the `<local@domain>` form. */
export function newInternetMessageId(domain = 'simulator.mailbridge.local'): string {
  return `<${randomBytes(12).toString('hex').toUpperCase()}@${domain}>`;
}

/** Graph's bodyPreview: the first 255 characters of the text, whitespace collapsed. */
export function bodyPreview(message: { bodyText?: string; bodyHtml?: string }): string {
  const text = message.bodyText ?? htmlToText(message.bodyHtml ?? '');
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}

/** A plain-text rendering of HTML good enough for previews and EWS BodyType Text. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|h\d|li)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

/** Builds a stored attachment from content. */
export function newAttachment(attachment: { name: string; contentType?: string; content: Buffer | Buffer[]; isInline?: boolean; contentId?: string }, nowIso: string): StoredAttachment {
  const chunks = Array.isArray(attachment.content) ? attachment.content : [attachment.content];
  return {
    id: ids.attachment(),
    ewsId: ids.ews(),
    name: attachment.name,
    contentType: attachment.contentType ?? 'application/octet-stream',
    size: chunks.reduce((total, chunk) => total + chunk.length, 0),
    isInline: attachment.isInline ?? false,
    ...(attachment.contentId ? { contentId: attachment.contentId } : {}),
    lastModifiedDateTime: nowIso,
    chunks,
  };
}

/**
 * Turns message parts into what a mailbox stores. Times default to now; the caller decides the
 * draft and read state.
 */
export function messageFromParts(parts: MessageParts, options: { nowIso: string; isDraft: boolean; isRead: boolean; receivedDateTime?: string; sentDateTime?: string }): NewMessage {
  const html = parts.html;
  const text = parts.text ?? (html === undefined ? '' : undefined);
  const internetMessageHeaders = parts.headers ? parts.headers.map((header) => ({ ...header })) : [];
  return {
    createdDateTime: options.nowIso,
    lastModifiedDateTime: options.nowIso,
    receivedDateTime: options.receivedDateTime ?? options.nowIso,
    sentDateTime: options.sentDateTime ?? options.receivedDateTime ?? options.nowIso,
    internetMessageId: parts.internetMessageId ?? newInternetMessageId(),
    subject: parts.subject ?? '',
    body: html !== undefined ? { contentType: 'html', content: html } : { contentType: 'text', content: text ?? '' },
    ...(text !== undefined ? { bodyText: text } : {}),
    ...(html !== undefined ? { bodyHtml: html } : {}),
    ...(parts.from ? { from: parts.from } : {}),
    ...((parts.sender ?? parts.from) ? { sender: parts.sender ?? parts.from } : {}),
    toRecipients: parts.to,
    ccRecipients: parts.cc ?? [],
    bccRecipients: parts.bcc ?? [],
    replyTo: parts.replyTo ?? [],
    importance: parts.importance ?? 'normal',
    ...(parts.sensitivity ? { sensitivity: parts.sensitivity } : {}),
    isRead: options.isRead,
    isDraft: options.isDraft,
    isDeliveryReceiptRequested: parts.isDeliveryReceiptRequested ?? false,
    isReadReceiptRequested: parts.isReadReceiptRequested ?? false,
    categories: parts.categories ?? [],
    conversationId: ids.conversation(),
    conversationIndex: randomBytes(22).toString('base64'),
    flag: { flagStatus: 'notFlagged' },
    inferenceClassification: 'focused',
    internetMessageHeaders,
    attachments: (parts.attachments ?? []).map((attachment) => newAttachment(attachment, options.nowIso)),
  };
}

/** Parses `Name <addr>` or a bare address. */
export function parseAddress(value: string): StoredAddress {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(value);
  if (match) return match[1] ? { name: match[1], address: match[2]!.trim() } : { address: match[2]!.trim() };
  return { address: value.trim() };
}
