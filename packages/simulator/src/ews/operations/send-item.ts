import { ewsError } from '../ews-error.js';
import { failure, type ResponseMessage, responseBody, success } from '../soap/response-messages.js';
import { child, NS, type XNode } from '../xml/xml-node.js';
import { send } from './compose.js';
import { firstFolderId, type OperationContext, perItem, resolveFolder, resolveItem } from './operation-context.js';

/** SendItem: sends drafts; SaveItemToFolder keeps a copy in Sent Items (or SavedItemFolderId). */
export async function sendItem(ctx: OperationContext, op: XNode): Promise<string> {
  const save = op.attrs['SaveItemToFolder'] !== 'false';
  const savedFolderId = firstFolderId(child(op, NS.messages, 'SavedItemFolderId'));
  const messages: ResponseMessage[] = [];
  for (const id of child(op, NS.messages, 'ItemIds')?.children ?? []) {
    const result = await perItem(async () => {
      const message = resolveItem(ctx, id);
      const changeKey = id.attrs['ChangeKey'];
      if (changeKey !== undefined && changeKey !== message.changeKey) throw ewsError('ErrorIrresolvableConflict');
      const folder = savedFolderId ? resolveFolder(ctx, savedFolderId).folder : undefined;
      await send(ctx, message, { copy: save, ...(folder ? { folder } : {}) });
    });
    messages.push(result.ok ? success() : failure(result.error));
  }
  return responseBody('SendItem', messages);
}
