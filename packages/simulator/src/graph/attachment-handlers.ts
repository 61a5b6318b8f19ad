import { Readable } from 'node:stream';
import { newAttachment } from '../mail/message-parts.js';
import type { SimResponse } from '../server/http-types.js';
import type { StoredAttachment, StoredMessage } from '../state/stored-message.js';
import { uploadUrl } from '../upload/upload-module.js';
import { UPLOAD_LIMITS } from '../upload/upload-sessions.js';
import { applyAttachmentSelect, parseAttachmentSelect } from './attachment-select.js';
import { type GraphContext, json } from './graph-context.js';
import { GraphError } from './graph-error.js';
import { serializeAttachment } from './graph-serializer.js';
import { parseFileAttachment, readJson } from './message-input.js';

/** The `$select` of an attachment request, parsed (undefined: everything). */
function selection(ctx: GraphContext): Set<string> | undefined {
  const selectParam = ctx.request.url.searchParams.get('$select');
  return selectParam === null || selectParam.trim() === '' ? undefined : parseAttachmentSelect(selectParam);
}

/** An attachment of a message by id. */
export function findAttachment(message: StoredMessage, id: string): StoredAttachment {
  const attachment = message.attachments.find((candidate) => candidate.id === id);
  if (!attachment) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  return attachment;
}

/** GET …/messages/{id}/attachments (file attachments carry contentBytes, as in Graph, unless $select leaves it out). */
export function listAttachments(ctx: GraphContext, message: StoredMessage): SimResponse {
  const select = selection(ctx);
  const withContent = !select || select.has('contentBytes');
  return json(200, {
    '@odata.context': `${ctx.contextBase}/messages('${message.id}')/attachments`,
    value: message.attachments.map((attachment) => applyAttachmentSelect(serializeAttachment(attachment, withContent), select)),
  });
}

/** GET …/attachments/{id}. */
export function getAttachment(ctx: GraphContext, message: StoredMessage, attachment: StoredAttachment): SimResponse {
  const select = selection(ctx);
  const withContent = !select || select.has('contentBytes');
  return json(200, {
    '@odata.context': `${ctx.contextBase}/messages('${message.id}')/attachments/$entity`,
    ...applyAttachmentSelect(serializeAttachment(attachment, withContent), select),
  });
}

/** GET …/attachments/{id}/$value: the raw bytes, streamed chunk by chunk. */
export function getAttachmentValue(attachment: StoredAttachment): SimResponse {
  const headers = { 'content-type': attachment.contentType, 'content-length': String(attachment.size) };
  // An uploaded attachment is many chunks: stream them instead of concatenating up to 150 MB.
  if (attachment.chunks.length === 1) return { status: 200, headers, body: attachment.chunks[0]! };
  return { status: 200, headers, body: Readable.from(attachment.chunks, { objectMode: false }) };
}

/** POST …/messages/{id}/attachments: a fileAttachment under 3 MB. */
export function addAttachment(ctx: GraphContext, message: StoredMessage): SimResponse {
  const input = parseFileAttachment(readJson(ctx.request.body));
  const nowIso = ctx.state.nowIso();
  const attachment = newAttachment(input, nowIso);
  message.attachments.push(attachment);
  ctx.target.mailbox.touch(message, nowIso, 'updated', true);
  return json(201, { '@odata.context': `${ctx.contextBase}/messages('${message.id}')/attachments/$entity`, ...serializeAttachment(attachment, true) });
}

/** DELETE …/attachments/{id}. */
export function deleteAttachment(ctx: GraphContext, message: StoredMessage, attachment: StoredAttachment): SimResponse {
  message.attachments = message.attachments.filter((candidate) => candidate !== attachment);
  ctx.target.mailbox.touch(message, ctx.state.nowIso(), 'updated', true);
  return { status: 204 };
}

/** POST …/attachments/createUploadSession {AttachmentItem}: 201 with the pre-authenticated upload URL. */
export function createUploadSession(ctx: GraphContext, message: StoredMessage): SimResponse {
  const body = readJson(ctx.request.body);
  const item = (body['AttachmentItem'] ?? body['attachmentItem']) as Record<string, unknown> | undefined;
  if (!item || typeof item !== 'object') throw new GraphError(400, 'ErrorInvalidArgument', "The 'AttachmentItem' parameter is required.");
  if (item['attachmentType'] !== undefined && item['attachmentType'] !== 'file') {
    throw new GraphError(400, 'ErrorInvalidArgument', `Upload sessions support attachmentType 'file' only; got '${String(item['attachmentType'])}'.`);
  }
  const name = item['name'];
  const size = item['size'];
  if (typeof name !== 'string' || name === '') throw new GraphError(400, 'ErrorInvalidArgument', 'The attachment name is required.');
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new GraphError(400, 'ErrorInvalidArgument', 'The attachment size must be a non-negative integer.');
  if (size < UPLOAD_LIMITS.minSize) {
    throw new GraphError(400, 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize', 'Attachment size must be greater than the minimum size.');
  }
  if (size > UPLOAD_LIMITS.maxSize) throw new GraphError(400, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
  const existing = message.attachments.reduce((total, attachment) => total + attachment.size, 0);
  if (existing + size > UPLOAD_LIMITS.maxSize) throw new GraphError(400, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
  const contentId = typeof item['contentId'] === 'string' ? item['contentId'] : undefined;
  const session = ctx.uploads.create({
    mailbox: ctx.target.mailbox,
    message,
    userId: ctx.target.user.id!,
    tenantId: ctx.target.user.tenantId,
    name,
    contentType: typeof item['contentType'] === 'string' ? item['contentType'] : 'application/octet-stream',
    size,
    isInline: item['isInline'] === true,
    ...(contentId ? { contentId } : {}),
    expiresAtMs: ctx.state.now() + UPLOAD_LIMITS.lifetimeMs,
  });
  return json(201, {
    '@odata.context': `${ctx.origin}/v1.0/$metadata#microsoft.graph.uploadSession`,
    uploadUrl: uploadUrl(ctx.uploadOrigin, session),
    expirationDateTime: new Date(session.expiresAtMs).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z'),
    nextExpectedRanges: ['0-'],
  });
}
