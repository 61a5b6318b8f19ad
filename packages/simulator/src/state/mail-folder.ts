import type { StoredMessage } from './stored-message.js';

/** Well-known folder names Graph accepts in place of an id (EWS DistinguishedFolderId uses the same names). */
export const WELL_KNOWN_FOLDERS = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive', 'junkemail', 'outbox'] as const;
export type WellKnownFolder = (typeof WELL_KNOWN_FOLDERS)[number];

/** Display names Exchange gives the well-known folders (English mailbox). */
export const WELL_KNOWN_DISPLAY_NAMES: Record<WellKnownFolder | 'msgfolderroot', string> = {
  msgfolderroot: 'Top of Information Store',
  inbox: 'Inbox',
  sentitems: 'Sent Items',
  drafts: 'Drafts',
  deleteditems: 'Deleted Items',
  archive: 'Archive',
  junkemail: 'Junk Email',
  outbox: 'Outbox',
};

/** Kinds of change recorded per folder, enough for Graph delta and EWS SyncFolderItems alike. */
export type FolderChangeKind = 'created' | 'updated' | 'read-flag' | 'removed';

/** One entry of a folder's change log. */
export interface FolderChange {
  seq: number;
  kind: FolderChangeKind;
  /** Graph id of the message at the time of the change (a moved message left under its old id). */
  messageId: string;
  /** EWS ItemId at the time of the change. */
  ewsId: string;
}

/** The net effect of a folder's changes since a sync point, one entry per message. */
export interface CollapsedChange {
  kind: 'created' | 'updated' | 'read-flag' | 'deleted';
  messageId: string;
  ewsId: string;
  /** Sequence number of the last change, to order the result and to page through it. */
  seq: number;
  /** The message as it is now; absent for `deleted`. */
  message?: StoredMessage;
}

/** A mail folder of a mailbox. */
export interface MailFolder {
  /** Graph folder id. */
  id: string;
  /** EWS FolderId. */
  ewsId: string;
  changeKey: string;
  wellKnownName?: WellKnownFolder | 'msgfolderroot';
  displayName: string;
  parentFolderId: string;
  /** Graph ids of the messages in this folder (insertion order). */
  messageIds: Set<string>;
  /** Change log; entries older than {@link trimmedBeforeSeq} have been dropped to bound memory. */
  changes: FolderChange[];
  /** Sync points before this sequence can no longer be answered (Graph 410 / EWS ErrorInvalidSyncStateData). */
  trimmedBeforeSeq: number;
  /** Messages sorted by receivedDateTime descending, rebuilt lazily after a change. */
  sortedCache?: StoredMessage[];
}
