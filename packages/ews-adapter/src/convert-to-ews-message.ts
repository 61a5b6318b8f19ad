import { randomUUID } from 'node:crypto';
import { MailbridgeError, type MailAddress, type OutgoingMessage } from '@mailbridge/core';
import {
  BodyType,
  DefaultExtendedPropertySet,
  EmailAddress,
  EmailMessage,
  EmailMessageSchema,
  ExtendedPropertyDefinition,
  Importance,
  MapiPropertyType,
  MessageBody,
  PropertyDefinitionFlags,
  type EmailAddressCollection,
  type ExchangeService,
} from 'ews-javascript-api';
import { attachmentBytes, attachmentContentType } from './attachment-source.js';

/**
 * EWS accepts `t:InternetMessageId` in a CreateItem Message (it is in MessageType), which is how a send
 * gets a Message-ID known beforehand, to find it in Sent Items after an unknown outcome. The library
 * declares the property find-only; this adds "can be set" to its definition (once per process). It
 * only lets callers set it on new items, which used to throw: nothing another user of the library
 * does changes.
 */
function allowSettingInternetMessageId(): void {
  const definition = EmailMessageSchema.InternetMessageId as unknown as { flags: number };
  definition.flags |= PropertyDefinitionFlags.CanSet;
}

// Deliberately simple: Exchange does the real validation; this catches typos and injection early.
const ADDRESS = /^[^\s@<>"(),;:\\[\]]+@[^\s@<>"(),;:\\[\]]+\.[^\s@<>"(),;:\\[\]]+$/;
const HEADER_NAME = /^X-[A-Za-z0-9-]+$/i;

/** Exchange Online's recipient limit: at most 500 recipients (to, cc and bcc together) per message. */
const MAX_RECIPIENTS = 500;

function invalid(message: string, hint: string): MailbridgeError {
  return new MailbridgeError({ code: 'INVALID_MESSAGE', message, hint });
}

/** Normalises an address given as a string or an object, and checks it. */
export function toMailAddress(value: string | MailAddress, field: string): MailAddress {
  const address = typeof value === 'string' ? { address: value.trim() } : { ...value, address: value.address.trim() };
  if (!ADDRESS.test(address.address)) {
    throw invalid(`${field}: "${address.address}" is not an e-mail address.`, 'Use plain addresses such as "ops@contoso.com" (a display name goes in { name, address }).');
  }
  if (address.name !== undefined && (typeof address.name !== 'string' || /[\r\n]/.test(address.name))) {
    throw invalid(`${field}: a display name may not contain line breaks.`, 'Remove CR/LF characters from the name (a line break could inject headers).');
  }
  return address;
}

/** A new Internet Message-ID in the mailbox's domain, e.g. `<3f2a...@contoso.com>`. */
export function newInternetMessageId(mailbox: string): string {
  const domain = mailbox.split('@')[1] ?? 'mailbridge.invalid';
  return `<${randomUUID()}@${domain}>`;
}

/** Checks an Internet Message-ID given by the caller: `<local@domain>`, no spaces. */
export function checkInternetMessageId(id: string): string {
  if (!/^<[^\s<>@]+@[^\s<>@]+>$/.test(id)) {
    throw invalid(`internetMessageId "${id}" is not a Message-ID.`, 'Give it as "<unique-part@your-domain>", or leave it out to have one generated.');
  }
  return id;
}

/** Validates a message before anything is sent (so a bad message never leaves half-created drafts). */
export function validateOutgoingMessage(message: OutgoingMessage): void {
  if (!message.to?.length && !message.cc?.length && !message.bcc?.length) {
    throw invalid('The message has no recipients.', 'Give at least one address in to, cc or bcc.');
  }
  const recipients = (message.to?.length ?? 0) + (message.cc?.length ?? 0) + (message.bcc?.length ?? 0);
  if (recipients > MAX_RECIPIENTS) {
    throw invalid(
      `The message has ${recipients} recipients; Exchange Online accepts at most ${MAX_RECIPIENTS} per message (to, cc and bcc together).`,
      `Split the recipients over several messages of at most ${MAX_RECIPIENTS}, or send to a distribution group.`,
    );
  }
  for (const [field, list] of [['to', message.to], ['cc', message.cc], ['bcc', message.bcc], ['replyTo', message.replyTo]] as const) {
    for (const entry of list ?? []) toMailAddress(entry, field);
  }
  if (message.from !== undefined) toMailAddress(message.from, 'from');
  if (/[\r\n]/.test(message.subject ?? '')) {
    throw invalid('The subject has a line break.', 'A subject must be one line (a line break could inject headers).');
  }
  if (message.text === undefined && message.html === undefined) {
    throw invalid('The message has no body.', 'Give text, html, or both.');
  }
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      throw invalid(`Header "${name}" is not allowed.`, 'EWS accepts custom headers whose names start with "X-" and contain only letters, digits and dashes.');
    }
    if (/[\r\n]/.test(value)) {
      throw invalid(`Header "${name}" has a line break in its value.`, 'Header values must be one line (a line break would inject headers).');
    }
  }
  const names = new Set<string>();
  for (const attachment of message.attachments ?? []) {
    if (!attachment.filename) throw invalid('An attachment has no filename.', 'Give every attachment a filename.');
    if (attachment.contentId !== undefined) {
      if (names.has(`cid:${attachment.contentId}`)) throw invalid(`Two inline attachments share content id "${attachment.contentId}".`, 'Give each inline image its own content id.');
      names.add(`cid:${attachment.contentId}`);
    }
  }
  if (message.internetMessageId !== undefined) checkInternetMessageId(message.internetMessageId);
}

