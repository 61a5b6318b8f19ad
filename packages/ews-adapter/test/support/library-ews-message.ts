import { type MailAddress, type OutgoingMessage, readAttachment, type SizedAttachment, toMailAddress } from '@mailbridge/core';
import {
  BodyType,
  DefaultExtendedPropertySet,
  EmailAddress,
  type EmailAddressCollection,
  EmailMessage,
  EmailMessageSchema,
  type ExchangeService,
  ExtendedPropertyDefinition,
  Importance,
  MapiPropertyType,
  MessageBody,
  PropertyDefinitionFlags,
} from 'ews-javascript-api';

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
 * The reference for the hand-written `<t:Message>` of `src/convert-to-ews-message.ts`: how sending
 * built its request before it stopped loading ews-javascript-api, kept for the test that compares
 * both (the library writes the elements MessageType has, in the schema's order).
 *
 * Builds the ews-javascript-api EmailMessage of an outgoing message (validated by core's
 * `prepareOutgoingMessage`): recipients, reply-to, subject,
 * body (HTML when given, EWS derives the text part; else text), importance, X- headers (as
 * InternetHeaders extended properties, the only way EWS sets them), the Internet Message-ID (as
 * PR_INTERNET_MESSAGE_ID) and the attachments listed in `inlineAttachments` (the small ones that go
 * inside the CreateItem request). Text is escaped on the wire by the patched writer, not here.
 */
export async function convertToLibraryMessage(service: ExchangeService, message: OutgoingMessage, internetMessageId: string, inlineAttachments: SizedAttachment[]): Promise<EmailMessage> {
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
  for (const sized of inlineAttachments) {
    const { attachment } = sized;
    const bytes = await readAttachment(sized);
    const file = email.Attachments.AddFileAttachment(attachment.filename, bytes.toString('base64'));
    file.ContentType = sized.contentType;
    if (attachment.contentId !== undefined) {
      file.ContentId = attachment.contentId;
      file.IsInline = true;
    }
  }
  return email;
}
