import { randomUUID } from 'node:crypto';
import type { MailFolder } from '../../state/mail-folder.js';
import type { Mailbox } from '../../state/mailbox.js';
import { EwsError, ewsError } from '../ews-error.js';
import { failure, responseBody, success } from '../soap/response-messages.js';
import { child, children, mText, NS, type XNode } from '../xml/xml-node.js';
import { el, empty, wrap } from '../xml/xml-writer.js';
import { type OperationContext, perItem, resolveFolder } from './operation-context.js';

/** Events per GetEvents answer; more are announced with MoreEvents. */
const MAX_EVENTS = 50;
const WATERMARK_PREFIX = 'MBWM1';

interface PullSubscription {
  id: string;
  /** Who may poll it: the caller and the mailbox it acted on. */
  owner: string;
  mailbox: Mailbox;
  /** Graph ids of the folders watched; undefined for SubscribeToAllFolders. */
  folderIds?: Set<string>;
  eventTypes: Set<string>;
  timeoutMs: number;
  lastPolled: number;
}

/** Pull subscriptions of one EWS endpoint (in memory, like the rest of the simulator's state). */
export class PullSubscriptions {
  readonly byId = new Map<string, PullSubscription>();
}

function ownerOf(ctx: OperationContext): string {
  const p = ctx.principal;
  return `${p.kind}|${p.clientId ?? ''}|${p.user?.mail.toLowerCase() ?? ''}|${ctx.mailbox.address}`;
}

export function encodeWatermark(seq: number): string {
  return Buffer.from(`${WATERMARK_PREFIX}:${seq}`, 'utf8').toString('base64');
}

function decodeWatermark(text: string): number {
  const [prefix, seq] = Buffer.from(text.trim(), 'base64').toString('utf8').split(':');
  const value = Number(seq);
  if (prefix !== WATERMARK_PREFIX || !Number.isInteger(value) || value < 0) throw ewsError('ErrorInvalidWatermark');
  return value;
}

/**
 * Subscribe with a PullSubscriptionRequest: watch folders (or all) for event types, from now or a
 * given watermark. Subscriptions to another user's mailbox are refused as Exchange refuses delegate
 * access (ErrorSubscriptionDelegateAccessNotSupported); push and streaming subscriptions are not simulated.
 */
export async function subscribe(ctx: OperationContext, op: XNode): Promise<string> {
  const result = await perItem(() => {
    const request = child(op, NS.messages, 'PullSubscriptionRequest');
    if (!request) throw new EwsError('ErrorInvalidOperation', 'The simulator supports pull subscriptions only (no push or streaming notifications).');
    let folderIds: Set<string> | undefined;
    if (request.attrs['SubscribeToAllFolders'] !== 'true') {
      folderIds = new Set();
      for (const node of children(child(request, NS.types, 'FolderIds'), NS.types)) {
        const { mailbox, folder } = resolveFolder({ ...ctx }, node);
        if (mailbox !== ctx.mailbox) throw ewsError('ErrorSubscriptionDelegateAccessNotSupported');
        folderIds.add(folder.id);
      }
    }
    const eventTypes = new Set(children(child(request, NS.types, 'EventTypes'), NS.types, 'EventType').map((e) => e.text.trim()));
    const given = child(request, NS.types, 'Watermark')?.text;
    const seq = given ? decodeWatermark(given) : ctx.mailbox.seq;
    const minutes = Number(child(request, NS.types, 'Timeout')?.text ?? '30');
    const subscription: PullSubscription = {
      id: randomUUID(),
      owner: ownerOf(ctx),
      mailbox: ctx.mailbox,
      ...(folderIds ? { folderIds } : {}),
      eventTypes,
      timeoutMs: minutes * 60_000,
      lastPolled: ctx.state.now(),
    };
    ctx.subscriptions.byId.set(subscription.id, subscription);
    return el('m:SubscriptionId', subscription.id) + el('m:Watermark', encodeWatermark(seq));
  });
  return responseBody('Subscribe', [result.ok ? success(result.value) : failure(result.error)]);
}

function lookup(ctx: OperationContext, id: string): PullSubscription {
  const subscription = ctx.subscriptions.byId.get(id);
  if (!subscription || ctx.state.now() - subscription.lastPolled > subscription.timeoutMs) {
    if (subscription) ctx.subscriptions.byId.delete(id);
    throw ewsError('ErrorSubscriptionNotFound');
  }
  if (subscription.owner !== ownerOf(ctx)) {
    throw new EwsError('ErrorSubscriptionAccessDenied', 'Access is denied. Only the subscription owner may access the subscription.');
  }
  return subscription;
}

/**
 * GetEvents: the events after a watermark, from the per-folder change logs the store keeps. A new
 * item in the Inbox is NewMailEvent (and CreatedEvent); a move shows as DeletedEvent in the source
 * and CreatedEvent in the target; property and read-flag changes are ModifiedEvent.
 */
export async function getEvents(ctx: OperationContext, op: XNode): Promise<string> {
  const result = await perItem(() => {
    const id = mText(op, 'SubscriptionId')?.trim() ?? '';
    const subscription = lookup(ctx, id);
    const since = decodeWatermark(mText(op, 'Watermark') ?? '');
    subscription.lastPolled = ctx.state.now();
    const mailbox = subscription.mailbox;
    const folders: MailFolder[] = [...mailbox.folders.values()].filter((f) => !subscription.folderIds || subscription.folderIds.has(f.id));
    const entries = folders.flatMap((folder) => folder.changes.filter((change) => change.seq > since).map((change) => ({ folder, change }))).sort((a, b) => a.change.seq - b.change.seq);
    const timeStamp = ctx.state.nowIso();
    const events: string[] = [];
    let last = since;
    let more = false;
    for (const { folder, change } of entries) {
      if (events.length >= MAX_EVENTS) {
        more = true;
        break;
      }
      last = change.seq;
      const message = mailbox.messageByEwsId(change.ewsId);
      const itemId = empty('t:ItemId', { Id: change.ewsId, ChangeKey: message?.changeKey });
      const parent = empty('t:ParentFolderId', { Id: folder.ewsId, ChangeKey: folder.changeKey });
      const body = (tag: string) => wrap(tag, el('t:Watermark', encodeWatermark(change.seq)) + el('t:TimeStamp', timeStamp) + itemId + parent);
      const kinds = change.kind === 'created' ? [...(folder.wellKnownName === 'inbox' ? ['NewMailEvent'] : []), 'CreatedEvent'] : change.kind === 'removed' ? ['DeletedEvent'] : ['ModifiedEvent'];
      for (const kind of kinds) if (subscription.eventTypes.has(kind)) events.push(body(`t:${kind}`));
    }
    if (!more) last = Math.max(last, mailbox.seq);
    if (events.length === 0) events.push(wrap('t:StatusEvent', el('t:Watermark', encodeWatermark(last))));
    return wrap('m:Notification', el('t:SubscriptionId', subscription.id) + el('t:PreviousWatermark', encodeWatermark(since)) + el('t:MoreEvents', more) + events.join(''));
  });
  return responseBody('GetEvents', [result.ok ? success(result.value) : failure(result.error)]);
}

/** Unsubscribe: ends a pull subscription. */
export async function unsubscribe(ctx: OperationContext, op: XNode): Promise<string> {
  const result = await perItem(() => {
    const id = mText(op, 'SubscriptionId')?.trim() ?? '';
    lookup(ctx, id);
    ctx.subscriptions.byId.delete(id);
  });
  return responseBody('Unsubscribe', [result.ok ? success() : failure(result.error)]);
}
