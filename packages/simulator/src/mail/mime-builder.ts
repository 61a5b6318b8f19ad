import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { StoredAddress, StoredMessage } from '../state/stored-message.js';

function formatAddress(address: StoredAddress): { name: string; address: string } | string {
  return address.name ? { name: address.name, address: address.address } : address.address;
}

/** Headers MailComposer writes itself; the stored copies of them must not be written twice. */
const COMPOSER_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'reply-to',
  'sender',
  'x-priority',
  'x-msmail-priority',
  'importance',
  'sensitivity',
  'disposition-notification-to',
  'return-receipt-to',
]);

/**
 * Exchange writes a non-normal importance as `Importance:` and `X-Priority:` headers. MailComposer
 * ignores a `priority` option (only nodemailer's Mailer turns it into headers), so they are written here.
 */
function priorityHeaders(message: StoredMessage): Array<{ key: string; value: string }> {
  if (message.importance === 'high')
    return [
      { key: 'Importance', value: 'high' },
      { key: 'X-Priority', value: '1' },
    ];
  if (message.importance === 'low')
    return [
      { key: 'Importance', value: 'low' },
      { key: 'X-Priority', value: '5' },
    ];
  return [];
}

/** MIME `Sensitivity:` values (RFC 2156) for EWS's SensitivityChoicesType. */
const SENSITIVITY_HEADER = { Personal: 'Personal', Private: 'Private', Confidential: 'Company-Confidential' } as const;

/**
 * Headers Exchange writes for properties that have no MailComposer option: Sensitivity, and the
 * read / delivery receipt requests (addressed to the sender, as Outlook writes them).
 */
function propertyHeaders(message: StoredMessage): Array<{ key: string; value: string }> {
  const headers: Array<{ key: string; value: string }> = [];
  if (message.sensitivity) headers.push({ key: 'Sensitivity', value: SENSITIVITY_HEADER[message.sensitivity] });
  const sender = message.from?.address;
  if (sender && message.isReadReceiptRequested) headers.push({ key: 'Disposition-Notification-To', value: sender });
  if (sender && message.isDeliveryReceiptRequested) headers.push({ key: 'Return-Receipt-To', value: sender });
  return headers;
}

/**
 * The MIME (RFC 5322) form of a stored message, built by nodemailer's MailComposer: headers,
 * text/HTML alternatives, attachments (inline ones with Content-ID) and custom X- headers.
 */
export function buildMime(message: StoredMessage, options: { includeBcc?: boolean } = {}): Promise<Buffer> {
  const customHeaders = message.internetMessageHeaders.filter((header) => !COMPOSER_HEADERS.has(header.name.toLowerCase())).map((header) => ({ key: header.name, value: header.value }));
  // Headers Exchange writes on every message it stores (get-message-mime-value sample), unless the
  // message already carries them (a MIME import keeps its own).
  const present = new Set(customHeaders.map((header) => header.key.toLowerCase()));
  const date = new Date(message.receivedDateTime).toUTCString().replace('GMT', '+0000');
  const exchangeHeaders: Array<{ key: string; value: string }> = [
    { key: 'Received', value: `from simulator.mailbridge.local (127.0.0.1) by simulator.mailbridge.local (127.0.0.1) with mailbridge simulator via Mailbox Transport; ${date}` },
    { key: 'Thread-Topic', value: message.subject.replace(/^(re|fw|fwd):\s*/i, '') },
    { key: 'Thread-Index', value: message.conversationIndex },
    { key: 'Accept-Language', value: 'en-US' },
    { key: 'Content-Language', value: 'en-US' },
    { key: 'X-MS-Has-Attach', value: message.attachments.some((attachment) => !attachment.isInline) ? 'yes' : '' },
    { key: 'X-MS-TNEF-Correlator', value: '' },
  ].filter((header) => !present.has(header.key.toLowerCase()));
  const composer = new MailComposer({
    ...(message.from ? { from: formatAddress(message.from) } : {}),
    ...(message.sender && message.from && message.sender.address.toLowerCase() !== message.from.address.toLowerCase() ? { sender: formatAddress(message.sender) } : {}),
    to: message.toRecipients.map(formatAddress),
    cc: message.ccRecipients.map(formatAddress),
    ...(options.includeBcc ? { bcc: message.bccRecipients.map(formatAddress) } : {}),
    replyTo: message.replyTo.map(formatAddress),
    subject: message.subject,
    messageId: message.internetMessageId,
    date: new Date(message.sentDateTime),
    ...(message.bodyText !== undefined ? { text: message.bodyText } : {}),
    ...(message.bodyHtml !== undefined ? { html: message.bodyHtml } : {}),
    headers: [...exchangeHeaders, ...priorityHeaders(message), ...propertyHeaders(message), ...customHeaders].filter((header) => header.value !== ''),
    attachments: message.attachments.map((attachment) => ({
      filename: attachment.name,
      content: attachment.chunks.length === 1 ? attachment.chunks[0]! : Buffer.concat(attachment.chunks),
      contentType: attachment.contentType,
      ...(attachment.isInline ? { contentDisposition: 'inline' as const } : {}),
      ...(attachment.contentId ? { cid: attachment.contentId.replace(/^<|>$/g, '') } : {}),
    })),
  });
  const node = composer.compile();
  // Bcc must stay in the Sent Items copy's MIME (Exchange keeps it); MailComposer drops it unless told.
  if (options.includeBcc) (node as unknown as { keepBcc: boolean }).keepBcc = true;
  // MailComposer drops headers with empty values; Exchange writes some empty ("X-MS-TNEF-Correlator:").
  const empty = [...exchangeHeaders, ...customHeaders]
    .filter((header) => header.value === '')
    .map((header) => `${header.key}: \r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    node.build((error, mime) => (error ? reject(error) : resolve(empty ? Buffer.concat([Buffer.from(empty, 'latin1'), mime]) : mime)));
  });
}
