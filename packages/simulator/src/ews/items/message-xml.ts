import { htmlToText } from '../../mail/message-parts.js';
import { buildMime } from '../../mail/mime-builder.js';
import type { Mailbox } from '../../state/mailbox.js';
import type { StoredAddress, StoredAttachment, StoredMessage } from '../../state/stored-message.js';
import { inSchemaOf } from '../exchange-2007-schema.js';
import { el, empty, esc, wrap } from '../xml/xml-writer.js';
import { extendedKey, extendedPropertyXml, PR_INTERNET_MESSAGE_ID } from './extended-property.js';
import type { ItemShape } from './item-shape.js';

/** Which operation serialises: FindItem never returns bodies, recipient lists or MIME (as in Exchange). */
export type SerializeFor = 'get' | 'find' | 'sync';

const DEFAULT_FIELDS = [
  'item:ItemId',
  'item:ParentFolderId',
  'item:ItemClass',
  'item:Subject',
  'item:Sensitivity',
  'item:Body',
  'item:Attachments',
  'item:DateTimeReceived',
  'item:Size',
  'item:Importance',
  'item:IsSubmitted',
  'item:IsDraft',
  'item:IsFromMe',
  'item:IsResend',
  'item:IsUnmodified',
  'item:DateTimeSent',
  'item:DateTimeCreated',
  'item:ResponseObjects',
  'item:DisplayCc',
  'item:DisplayTo',
  'item:HasAttachments',
  'item:Culture',
  'message:Sender',
  'message:ToRecipients',
  'message:CcRecipients',
  'message:IsReadReceiptRequested',
  'message:IsDeliveryReceiptRequested',
  'message:ConversationIndex',
  'message:ConversationTopic',
  'message:From',
  'message:InternetMessageId',
  'message:IsRead',
];
const ALL_EXTRA = ['item:Categories', 'item:InReplyTo', 'item:LastModifiedTime', 'item:ConversationId', 'message:BccRecipients', 'message:ReplyTo', 'message:References'];
/** Not returned by FindItem / SyncFolderItems whatever the shape asks (Exchange answers them only from GetItem). */
const GET_ONLY = new Set([
  'item:ResponseObjects',
  'item:Body',
  'item:Attachments',
  'item:MimeContent',
  'message:ToRecipients',
  'message:CcRecipients',
  'message:BccRecipients',
  'message:ReplyTo',
  'item:InternetMessageHeaders',
  'item:TextBody',
  'item:UniqueBody',
]);

/** The FieldURIs a shape selects, for one operation. */
export function selectedFields(shape: ItemShape, op: SerializeFor): Set<string> {
  const fields = new Set<string>(['item:ItemId']);
  if (shape.base !== 'IdOnly') for (const field of DEFAULT_FIELDS) fields.add(field);
  if (shape.base === 'AllProperties') for (const field of ALL_EXTRA) fields.add(field);
  for (const field of shape.additional) fields.add(field);
  if (shape.includeMime) fields.add('item:MimeContent');
  if (op !== 'get') for (const field of GET_ONLY) fields.delete(field);
  return fields;
}

function mailboxXml(address: StoredAddress, type: 'Mailbox' | 'OneOff' = 'Mailbox'): string {
  return wrap('t:Mailbox', `${el('t:Name', address.name ?? address.address)}${el('t:EmailAddress', address.address)}${el('t:RoutingType', 'SMTP')}${el('t:MailboxType', type)}`);
}

function recipients(tag: string, list: StoredAddress[]): string {
  return list.length === 0 ? '' : wrap(tag, list.map((a) => mailboxXml(a)).join(''));
}

function single(tag: string, address: StoredAddress | undefined): string {
  return address ? wrap(tag, mailboxXml(address)) : '';
}

/** An internet header of the message as received (first of that name; `name` lower-case). */
function headerValue(message: StoredMessage, name: string): string | undefined {
  return message.internetMessageHeaders.find((h) => h.name.toLowerCase() === name)?.value;
}

/** Exchange's xs:dateTime form: whole seconds, `Z`. */
export function ewsTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** The body in the form asked for: `Best` is the stored form (HTML when there is HTML). */
export function bodyFor(message: StoredMessage, type: ItemShape['bodyType']): { type: 'HTML' | 'Text'; content: string } {
  const html = message.bodyHtml ?? (message.body.contentType === 'html' ? message.body.content : undefined);
  const text = message.bodyText ?? (message.body.contentType === 'text' ? message.body.content : undefined);
  if (type === 'Text') return { type: 'Text', content: text ?? htmlToText(html ?? '') };
  if (type === 'HTML') {
    if (html !== undefined) return { type: 'HTML', content: html };
    return { type: 'HTML', content: `<html><body>${esc(text ?? '').replace(/\r?\n/g, '<br>')}</body></html>` };
  }
  return html !== undefined ? { type: 'HTML', content: html } : { type: 'Text', content: text ?? '' };
}

