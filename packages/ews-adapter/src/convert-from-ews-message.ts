import { type MailAddress, parseMessageIdList, type ReceivedAttachment, type ReceivedMessage } from '@mailbridge/core';
import { type Attachment, BodyType, type EmailAddress, type EmailAddressCollection, type Item } from 'ews-javascript-api';

/**
 * Reads a property the request may not have loaded: ews-javascript-api throws for properties that
 * were not in the PropertySet; a metadata-only listing legitimately lacks bodies.
 */
function read<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function toAddress(address: EmailAddress | null | undefined): MailAddress | undefined {
  if (!address) return undefined;
  const smtp = address.Address ?? '';
  const name = address.Name ?? undefined;
  if (!smtp && !name) return undefined;
  return name && name !== smtp ? { address: smtp, name } : { address: smtp };
}

function toAddresses(collection: EmailAddressCollection | null | undefined): MailAddress[] {
  if (!collection) return [];
  const out: MailAddress[] = [];
  for (const entry of collection.GetEnumerator()) {
    const address = toAddress(entry);
    if (address) out.push(address);
  }
  return out;
}

/** What a received message's attachment needs to fetch its bytes later (one GetAttachment). */
export type AttachmentLoader = (attachmentId: string) => Promise<Uint8Array>;

function toAttachment(attachment: Attachment, load: AttachmentLoader): ReceivedAttachment {
  const id = attachment.Id;
  const contentId = read(() => attachment.ContentId) || undefined;
  return {
    id,
    filename: read(() => attachment.Name) ?? '',
    contentType: read(() => attachment.ContentType) || 'application/octet-stream',
    size: read(() => attachment.Size) ?? 0,
    isInline: read(() => attachment.IsInline) ?? false,
    ...(contentId ? { contentId } : {}),
    content: () => load(id),
  };
}

/**
 * Converts an ews-javascript-api message (loaded by GetItem) into mailbridge's ReceivedMessage.
 * `includeBody`: whether Body / TextBody were requested. Attachment bytes are not loaded here.
 */
export function convertFromEwsItem(item: Item, folder: string, includeBody: boolean, loadAttachment: AttachmentLoader): ReceivedMessage {
  const message = item as Item & {
    InternetMessageId?: string;
    From?: EmailAddress;
    ToRecipients?: EmailAddressCollection;
    CcRecipients?: EmailAddressCollection;
    ReplyTo?: EmailAddressCollection;
    References?: string;
    IsRead?: boolean;
  };
  const received = read(() => item.DateTimeReceived);
  const from = toAddress(read(() => message.From));
  const attachments = read(() => item.Attachments.GetEnumerator()) ?? [];
  const result: ReceivedMessage = {
    id: item.Id.UniqueId,
    internetMessageId: read(() => message.InternetMessageId) ?? '',
    ...(from ? { from } : {}),
    to: toAddresses(read(() => message.ToRecipients)),
    cc: toAddresses(read(() => message.CcRecipients)),
    subject: read(() => item.Subject) ?? '',
    receivedAt: received ? new Date(received.ToISOString()) : new Date(0),
    isRead: read(() => message.IsRead) ?? false,
    hasAttachments: read(() => item.HasAttachments) ?? attachments.length > 0,
    attachments: attachments.map((attachment) => toAttachment(attachment, loadAttachment)),
    folder,
    replyTo: toAddresses(read(() => message.ReplyTo)),
    references: parseMessageIdList(read(() => message.References)),
  };
  const inReplyTo = parseMessageIdList(read(() => item.InReplyTo))[0];
  if (inReplyTo) result.inReplyTo = inReplyTo;
  const conversationId = read(() => item.ConversationId?.UniqueId);
  if (conversationId) result.conversationId = conversationId;
  if (includeBody) {
    const body = read(() => item.Body);
    const textBody = read(() => item.TextBody);
    const html = body && body.BodyType === BodyType.HTML ? (body.Text ?? '') : undefined;
    const text = textBody?.Text ?? (body && body.BodyType !== BodyType.HTML ? (body.Text ?? '') : undefined);
    result.body = { ...(text !== undefined ? { text } : {}), ...(html !== undefined ? { html } : {}) };
  }
  return result;
}
