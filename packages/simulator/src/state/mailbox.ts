import { type ConversationRef, childConversationIndex, messageIdKey, parentMessageIds } from './conversation-threading.js';
import { ids } from './ids.js';
import { type CollapsedChange, type FolderChangeKind, type MailFolder, WELL_KNOWN_DISPLAY_NAMES, WELL_KNOWN_FOLDERS, type WellKnownFolder } from './mail-folder.js';
import type { StoredMessage } from './stored-message.js';

/** Per-folder change-log bound: enough for any test's sync, small enough for 10,000-message mailboxes. */
const MAX_CHANGES_PER_FOLDER = 50_000;

/** What a caller supplies to add a message; ids, change key, seq and folder are the mailbox's job. */
export type NewMessage = Omit<StoredMessage, 'id' | 'ewsId' | 'changeKey' | 'mailbox' | 'folderId' | 'seq'>;

/**
 * One mailbox: its folders, its messages and their change log. Both Graph and EWS act on it, so
 * every mutation goes through here and is logged once for both protocols' sync.
 */
export class Mailbox {
  readonly folders = new Map<string, MailFolder>();
  private readonly foldersByEwsId = new Map<string, MailFolder>();
  private readonly foldersByName = new Map<string, MailFolder>();
  private readonly byId = new Map<string, StoredMessage>();
  private readonly byEwsId = new Map<string, StoredMessage>();
  /** Conversation of each Message-ID the mailbox has held, to thread replies (kept after a delete, as a thread outlives a message). */
  private readonly conversations = new Map<string, ConversationRef>();
  private seqCounter = 0;
  readonly root: MailFolder;

  constructor(
    /** Lower-case primary SMTP address. */
    readonly address: string,
    readonly userId: string,
    readonly tenantId: string,
  ) {
    this.root = this.createFolder('Top of Information Store', undefined, 'msgfolderroot');
    for (const name of WELL_KNOWN_FOLDERS) this.createFolder(WELL_KNOWN_DISPLAY_NAMES[name], this.root.id, name);
  }

  /** The current end of the change sequence (a sync point). */
  get seq(): number {
    return this.seqCounter;
  }

  /** Creates a folder under `parentId` (the root's parent is itself, as Exchange reports). */
  createFolder(displayName: string, parentId: string | undefined, wellKnownName?: WellKnownFolder | 'msgfolderroot'): MailFolder {
    const id = ids.graph();
    const folder: MailFolder = {
      id,
      ewsId: ids.ews(),
      changeKey: ids.changeKey(),
      displayName,
      parentFolderId: parentId ?? id,
      messageIds: new Set(),
      changes: [],
      trimmedBeforeSeq: 0,
      ...(wellKnownName ? { wellKnownName } : {}),
    };
    this.folders.set(folder.id, folder);
    this.foldersByEwsId.set(folder.ewsId, folder);
    if (wellKnownName) this.foldersByName.set(wellKnownName, folder);
    return folder;
  }

  /** A folder by Graph id, EWS id or well-known name (case-insensitive). */
  folder(idOrName: string): MailFolder | undefined {
    return this.folders.get(idOrName) ?? this.foldersByEwsId.get(idOrName) ?? this.foldersByName.get(idOrName.toLowerCase());
  }

  /** A well-known folder, which always exists. */
  wellKnown(name: WellKnownFolder | 'msgfolderroot'): MailFolder {
    return this.foldersByName.get(name)!;
  }

  /** A message by Graph id. */
  message(id: string): StoredMessage | undefined {
    return this.byId.get(id);
  }

  /** A message by EWS ItemId. */
  messageByEwsId(ewsId: string): StoredMessage | undefined {
    return this.byEwsId.get(ewsId);
  }

  /** Every message of the mailbox. */
  allMessages(): IterableIterator<StoredMessage> {
    return this.byId.values();
  }

  /** Messages of a folder, newest received first (cached until the folder changes). */
  messagesIn(folder: MailFolder): StoredMessage[] {
    if (!folder.sortedCache) {
      const list: StoredMessage[] = [];
      for (const id of folder.messageIds) list.push(this.byId.get(id)!);
      list.sort((a, b) => (a.receivedDateTime < b.receivedDateTime ? 1 : a.receivedDateTime > b.receivedDateTime ? -1 : b.seq - a.seq));
      folder.sortedCache = list;
    }
    return folder.sortedCache;
  }

  /** Unread count of a folder. */
  unreadCount(folder: MailFolder): number {
    let unread = 0;
    for (const id of folder.messageIds) if (!this.byId.get(id)!.isRead) unread++;
    return unread;
  }

  /**
   * Adds a message to a folder (delivery, draft, seed). A reply (its In-Reply-To or References name a
   * message this mailbox holds) joins that message's conversation, as Exchange threads it.
   */
  add(folder: MailFolder, init: NewMessage): StoredMessage {
    const message: StoredMessage = {
      ...init,
      id: ids.graph(),
      ewsId: ids.ews(),
      changeKey: ids.changeKey(),
      mailbox: this.address,
      folderId: folder.id,
      seq: 0,
    };
    this.thread(message);
    this.index(message, folder);
    this.log(folder, 'created', message);
    return message;
  }