/** Approximate size as Exchange reports it (MIME size when known). */
export function messageSize(message: StoredMessage): number {
  if (message.mime) return message.mime.length;
  const body = (message.bodyHtml?.length ?? 0) + (message.bodyText?.length ?? 0);
  return 800 + message.subject.length + body + message.attachments.reduce((total, a) => total + Math.ceil(a.size * 1.37), 0);
}

/**
 * An attachment as GetItem lists it (no content) or GetAttachment returns it (with content), in the
 * schema of `requestVersion`: Exchange 2007's has no Size, LastModifiedTime, IsInline or IsContactPhoto.
 */
export function attachmentXml(attachment: StoredAttachment, options: { content: boolean; rootItem?: StoredMessage; requestVersion: string }): string {
  const id = empty('t:AttachmentId', {
    Id: attachment.ewsId,
    RootItemId: options.rootItem?.ewsId,
    RootItemChangeKey: options.rootItem?.changeKey,
  });
  const has = (typeName: string, element: string) => inSchemaOf(options.requestVersion, typeName, element);
  let inner = id + el('t:Name', attachment.name) + el('t:ContentType', attachment.contentType) + (attachment.contentId ? el('t:ContentId', attachment.contentId) : '');
  if (has('AttachmentType', 'Size')) inner += el('t:Size', attachment.size);
  if (has('AttachmentType', 'LastModifiedTime')) inner += el('t:LastModifiedTime', ewsTime(attachment.lastModifiedDateTime).replace(/Z$/, ''));
  if (has('AttachmentType', 'IsInline')) inner += el('t:IsInline', attachment.isInline);
  if (options.content) {
    if (has('FileAttachmentType', 'IsContactPhoto')) inner += el('t:IsContactPhoto', false);
    inner += el('t:Content', Buffer.concat(attachment.chunks).toString('base64'));
  }
  return wrap('t:FileAttachment', inner);
}

