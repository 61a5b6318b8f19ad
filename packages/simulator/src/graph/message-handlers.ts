import { sendMessage } from '../mail/mail-flow.js';
import { type MessageParts, messageFromParts } from '../mail/message-parts.js';
import { buildMime } from '../mail/mime-builder.js';
import { MimeParseError, parseMime } from '../mail/mime-parser.js';
import { SendingLimitError } from '../mail/sending-limits.js';
import type { SimResponse } from '../server/http-types.js';
import type { MailFolder } from '../state/mail-folder.js';
import type { StoredAddress, StoredMessage } from '../state/stored-message.js';
import { empty, type GraphContext, json } from './graph-context.js';
import { GraphError } from './graph-error.js';
import { parseMessageSelect, selectContextSuffix, serializeMessage } from './graph-serializer.js';
import { checkRecipients, DRAFT_ONLY_PROPERTIES, decodeMimeBody, type MessageInput, parseMessageJson, readJson } from './message-input.js';
import { expandedMessageProperties, parseMessageExpand } from './odata-expand.js';
import { parseCount, parseFilter, parseOrderBy } from './odata-query.js';

/** Graph's default and largest page sizes for messages. */
const DEFAULT_TOP = 10;
const MAX_TOP = 1000;

const ITEM_NOT_FOUND = 'The specified object was not found in the store.';

/** A message of the target mailbox by id (optionally required to be in `folder`). */
export function findMessage(ctx: GraphContext, id: string, folder?: MailFolder): StoredMessage {
  const message = ctx.target.mailbox.message(id);
  if (!message || (folder && message.folderId !== folder.id)) {
    if (!/^[A-Za-z0-9+/_=-]{8,}$/.test(id)) throw new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    throw new GraphError(404, 'ErrorItemNotFound', ITEM_NOT_FOUND);
  }
  return message;
}

/** A folder of the target mailbox by id or well-known name. */
export function findFolder(ctx: GraphContext, idOrName: string): MailFolder {
  const folder = ctx.target.mailbox.folder(idOrName);
  if (!folder) throw new GraphError(404, 'ErrorItemNotFound', ITEM_NOT_FOUND);
  return folder;
}

function isMimeRequest(ctx: GraphContext): boolean {
  return String(ctx.request.headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('text/plain');
}

/** GET …/messages and …/mailFolders/{id}/messages, with $select/$filter/$orderby/$top/$skip/$expand and nextLink. */
export function listMessages(ctx: GraphContext, folder: MailFolder | undefined, folderSegment: string | undefined): SimResponse {
  const query = ctx.request.url.searchParams;
  const selection = parseMessageSelect(query.get('$select'));
  const expansion = parseMessageExpand(query.get('$expand'));
  const filter = parseFilter(query.get('$filter'));
  const order = parseOrderBy(query.get('$orderby'));
  // Outlook documents $top "within the range of 1 and 1000"; larger values are served as 1000.
  const top = Math.min(parseCount(query.get('$top'), '$top', DEFAULT_TOP), MAX_TOP);
  if (top < 1) throw new GraphError(400, 'BadRequest', 'The $top query option must be between 1 and 1000.');
  const skip = parseCount(query.get('$skip'), '$skip', 0);
  const mailbox = ctx.target.mailbox;

  // The default order (receivedDateTime desc) is the folder's cached order: no sort per request.
  let messages: StoredMessage[];
  if (folder) {
    messages = mailbox.messagesIn(folder);
  } else {
    // /messages spans every folder of the mailbox.
    messages = [];
    for (const candidate of mailbox.folders.values()) messages.push(...mailbox.messagesIn(candidate));
    messages.sort((a, b) => (a.receivedDateTime < b.receivedDateTime ? 1 : a.receivedDateTime > b.receivedDateTime ? -1 : 0));
  }
  if (filter) messages = messages.filter(filter);
  if (order) messages = [...messages].sort(order);

  const page = messages.slice(skip, skip + top);
  const value = page.map((message) => ({ ...serializeMessage(message, selection, ctx.preference), ...expandedMessageProperties(message, expansion, ctx.contextBase) }));
  const collection = folder ? `mailFolders('${folderSegment}')/messages` : 'messages';
  const selectSuffix = selectContextSuffix(query.get('$select'));
  const body: Record<string, unknown> = { '@odata.context': `${ctx.contextBase}/${collection}${selectSuffix}`, value };
  if (skip + top < messages.length) {
    const next = new URL(ctx.request.url.pathname, ctx.origin);
    for (const [key, val] of query) if (key !== '$skip') next.searchParams.set(key, val);
    next.searchParams.set('$top', String(top));
    next.searchParams.set('$skip', String(skip + top));
    body['@odata.nextLink'] = next.toString();
  }
  return json(200, body, preferenceApplied(ctx));
}

function preferenceApplied(ctx: GraphContext): Record<string, string> {
  return ctx.preference ? { 'preference-applied': `outlook.body-content-type="${ctx.preference}"` } : {};
}

/** GET …/messages/{id}, with $select and $expand. */
export function getMessage(ctx: GraphContext, message: StoredMessage): SimResponse {
  const selection = parseMessageSelect(ctx.request.url.searchParams.get('$select'));
  const expansion = parseMessageExpand(ctx.request.url.searchParams.get('$expand'));
  const selectSuffix = selectContextSuffix(ctx.request.url.searchParams.get('$select'));
  return json(
    200,
    { ...serializeMessage(message, selection, ctx.preference, { '@odata.context': `${ctx.contextBase}/messages${selectSuffix}/$entity` }), ...expandedMessageProperties(message, expansion, ctx.contextBase) },
    preferenceApplied(ctx),
  );
}

/** GET …/messages/{id}/$value: the MIME form. */
export async function getMessageMime(message: StoredMessage): Promise<SimResponse> {
  if (!message.mime) message.mime = await buildMime(message, { includeBcc: message.isDraft || message.bccRecipients.length > 0 });
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: message.mime };
}

