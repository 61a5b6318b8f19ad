import type { CollapsedChange, MailFolder } from '../../state/mail-folder.js';
import { ewsError } from '../ews-error.js';
import { readItemShape } from '../items/item-shape.js';
import { messageXml } from '../items/message-xml.js';
import { failure, responseBody, success } from '../soap/response-messages.js';
import { child, children, mText, NS, type XNode } from '../xml/xml-node.js';
import { el, empty, wrap } from '../xml/xml-writer.js';
import { firstFolderId, type OperationContext, perItem, resolveFolder } from './operation-context.js';

/** Marks our sync states, so a foreign or damaged one is recognised (ErrorInvalidSyncStateData). */
const SYNC_STATE_PREFIX = 'MBSYNC1';

/** An opaque SyncState: the folder and the mailbox change sequence number it covers. */
function encodeSyncState(folder: MailFolder, seq: number): string {
  return Buffer.from(`${SYNC_STATE_PREFIX}:${folder.id}:${seq}`, 'utf8').toString('base64');
}

function decodeSyncState(folder: MailFolder, state: string): number {
  const text = Buffer.from(state, 'base64').toString('utf8');
  const [prefix, folderId, seq] = text.split(':');
  const value = Number(seq);
  if (prefix !== SYNC_STATE_PREFIX || folderId !== folder.id || !Number.isInteger(value) || value < 0) throw ewsError('ErrorInvalidSyncStateData');
  return value;
}

/**
 * SyncFolderItems: the net changes of a folder since a SyncState (Create, Update, Delete,
 * ReadFlagChange), at most MaxChangesReturned per call, from the per-folder change log the shared
 * store keeps for Graph delta and EWS alike.
 */
export async function syncFolderItems(ctx: OperationContext, op: XNode): Promise<string> {
  const result = await perItem(async () => {
    const shape = readItemShape(child(op, NS.messages, 'ItemShape'), { requestVersion: ctx.requestVersion });
    const { mailbox, folder } = resolveFolder(ctx, firstFolderId(child(op, NS.messages, 'SyncFolderId')));
    const stateText = mText(op, 'SyncState')?.trim();
    const since = stateText ? decodeSyncState(folder, stateText) : 0;
    const max = Math.max(1, Math.min(512, Number(mText(op, 'MaxChangesReturned') ?? '512')));
    const ignore = new Set(children(child(op, NS.messages, 'Ignore'), NS.types, 'ItemId').map((id) => id.attrs['Id']));
    let changes: CollapsedChange[] | undefined = mailbox.changesSince(folder, since);
    if (!changes) {
      if (stateText) throw ewsError('ErrorInvalidSyncStateData');
      // The log was trimmed: a first sync lists the folder's current content instead.
      changes = mailbox
        .messagesIn(folder)
        .map((message) => ({ kind: 'created' as const, messageId: message.id, ewsId: message.ewsId, seq: message.seq, message }))
        .sort((a, b) => a.seq - b.seq);
    }
    if (!stateText) changes = changes.filter((change) => change.kind !== 'deleted').map((change) => ({ ...change, kind: 'created' as const }));
    const page = changes.slice(0, max);
    const last = page.length === changes.length;
    const nextSeq = last ? mailbox.seq : page[page.length - 1]!.seq;
    const xml: string[] = [];
    for (const change of page) {
      if (ignore.has(change.ewsId)) continue;
      if (change.kind === 'deleted') xml.push(wrap('t:Delete', empty('t:ItemId', { Id: change.ewsId })));
      else if (change.kind === 'read-flag') {
        xml.push(wrap('t:ReadFlagChange', empty('t:ItemId', { Id: change.message!.ewsId, ChangeKey: change.message!.changeKey }) + el('t:IsRead', change.message!.isRead)));
      } else {
        const tag = change.kind === 'created' ? 't:Create' : 't:Update';
        xml.push(wrap(tag, await messageXml(mailbox, change.message!, shape, 'sync')));
      }
    }
    return el('m:SyncState', encodeSyncState(folder, nextSeq)) + el('m:IncludesLastItemInRange', last) + wrap('m:Changes', xml.join(''));
  });
  return responseBody('SyncFolderItems', [result.ok ? success(result.value) : failure(result.error, '<m:SyncState/><m:IncludesLastItemInRange>true</m:IncludesLastItemInRange>')]);
}
