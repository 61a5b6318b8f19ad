import type { MailAddress, ReceivedMessage } from '@mailbridge/core';
import { bodyText } from './body-text.js';

/** The JSON form of an attachment's metadata (never its bytes). */
export interface AttachmentJson {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
}

/**
 * One received message in `receive --json` and `show --json`: addresses as plain SMTP strings (as
 * `from` always was), threading fields for matching replies to what was sent, and the body as text
 * (HTML rendered when the message has only HTML) plus the HTML as the service returned it.
 */
export interface ReceivedMessageJson {
  id: string;
  internetMessageId: string;
  conversationId: string | null;
  from: string | null;
  to: string[];
  cc: string[];
  replyTo: string[];
  subject: string;
  receivedAt: string;
  isRead: boolean;
  hasAttachments: boolean;
  inReplyTo: string | null;
  references: string[];
  attachments: AttachmentJson[];
  body?: { text: string; html?: string; textFromHtml?: true; truncated?: true };
}

const addresses = (list: MailAddress[]): string[] => list.map((address) => address.address);

/** {@link ReceivedMessageJson} of a message; `body` only when the message was read with its body. */
export function receivedMessageJson(message: ReceivedMessage, overrides: { isRead?: boolean } = {}): ReceivedMessageJson {
  const json: ReceivedMessageJson = {
    id: message.id,
    internetMessageId: message.internetMessageId,
    conversationId: message.conversationId ?? null,
    from: message.from?.address ?? null,
    to: addresses(message.to),
    cc: addresses(message.cc),
    replyTo: addresses(message.replyTo),
    subject: message.subject,
    receivedAt: message.receivedAt.toISOString(),
    isRead: overrides.isRead ?? message.isRead,
    hasAttachments: message.hasAttachments,
    inReplyTo: message.inReplyTo ?? null,
    references: message.references,
    attachments: message.attachments.map((attachment) => ({
      id: attachment.id,
      filename: attachment.filename,
      contentType: attachment.contentType,
      size: attachment.size,
      isInline: attachment.isInline,
      ...(attachment.contentId ? { contentId: attachment.contentId } : {}),
    })),
  };
  if (message.body) {
    const text = bodyText(message.body);
    json.body = {
      text: text.text,
      ...(message.body.html !== undefined ? { html: message.body.html } : {}),
      ...(text.source === 'html' ? { textFromHtml: true as const } : {}),
      ...(text.truncated ? { truncated: true as const } : {}),
    };
  }
  return json;
}