function addAll(collection: () => EmailAddressCollection, list: Array<string | MailAddress> | undefined, field: string): void {
  // Only touched when there is something to add: the library writes every collection it instantiated.
  if (!list?.length) return;
  const target = collection();
  for (const entry of list) {
    const address = toMailAddress(entry, field);
    target.Add(address.name ? new EmailAddress(address.name, address.address) : new EmailAddress(address.address));
  }
}

const IMPORTANCE: Record<NonNullable<OutgoingMessage['importance']>, Importance> = {
  low: Importance.Low,
  normal: Importance.Normal,
  high: Importance.High,
};

/**
 * Builds the ews-javascript-api EmailMessage of an outgoing message: recipients, reply-to, subject,
 * body (HTML when given, EWS derives the text part; else text), importance, X- headers (as
 * InternetHeaders extended properties, the only way EWS sets them), the Internet Message-ID (as
 * PR_INTERNET_MESSAGE_ID) and the attachments listed in `inlineAttachments` (the small ones that go
 * inside the CreateItem request). Text is escaped on the wire by the patched writer, not here.
 */
export async function convertToEwsMessage(
  service: ExchangeService,
  message: OutgoingMessage,
  internetMessageId: string,
  inlineAttachments: NonNullable<OutgoingMessage['attachments']>,
): Promise<EmailMessage> {
  const email = new EmailMessage(service);
  email.Subject = message.subject ?? '';
  email.Body = message.html !== undefined ? new MessageBody(BodyType.HTML, message.html) : new MessageBody(BodyType.Text, message.text ?? '');
  addAll(() => email.ToRecipients, message.to, 'to');
  addAll(() => email.CcRecipients, message.cc, 'cc');
  addAll(() => email.BccRecipients, message.bcc, 'bcc');
  addAll(() => email.ReplyTo, message.replyTo, 'replyTo');
  if (message.from !== undefined) {
    const from = toMailAddress(message.from, 'from');
    email.From = from.name ? new EmailAddress(from.name, from.address) : new EmailAddress(from.address);
  }
  if (message.importance) email.Importance = IMPORTANCE[message.importance];
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    email.SetExtendedProperty(new ExtendedPropertyDefinition(DefaultExtendedPropertySet.InternetHeaders, name, MapiPropertyType.String), value);
  }
  allowSettingInternetMessageId();
  (email as unknown as { PropertyBag: { _setItem(definition: unknown, value: unknown): void } }).PropertyBag._setItem(EmailMessageSchema.InternetMessageId, internetMessageId);
  for (const attachment of inlineAttachments) {
    const bytes = await attachmentBytes(attachment);
    const file = email.Attachments.AddFileAttachment(attachment.filename, bytes.toString('base64'));
    file.ContentType = attachmentContentType(attachment);
    if (attachment.contentId !== undefined) {
      file.ContentId = attachment.contentId;
      file.IsInline = true;
    }
  }
  return email;
}
