import type { SimResponse } from '../server/http-types.js';
import type { MailFolder } from '../state/mail-folder.js';
import type { StoredMessage } from '../state/stored-message.js';
import { type GraphContext, json } from './graph-context.js';
import { GraphError } from './graph-error.js';
import { parseMessageSelect, serializeMessage } from './graph-serializer.js';
import { parseFilter } from './odata-query.js';

/** Default page size of a delta response when the client sets no `Prefer: odata.maxpagesize`. */
const DEFAULT_PAGE = 10;
const MAX_PAGE = 1000;

/**
 * State carried in `$skiptoken` (mid-round) and `$deltatoken` (between rounds): opaque to clients,
 * base64url JSON here. `since` is the sync point the round reports changes after (-1: initial
 * round, everything in the folder), `upTo` the mailbox sequence when the round started (the next
 * round's `since`), `after` the change sequence of the last entry returned. Paging by sequence, not
 * by offset, keeps a round consistent while the folder changes: an entry that changes again after
 * `upTo` leaves this round (it is reported in the next) without shifting the others.
 */
interface DeltaState {
  folder: string;
  since: number;
  upTo: number;
  after: number;
  select?: string;
  filter?: string;
}

function encode(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decode(token: string, folder: MailFolder): DeltaState {
  try {
    const state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaState;
    if (state.folder === folder.id && Number.isInteger(state.since) && Number.isInteger(state.upTo) && Number.isInteger(state.after)) return state;
  } catch {
    // fall through
  }
  throw new GraphError(400, 'BadRequest', 'The delta token or skip token is not valid.');
}

function pageSize(ctx: GraphContext): number {
  const prefer = String(ctx.request.headers['prefer'] ?? '');
  const match = /odata\.maxpagesize=(\d+)/i.exec(prefer);
  return match ? Math.max(1, Math.min(Number(match[1]), MAX_PAGE)) : DEFAULT_PAGE;
}

/**
 * GET …/mailFolders/{id}/messages/delta: the initial round lists the folder's messages page by page
 * (`@odata.nextLink` with `$skiptoken`), the last page carries `@odata.deltaLink` (`$deltatoken`);
 * later rounds return what was created, changed or removed (`@removed`) since then.
 */
export function messageDelta(ctx: GraphContext, folder: MailFolder, folderSegment: string): SimResponse {
  const query = ctx.request.url.searchParams;
  const skipToken = query.get('$skiptoken');
  const deltaToken = query.get('$deltatoken');
  const mailbox = ctx.target.mailbox;
  let state: DeltaState;
  if (skipToken) {
    state = decode(skipToken, folder);
  } else if (deltaToken) {
    const previous = decode(deltaToken, folder);
    state = { ...previous, since: previous.upTo, upTo: mailbox.seq, after: previous.upTo };
  } else {
    const select = query.get('$select');
    const filter = query.get('$filter');
    state = { folder: folder.id, since: -1, upTo: mailbox.seq, after: -1, ...(select ? { select } : {}), ...(filter ? { filter } : {}) };
  }
  const selection = parseMessageSelect(state.select ?? null);
  const filter = parseFilter(state.filter ?? null);

  type Entry = { seq: number } & ({ removed: true; id: string } | { removed: false; message: StoredMessage });
  let entries: Entry[];
  if (state.since < 0) {
    entries = [];
    for (const message of mailbox.messagesIn(folder)) {
      if (message.seq > state.upTo || message.seq <= state.after) continue;
      if (filter && !filter(message)) continue;
      entries.push({ seq: message.seq, removed: false, message });
    }
    entries.sort((a, b) => a.seq - b.seq);
  } else {
    const changes = mailbox.changesSince(folder, state.since);
    if (!changes) throw new GraphError(410, 'SyncStateNotFound', 'The sync state generation is no longer available. Restart the synchronization without a delta token.');
    entries = [];
    for (const change of changes) {
      if (change.seq > state.upTo || change.seq <= state.after) continue;
      if (change.kind === 'deleted') entries.push({ seq: change.seq, removed: true, id: change.messageId });
      else if (!filter || filter(change.message!)) entries.push({ seq: change.seq, removed: false, message: change.message! });
    }
  }

  const size = pageSize(ctx);
  const page = entries.slice(0, size);
  const value = page.map((entry) =>
    entry.removed ? { '@odata.type': '#microsoft.graph.message', id: entry.id, '@removed': { reason: 'deleted' } } : serializeMessage(entry.message, selection, ctx.preference, { '@odata.type': '#microsoft.graph.message' }),
  );
  const base = `${ctx.origin}/v1.0/${ctx.target.prefix}/mailFolders('${folderSegment}')/messages/delta`;
  const body: Record<string, unknown> = { '@odata.context': `${ctx.origin}/v1.0/$metadata#Collection(message)` };
  if (size < entries.length) {
    body['@odata.nextLink'] = `${base}?$skiptoken=${encode({ ...state, after: page[page.length - 1]!.seq })}`;
  } else {
    body['@odata.deltaLink'] = `${base}?$deltatoken=${encode({ ...state, after: state.upTo })}`;
  }
  body['value'] = value;
  const headers: Record<string, string> = {};
  if (/odata\.maxpagesize/i.test(String(ctx.request.headers['prefer'] ?? ''))) headers['preference-applied'] = `odata.maxpagesize=${size}`;
  return json(200, body, headers);
}
