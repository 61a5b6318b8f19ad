import { MailbridgeError, type MailAddress, type OutgoingMessage } from '@mailbridge/core';

/** Graph refuses more than 5 custom internet headers on one message (InvalidInternetMessageHeaderCollection); the stricter rule of the two transports. */
const GRAPH_MAX_CUSTOM_HEADERS = 5;

// A pragmatic addr-spec: something@domain.tld without spaces, angle brackets, quotes or control characters.
// The service does the final check; this catches typos and injection before any request goes out.
const ADDRESS = /^[^\s@<>()",;:\\[\]\u0000-\u001f\u007f]+@[^\s@<>()",;:\\[\]\u0000-\u001f\u007f]+\.[^\s@<>()",;:\\[\]\u0000-\u001f\u007f]+$/u;
const HEADER_NAME = /^X-[A-Za-z0-9][A-Za-z0-9-]*$/;
const MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;
const LINE_BREAK = /[\r\n]/;

function invalid(message: string, hint: string, path: string): MailbridgeError {
  return new MailbridgeError({ code: 'INVALID_MESSAGE', message, hint, details: { path } });
}

/** Normalises `"a@b"` or `{address, name}` into a {@link MailAddress}, refusing malformed addresses. */
export function toMailAddress(value: string | MailAddress, path: string): MailAddress {
  const address = typeof value === 'string' ? value.trim() : value?.address?.trim();
  if (typeof address !== 'string' || !ADDRESS.test(address)) {
    throw invalid(
      `${path}: ${JSON.stringify(typeof value === 'string' ? value : (value?.address ?? null))} is not a valid e-mail address.`,
      'Give a plain address such as "ops@contoso.com", or { "address": "ops@contoso.com", "name": "Ops" }.',
      path,
    );
  }
  const name = typeof value === 'string' ? undefined : value.name;
  if (name !== undefined && (typeof name !== 'string' || LINE_BREAK.test(name))) {
    throw invalid(`${path}.name: a display name may not contain line breaks.`, 'Remove CR/LF characters from the name.', `${path}.name`);
  }
  return name === undefined ? { address } : { address, name };
}

/**
 * Checks a message at enqueue with the rules `send()` applies (the adapters' validation: addresses,
 * CR/LF in subject, names and headers, custom header names, body, attachments), so what `send()`
 * would refuse is refused at once, not hours later. Throws INVALID_MESSAGE naming the field.
 * `maxRecipients` is the outbox's `limits.recipientsPerMessage`.
 */
export function validateOutgoingMessage(message: OutgoingMessage, maxRecipients: number): void {
  if (typeof message !== 'object' || message === null) {
    throw invalid('The message must be an object.', 'Pass { to, subject, text | html }.', '');
  }
  const lists = ['to', 'cc', 'bcc', 'replyTo'] as const;
  let recipients = 0;
  for (const key of lists) {
    const list = message[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw invalid(`${key}: expected an array of addresses.`, `Pass ${key} as an array.`, key);
    list.forEach((entry, index) => toMailAddress(entry, `${key}[${index}]`));
    if (key !== 'replyTo') recipients += list.length;
  }
  if (recipients === 0) {
    throw invalid('The message has no recipient.', 'Give at least one address in to, cc or bcc.', 'to');
  }
  if (recipients > maxRecipients) {
    throw invalid(
      `The message has ${recipients} recipients; the mailbox accepts at most ${maxRecipients} per message (to, cc and bcc together; outbox.limits.recipientsPerMessage).`,
      `Split the recipients over several messages of at most ${maxRecipients}, or send to a distribution group.`,
      'to',
    );
  }
  if (message.from !== undefined) toMailAddress(message.from, 'from');
  if (typeof message.subject !== 'string') {
    throw invalid('subject: expected a string.', 'Give a subject (it may be empty).', 'subject');
  }
  if (LINE_BREAK.test(message.subject)) {
    throw invalid('subject: line breaks are not allowed in a subject.', 'Remove CR/LF characters from the subject.', 'subject');
  }
  if (message.text === undefined && message.html === undefined) {
    throw invalid('The message has no body.', 'Give text, html or both.', 'text');
  }
  if (message.text !== undefined && typeof message.text !== 'string') throw invalid('text: expected a string.', 'Give text as a string.', 'text');
  if (message.html !== undefined && typeof message.html !== 'string') throw invalid('html: expected a string.', 'Give html as a string.', 'html');
  if (message.importance !== undefined && !['low', 'normal', 'high'].includes(message.importance)) {
    throw invalid(`importance: ${JSON.stringify(message.importance)} is not low, normal or high.`, 'Use "low", "normal" or "high".', 'importance');
  }
  const headers = Object.entries(message.headers ?? {});
  if (headers.length > GRAPH_MAX_CUSTOM_HEADERS) {
    throw invalid(
      `headers: ${headers.length} custom headers given; Microsoft Graph accepts at most ${GRAPH_MAX_CUSTOM_HEADERS}.`,
      'Combine or drop custom headers.',
      'headers',
    );
  }
  for (const [name, value] of headers) {
    if (!HEADER_NAME.test(name)) {
      throw invalid(
        `headers.${name}: custom header names must start with "X-" and contain only letters, digits and "-".`,
        'Microsoft Graph and EWS only accept X- headers; rename it, e.g. "X-Alert-Id".',
        `headers.${name}`,
      );
    }
    if (typeof value !== 'string' || LINE_BREAK.test(value)) {
      throw invalid(`headers.${name}: the value must be a string without line breaks.`, 'Remove CR/LF characters (header injection).', `headers.${name}`);
    }
  }
  if (message.internetMessageId !== undefined && !MESSAGE_ID.test(message.internetMessageId)) {
    throw invalid(
      'internetMessageId: expected the form <unique@domain>.',
      'Leave it out to have one generated, or give "<id@your-domain>".',
      'internetMessageId',
    );
  }
  (message.attachments ?? []).forEach((attachment, index) => {
    const path = `attachments[${index}]`;
    if (typeof attachment?.filename !== 'string' || attachment.filename === '' || LINE_BREAK.test(attachment.filename)) {
      throw invalid(`${path}.filename: a non-empty name without line breaks is required.`, 'Give each attachment a file name.', `${path}.filename`);
    }
    if (attachment.contentId !== undefined && (typeof attachment.contentId !== 'string' || /[\r\n<>\s]/.test(attachment.contentId) || attachment.contentId === '')) {
      throw invalid(`${path}.contentId: must be a non-empty token without spaces or angle brackets.`, 'Use e.g. "logo" and reference it as cid:logo.', `${path}.contentId`);
    }
    if (attachment.contentType !== undefined && LINE_BREAK.test(attachment.contentType)) {
      throw invalid(`${path}.contentType: line breaks are not allowed.`, 'Give a MIME type such as "image/png".', `${path}.contentType`);
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
