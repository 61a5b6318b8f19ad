import { failure, type ResponseMessage, responseBody, success } from '../soap/response-messages.js';
import { child, NS, type XNode } from '../xml/xml-node.js';
import { currentIso } from './clock.js';
import { type OperationContext, perItem, resolveItem } from './operation-context.js';

/** DeleteItem: HardDelete and SoftDelete remove the item; MoveToDeletedItems moves it (or removes it when already there). */
export async function deleteItem(ctx: OperationContext, op: XNode): Promise<string> {
  const deleteType = op.attrs['DeleteType'] ?? 'MoveToDeletedItems';
  const messages: ResponseMessage[] = [];
  for (const id of child(op, NS.messages, 'ItemIds')?.children ?? []) {
    const result = await perItem(() => {
      const message = resolveItem(ctx, id);
      const deleted = ctx.mailbox.wellKnown('deleteditems');
      if (deleteType === 'MoveToDeletedItems' && message.folderId !== deleted.id) ctx.mailbox.move(message, deleted, currentIso(ctx));
      else ctx.mailbox.remove(message);
    });
    messages.push(result.ok ? success() : failure(result.error));
  }
  return responseBody('DeleteItem', messages);
}
