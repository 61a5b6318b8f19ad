import type { MessageParts } from '../mail/message-parts.js';
import type { StoredAddress } from '../state/stored-message.js';
import { GraphError } from './graph-error.js';

/** Graph's request size limit (4 MB), and the attachment size POST /attachments allows (3 MB). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
export const MAX_INLINE_ATTACHMENT_BYTES = 3 * 1024 * 1024;

/** Reads a JSON request body, with Graph's answer for a body that is not JSON. */
export function readJson(body: Buffer): Record<string, unknown> {
  if (body.length > MAX_REQUEST_BYTES) throw new GraphError(413, 'RequestEntityTooLarge', 'Maximum request length exceeded.');
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
}

/** Decodes a base64 MIME body (sendMail / create message with Content-Type text/plain). */
export function decodeMimeBody(body: Buffer): Buffer {
  if (body.length > MAX_REQUEST_BYTES) throw new GraphError(413, 'RequestEntityTooLarge', 'Maximum request length exceeded.');
  const text = body.toString('latin1').replace(/\s+/g, '');
  if (text.length === 0 || text.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new GraphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
  }
  return Buffer.from(text, 'base64');
}

function invalidValue(property: string): GraphError {
  return new GraphError(400, 'RequestBodyRead', `Cannot convert the literal to the expected type for property '${property}'.`);
}

function recipient(value: unknown, property: string): StoredAddress {
  const email = (value as { emailAddress?: { address?: unknown; name?: unknown } } | null)?.emailAddress;
  if (!email || typeof email !== 'object') throw invalidValue(property);
  const address = typeof email.address === 'string' ? email.address.trim() : '';
  const name = typeof email.name === 'string' && email.name !== '' ? email.name : undefined;
  return name ? { name, address } : { address };
}

function recipients(value: unknown, property: string): StoredAddress[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw invalidValue(property);
  return value.map((entry) => recipient(entry, property));
}

function bool(value: unknown, property: string): boolean {
  // Graph's deserializer accepts "true"/"false" strings (the sendMail sample sends saveToSentItems as one).
  if (value === true || value === 'true' || value === 'True') return true;
  if (value === false || value === 'false' || value === 'False') return false;
  throw invalidValue(property);
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** Graph: every recipient must be a resolvable SMTP address before a message can be sent. */
export function checkRecipients(parts: { to: StoredAddress[]; cc?: StoredAddress[]; bcc?: StoredAddress[] }): void {
  const all = [...parts.to, ...(parts.cc ?? []), ...(parts.bcc ?? [])];
  if (all.length === 0) throw new GraphError(400, 'ErrorInvalidRecipients', 'At least one recipient is required, but none were found.');
  for (const entry of all) {
    if (!ADDRESS.test(entry.address)) {
      throw new GraphError(400, 'ErrorInvalidRecipients', `At least one recipient is not valid., Recipient '${entry.address}' is not resolved. All recipients must be resolved before a message can be submitted.`);
    }
  }
}

/** A parsed Graph message resource (for create, send and update): only the properties present. */
export interface MessageInput extends Partial<MessageParts> {
  isRead?: boolean;
  flag?: { flagStatus: 'notFlagged' | 'flagged' | 'complete' };
  inferenceClassification?: 'focused' | 'other';
  /** From `singleValueExtendedProperties` "Boolean 0x0E01" (PR_DELETE_AFTER_SUBMIT). */
  deleteAfterSubmit?: boolean;
  /** Which properties the client set (for PATCH rules). */
  present: Set<string>;
}

/** Turns a Graph `message` JSON object into message input, with Graph's validation errors. */
export function parseMessageJson(json: Record<string, unknown>): MessageInput {
  const input: MessageInput = { present: new Set() };
  for (const [key, value] of Object.entries(json)) {
    if (key.startsWith('@odata.')) continue;
    input.present.add(key);
    switch (key) {
      case 'subject':
        if (value !== null && typeof value !== 'string') throw invalidValue(key);
        input.subject = (value as string | null) ?? '';
        break;
      case 'body': {
        const body = value as { contentType?: unknown; content?: unknown } | null;
        if (!body || typeof body !== 'object') throw invalidValue(key);
        const type = String(body.contentType ?? 'text').toLowerCase();
        if (type !== 'text' && type !== 'html') throw new GraphError(400, 'RequestBodyRead', `The value '${String(body.contentType)}' is not valid for property 'contentType'.`);
        const content = typeof body.content === 'string' ? body.content : '';
        if (type === 'html') input.html = content;
        else input.text = content;
        break;
      }
      case 'toRecipients':
        input.to = recipients(value, key);
        break;
      case 'ccRecipients':
        input.cc = recipients(value, key);
        break;
      case 'bccRecipients':
        input.bcc = recipients(value, key);
        break;
      case 'replyTo':
        input.replyTo = recipients(value, key);
        break;
      case 'from':
        input.from = recipient(value, key);
        break;
      case 'sender':
        input.sender = recipient(value, key);
        break;
      case 'importance': {
        const importance = String(value).toLowerCase();
        if (importance !== 'low' && importance !== 'normal' && importance !== 'high') throw invalidValue(key);
        input.importance = importance;
        break;
      }
      case 'isRead':
        input.isRead = bool(value, key);
        break;
      case 'isDeliveryReceiptRequested':
        input.isDeliveryReceiptRequested = bool(value, key);
        break;
      case 'isReadReceiptRequested':
        input.isReadReceiptRequested = bool(value, key);
        break;
      case 'categories':
        if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) throw invalidValue(key);
        input.categories = value as string[];
        break;
      case 'flag': {
        const status = (value as { flagStatus?: unknown } | null)?.flagStatus;
        if (status !== 'notFlagged' && status !== 'flagged' && status !== 'complete') throw invalidValue(key);
        input.flag = { flagStatus: status };
        break;
      }
      case 'inferenceClassification':
        if (value !== 'focused' && value !== 'other') throw invalidValue(key);
        input.inferenceClassification = value;
        break;
      case 'internetMessageId':
        if (typeof value !== 'string') throw invalidValue(key);
        input.internetMessageId = value;
        break;
      case 'internetMessageHeaders': {
        if (!Array.isArray(value)) throw invalidValue(key);
        input.headers = value.map((header: { name?: unknown; value?: unknown }) => {
          const name = typeof header?.name === 'string' ? header.name : '';
          if (!/^x-/i.test(name)) {
            throw new GraphError(400, 'InvalidInternetMessageHeader', `The internet message header name '${name}' should start with 'x-' or 'X-'.`);
          }
          return { name, value: typeof header.value === 'string' ? header.value : String(header.value ?? '') };
        });
        break;
      }
      case 'attachments': {
        if (!Array.isArray(value)) throw invalidValue(key);
        input.attachments = value.map((attachment) => parseFileAttachment(attachment as Record<string, unknown>));
        break;
      }
      case 'singleValueExtendedProperties': {
        if (!Array.isArray(value)) throw invalidValue(key);
        for (const property of value as Array<{ id?: unknown; value?: unknown }>) {
          if (typeof property?.id !== 'string' || typeof property.value !== 'string') throw invalidValue(key);
          // Only PR_DELETE_AFTER_SUBMIT has an effect in the simulator; other MAPI properties are accepted and ignored.
          if (/^boolean\s+0x0?e01$/i.test(property.id.trim())) input.deleteAfterSubmit = property.value.toLowerCase() === 'true';
        }
        break;
      }
      default:
        // Other message properties (read-only or not simulated) are ignored, as Graph ignores read-only ones.
        break;
    }
  }
  return input;
}