function applyInput(message: StoredMessage, input: MessageInput): void {
  if (input.subject !== undefined) message.subject = input.subject;
  if (input.html !== undefined) {
    message.body = { contentType: 'html', content: input.html };
    message.bodyHtml = input.html;
    delete message.bodyText;
  } else if (input.text !== undefined) {
    message.body = { contentType: 'text', content: input.text };
    message.bodyText = input.text;
    delete message.bodyHtml;
  }
  if (input.to) message.toRecipients = input.to;
  if (input.cc) message.ccRecipients = input.cc;
  if (input.bcc) message.bccRecipients = input.bcc;
  if (input.replyTo) message.replyTo = input.replyTo;
  if (input.from) message.from = input.from;
  if (input.sender) message.sender = input.sender;
  if (input.importance) message.importance = input.importance;
  if (input.isRead !== undefined) message.isRead = input.isRead;
  if (input.isDeliveryReceiptRequested !== undefined) message.isDeliveryReceiptRequested = input.isDeliveryReceiptRequested;
  if (input.isReadReceiptRequested !== undefined) message.isReadReceiptRequested = input.isReadReceiptRequested;
  if (input.categories) message.categories = input.categories;
  if (input.flag) message.flag = input.flag;
  if (input.inferenceClassification) message.inferenceClassification = input.inferenceClassification;
  if (input.internetMessageId) message.internetMessageId = input.internetMessageId;
  if (input.headers) message.internetMessageHeaders = input.headers;
  if (input.deleteAfterSubmit !== undefined) message.deleteAfterSubmit = input.deleteAfterSubmit;
}

/** PATCH …/messages/{id}: isRead and the other updatable properties (content only on drafts). */
export function patchMessage(ctx: GraphContext, message: StoredMessage): SimResponse {
  const input = parseMessageJson(readJson(ctx.request.body));
  if (!message.isDraft) {
    for (const property of input.present) {
      if (DRAFT_ONLY_PROPERTIES.has(property)) {
        throw new GraphError(400, 'ErrorInvalidPropertyUpdateSentMessage', 'Update operation is invalid for property of a sent message.');
      }
    }
  }
  const onlyRead = input.present.size === 1 && input.present.has('isRead');
  if (onlyRead) {
    ctx.target.mailbox.setRead(message, input.isRead!, ctx.state.nowIso());
  } else if (input.present.size > 0) {
    applyInput(message, input);
    ctx.target.mailbox.touch(message, ctx.state.nowIso(), 'updated', true);
  }
  return json(200, serializeMessage(message, undefined, ctx.preference, { '@odata.context': `${ctx.contextBase}/messages/$entity` }));
}

/** DELETE …/messages/{id}. */
export function deleteMessage(ctx: GraphContext, message: StoredMessage): SimResponse {
  ctx.target.mailbox.remove(message);
  return empty(204);
}

/** POST …/messages/{id}/move {destinationId}: 201 with the moved message under its new id. */
export function moveMessage(ctx: GraphContext, message: StoredMessage): SimResponse {
  const body = readJson(ctx.request.body);
  const destinationId = body['destinationId'] ?? body['DestinationId'];
  if (typeof destinationId !== 'string' || destinationId === '') {
    throw new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
  }
  const destination = findFolder(ctx, destinationId);
  ctx.target.mailbox.move(message, destination, ctx.state.nowIso());
  return json(201, serializeMessage(message, undefined, ctx.preference, { '@odata.context': `${ctx.origin}/v1.0/$metadata#message`, '@odata.type': '#microsoft.graph.message' }));
}

/** The mailbox owner as a recipient (the default From of what the mailbox sends). */
function owner(ctx: GraphContext): StoredAddress {
  const user = ctx.target.user;
  return user.displayName ? { name: user.displayName, address: user.mail } : { address: user.mail };
}

