import { htmlToText } from '../../mail/message-parts.js';
import type { StoredMessage } from '../../state/stored-message.js';
import { EwsError, ewsError } from '../ews-error.js';
import { readMessage, sensitivityValue } from '../items/message-input.js';
import { failure, type ResponseMessage, responseBody, success } from '../soap/response-messages.js';
import { child, children, NS, type XNode } from '../xml/xml-node.js';
import { el, empty, wrap } from '../xml/xml-writer.js';
import { currentIso } from './clock.js';
import { send } from './compose.js';
import { firstFolderId, type OperationContext, perItem, resolveFolder, resolveItem } from './operation-context.js';

type Change = { kind: 'set' | 'append' | 'delete'; fieldUri: string; message?: XNode };

/** Applies one field change; returns whether it was the read flag alone. */
function apply(message: StoredMessage, change: Change): 'read' | 'content' {
  const input = change.message ? readMessage(change.message) : undefined;
  const parts = input?.parts;
  switch (change.fieldUri) {
    case 'message:IsRead':
      if (change.kind === 'delete' || input?.isRead === undefined) throw ewsError('ErrorInvalidPropertyRequest');
      message.isRead = input.isRead;
      return 'read';
    case 'item:Subject':
      message.subject = change.kind === 'delete' ? '' : change.kind === 'append' ? message.subject + (parts?.subject ?? '') : (parts?.subject ?? '');
      return 'content';
    case 'item:Sensitivity':
      {
        const value = change.kind === 'delete' ? undefined : sensitivityValue(input?.sensitivity);
        if (value) message.sensitivity = value;
        else delete message.sensitivity;
      }
      return 'content';
    case 'item:Body': {
      if (change.kind === 'delete') {
        message.body = { contentType: 'text', content: '' };
        message.bodyText = '';
        delete message.bodyHtml;
        return 'content';
      }
      const isHtml = parts?.html !== undefined;
      const added = parts?.html ?? parts?.text ?? '';
      if (change.kind === 'append') {
        if (message.bodyHtml !== undefined) message.bodyHtml += isHtml ? added : `<div>${added}</div>`;
        message.bodyText = (message.bodyText ?? htmlToText(message.bodyHtml ?? '')) + (isHtml ? htmlToText(added) : added);
      } else if (isHtml) {
        message.bodyHtml = added;
        message.bodyText = htmlToText(added);
      } else {
        delete message.bodyHtml;
        message.bodyText = added;
      }
      message.body = message.bodyHtml !== undefined ? { contentType: 'html', content: message.bodyHtml } : { contentType: 'text', content: message.bodyText ?? '' };
      return 'content';
    }
    case 'item:Importance':
      message.importance = change.kind === 'delete' ? 'normal' : (parts?.importance ?? 'normal');
      return 'content';
    case 'item:Categories':
      message.categories = change.kind === 'delete' ? [] : change.kind === 'append' ? [...message.categories, ...(parts?.categories ?? [])] : (parts?.categories ?? []);
      return 'content';
    case 'message:ToRecipients':
    case 'message:CcRecipients':
    case 'message:BccRecipients': {
      const key = change.fieldUri === 'message:ToRecipients' ? 'toRecipients' : change.fieldUri === 'message:CcRecipients' ? 'ccRecipients' : 'bccRecipients';
      const given = change.fieldUri === 'message:ToRecipients' ? parts?.to : change.fieldUri === 'message:CcRecipients' ? parts?.cc : parts?.bcc;
      message[key] = change.kind === 'delete' ? [] : change.kind === 'append' ? [...message[key], ...(given ?? [])] : (given ?? []);
      return 'content';
    }
    case 'message:From':
      if (parts?.from) message.from = parts.from;
      return 'content';
    case 'message:IsReadReceiptRequested':
      message.isReadReceiptRequested = parts?.isReadReceiptRequested ?? false;
      return 'content';
    case 'message:IsDeliveryReceiptRequested':
      message.isDeliveryReceiptRequested = parts?.isDeliveryReceiptRequested ?? false;
      return 'content';
    default:
      throw new EwsError('ErrorInvalidPropertyRequest', `The simulator cannot update '${change.fieldUri}'.`, 'message', undefined, empty('t:FieldURI', { FieldURI: change.fieldUri }));
  }
}

function readChanges(updates: XNode | undefined): Change[] {
  const kinds: Record<string, Change['kind']> = { SetItemField: 'set', AppendToItemField: 'append', DeleteItemField: 'delete' };
  return children(updates, NS.types).map((update) => {
    const kind = kinds[update.name];
    const fieldUri = child(update, NS.types, 'FieldURI')?.attrs['FieldURI'];
    if (!kind || !fieldUri) throw new EwsError('ErrorInvalidPropertyRequest', 'The simulator supports FieldURI updates only (not IndexedFieldURI or ExtendedFieldURI).');
    const message = child(update, NS.types, 'Message') ?? child(update, NS.types, 'Item');
    return { kind, fieldUri, ...(message ? { message } : {}) };
  });
}

/**
 * UpdateItem: SetItemField / AppendToItemField / DeleteItemField on messages, with Exchange's
 * conflict rules (a ChangeKey is required except with AlwaysOverwrite; a stale one fails under
 * NeverOverwrite) and MessageDisposition (an updated draft may be sent in the same call).
 */
export async function updateItem(ctx: OperationContext, op: XNode): Promise<string> {
  const resolution = op.attrs['ConflictResolution'] ?? 'AutoResolve';
  const disposition = op.attrs['MessageDisposition'] ?? 'SaveOnly';
  const savedFolderId = firstFolderId(child(op, NS.messages, 'SavedItemFolderId'));
  const messages: ResponseMessage[] = [];
  for (const itemChange of children(child(op, NS.messages, 'ItemChanges'), NS.types, 'ItemChange')) {
    const result = await perItem(async () => {
      const idNode = child(itemChange, NS.types, 'ItemId');
      const message = resolveItem(ctx, idNode);
      const changeKey = idNode?.attrs['ChangeKey'];
      if (changeKey === undefined && resolution !== 'AlwaysOverwrite') throw ewsError('ErrorChangeKeyRequiredForWriteOperations');
      if (changeKey !== undefined && changeKey !== message.changeKey && resolution === 'NeverOverwrite') throw ewsError('ErrorIrresolvableConflict');
      const changes = readChanges(child(itemChange, NS.types, 'Updates'));
      let contentChanged = false;
      const wasRead = message.isRead;
      for (const change of changes) if (apply(message, change) === 'content') contentChanged = true;
      const readChanged = message.isRead !== wasRead;
      const nowIso = currentIso(ctx);
      if (contentChanged) ctx.mailbox.touch(message, nowIso, 'updated', true);
      else if (readChanged) ctx.mailbox.touch(message, nowIso, 'read-flag');
      else ctx.mailbox.touch(message, nowIso, 'updated');
      if (disposition !== 'SaveOnly') {
        const folder = savedFolderId ? resolveFolder(ctx, savedFolderId).folder : undefined;
        await send(ctx, message, { copy: disposition === 'SendAndSaveCopy', ...(folder ? { folder } : {}) });
        return '<m:Items/>' + wrap('m:ConflictResults', el('t:Count', 0));
      }
      return wrap('m:Items', wrap('t:Message', empty('t:ItemId', { Id: message.ewsId, ChangeKey: message.changeKey }))) + wrap('m:ConflictResults', el('t:Count', 0));
    });
    messages.push(result.ok ? success(result.value) : failure(result.error, '<m:Items/>'));
  }
  return responseBody('UpdateItem', messages);
}
