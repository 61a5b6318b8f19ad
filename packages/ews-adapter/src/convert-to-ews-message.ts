import { type MailAddress, type OutgoingMessage, readAttachment, type SizedAttachment, toMailAddress } from '@mailbridge/core';
import { attachmentFlagsXml } from './attachment-flags.js';
import { escapeXmlAttribute, escapeXmlText } from './xml/escape-xml.js';

const IMPORTANCE: Record<NonNullable<OutgoingMessage['importance']>, string> = { low: 'Low', normal: 'Normal', high: 'High' };

/** `<t:Mailbox>` of one address: the display name only when there is one. */
function mailbox(entry: string | MailAddress, field: string): string {
  const address = toMailAddress(entry, field);
  const name = address.name ? `<t:Name>${escapeXmlText(address.name)}</t:Name>` : '';
  return `<t:Mailbox>${name}<t:EmailAddress>${escapeXmlText(address.address)}</t:EmailAddress></t:Mailbox>`;
}

/** A recipient list element, or nothing when the list is empty (Exchange reads an empty list as "none" anyway). */
function mailboxes(element: string, list: Array<string | MailAddress> | undefined, field: string): string {
  if (!list?.length) return '';
  return `<t:${element}>${list.map((entry) => mailbox(entry, field)).join('')}</t:${element}>`;
}

/** One attachment that goes inside the request, its content as base64. */
async function fileAttachment(sized: SizedAttachment, versionName: string): Promise<string> {
  const { attachment } = sized;
  const content = (await readAttachment(sized)).toString('base64');
  const inline = attachment.contentId !== undefined;
  return (
    `<t:FileAttachment><t:Name>${escapeXmlText(attachment.filename)}</t:Name><t:ContentType>${escapeXmlText(sized.contentType)}</t:ContentType>` +
    (inline ? `<t:ContentId>${escapeXmlText(attachment.contentId!)}</t:ContentId>` : '') +
    attachmentFlagsXml(versionName, inline, { contactPhoto: false }) +
    `<t:Content>${content}</t:Content></t:FileAttachment>`
  );
}

/**
 * The `<t:Message>` of an outgoing message (validated by core's `prepareOutgoingMessage`), written by
 * hand so that sending never loads ews-javascript-api: subject, body (HTML when given, Exchange
 * derives the text part; else text), the attachments listed in `inlineAttachments` (the small ones
 * that go inside the CreateItem request, Exchange 2010 SP2 and later; larger ones, or any with an
 * older version, are uploaded to the draft afterwards),
 * importance, X- headers (as InternetHeaders extended properties, the only way EWS sets them),
 * recipients, from (send as), the Internet Message-ID (known beforehand, to find the message in Sent
 * Items after an unknown outcome) and reply-to. The elements follow the order of MessageType in
 * Microsoft's schema (types.xsd), which Exchange enforces, and are the ones ews-javascript-api wrote
 * for the same message. Every value is escaped: text, names, addresses, header names and values.
 * `versionName` (the RequestServerVersion) decides which attachment flags the schema allows.
 */
export async function convertToEwsMessage(message: OutgoingMessage, internetMessageId: string, inlineAttachments: SizedAttachment[], versionName: string): Promise<string> {
  const body = message.html !== undefined ? `<t:Body BodyType="HTML">${escapeXmlText(message.html)}</t:Body>` : `<t:Body BodyType="Text">${escapeXmlText(message.text ?? '')}</t:Body>`;
  const attachments = inlineAttachments.length ? `<t:Attachments>${(await Promise.all(inlineAttachments.map((sized) => fileAttachment(sized, versionName)))).join('')}</t:Attachments>` : '';
  const importance = message.importance ? `<t:Importance>${IMPORTANCE[message.importance]}</t:Importance>` : '';
  const headers = Object.entries(message.headers ?? {})
    .map(
      ([name, value]) =>
        `<t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId="InternetHeaders" PropertyName="${escapeXmlAttribute(name)}" PropertyType="String"/>` + `<t:Value>${escapeXmlText(value)}</t:Value></t:ExtendedProperty>`,
    )
    .join('');
  const from = message.from !== undefined ? `<t:From>${mailbox(message.from, 'from')}</t:From>` : '';
  return (
    '<t:Message>' +
    `<t:Subject>${escapeXmlText(message.subject ?? '')}</t:Subject>` +
    body +
    attachments +
    importance +
    headers +
    mailboxes('ToRecipients', message.to, 'to') +
    mailboxes('CcRecipients', message.cc, 'cc') +
    mailboxes('BccRecipients', message.bcc, 'bcc') +
    from +
    `<t:InternetMessageId>${escapeXmlText(internetMessageId)}</t:InternetMessageId>` +
    mailboxes('ReplyTo', message.replyTo, 'replyTo') +
    '</t:Message>'
  );
}

/** `<t:Message>` of a MIME message (base64, the MIME's own encoding declared UTF-8 as before). */
export function convertMimeToEwsMessage(base64: string): string {
  return `<t:Message><t:MimeContent CharacterSet="UTF-8">${base64}</t:MimeContent></t:Message>`;
}