/** `<t:Message>` with the properties a shape selects, in schema order (ItemType, then MessageType). */
export async function messageXml(mailbox: Mailbox, message: StoredMessage, shape: ItemShape, op: SerializeFor): Promise<string> {
  const f = selectedFields(shape, op);
  // Only what the schema of the request's version has (Exchange answers in that schema).
  const has = (typeName: string, element: string) => inSchemaOf(shape.requestVersion, typeName, element);
  const folder = mailbox.folders.get(message.folderId);
  const isFromMe = (message.from?.address ?? '').toLowerCase() === mailbox.address;
  const out: string[] = [];
  if (f.has('item:MimeContent')) {
    message.mime ??= await buildMime(message, { includeBcc: message.isDraft || isFromMe });
    out.push(el('t:MimeContent', message.mime.toString('base64'), { CharacterSet: 'UTF-8' }));
  }
  out.push(empty('t:ItemId', { Id: message.ewsId, ChangeKey: message.changeKey }));
  if (f.has('item:ParentFolderId') && folder) out.push(empty('t:ParentFolderId', { Id: folder.ewsId, ChangeKey: folder.changeKey }));
  if (f.has('item:ItemClass')) out.push(el('t:ItemClass', 'IPM.Note'));
  if (f.has('item:Subject')) out.push(el('t:Subject', message.subject));
  if (f.has('item:Sensitivity')) out.push(el('t:Sensitivity', message.sensitivity ?? 'Normal'));
  if (f.has('item:Body')) {
    const body = bodyFor(message, shape.bodyType);
    out.push(el('t:Body', body.content, { BodyType: body.type, IsTruncated: false }));
  }
  if (f.has('item:Attachments') && message.attachments.length > 0) {
    out.push(wrap('t:Attachments', message.attachments.map((a) => attachmentXml(a, { content: false, requestVersion: shape.requestVersion })).join('')));
  }
  if (f.has('item:DateTimeReceived')) out.push(el('t:DateTimeReceived', ewsTime(message.receivedDateTime)));
  if (f.has('item:Size')) out.push(el('t:Size', messageSize(message)));
  if (f.has('item:Categories') && message.categories.length > 0) out.push(wrap('t:Categories', message.categories.map((c) => el('t:String', c)).join('')));
  if (f.has('item:Importance')) out.push(el('t:Importance', message.importance === 'high' ? 'High' : message.importance === 'low' ? 'Low' : 'Normal'));
  if (f.has('item:InReplyTo')) {
    const inReplyTo = headerValue(message, 'in-reply-to');
    if (inReplyTo) out.push(el('t:InReplyTo', inReplyTo));
  }
  if (f.has('item:IsSubmitted')) out.push(el('t:IsSubmitted', false));
  if (f.has('item:IsDraft')) out.push(el('t:IsDraft', message.isDraft));
  if (f.has('item:IsFromMe')) out.push(el('t:IsFromMe', isFromMe));
  if (f.has('item:IsResend')) out.push(el('t:IsResend', false));
  if (f.has('item:IsUnmodified')) out.push(el('t:IsUnmodified', !message.isDraft));
  if (f.has('item:InternetMessageHeaders') && message.internetMessageHeaders.length > 0) {
    out.push(wrap('t:InternetMessageHeaders', message.internetMessageHeaders.map((h) => el('t:InternetMessageHeader', h.value, { HeaderName: h.name })).join('')));
  }
  if (f.has('item:DateTimeSent')) out.push(el('t:DateTimeSent', ewsTime(message.sentDateTime)));
  if (f.has('item:DateTimeCreated')) out.push(el('t:DateTimeCreated', ewsTime(message.createdDateTime)));
  if (f.has('item:ResponseObjects')) {
    out.push(message.isDraft ? '<t:ResponseObjects/>' : '<t:ResponseObjects><t:ReplyToItem/><t:ReplyAllToItem/><t:ForwardItem/></t:ResponseObjects>');
  }
  if (f.has('item:DisplayCc')) out.push(el('t:DisplayCc', message.ccRecipients.map((r) => r.name ?? r.address).join('; ')));
  if (f.has('item:DisplayTo')) out.push(el('t:DisplayTo', message.toRecipients.map((r) => r.name ?? r.address).join('; ')));
  if (f.has('item:HasAttachments'))
    out.push(
      el(
        't:HasAttachments',
        message.attachments.some((a) => !a.isInline),
      ),
    );
  if (f.has(extendedKey(PR_INTERNET_MESSAGE_ID)) && message.internetMessageId) out.push(extendedPropertyXml(PR_INTERNET_MESSAGE_ID, 'String', message.internetMessageId));
  if (f.has('item:Culture')) out.push(el('t:Culture', 'en-US'));
  if (f.has('item:LastModifiedTime')) out.push(el('t:LastModifiedTime', ewsTime(message.lastModifiedDateTime)));
  if (f.has('item:ConversationId') && has('ItemType', 'ConversationId')) out.push(empty('t:ConversationId', { Id: message.conversationId }));
  if (f.has('item:TextBody') && has('ItemType', 'TextBody')) out.push(el('t:TextBody', bodyFor(message, 'Text').content, { BodyType: 'Text', IsTruncated: false }));
  // MessageType
  if (f.has('message:Sender')) out.push(single('t:Sender', message.sender ?? message.from));
  if (f.has('message:ToRecipients')) out.push(recipients('t:ToRecipients', message.toRecipients));
  if (f.has('message:CcRecipients')) out.push(recipients('t:CcRecipients', message.ccRecipients));
  if (f.has('message:BccRecipients')) out.push(recipients('t:BccRecipients', message.bccRecipients));
  if (f.has('message:IsReadReceiptRequested')) out.push(el('t:IsReadReceiptRequested', message.isReadReceiptRequested));
  if (f.has('message:IsDeliveryReceiptRequested')) out.push(el('t:IsDeliveryReceiptRequested', message.isDeliveryReceiptRequested));
  if (f.has('message:ConversationIndex')) out.push(el('t:ConversationIndex', message.conversationIndex));
  if (f.has('message:ConversationTopic')) out.push(el('t:ConversationTopic', message.subject.replace(/^(?:(?:re|fw|fwd):\s*)+/i, '')));
  if (f.has('message:From')) out.push(single('t:From', message.from));
  if (f.has('message:InternetMessageId')) out.push(el('t:InternetMessageId', message.internetMessageId));
  if (f.has('message:IsRead')) out.push(el('t:IsRead', message.isRead));
  if (f.has('message:References')) {
    const references = headerValue(message, 'references');
    if (references) out.push(el('t:References', references));
  }
  if (f.has('message:ReplyTo')) out.push(recipients('t:ReplyTo', message.replyTo));
  return wrap('t:Message', out.join(''));
}
