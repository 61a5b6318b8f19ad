import { newAttachment } from '../../mail/message-parts.js';
import { EWS_MESSAGES, EwsError, ewsError } from '../ews-error.js';
import { readAttachments } from '../items/message-input.js';
import { failure, type ResponseMessage, responseBody, success } from '../soap/response-messages.js';
import { child, NS, type XNode } from '../xml/xml-node.js';
import { empty, wrap } from '../xml/xml-writer.js';
import { currentIso } from './clock.js';
import { attachmentParts } from './compose.js';
import { type OperationContext, perItem, resolveItem } from './operation-context.js';

/**
 * CreateAttachment: adds file (and item) attachments to a message; each response message carries
 * the new AttachmentId with RootItemId/RootItemChangeKey (the parent's new change key).
 */
export async function createAttachment(ctx: OperationContext, op: XNode): Promise<string> {
  const parentId = child(op, NS.messages, 'ParentItemId');
  const inputs = readAttachments(child(op, NS.messages, 'Attachments'));
  const parent = await perItem(() => resolveItem(ctx, parentId));
  const messages: ResponseMessage[] = [];
  for (const input of inputs) {
    if (!parent.ok) {
      messages.push(failure(parent.error, '<m:Attachments/>'));
      continue;
    }
    const result = await perItem(async () => {
      const message = parent.value;
      if (input.name === undefined) {
        throw new EwsError('ErrorRequiredPropertyMissing', EWS_MESSAGES.ErrorRequiredPropertyMissing, 'message', undefined, empty('t:ExceptionFieldURI', { FieldURI: 'attachment:Name' }));
      }
      const [part] = await attachmentParts(ctx, [input]);
      const nowIso = currentIso(ctx);
      const stored = newAttachment(part!, nowIso);
      const total = message.attachments.reduce((sum, a) => sum + a.size, 0) + stored.size;
      if (Math.ceil(total * 1.37) > ctx.maxMessageBytes) throw ewsError('ErrorMessageSizeExceeded');
      message.attachments.push(stored);
      ctx.mailbox.touch(message, nowIso, 'updated', true);
      const id = empty('t:AttachmentId', { Id: stored.ewsId, RootItemId: message.ewsId, RootItemChangeKey: message.changeKey });
      return input.item ? wrap('t:ItemAttachment', id) : wrap('t:FileAttachment', id);
    });
    messages.push(result.ok ? success(wrap('m:Attachments', result.value)) : failure(result.error, '<m:Attachments/>'));
  }
  return responseBody('CreateAttachment', messages);
}
