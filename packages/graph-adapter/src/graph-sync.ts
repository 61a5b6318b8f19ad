import { MailbridgeError, type SyncChange, type SyncOptions, type SyncResult } from '@mailbridge/core';
import { messageSelect } from './convert-from-graph-message.js';
import type { GraphCollectionPage, GraphMessage } from './graph-api.js';
import { withAttachments } from './graph-receive.js';
import { GRAPH_MAX_PAGE_SIZE, type GraphCallOptions, type GraphRequester } from './graph-request.js';
import { invalidGraphResponse } from './map-graph-error.js';
import { decodeSyncCursor, encodeSyncCursor } from './sync-cursor.js';

/** `sync()` over Graph: one page of a folder's delta query; the cursor holds the next or delta link. */
export async function sync(requester: GraphRequester, options: SyncOptions = {}): Promise<SyncResult> {
  requester.assertOpen();
  let folder = options.folder ?? 'inbox';
  let path: string;
  let query: Record<string, string> | undefined;
  if (options.cursor !== undefined) {
    const state = decodeSyncCursor(options.cursor, requester.graphOrigin);
    if (options.folder !== undefined && options.folder !== state.folder) {
      throw new MailbridgeError({
        code: 'USAGE',
        message: `The sync cursor is for folder "${state.folder}", not "${options.folder}".`,
        hint: 'Keep one cursor per folder.',
      });
    }
    folder = state.folder;
    path = state.link;
  } else {
    path = `${await requester.base()}/mailFolders/${encodeURIComponent(folder)}/messages/delta`;
    query = { $select: messageSelect(true) };
  }
  const headers: Record<string, string> = { Prefer: `odata.maxpagesize=${Math.min(options.pageSize ?? requester.settings.pageSize, GRAPH_MAX_PAGE_SIZE)}` };
  const callOptions: GraphCallOptions = { operation: 'read', headers, signal: options.signal };
  if (query) callOptions.query = query;
  const response = await requester.request('GET', path, undefined, callOptions);
  const page = await requester.json<GraphCollectionPage<GraphMessage>>(response);
  if (!Array.isArray(page?.value)) throw invalidGraphResponse('a delta page has no "value" array', response.status, response.headers);
  const next = requester.nextLink(page['@odata.nextLink']);
  const delta = requester.nextLink(page['@odata.deltaLink']);
  const link = next ?? delta;
  if (link === undefined) throw invalidGraphResponse('a delta page has neither @odata.nextLink nor @odata.deltaLink', response.status, response.headers);
  const removed = page.value.filter((entry) => entry['@removed'] !== undefined);
  const upserts = await withAttachments(
    requester,
    page.value.filter((entry) => entry['@removed'] === undefined),
    folder,
    options.signal,
  );
  const changes: SyncChange[] = [...upserts.map((message): SyncChange => ({ type: 'upsert', message })), ...removed.map((entry): SyncChange => ({ type: 'removed', id: entry.id }))];
  return { changes, cursor: encodeSyncCursor({ v: 1, folder, link }), hasMore: next !== undefined };
}
