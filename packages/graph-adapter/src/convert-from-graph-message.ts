import { type MailAddress, parseMessageIdList, type ReceivedAttachment, type ReceivedMessage } from '@mailbridge/core';
import type { GraphFileAttachment, GraphInternetMessageHeader, GraphMessage, GraphRecipient } from './graph-api.js';

/** `$select` of a listing: only what {@link ReceivedMessage} carries (body only when asked). */
export function messageSelect(includeBody: boolean): string {
  // internetMessageHeaders come in the same request (no extra request per message): the only
  // place Graph v1.0 exposes In-Reply-To and References.
  const fields = ['id', 'internetMessageId', 'from', 'toRecipients', 'ccRecipients', 'replyTo', 'subject', 'receivedDateTime', 'isRead', 'hasAttachments', 'conversationId', 'internetMessageHeaders'];
  if (includeBody) fields.push('body');
  return fields.join(',');
}

/**
 * `$select` of attachment metadata (never the bytes). `contentId` belongs to the derived
 * `microsoft.graph.fileAttachment`, not to the `microsoft.graph.attachment` the collection holds:
 * Graph refuses it unqualified, so it is selected with the type cast.
 */
export const ATTACHMENT_SELECT = 'id,name,contentType,size,isInline,microsoft.graph.fileAttachment/contentId';

/** `$expand` of a message page that brings each message's attachment metadata with it (one request per page). */
export const ATTACHMENT_EXPAND = `attachments($select=${ATTACHMENT_SELECT})`;

function fromRecipient(recipient: GraphRecipient | null | undefined): MailAddress | undefined {
  const address = recipient?.emailAddress?.address;
  if (!address) return undefined;
  const name = recipient.emailAddress.name;
  return name ? { address, name } : { address };
}

function fromRecipients(list: GraphRecipient[] | undefined): MailAddress[] {
  return (list ?? []).map(fromRecipient).filter((value): value is MailAddress => value !== undefined);
}

/** Graph's delta samples carry `"isRead": "true"` as a string; accept both. */
function toBoolean(value: boolean | string | undefined): boolean {
  return value === true || value === 'true';
}

/** The value of one internet header (first of that name, case-insensitive). */
function header(headers: GraphInternetMessageHeader[] | null | undefined, name: string): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  const lower = name.toLowerCase();
  const found = headers.find((entry) => typeof entry?.name === 'string' && entry.name.toLowerCase() === lower);
  return typeof found?.value === 'string' ? found.value : undefined;
}

/** Attachment metadata with a lazy `content()` that fetches the bytes with one request. */
export function convertFromGraphAttachment(attachment: GraphFileAttachment, load: (id: string) => Promise<Uint8Array>): ReceivedAttachment {
  const id = attachment.id ?? '';
  const received: ReceivedAttachment = {
    id,
    filename: attachment.name,
    contentType: attachment.contentType ?? 'application/octet-stream',
    size: attachment.size ?? 0,
    isInline: attachment.isInline === true,
    content: () => load(id),
  };
  if (attachment.contentId) received.contentId = attachment.contentId;
  return received;
}

/** A Graph message (as selected by {@link messageSelect}) as a {@link ReceivedMessage}. */
export function convertFromGraphMessage(message: GraphMessage, folder: string, attachments: ReceivedAttachment[]): ReceivedMessage {
  const received: ReceivedMessage = {
    id: message.id,
    internetMessageId: message.internetMessageId ?? '',
    to: fromRecipients(message.toRecipients),
    cc: fromRecipients(message.ccRecipients),
    subject: message.subject ?? '',
    receivedAt: new Date(message.receivedDateTime ?? 0),
    isRead: toBoolean(message.isRead),
    hasAttachments: message.hasAttachments === true,
    attachments,
    folder,
    replyTo: fromRecipients(message.replyTo),
    references: parseMessageIdList(header(message.internetMessageHeaders, 'References')),
  };
  const from = fromRecipient(message.from ?? message.sender);
  if (from) received.from = from;
  const inReplyTo = parseMessageIdList(header(message.internetMessageHeaders, 'In-Reply-To'))[0];
  if (inReplyTo) received.inReplyTo = inReplyTo;
  if (typeof message.conversationId === 'string' && message.conversationId !== '') received.conversationId = message.conversationId;
  if (message.body) {
    const html = /html/i.test(message.body.contentType);
    received.body = html ? { html: message.body.content } : { text: message.body.content };
  }
  return received;
}
