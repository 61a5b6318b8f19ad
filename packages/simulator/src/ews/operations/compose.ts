import { sendMessage } from '../../mail/mail-flow.js';
import { type MessageParts, messageFromParts } from '../../mail/message-parts.js';
import { buildMime } from '../../mail/mime-builder.js';
import { MimeParseError, parseMime } from '../../mail/mime-parser.js';
import { SendingLimitError } from '../../mail/sending-limits.js';
import type { MailFolder } from '../../state/mail-folder.js';
import type { StoredMessage } from '../../state/stored-message.js';
import { ewsError } from '../ews-error.js';
import type { AttachmentInput, MessageInput } from '../items/message-input.js';
import { sensitivityValue } from '../items/message-input.js';
import { messageSize } from '../items/message-xml.js';
import { sendingLimitEwsError } from '../sending-limit-error.js';
import { currentIso } from './clock.js';
import type { OperationContext } from './operation-context.js';

/** Turns request attachments into stored-attachment inputs; an item attachment becomes a message/rfc822 part. */
export async function attachmentParts(ctx: OperationContext, inputs: AttachmentInput[]): Promise<NonNullable<MessageParts['attachments']>> {
  const result: NonNullable<MessageParts['attachments']> = [];
  for (const input of inputs) {
    if (input.item) {
      const nowIso = currentIso(ctx);
      const parts = { ...input.item.parts, from: input.item.parts.from ?? { address: ctx.mailbox.address } };
      const inner = messageFromParts(parts, { nowIso, isDraft: false, isRead: true });
      const mime = await buildMime({ ...inner, id: '', ewsId: '', changeKey: '', mailbox: ctx.mailbox.address, folderId: '', seq: 0 } as StoredMessage);
      const name = input.name ?? input.item.parts.subject ?? 'message';
      result.push({ name: name.endsWith('.eml') ? name : `${name}.eml`, contentType: 'message/rfc822', content: mime });
    } else {
      result.push({
        name: input.name ?? 'attachment',
        ...(input.contentType ? { contentType: input.contentType } : {}),
        content: input.content,
        ...(input.isInline ? { isInline: true } : {}),
        ...(input.contentId ? { contentId: input.contentId } : {}),
      });
    }
  }
  return result;
}

/** The address a message will be sent as must be the mailbox, or one that lists the mailbox in its SendAs grants. */
export function checkSendAs(ctx: OperationContext, from: string | undefined): void {
  if (!from || from.toLowerCase() === ctx.mailbox.address) return;
  const owner = ctx.state.user(from);
  const granted = owner?.sendAs?.some((address) => address.toLowerCase() === ctx.mailbox.address) ?? false;
  if (!granted) throw ewsError('ErrorSendAsDenied');
}

/** Creates a message in a folder from a request's t:Message (properties, or MimeContent for an import). */
export async function storeMessage(ctx: OperationContext, input: MessageInput, folder: MailFolder, options: { draft: boolean }): Promise<StoredMessage> {
  const nowIso = currentIso(ctx);
  let parts: MessageParts = input.parts;
  let receivedDateTime: string | undefined;
  if (input.mime) {
    if (input.mime.length > ctx.maxMessageBytes) throw ewsError('ErrorMessageSizeExceeded');
    try {
      const parsed = await parseMime(input.mime);
      const { date, ...rest } = parsed;
      parts = rest;
      if (date) receivedDateTime = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
    } catch (error) {
      if (error instanceof MimeParseError) throw ewsError('ErrorMimeContentConversionFailed');
      throw error;
    }
  } else {
    parts = { ...parts, attachments: [...(parts.attachments ?? []), ...(await attachmentParts(ctx, input.attachments))] };
  }
  const owner = ctx.state.user(ctx.mailbox.address);
  if (!parts.from) parts = { ...parts, from: owner?.displayName ? { name: owner.displayName, address: ctx.mailbox.address } : { address: ctx.mailbox.address } };
  const bodyBytes = Buffer.byteLength(parts.html ?? '') + Buffer.byteLength(parts.text ?? '');
  const attachmentBytes = (parts.attachments ?? []).reduce((total, a) => total + a.content.length, 0);
  if (bodyBytes + Math.ceil(attachmentBytes * 1.37) > ctx.maxMessageBytes) throw ewsError('ErrorMessageSizeExceeded');
  const isDraft = options.draft && !input.mime;
  const message = ctx.mailbox.add(folder, messageFromParts(parts, { nowIso, isDraft, isRead: input.isRead ?? !input.mime, ...(receivedDateTime ? { receivedDateTime } : {}) }));
  if (input.mime) message.mime = input.mime;
  const sensitivity = input.mime ? undefined : sensitivityValue(input.sensitivity);
  if (sensitivity) message.sensitivity = sensitivity;
  return message;
}

/** Sends a stored message through the shared mail flow, then files the sender's copy where the request said. */
export async function send(ctx: OperationContext, message: StoredMessage, save: { copy: boolean; folder?: MailFolder }): Promise<void> {
  if (message.toRecipients.length + message.ccRecipients.length + message.bccRecipients.length === 0) throw ewsError('ErrorInvalidRecipients');
  checkSendAs(ctx, message.from?.address);
  if (messageSize(message) > ctx.maxMessageBytes) throw ewsError('ErrorMessageSizeExceeded');
  try {
    await sendMessage(ctx.state, ctx.mailbox, message, { saveToSentItems: save.copy, saveIn: save.folder });
  } catch (error) {
    if (error instanceof SendingLimitError) throw sendingLimitEwsError(error);
    throw error;
  }
}
