import { MailbridgeError } from '../errors/mailbridge-error.js';
import { type SizedAttachment, sizeAttachments } from './attachment-source.js';
import { generateInternetMessageId } from './internet-message-id.js';
import type { TransportCapabilities } from './mail-transport.js';
import type { OutgoingMessage } from './message.js';
import { validateOutgoingMessage } from './validate-outgoing-message.js';

const MiB = 1024 * 1024;

/** Options of {@link prepareOutgoingMessage}. */
export interface PrepareMessageOptions {
  /** The sending mailbox: a generated Message-ID is in its domain. */
  mailbox: string;
  /** The transport's declared limits: sizes, custom headers, recipients. */
  capabilities: TransportCapabilities;
  /**
   * What to do about a message over the size limits, when the transport knows better than "share a link".
   * @default 'Share a link to the file instead of attaching it, or split the files over several messages.'
   */
  tooLargeHint?: string;
}

/** A message checked and made ready for any transport, before any request is made. */
export interface PreparedMessage {
  message: OutgoingMessage;
  /** The caller's Message-ID, or a generated one: known before the send, to confirm it after an unknown outcome. */
  internetMessageId: string;
  /** The send-as address, when `from` is given. */
  from?: string;
  /** Whether a copy goes to Sent Items (default true). */
  saveToSentItems: boolean;
  /** Every attachment with its size (files measured, not read) and MIME type, in message order. */
  attachments: SizedAttachment[];
  /** Bytes of all attachments together. */
  attachmentBytes: number;
}

/**
 * Prepares a message once, the same way for every transport (as a mailer prepares a message before
 * any transport sees it): validation (with `details.path`), the Message-ID, attachment sizes and MIME
 * types, and the transport's declared limits, checked here and nowhere else.
 */
export async function prepareOutgoingMessage(message: OutgoingMessage, options: PrepareMessageOptions): Promise<PreparedMessage> {
  const { capabilities } = options;
  validateOutgoingMessage(message, capabilities);
  const attachments = await sizeAttachments(message.attachments ?? []);
  const hint = options.tooLargeHint ?? 'Share a link to the file instead of attaching it, or split the files over several messages.';
  for (const sized of attachments) {
    if (sized.size > capabilities.maxAttachmentBytes) {
      throw new MailbridgeError({
        code: 'MESSAGE_TOO_LARGE',
        message: `attachments[${sized.index}] (${sized.attachment.filename}) has ${formatMiB(sized.size)}; this mailbox accepts at most ${formatMiB(capabilities.maxAttachmentBytes)} per attachment.`,
        hint,
        details: { path: `attachments[${sized.index}]`, size: sized.size, limit: capabilities.maxAttachmentBytes },
      });
    }
  }
  const attachmentBytes = attachments.reduce((sum, sized) => sum + sized.size, 0);
  const ratio = capabilities.encodedSizeRatio ?? 1;
  if (attachmentBytes * ratio > capabilities.maxMessageBytes) {
    throw new MailbridgeError({
      code: 'MESSAGE_TOO_LARGE',
      message: `The attachments add up to ${formatMiB(attachmentBytes)}; a message can hold at most ${formatMiB(capabilities.maxMessageBytes)} once encoded (about ${formatMiB(capabilities.maxMessageBytes / ratio)} of files).`,
      hint,
      details: { path: 'attachments', size: attachmentBytes, limit: capabilities.maxMessageBytes },
    });
  }
  const prepared: PreparedMessage = {
    message,
    internetMessageId: message.internetMessageId ?? generateInternetMessageId(options.mailbox),
    saveToSentItems: message.saveToSentItems !== false,
    attachments,
    attachmentBytes,
  };
  if (message.from !== undefined) prepared.from = typeof message.from === 'string' ? message.from.trim() : message.from.address.trim();
  return prepared;
}

function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}
