import { EwsError } from '../ews-error.js';
import { readItemShape } from '../items/item-shape.js';
import { messageXml } from '../items/message-xml.js';
import { failure, type ResponseMessage, responseBody, success } from '../soap/response-messages.js';
import { child, NS, type XNode } from '../xml/xml-node.js';
import { wrap } from '../xml/xml-writer.js';
import { type OperationContext, perItem, resolveItem } from './operation-context.js';

/** GetItem: one response message per ItemId, with MimeContent, BodyType and AdditionalProperties honoured. */
export async function getItem(ctx: OperationContext, op: XNode): Promise<string> {
  const ids = child(op, NS.messages, 'ItemIds')?.children ?? [];
  let shape;
  try {
    shape = readItemShape(child(op, NS.messages, 'ItemShape'), { requestVersion: ctx.requestVersion });
  } catch (error) {
    if (!(error instanceof EwsError)) throw error;
    // An invalid property fails every item, as in Microsoft's sample.
    return responseBody(
      'GetItem',
      ids.map(() => failure(error, '<m:Items/>')),
    );
  }
  const messages: ResponseMessage[] = [];
  for (const id of ids) {
    const result = await perItem(async () => {
      const message = resolveItem(ctx, id);
      return messageXml(ctx.mailbox, message, shape, 'get');
    });
    messages.push(result.ok ? success(wrap('m:Items', result.value)) : failure(result.error, '<m:Items/>'));
  }
  return responseBody('GetItem', messages);
}
