import { bodyPreview, htmlToText } from '../mail/message-parts.js';
import type { MailFolder } from '../state/mail-folder.js';
import type { Mailbox } from '../state/mailbox.js';
import type { StoredAddress, StoredAttachment, StoredMessage } from '../state/stored-message.js';
import { GraphError } from './graph-error.js';

/** Message properties in the order Graph writes them (get-message sample), then the select-only ones. */
export const MESSAGE_PROPERTIES = [
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
] as const;

/** Properties Graph returns only when `$select`ed. */
const SELECT_ONLY = ['internetMessageHeaders', 'uniqueBody'] as const;

type MessageProperty = (typeof MESSAGE_PROPERTIES)[number] | (typeof SELECT_ONLY)[number];

const BY_LOWER = new Map<string, MessageProperty>([...MESSAGE_PROPERTIES, ...SELECT_ONLY].map((name) => [name.toLowerCase(), name]));

/** A parsed `$select`: the properties in Graph's order, or undefined for the default set. */
export type MessageSelection = readonly MessageProperty[] | undefined;

/** Parses `$select` for messages; unknown names answer 400 as Graph's URI parser does. */
export function parseMessageSelect(select: string | null): MessageSelection {
  if (select === null || select.trim() === '' || select.trim() === '*') return undefined;
  const wanted = new Set<MessageProperty>();
  for (const raw of select.split(',')) {
    const name = raw.trim();
    if (name === 'id' || name === '') continue;
    const property = BY_LOWER.get(name.toLowerCase());
    if (!property) throw new GraphError(400, 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.message'.`);
    wanted.add(property);
  }
  return [...MESSAGE_PROPERTIES, ...SELECT_ONLY].filter((property) => wanted.has(property));
}

/** The `(a,b)` suffix of @odata.context for a `$select`, in the order the client asked (as Graph writes it). */
export function selectContextSuffix(select: string | null): string {
  if (select === null || select.trim() === '' || select.trim() === '*') return '';
  const names = select
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
    .map((name) => BY_LOWER.get(name.toLowerCase()) ?? name);
  return `(${[...new Set(names)].join(',')})`;
}

/** How a message body is rendered (the `Prefer: outlook.body-content-type` header). */
export type BodyPreference = 'text' | 'html' | undefined;

function recipient(address: StoredAddress): { emailAddress: { name: string; address: string } } {
  return { emailAddress: { name: address.name ?? address.address, address: address.address } };
}

/** `W/"changeKey"`: Graph's weak ETag. */
export function etag(changeKey: string): string {
  return `W/"${changeKey}"`;
}

function propertyValue(message: StoredMessage, property: MessageProperty, preference: BodyPreference): unknown {
  switch (property) {
    case 'hasAttachments':
      return message.attachments.some((attachment) => !attachment.isInline);
    case 'bodyPreview':
      return bodyPreview(message);
    case 'parentFolderId':
      return message.folderId;
    case 'webLink':
      return `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(message.id)}&exvsurl=1&viewmodel=ReadMessageItem`;
    case 'body':
    case 'uniqueBody':
      if (preference === 'text' && message.body.contentType === 'html') {
        return { contentType: 'text', content: message.bodyText ?? htmlToText(message.body.content) };
      }
      return { ...message.body };
    case 'sender':
    case 'from': {
      const value = message[property];
      return value ? recipient(value) : undefined;
    }
    case 'toRecipients':
    case 'ccRecipients':
    case 'bccRecipients':
    case 'replyTo':
      return message[property].map(recipient);
    case 'categories':
      return [...message.categories];
    case 'flag':
      return { ...message.flag };
    case 'internetMessageHeaders':
      return message.internetMessageHeaders.map((header) => ({ ...header }));
    default:
      return message[property];
  }
}

/** A message as Graph serializes it (without @odata.context). */
export function serializeMessage(message: StoredMessage, selection: MessageSelection, preference: BodyPreference, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const result: Record<string, unknown> = { ...extra, '@odata.etag': etag(message.changeKey), id: message.id };
  for (const property of selection ?? MESSAGE_PROPERTIES) {
    const value = propertyValue(message, property, preference);
    // Drafts without a sender have no sender/from at all (create-draft sample).
    if (value !== undefined) result[property] = value;
  }
  return result;
}

/** A mailFolder resource. */
export function serializeFolder(mailbox: Mailbox, folder: MailFolder): Record<string, unknown> {
  let childFolderCount = 0;
  for (const candidate of mailbox.folders.values()) if (candidate.parentFolderId === folder.id && candidate !== folder) childFolderCount++;
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentFolderId,
    childFolderCount,
    unreadItemCount: mailbox.unreadCount(folder),
    totalItemCount: folder.messageIds.size,
    isHidden: false,
  };
}

const FOLDER_PROPERTIES = new Set(['id', 'displayName', 'parentFolderId', 'childFolderCount', 'unreadItemCount', 'totalItemCount', 'isHidden']);

/** Applies a mailFolder `$select` (id always kept), with Graph's error for an unknown name. */
export function selectFolder(folder: Record<string, unknown>, select: string | null): Record<string, unknown> {
  if (select === null || select.trim() === '' || select.trim() === '*') return folder;
  const wanted = new Set(['id']);
  for (const raw of select.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!FOLDER_PROPERTIES.has(name)) throw new GraphError(400, 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.mailFolder'.`);
    wanted.add(name);
  }
  return Object.fromEntries(Object.entries(folder).filter(([key]) => key.startsWith('@') || wanted.has(key)));
}

/** A fileAttachment resource; `contentBytes` only when asked (GET of one attachment, or $expand). */
export function serializeAttachment(attachment: StoredAttachment, withContent: boolean): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.fileAttachment',
    '@odata.mediaContentType': attachment.contentType,
    id: attachment.id,
    lastModifiedDateTime: attachment.lastModifiedDateTime,
    name: attachment.name,
    contentType: attachment.contentType,
    size: attachment.size,
    isInline: attachment.isInline,
    contentId: attachment.contentId ?? null,
    contentLocation: null,
    ...(withContent ? { contentBytes: Buffer.concat(attachment.chunks).toString('base64') } : {}),
  };
}
