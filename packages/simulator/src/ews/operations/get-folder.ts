import type { MailFolder } from '../../state/mail-folder.js';
import type { Mailbox } from '../../state/mailbox.js';
import { failure, type ResponseMessage, responseBody, success } from '../soap/response-messages.js';
import { child, NS, type XNode } from '../xml/xml-node.js';
import { el, empty, wrap } from '../xml/xml-writer.js';
import { type OperationContext, perItem, resolveFolder } from './operation-context.js';

/** `<t:Folder>` in the shape asked for (IdOnly, Default as in Microsoft's sample, AllProperties). */
export function folderXml(mailbox: Mailbox, folder: MailFolder, base: string): string {
  let inner = empty('t:FolderId', { Id: folder.ewsId, ChangeKey: folder.changeKey });
  if (base === 'IdOnly') return wrap('t:Folder', inner);
  const parent = mailbox.folders.get(folder.parentFolderId);
  if (base === 'AllProperties' && parent) inner += empty('t:ParentFolderId', { Id: parent.ewsId, ChangeKey: parent.changeKey });
  if (base === 'AllProperties') inner += el('t:FolderClass', 'IPF.Note');
  let children = 0;
  for (const candidate of mailbox.folders.values()) if (candidate !== folder && candidate.parentFolderId === folder.id) children++;
  inner += el('t:DisplayName', folder.displayName) + el('t:TotalCount', folder.messageIds.size) + el('t:ChildFolderCount', children);
  inner += el('t:UnreadCount', mailbox.unreadCount(folder));
  return wrap('t:Folder', inner);
}

/** GetFolder: one response message per requested folder. */
export async function getFolder(ctx: OperationContext, op: XNode): Promise<string> {
  const base = child(child(op, NS.messages, 'FolderShape'), NS.types, 'BaseShape')?.text.trim() ?? 'Default';
  const messages: ResponseMessage[] = [];
  for (const id of child(op, NS.messages, 'FolderIds')?.children ?? []) {
    const result = await perItem(() => resolveFolder(ctx, id));
    messages.push(result.ok ? success(wrap('m:Folders', folderXml(result.value.mailbox, result.value.folder, base))) : failure(result.error, '<m:Folders/>'));
  }
  return responseBody('GetFolder', messages);
}
