import type { MessageParts } from '../../mail/message-parts.js';
import type { StoredAddress } from '../../state/stored-message.js';
import { child, children, NS, tText, type XNode } from '../xml/xml-node.js';
import { mappedFieldUri } from './extended-property.js';

/** A file attachment as a request carries it (t:FileAttachment), or an item attachment (t:ItemAttachment). */
export interface AttachmentInput {
  /** Absent when the request has no t:Name (CreateAttachment refuses that: ErrorRequiredPropertyMissing). */
  name?: string;
  contentType?: string;
  content: Buffer;
  isInline?: boolean;
  contentId?: string;
  /** Set for t:ItemAttachment: the attached item, turned into a message/rfc822 part by the caller. */
  item?: MessageInput;
}

/** What a `<t:Message>` of a CreateItem/UpdateItem request sets. */
export interface MessageInput {
  parts: MessageParts;
  /** Properties present in the request (so UpdateItem knows what to change). */
  present: Set<string>;
  isRead?: boolean;
  sensitivity?: string;
  mime?: Buffer;
  attachments: AttachmentInput[];
}

/** The stored form of a t:Sensitivity value (SensitivityChoicesType); Normal and anything else is absent. */
export function sensitivityValue(value: string | undefined): 'Personal' | 'Private' | 'Confidential' | undefined {
  return value === 'Personal' || value === 'Private' || value === 'Confidential' ? value : undefined;
}

function address(mailbox: XNode | undefined): StoredAddress | undefined {
  if (!mailbox) return undefined;
  const email = tText(mailbox, 'EmailAddress')?.trim();
  if (!email) return undefined;
  const name = tText(mailbox, 'Name')?.trim();
  return name ? { name, address: email } : { address: email };
}

function addresses(list: XNode | undefined): StoredAddress[] {
  return children(list, NS.types, 'Mailbox')
    .map(address)
    .filter((a): a is StoredAddress => a !== undefined);
}

/** Reads t:FileAttachment / t:ItemAttachment elements of a t:Attachments or m:Attachments list. */
export function readAttachments(list: XNode | undefined): AttachmentInput[] {
  const result: AttachmentInput[] = [];
  for (const node of list?.children ?? []) {
    if (node.ns !== NS.types) continue;
    const name = tText(node, 'Name');
    if (node.name === 'FileAttachment') {
      const contentId = tText(node, 'ContentId');
      const contentType = tText(node, 'ContentType');
      result.push({
        ...(name !== undefined ? { name } : {}),
        ...(contentType ? { contentType } : {}),
        content: Buffer.from(tText(node, 'Content') ?? '', 'base64'),
        isInline: tText(node, 'IsInline') === 'true' || (contentId !== undefined && tText(node, 'IsInline') !== 'false'),
        ...(contentId ? { contentId } : {}),
      });
    } else if (node.name === 'ItemAttachment') {
      const item = child(node, NS.types, 'Message') ?? child(node, NS.types, 'Item');
      result.push({ ...(name !== undefined ? { name } : {}), contentType: 'message/rfc822', content: Buffer.alloc(0), ...(item ? { item: readMessage(item) } : {}) });
    }
  }
  return result;
}

/** Reads a `<t:Message>` element into message parts plus the EWS-only properties. */
export function readMessage(node: XNode): MessageInput {
  const present = new Set<string>();
  const parts: MessageParts = { to: [] };
  const input: MessageInput = { parts, present, attachments: [] };
  for (const field of node.children) {
    if (field.ns !== NS.types) continue;
    switch (field.name) {
      case 'MimeContent':
        input.mime = Buffer.from(field.text.trim(), 'base64');
        present.add('item:MimeContent');
        break;
      case 'Subject':
        parts.subject = field.text;
        present.add('item:Subject');
        break;
      case 'Sensitivity':
        input.sensitivity = field.text.trim();
        present.add('item:Sensitivity');
        break;
      case 'Body':
        if ((field.attrs['BodyType'] ?? 'HTML').toLowerCase() === 'text') parts.text = field.text;
        else parts.html = field.text;
        present.add('item:Body');
        break;
      case 'Attachments':
        input.attachments = readAttachments(field);
        present.add('item:Attachments');
        break;
      case 'Categories':
        parts.categories = children(field, NS.types, 'String').map((s) => s.text);
        present.add('item:Categories');
        break;
      case 'Importance':
        parts.importance = field.text.trim().toLowerCase() as 'low' | 'normal' | 'high';
        present.add('item:Importance');
        break;
      case 'ExtendedProperty': {
        // Custom internet headers: ExtendedFieldURI DistinguishedPropertySetId="InternetHeaders" PropertyName="X-...".
        const uri = child(field, NS.types, 'ExtendedFieldURI');
        const value = tText(field, 'Value');
        if (uri?.attrs['DistinguishedPropertySetId'] === 'InternetHeaders' && uri.attrs['PropertyName'] && value !== undefined) {
          (parts.headers ??= []).push({ name: uri.attrs['PropertyName'], value });
          present.add('item:InternetMessageHeaders');
        } else if (mappedFieldUri(uri) === 'message:InternetMessageId' && value !== undefined) {
          // PR_INTERNET_MESSAGE_ID (0x1035) set by tag: the same property as t:InternetMessageId.
          parts.internetMessageId = value.trim();
          present.add('message:InternetMessageId');
        }
        break;
      }
      case 'Sender':
        parts.sender = address(child(field, NS.types, 'Mailbox'));
        present.add('message:Sender');
        break;
      case 'ToRecipients':
        parts.to = addresses(field);
        present.add('message:ToRecipients');
        break;
      case 'CcRecipients':
        parts.cc = addresses(field);
        present.add('message:CcRecipients');
        break;
      case 'BccRecipients':
        parts.bcc = addresses(field);
        present.add('message:BccRecipients');
        break;
      case 'IsReadReceiptRequested':
        parts.isReadReceiptRequested = field.text.trim() === 'true';
        present.add('message:IsReadReceiptRequested');
        break;
      case 'IsDeliveryReceiptRequested':
        parts.isDeliveryReceiptRequested = field.text.trim() === 'true';
        present.add('message:IsDeliveryReceiptRequested');
        break;
      case 'From':
        parts.from = address(child(field, NS.types, 'Mailbox'));
        present.add('message:From');
        break;
      case 'InternetMessageId':
        parts.internetMessageId = field.text.trim();
        present.add('message:InternetMessageId');
        break;
      case 'IsRead':
        input.isRead = field.text.trim() === 'true';
        present.add('message:IsRead');
        break;
      case 'ReplyTo':
        parts.replyTo = addresses(field);
        present.add('message:ReplyTo');
        break;
      default:
        break;
    }
  }
  return input;
}