/**
 * Send-as rule: a From other than the mailbox itself needs SendAs on that address (seeded as the
 * from-user's `sendAs` list); otherwise ErrorSendAsDenied, as Exchange answers.
 */
function checkSendAs(ctx: GraphContext, from: StoredAddress | undefined): void {
  if (!from) return;
  const address = from.address.toLowerCase();
  if (address === ctx.target.mailbox.address) return;
  const fromUser = ctx.state.user(address);
  const allowed = fromUser?.sendAs?.some((entry) => entry.toLowerCase() === ctx.target.mailbox.address) ?? false;
  if (!allowed) {
    throw new GraphError(403, 'ErrorSendAsDenied', 'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.');
  }
}

async function partsFromMime(ctx: GraphContext): Promise<MessageParts> {
  const mime = decodeMimeBody(ctx.request.body);
  try {
    const parts = await parseMime(mime);
    return parts;
  } catch (error) {
    if (error instanceof MimeParseError) throw new GraphError(400, 'ErrorMimeContentInvalid', 'The MIME content is not valid.');
    throw error;
  }
}

/** POST …/messages and …/mailFolders/{id}/messages: a draft from JSON or from base64 MIME. */
export async function createMessage(ctx: GraphContext, folder: MailFolder): Promise<SimResponse> {
  const nowIso = ctx.state.nowIso();
  let parts: MessageParts;
  let input: MessageInput | undefined;
  if (isMimeRequest(ctx)) {
    parts = await partsFromMime(ctx);
  } else {
    input = parseMessageJson(readJson(ctx.request.body));
    parts = { ...input, to: input.to ?? [] };
  }
  const stored = ctx.target.mailbox.add(folder, messageFromParts(parts, { nowIso, isDraft: true, isRead: true }));
  if (input) {
    // Flag, classification and the other non-content properties of a JSON draft.
    if (input.flag) stored.flag = input.flag;
    if (input.inferenceClassification) stored.inferenceClassification = input.inferenceClassification;
    if (input.deleteAfterSubmit !== undefined) stored.deleteAfterSubmit = input.deleteAfterSubmit;
  }
  return json(201, serializeMessage(stored, undefined, ctx.preference, { '@odata.context': `${ctx.contextBase}/messages/$entity` }));
}

/** POST …/messages/{id}/send: sends a draft (202); the sent item goes to Sent Items. */
export async function sendDraft(ctx: GraphContext, message: StoredMessage): Promise<SimResponse> {
  if (!message.isDraft) throw new GraphError(400, 'ErrorInvalidOperation', 'Only draft messages can be sent.');
  checkRecipients({ to: message.toRecipients, cc: message.ccRecipients, bcc: message.bccRecipients });
  checkSendAs(ctx, message.from);
  if (!message.from) message.from = owner(ctx);
  if (!message.sender) message.sender = message.from.address.toLowerCase() === ctx.target.mailbox.address ? message.from : owner(ctx);
  await sendMessage(ctx.state, ctx.target.mailbox, message, { saveToSentItems: message.deleteAfterSubmit !== true });
  return empty(202);
}

/** POST …/sendMail: JSON (`{message, saveToSentItems}`) or base64 MIME (text/plain). */
export async function sendMail(ctx: GraphContext): Promise<SimResponse> {
  const nowIso = ctx.state.nowIso();
  let parts: MessageParts;
  let saveToSentItems = true;
  if (isMimeRequest(ctx)) {
    parts = await partsFromMime(ctx);
  } else {
    const body = readJson(ctx.request.body);
    const message = body['message'] ?? body['Message'];
    if (!message || typeof message !== 'object') throw new GraphError(400, 'ErrorInvalidArgument', "The 'message' parameter is required.");
    const input = parseMessageJson(message as Record<string, unknown>);
    parts = { ...input, to: input.to ?? [] };
    const save = body['saveToSentItems'] ?? body['SaveToSentItems'];
    if (save !== undefined) {
      if (save === false || save === 'false' || save === 'False') saveToSentItems = false;
      else if (save !== true && save !== 'true' && save !== 'True') throw new GraphError(400, 'RequestBodyRead', "Cannot convert the literal to the expected type for property 'saveToSentItems'.");
    }
  }
  checkRecipients(parts);
  checkSendAs(ctx, parts.from);
  const from = parts.from ?? owner(ctx);
  const stored = ctx.target.mailbox.add(
    ctx.target.mailbox.wellKnown('drafts'),
    messageFromParts({ ...parts, from, sender: from.address.toLowerCase() === ctx.target.mailbox.address ? from : owner(ctx) }, { nowIso, isDraft: true, isRead: true }),
  );
  try {
    await sendMessage(ctx.state, ctx.target.mailbox, stored, { saveToSentItems });
  } catch (error) {
    // sendMail is one call: a refused message leaves no draft behind.
    if (error instanceof SendingLimitError) ctx.target.mailbox.remove(stored);
    throw error;
  }
  return empty(202);
}
