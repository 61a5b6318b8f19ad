import type { GetMessageOptions, ReceivedAttachment, ReceivedMessage, ReceiveOptions } from '@mailbridge/core';
import { ATTACHMENT_EXPAND, ATTACHMENT_SELECT, convertFromGraphAttachment, convertFromGraphMessage, messageSelect } from './convert-from-graph-message.js';
import type { GraphCollectionPage, GraphFileAttachment, GraphMessage } from './graph-api.js';
import { GRAPH_MAX_PAGE_SIZE, type GraphRequester } from './graph-request.js';
import { invalidGraphResponse } from './map-graph-error.js';

/**
 * `receive()` over Graph: pages of a folder's messages, newest first, following only Graph's own next
 * links. Each page brings its messages' attachment metadata (`$expand=attachments($select=…)`), so a
 * receive costs one request per page against the mailbox's 10,000 per 10 minutes; the bytes of an
 * attachment are fetched only when its `content()` is called.
 */
export async function* receive(requester: GraphRequester, options: ReceiveOptions = {}): AsyncGenerator<ReceivedMessage> {
  requester.assertOpen();
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit <= 0) return;
  const folder = options.folder ?? 'inbox';
  const includeBody = options.includeBody ?? true;
  const top = Math.max(1, Math.min(options.pageSize ?? requester.settings.pageSize, GRAPH_MAX_PAGE_SIZE, limit));
  const filters: string[] = [];
  if (options.unreadOnly) filters.push('isRead eq false');
  if (options.since) filters.push(`receivedDateTime ge ${options.since.toISOString()}`);
  const query: Record<string, string> = {
    $select: messageSelect(includeBody),
    $orderby: encodeURIComponent('receivedDateTime desc'),
    $top: String(top),
    $expand: encodeURIComponent(ATTACHMENT_EXPAND),
  };
  if (filters.length > 0) query.$filter = encodeURIComponent(filters.join(' and '));
  const base = await requester.base();
  let path: string | undefined = `${base}/mailFolders/${encodeURIComponent(folder)}/messages`;
  let first = true;
  let yielded = 0;
  while (path !== undefined) {
    const response = await requester.request('GET', path, undefined, first ? { operation: 'read', query, signal: options.signal } : { operation: 'read', signal: options.signal });
    first = false;
    const page = await requester.json<GraphCollectionPage<GraphMessage>>(response);
    if (!Array.isArray(page?.value)) throw invalidGraphResponse('a message page has no "value" array', response.status, response.headers);
    const messages = await withAttachments(requester, page.value, folder, options.signal);
    for (const message of messages) {
      yield message;
      yielded += 1;
      if (yielded >= limit) return;
    }
    path = requester.nextLink(page['@odata.nextLink']);
  }
}

/**
 * Converts a page of messages with their attachment metadata: the expanded `attachments` when the
 * page carries them, else (delta pages, which take no `$expand`) one listing per message that has
 * attachments.
 */
export async function withAttachments(requester: GraphRequester, messages: GraphMessage[], folder: string, signal?: AbortSignal): Promise<ReceivedMessage[]> {
  const base = await requester.base();
  return Promise.all(
    messages.map(async (message) => {
      if (typeof message?.id !== 'string') throw invalidGraphResponse('a message has no id', 200);
      const messagePath = `${base}/messages/${encodeURIComponent(message.id)}`;
      let listed: GraphFileAttachment[] = [];
      if (Array.isArray(message.attachments)) {
        listed = message.attachments;
      } else if (message.hasAttachments === true) {
        const page = await requester.requestJson<GraphCollectionPage<GraphFileAttachment>>('GET', `${messagePath}/attachments`, undefined, {
          operation: 'read',
          signal,
          query: { $select: encodeURIComponent(ATTACHMENT_SELECT) },
        });
        listed = page?.value ?? [];
      }
      const attachments: ReceivedAttachment[] = listed.map((attachment) => convertFromGraphAttachment(attachment, (id) => attachmentContent(requester, `${messagePath}/attachments/${encodeURIComponent(id)}`)));
      return convertFromGraphMessage(message, folder, attachments);
    }),
  );
}

/**
 * `getMessage()` over Graph: `GET /users/{mailbox}/messages/{id}` with the listing's `$select` (and
 * `parentFolderId`) and the attachment metadata expanded: one request. The body comes as Exchange
 * stores it (HTML for an HTML or multipart/alternative message).
 */
export async function getMessage(requester: GraphRequester, id: string, options: GetMessageOptions = {}): Promise<ReceivedMessage> {
  requester.assertOpen();
  const base = await requester.base();
  const message = await requester.requestJson<GraphMessage>('GET', `${base}/messages/${encodeURIComponent(id)}`, undefined, {
    operation: 'read',
    signal: options.signal,
    query: {
      $select: `${messageSelect(options.includeBody ?? true)},parentFolderId`,
      $expand: encodeURIComponent(ATTACHMENT_EXPAND),
    },
  });
  if (typeof message?.id !== 'string') throw invalidGraphResponse('the message has no id', 200);
  const [received] = await withAttachments(requester, [message], typeof message.parentFolderId === 'string' ? message.parentFolderId : '', options.signal);
  return received!;
}

/** The bytes of one attachment (fetched when the caller asks for them). */
async function attachmentContent(requester: GraphRequester, attachmentPath: string): Promise<Uint8Array> {
  requester.assertOpen();
  const response = await requester.request('GET', `${attachmentPath}/$value`, undefined, { operation: 'read' });
  return new Uint8Array(await response.arrayBuffer());
}

/** `getMime()` over Graph: the message's `$value`. */
export async function getMime(requester: GraphRequester, id: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
  requester.assertOpen();
  const base = await requester.base();
  const response = await requester.request('GET', `${base}/messages/${encodeURIComponent(id)}/$value`, undefined, {
    operation: 'read',
    signal: options.signal,
  });
  return new Uint8Array(await response.arrayBuffer());
}
