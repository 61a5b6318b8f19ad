import { MailbridgeError, type SyncChange, type SyncOptions, type SyncResult } from '@mailbridge/core';
import { BasePropertySet, ChangeType, type ItemId, PropertySet, SyncFolderItemsScope } from 'ews-javascript-api';
import { getMessages } from './ews-receive.js';
import type { EwsRequester } from './ews-request.js';
import { decodeSyncCursor, encodeSyncCursor } from './sync-cursor.js';

/** `sync()` over EWS: one SyncFolderItems page; the cursor holds the folder and EWS's SyncState. */
export async function sync(requester: EwsRequester, options: SyncOptions = {}): Promise<SyncResult> {
  requester.assertOpen();
  const previous = options.cursor !== undefined ? decodeSyncCursor(options.cursor) : undefined;
  if (previous && options.folder !== undefined && options.folder !== previous.folder) {
    throw new MailbridgeError({ code: 'USAGE', message: `The sync cursor is for folder "${previous.folder}", not "${options.folder}".`, hint: 'Keep one cursor per folder.' });
  }
  const folderName = previous?.folder ?? options.folder ?? 'inbox';
  const pageSize = Math.max(1, Math.min(options.pageSize ?? 200, 512));
  const changes = await requester.call('idempotent', options.signal, 'SyncFolderItems', () =>
    requester.service.SyncFolderItems(requester.folderId(folderName), new PropertySet(BasePropertySet.IdOnly), null as unknown as ItemId[], pageSize, SyncFolderItemsScope.NormalItems, previous?.syncState ?? (null as unknown as string)),
  );
  const upserts: string[] = [];
  const ordered: Array<{ type: 'upsert'; id: string } | { type: 'removed'; id: string }> = [];
  for (const change of changes.GetEnumerator()) {
    const id = change.ItemId?.UniqueId ?? change.Item?.Id?.UniqueId;
    if (!id) continue;
    if (change.ChangeType === ChangeType.Delete) ordered.push({ type: 'removed', id });
    else {
      ordered.push({ type: 'upsert', id });
      upserts.push(id);
    }
  }
  const messages = new Map((await getMessages(requester, [...new Set(upserts)], folderName, true, options.signal)).map((message) => [message.id, message] as const));
  const out: SyncChange[] = [];
  for (const entry of ordered) {
    if (entry.type === 'removed') out.push({ type: 'removed', id: entry.id });
    else {
      const message = messages.get(entry.id);
      // Created and deleted again before GetItem: report it as removed.
      out.push(message ? { type: 'upsert', message } : { type: 'removed', id: entry.id });
    }
  }
  return { changes: out, cursor: encodeSyncCursor({ folder: folderName, syncState: changes.SyncState }), hasMore: changes.MoreChangesAvailable };
}
