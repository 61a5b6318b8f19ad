import { failure, type ResponseMessage, responseBody, success } from '../soap/response-messages.js';
import { child, NS, type XNode } from '../xml/xml-node.js';
import { empty, wrap } from '../xml/xml-writer.js';
import { currentIso } from './clock.js';
import { firstFolderId, type OperationContext, perItem, resolveFolder, resolveItem } from './operation-context.js';

/** MoveItem: like Exchange Online, a moved item gets a new ItemId, returned in the response (Graph sees the move too). */
export async function moveItem(ctx: OperationContext, op: XNode): Promise<string> {
  const messages: ResponseMessage[] = [];
  const target = await perItem(() => resolveFolder(ctx, firstFolderId(child(op, NS.messages, 'ToFolderId'))));
  for (const id of child(op, NS.messages, 'ItemIds')?.children ?? []) {
    if (!target.ok) {
      messages.push(failure(target.error, '<m:Items/>'));
      continue;
    }
    const result = await perItem(() => {
      const message = resolveItem(ctx, id);
      const moved = ctx.mailbox.move(message, target.value.folder, currentIso(ctx));
      return wrap('t:Message', empty('t:ItemId', { Id: moved.ewsId, ChangeKey: moved.changeKey }));
    });
    messages.push(result.ok ? success(wrap('m:Items', result.value)) : failure(result.error, '<m:Items/>'));
  }
  return responseBody('MoveItem', messages);
}
