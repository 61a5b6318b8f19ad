import { isInternetMessageId } from './internet-message-id.js';
import { invalidMessage as invalid } from './invalid-message.js';
import { CONTROL_CHARACTER, toMailAddress } from './mail-address.js';
import type { TransportCapabilities } from './mail-transport.js';
import type { OutgoingMessage } from './message.js';

/** Exchange's recipient limit (Online, and Server's default): at most 500 recipients (to, cc and bcc together) per message. */
export const DEFAULT_MAX_RECIPIENTS = 500;

const HEADER_NAME = /^X-[A-Za-z0-9][A-Za-z0-9-]*$/;
const LINE_BREAK = /[\r\n]/;
// A content id is referenced as cid:<id> from the HTML: one token, nothing that ends or breaks the reference.
const CONTENT_ID_FORBIDDEN = /[\r\n<>\s]/;

/** The limits of a transport that validation checks (declared in its capabilities). */
export type MessageLimits = Pick<TransportCapabilities, 'maxCustomHeaders' | 'maxRecipients'>;

/** Says which of "line break" or "control character" a text holds, for the message. */
function controlKind(text: string): string {
  return LINE_BREAK.test(text) ? 'line breaks are' : 'control characters are';
}

/**
 * Checks a message before any request is made, the same way for every transport: addresses,
 * recipients (at least one, at most the transport's limit), subject and body types, control
 * characters (CR/LF inject headers) in subject, names, header values and attachment fields, custom
 * header names and count, importance, Message-ID, attachment names, types, content ids (unique) and
 * declared sizes. Throws INVALID_MESSAGE naming the field in `details.path`.
 */
export function validateOutgoingMessage(message: OutgoingMessage, limits: MessageLimits = {}): void {
  if (typeof message !== 'object' || message === null) {
    throw invalid('The message must be an object.', 'Pass { to, subject, text | html }.', '');
  }
  const maxRecipients = limits.maxRecipients ?? DEFAULT_MAX_RECIPIENTS;
  let recipients = 0;
  for (const key of ['to', 'cc', 'bcc', 'replyTo'] as const) {
    const list = message[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw invalid(`${key}: expected an array of addresses.`, `Pass ${key} as an array.`, key);
    for (const [index, entry] of list.entries()) toMailAddress(entry, `${key}[${index}]`);
    if (key !== 'replyTo') recipients += list.length;
  }
  if (recipients === 0) {
    throw invalid('The message has no recipient.', 'Give at least one address in to, cc or bcc.', 'to');
  }
  if (recipients > maxRecipients) {
    throw invalid(
      `The message has ${recipients} recipients; Exchange accepts at most ${maxRecipients} per message (to, cc and bcc together).`,
      `Split the recipients over several messages of at most ${maxRecipients}, or send to a distribution group.`,
      'to',
    );
  }
  if (message.from !== undefined) toMailAddress(message.from, 'from');
  if (typeof message.subject !== 'string') {
    throw invalid('subject: expected a string.', 'Give a subject (it may be empty).', 'subject');
  }
  if (CONTROL_CHARACTER.test(message.subject)) {
    throw invalid(`subject: ${controlKind(message.subject)} not allowed in a subject.`, 'Remove CR/LF and other control characters from the subject.', 'subject');
  }
  if (message.text === undefined && message.html === undefined) {
    throw invalid('The message has no body.', 'Give text, html or both.', 'text');
  }
  if (message.text !== undefined && typeof message.text !== 'string') throw invalid('text: expected a string.', 'Give text as a string.', 'text');
  if (message.html !== undefined && typeof message.html !== 'string') throw invalid('html: expected a string.', 'Give html as a string.', 'html');
  if (message.importance !== undefined && !['low', 'normal', 'high'].includes(message.importance)) {
    throw invalid(`importance: ${JSON.stringify(message.importance)} is not low, normal or high.`, 'Use "low", "normal" or "high".', 'importance');
  }
  validateHeaders(message.headers, limits.maxCustomHeaders);
  if (message.internetMessageId !== undefined && !isInternetMessageId(message.internetMessageId)) {
    throw invalid('internetMessageId: expected the form <unique@domain>.', 'Leave it out to have one generated, or give "<id@your-domain>".', 'internetMessageId');
  }
  validateAttachments(message.attachments);
}

function validateHeaders(given: OutgoingMessage['headers'], maxCustomHeaders: number | undefined): void {
  const headers = Object.entries(given ?? {});
  if (maxCustomHeaders !== undefined && headers.length > maxCustomHeaders) {
    throw invalid(`headers: ${headers.length} custom headers given; this transport accepts at most ${maxCustomHeaders}.`, 'Combine or drop custom headers.', 'headers');
  }
  for (const [name, value] of headers) {
    if (!HEADER_NAME.test(name)) {
      throw invalid(`headers.${name}: custom header names must start with "X-" and contain only letters, digits and "-".`, 'Microsoft Graph and EWS only accept X- headers; rename it, e.g. "X-Alert-Id".', `headers.${name}`);
    }
    if (typeof value !== 'string' || CONTROL_CHARACTER.test(value)) {
      throw invalid(`headers.${name}: the value must be a string without line breaks or control characters.`, 'Remove CR/LF characters (header injection).', `headers.${name}`);
    }
  }
}

function validateAttachments(attachments: OutgoingMessage['attachments']): void {
  const contentIds = new Map<string, number>();
  (attachments ?? []).forEach((attachment, index) => {
    const path = `attachments[${index}]`;
    if (typeof attachment?.filename !== 'string' || attachment.filename === '' || CONTROL_CHARACTER.test(attachment.filename)) {
      throw invalid(`${path}.filename: a non-empty name without line breaks or control characters is required.`, 'Give each attachment a file name.', `${path}.filename`);
    }
    if (attachment.contentId !== undefined) {
      if (typeof attachment.contentId !== 'string' || attachment.contentId === '' || CONTENT_ID_FORBIDDEN.test(attachment.contentId) || CONTROL_CHARACTER.test(attachment.contentId)) {
        throw invalid(`${path}.contentId: must be a non-empty token without spaces or angle brackets.`, 'Use e.g. "logo" and reference it as cid:logo.', `${path}.contentId`);
      }
      const first = contentIds.get(attachment.contentId);
      if (first !== undefined) {
        throw invalid(`${path}.contentId: attachments[${first}] already has the content id "${attachment.contentId}".`, 'Give each inline image its own content id.', `${path}.contentId`);
      }
      contentIds.set(attachment.contentId, index);
    }
    if (attachment.contentType !== undefined && (typeof attachment.contentType !== 'string' || CONTROL_CHARACTER.test(attachment.contentType))) {
      throw invalid(`${path}.contentType: line breaks and control characters are not allowed.`, 'Give a MIME type such as "image/png".', `${path}.contentType`);
    }
    const content = attachment.content;
    const isStream = typeof content === 'object' && content !== null && 'stream' in content;
    if (isStream && (typeof attachment.size !== 'number' || !Number.isFinite(attachment.size) || attachment.size < 0)) {
      throw invalid(`${path}.size: a stream attachment needs its size in bytes.`, 'Give size (upload sessions must know it up front).', `${path}.size`);
    }
    if (!(content instanceof Uint8Array) && typeof content !== 'string' && !(typeof content === 'object' && content !== null && ('path' in content || 'stream' in content))) {
      throw invalid(`${path}.content: expected bytes, a string, { path } or { stream }.`, 'Give the attachment content.', `${path}.content`);
    }
  });
}
