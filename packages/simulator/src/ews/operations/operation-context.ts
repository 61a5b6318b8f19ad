import type { MailFolder } from '../../state/mail-folder.js';
import type { Mailbox } from '../../state/mailbox.js';
import type { SimState } from '../../state/sim-state.js';
import type { StoredMessage } from '../../state/stored-message.js';
import type { EwsPrincipal } from '../auth/ews-auth.js';
import { EwsError, ewsError } from '../ews-error.js';
import { child, NS, type XNode } from '../xml/xml-node.js';
import type { PullSubscriptions } from './pull-subscriptions.js';

/** Everything an operation needs: the store, who calls, and the mailbox it acts on. */
export interface OperationContext {
  state: SimState;
  principal: EwsPrincipal;
  /** The mailbox the request acts on: the impersonated one, or the caller's own. */
  mailbox: Mailbox;
  /** Largest message accepted, in bytes. */
  maxMessageBytes: number;
  /** Pull subscriptions of this endpoint. */
  subscriptions: PullSubscriptions;
  /** The RequestServerVersion the request is handled as (`Exchange2007` when it sent none). */
  requestVersion: string;
}

/** DistinguishedFolderId names the shared store has (others, like calendar, are not simulated). */
const FOLDER_NAMES: Record<string, string> = {
  inbox: 'inbox',
  sentitems: 'sentitems',
  drafts: 'drafts',
  deleteditems: 'deleteditems',
  junkemail: 'junkemail',
  outbox: 'outbox',
  msgfolderroot: 'msgfolderroot',
  root: 'msgfolderroot',
  archivemsgfolderroot: 'archive',
};

/** Shape check for ids: Exchange ids are base64 of a binary structure; anything else is malformed. */
export function isWellFormedId(id: string): boolean {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(id)) return false;
  return Buffer.from(id, 'base64').length >= 16;
}

/**
 * Another mailbox named in a request (DistinguishedFolderId/Mailbox): an app with full_access_as_app
 * may open mailboxes of its tenant (within its scope); a user only their own.
 */
export function mailboxFor(ctx: OperationContext, smtp: string | undefined): Mailbox {
  if (!smtp || smtp.toLowerCase() === ctx.mailbox.address) return ctx.mailbox;
  const user = ctx.state.user(smtp);
  const mailbox = ctx.state.mailbox(smtp);
  if (!user || !mailbox || user.mailboxEnabled === false) throw ewsError('ErrorNonExistentMailbox');
  const principal = ctx.principal;
  const sameTenant = user.tenantId.toLowerCase() === principal.tenantId;
  const inScope = !principal.app?.mailboxScope || principal.app.mailboxScope.some((m) => m.toLowerCase() === mailbox.address);
  if (principal.kind === 'app' && sameTenant && inScope) return mailbox;
  throw ewsError('ErrorAccessDenied');
}

/** The folder a t:DistinguishedFolderId or t:FolderId names. */
export function resolveFolder(ctx: OperationContext, node: XNode | undefined): { mailbox: Mailbox; folder: MailFolder } {
  if (!node) throw ewsError('ErrorFolderNotFound');
  if (node.name === 'DistinguishedFolderId') {
    const mailbox = mailboxFor(ctx, child(child(node, NS.types, 'Mailbox'), NS.types, 'EmailAddress')?.text.trim());
    const name = FOLDER_NAMES[node.attrs['Id'] ?? ''];
    const folder = name ? mailbox.folder(name) : undefined;
    if (!folder) throw ewsError('ErrorFolderNotFound');
    return { mailbox, folder };
  }
  const id = node.attrs['Id'] ?? '';
  if (!isWellFormedId(id)) throw ewsError('ErrorInvalidIdMalformed');
  const folder = ctx.mailbox.folder(id);
  if (!folder || folder.ewsId !== id) throw ewsError('ErrorFolderNotFound');
  return { mailbox: ctx.mailbox, folder };
}

/** The first folder-id element (DistinguishedFolderId or FolderId) inside a container like m:ParentFolderIds. */
export function firstFolderId(container: XNode | undefined): XNode | undefined {
  return container?.children.find((c) => c.ns === NS.types && (c.name === 'DistinguishedFolderId' || c.name === 'FolderId'));
}

/** The message a t:ItemId names, in the acting mailbox. */
export function resolveItem(ctx: OperationContext, node: XNode | undefined): StoredMessage {
  const id = node?.attrs['Id'] ?? '';
  if (!isWellFormedId(id)) throw ewsError('ErrorInvalidIdMalformed');
  const message = ctx.mailbox.messageByEwsId(id);
  if (!message) throw ewsError('ErrorItemNotFound');
  return message;
}

/** Runs one per-item step; an EwsError becomes that item's error response message. */
export async function perItem<T>(step: () => Promise<T> | T): Promise<{ ok: true; value: T } | { ok: false; error: EwsError }> {
  try {
    return { ok: true, value: await step() };
  } catch (error) {
    if (error instanceof EwsError && error.level === 'message') return { ok: false, error };
    throw error;
  }
}
