import type { StoredAttachment, StoredMessage } from '../../state/stored-message.js';
import { ewsError } from '../ews-error.js';
import { attachmentXml } from '../items/message-xml.js';
import { failure, type ResponseMessage, responseBody, success } from '../soap/response-messages.js';
import { child, children, NS, type XNode } from '../xml/xml-node.js';
import { wrap } from '../xml/xml-writer.js';
import { isWellFormedId, type OperationContext, perItem } from './operation-context.js';

/** Finds an attachment by its EWS id among the acting mailbox's messages. */
function findAttachment(ctx: OperationContext, id: string): { message: StoredMessage; attachment: StoredAttachment } {
  if (!isWellFormedId(id)) throw ewsError('ErrorInvalidIdMalformed');
  for (const message of ctx.mailbox.allMessages()) {
    for (const attachment of message.attachments) if (attachment.ewsId === id) return { message, attachment };
  }
  throw ewsError('ErrorItemNotFound');
}

/** GetAttachment: the attachments with their content (base64), one response message per AttachmentId. */
export async function getAttachment(ctx: OperationContext, op: XNode): Promise<string> {
  const messages: ResponseMessage[] = [];
  for (const idNode of children(child(op, NS.messages, 'AttachmentIds'), NS.types, 'AttachmentId')) {
    const result = await perItem(() => {
      const { attachment } = findAttachment(ctx, idNode.attrs['Id'] ?? '');
      return attachmentXml(attachment, { content: true, requestVersion: ctx.requestVersion });
    });
    messages.push(result.ok ? success(wrap('m:Attachments', result.value)) : failure(result.error, '<m:Attachments/>'));
  }
  return responseBody('GetAttachment', messages);
}
