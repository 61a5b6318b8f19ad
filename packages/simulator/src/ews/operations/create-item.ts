import { EwsError } from '../ews-error.js';
import { readMessage } from '../items/message-input.js';
import { failure, type ResponseMessage, responseBody, success } from '../soap/response-messages.js';
import { child, children, NS, type XNode } from '../xml/xml-node.js';
import { empty, wrap } from '../xml/xml-writer.js';
import { checkSendAs, send, storeMessage } from './compose.js';
import { firstFolderId, type OperationContext, perItem, resolveFolder } from './operation-context.js';

/**
 * CreateItem for messages: SaveOnly (a draft, or an import when MimeContent is given), SendOnly and
 * SendAndSaveCopy (through the shared mail flow, so recipients get it in their Inbox and Graph sees it).
 */
export async function createItem(ctx: OperationContext, op: XNode): Promise<string> {
  const disposition = op.attrs['MessageDisposition'] ?? 'SaveOnly';
  const savedFolderId = firstFolderId(child(op, NS.messages, 'SavedItemFolderId'));
  const messages: ResponseMessage[] = [];
  for (const node of children(child(op, NS.messages, 'Items'), NS.types)) {
    const result = await perItem(async () => {
      if (node.name !== 'Message') throw new EwsError('ErrorInvalidOperation', `The simulator's CreateItem supports messages only, not ${node.name}.`);
      const input = readMessage(node);
      const saved = savedFolderId ? resolveFolder(ctx, savedFolderId).folder : undefined;
      if (disposition === 'SaveOnly') {
        const message = await storeMessage(ctx, input, saved ?? ctx.mailbox.wellKnown('drafts'), { draft: true });
        // Like Exchange, the new attachments' ids come back too: clients (ews-javascript-api) rely on
        // them to know the attachments were created and must not be added again by CreateAttachment.
        const attachments = input.mime
          ? ''
          : wrap('t:Attachments', message.attachments.map((attachment, index) => wrap(input.attachments[index]?.item ? 't:ItemAttachment' : 't:FileAttachment', empty('t:AttachmentId', { Id: attachment.ewsId }))).join(''));
        const attachmentsXml = message.attachments.length > 0 ? attachments : '';
        return wrap('m:Items', wrap('t:Message', empty('t:ItemId', { Id: message.ewsId, ChangeKey: message.changeKey }) + attachmentsXml));
      }
      checkSendAs(ctx, input.parts.from?.address);
      const message = await storeMessage(ctx, input, ctx.mailbox.wellKnown('drafts'), { draft: true });
      try {
        await send(ctx, message, { copy: disposition === 'SendAndSaveCopy', ...(saved ? { folder: saved } : {}) });
      } catch (error) {
        // A refused send leaves nothing behind, as in Exchange.
        if (ctx.mailbox.message(message.id)) ctx.mailbox.remove(message);
        throw error;
      }
      return '<m:Items/>';
    });
    messages.push(result.ok ? success(result.value) : failure(result.error, '<m:Items/>'));
  }
  return responseBody('CreateItem', messages);
}