/** A `#microsoft.graph.fileAttachment` from JSON. Item and reference attachments are not simulated. */
export function parseFileAttachment(json: Record<string, unknown>): { name: string; contentType?: string; content: Buffer; isInline: boolean; contentId?: string } {
  const type = json['@odata.type'];
  if (type !== undefined && type !== '#microsoft.graph.fileAttachment' && type !== '#Microsoft.Graph.fileAttachment') {
    throw new GraphError(400, 'ErrorInvalidAttachmentType', `The attachment type '${String(type)}' is not supported by the simulator; use #microsoft.graph.fileAttachment.`);
  }
  if (typeof json['name'] !== 'string' || json['name'] === '') throw new GraphError(400, 'ErrorInvalidArgument', 'The attachment name is required.');
  const contentBytes = json['contentBytes'];
  if (typeof contentBytes !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(contentBytes)) {
    throw new GraphError(400, 'ErrorInvalidArgument', 'The contentBytes property must be a base64 string.');
  }
  const content = Buffer.from(contentBytes, 'base64');
  if (content.length > MAX_INLINE_ATTACHMENT_BYTES) {
    throw new GraphError(413, 'RequestEntityTooLarge', 'Maximum request length exceeded. Attachments of 3 MB or more need an upload session.');
  }
  const contentId = typeof json['contentId'] === 'string' ? json['contentId'] : undefined;
  return {
    name: json['name'],
    ...(typeof json['contentType'] === 'string' ? { contentType: json['contentType'] } : {}),
    content,
    isInline: json['isInline'] === true,
    ...(contentId ? { contentId } : {}),
  };
}

/** Properties only a draft may change (Exchange: ErrorInvalidPropertyUpdateSentMessage otherwise). */
export const DRAFT_ONLY_PROPERTIES = new Set(['subject', 'body', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo', 'from', 'sender', 'internetMessageId', 'internetMessageHeaders', 'attachments', 'isDeliveryReceiptRequested']);
