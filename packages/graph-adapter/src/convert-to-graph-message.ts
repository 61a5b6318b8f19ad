import { type MailAddress, type OutgoingMessage, type SizedAttachment, toMailAddress } from '@mailbridge/core';
import type { GraphAttachmentItem, GraphFileAttachment, GraphOutgoingMessage, GraphRecipient } from './graph-api.js';

function toRecipient(value: string | MailAddress, path: string): GraphRecipient {
  const address = toMailAddress(value, path);
  return { emailAddress: address.name === undefined ? { address: address.address } : { address: address.address, name: address.name } };
}

function toRecipients(list: Array<string | MailAddress> | undefined, path: string): GraphRecipient[] {
  return (list ?? []).map((value, index) => toRecipient(value, `${path}[${index}]`));
}

/**
 * The Graph `message` for a validated {@link OutgoingMessage}, without attachments (the caller decides
 * which go inline and which by upload session). Graph holds one body: HTML wins when both are given,
 * as a mail client shows the HTML part.
 */
export function convertToGraphMessage(message: OutgoingMessage, internetMessageId: string): GraphOutgoingMessage {
  const graph: GraphOutgoingMessage = {
    subject: message.subject,
    body: message.html !== undefined ? { contentType: 'HTML', content: message.html } : { contentType: 'Text', content: message.text ?? '' },
    toRecipients: toRecipients(message.to, 'to'),
    internetMessageId,
  };
  if (message.cc?.length) graph.ccRecipients = toRecipients(message.cc, 'cc');
  if (message.bcc?.length) graph.bccRecipients = toRecipients(message.bcc, 'bcc');
  if (message.replyTo?.length) graph.replyTo = toRecipients(message.replyTo, 'replyTo');
  if (message.from !== undefined) graph.from = toRecipient(message.from, 'from');
  if (message.importance !== undefined) graph.importance = message.importance;
  const headers = Object.entries(message.headers ?? {});
  if (headers.length > 0) graph.internetMessageHeaders = headers.map(([name, value]) => ({ name, value }));
  return graph;
}

/** An attachment sent inline in the request, as base64 `contentBytes`. */
export function toGraphFileAttachment(sized: SizedAttachment, bytes: Buffer): GraphFileAttachment {
  const attachment: GraphFileAttachment = {
    '@odata.type': '#microsoft.graph.fileAttachment',
    name: sized.attachment.filename,
    contentType: sized.contentType,
    contentBytes: bytes.toString('base64'),
  };
  if (sized.attachment.contentId !== undefined) {
    attachment.isInline = true;
    attachment.contentId = sized.attachment.contentId;
  }
  return attachment;
}

/** The `AttachmentItem` describing an attachment uploaded by an upload session. */
export function toAttachmentItem(sized: SizedAttachment): GraphAttachmentItem {
  const item: GraphAttachmentItem = {
    attachmentType: 'file',
    name: sized.attachment.filename,
    size: sized.size,
    contentType: sized.contentType,
  };
  if (sized.attachment.contentId !== undefined) {
    item.isInline = true;
    item.contentId = sized.attachment.contentId;
  }
  return item;
}

/** Bytes an attachment adds to a JSON request once base64-encoded, with its property names. */
export function inlineCost(sized: SizedAttachment): number {
  return Math.ceil(sized.size / 3) * 4 + sized.attachment.filename.length * 2 + 256;
}