  /**
   * Records a change to a message's properties: new change key, lastModifiedDateTime, and a log entry.
   * `readOnly` marks a change of the read flag alone (EWS SyncFolderItems reports it as ReadFlagChange).
   */
  touch(message: StoredMessage, nowIso: string, kind: 'updated' | 'read-flag' = 'updated', contentChanged = false): void {
    message.changeKey = ids.changeKey();
    message.lastModifiedDateTime = nowIso;
    if (contentChanged) delete message.mime;
    const folder = this.folders.get(message.folderId)!;
    folder.sortedCache = undefined;
    this.log(folder, kind, message);
  }

  /** Sets the read flag (a no-op, not logged, when unchanged). */
  setRead(message: StoredMessage, isRead: boolean, nowIso: string): void {
    if (message.isRead === isRead) return;
    message.isRead = isRead;
    this.touch(message, nowIso, 'read-flag');
  }

  /** Moves a message; like Exchange Online it gets new Graph and EWS ids in the destination. */
  move(message: StoredMessage, destination: MailFolder, nowIso: string): StoredMessage {
    const source = this.folders.get(message.folderId)!;
    if (source === destination) return message;
    this.unindex(message, source);
    this.log(source, 'removed', message);
    message.id = ids.graph();
    message.ewsId = ids.ews();
    message.changeKey = ids.changeKey();
    message.lastModifiedDateTime = nowIso;
    this.index(message, destination);
    this.log(destination, 'created', message);
    return message;
  }

  /** Deletes a message for good. */
  remove(message: StoredMessage): void {
    const folder = this.folders.get(message.folderId)!;
    this.unindex(message, folder);
    this.log(folder, 'removed', message);
  }

  /**
   * The net changes of a folder after sync point `sinceSeq` (exclusive), one per message, ordered by
   * their last change. Returns undefined when the log no longer reaches back that far.
   */
  changesSince(folder: MailFolder, sinceSeq: number): CollapsedChange[] | undefined {
    if (sinceSeq < folder.trimmedBeforeSeq) return undefined;
    const perMessage = new Map<string, { first: FolderChangeKind; last: FolderChangeKind; onlyRead: boolean; seq: number; ewsId: string }>();
    const log = folder.changes;
    // The log is ordered by seq: binary search for the first entry after the sync point.
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (log[mid]!.seq <= sinceSeq) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < log.length; i++) {
      const change = log[i]!;
      const entry = perMessage.get(change.messageId);
      if (entry) {
        entry.last = change.kind;
        entry.seq = change.seq;
        entry.onlyRead &&= change.kind === 'read-flag';
      } else {
        perMessage.set(change.messageId, { first: change.kind, last: change.kind, onlyRead: change.kind === 'read-flag', seq: change.seq, ewsId: change.ewsId });
      }
    }
    const result: CollapsedChange[] = [];
    for (const [messageId, entry] of perMessage) {
      if (entry.last === 'removed') {
        // Created and gone again since the sync point: the client never saw it.
        if (entry.first !== 'created') result.push({ kind: 'deleted', messageId, ewsId: entry.ewsId, seq: entry.seq });
        continue;
      }
      const message = this.byId.get(messageId);
      if (!message || message.folderId !== folder.id) continue;
      const kind = entry.first === 'created' ? 'created' : entry.onlyRead ? 'read-flag' : 'updated';
      result.push({ kind, messageId, ewsId: message.ewsId, seq: entry.seq, message });
    }
    result.sort((a, b) => a.seq - b.seq);
    return result;
  }

  /** Joins the conversation of the message it answers, if held here; records its own. */
  thread(message: StoredMessage): void {
    for (const parentId of parentMessageIds(message)) {
      const parent = this.conversations.get(messageIdKey(parentId));
      if (!parent) continue;
      if (message.conversationId !== parent.conversationId) {
        message.conversationId = parent.conversationId;
        message.conversationIndex = childConversationIndex(parent.conversationIndex);
      }
      break;
    }
    if (message.internetMessageId) this.conversations.set(messageIdKey(message.internetMessageId), { conversationId: message.conversationId, conversationIndex: message.conversationIndex });
  }

  private index(message: StoredMessage, folder: MailFolder): void {
    message.folderId = folder.id;
    this.byId.set(message.id, message);
    this.byEwsId.set(message.ewsId, message);
    folder.messageIds.add(message.id);
    folder.sortedCache = undefined;
  }

  private unindex(message: StoredMessage, folder: MailFolder): void {
    this.byId.delete(message.id);
    this.byEwsId.delete(message.ewsId);
    folder.messageIds.delete(message.id);
    folder.sortedCache = undefined;
  }

  private log(folder: MailFolder, kind: FolderChangeKind, message: StoredMessage): void {
    const seq = ++this.seqCounter;
    message.seq = seq;
    folder.changes.push({ seq, kind, messageId: message.id, ewsId: message.ewsId });
    if (folder.changes.length > MAX_CHANGES_PER_FOLDER) {
      const drop = folder.changes.length - MAX_CHANGES_PER_FOLDER / 2;
      folder.trimmedBeforeSeq = folder.changes[drop - 1]!.seq;
      folder.changes.splice(0, drop);
    }
  }
}
