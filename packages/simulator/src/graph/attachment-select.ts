import { GraphError } from './graph-error.js';

/**
 * `$select` over attachments (`GET …/attachments?$select=…`, and the nested `$select` of
 * `$expand=attachments(…)`), as the CSDL types them: the collection holds the abstract
 * `microsoft.graph.attachment` (id, name, contentType, size, isInline, lastModifiedDateTime);
 * the properties of `microsoft.graph.fileAttachment` (contentBytes, contentId, contentLocation) are
 * selected with the type cast (`microsoft.graph.fileAttachment/contentId`). Without the cast Graph
 * refuses the whole request with "Could not find a property named 'contentId' on type
 * 'microsoft.graph.attachment'" (as clients written against Graph report it).
 */

/** Properties of microsoft.graph.attachment. */
const ATTACHMENT_PROPERTIES = new Map(['id', 'name', 'contentType', 'size', 'isInline', 'lastModifiedDateTime'].map((name) => [name.toLowerCase(), name]));

/** Properties of microsoft.graph.fileAttachment, selectable with the cast. */
const FILE_ATTACHMENT_PROPERTIES = new Map(['contentBytes', 'contentId', 'contentLocation'].map((name) => [name.toLowerCase(), name]));

const FILE_ATTACHMENT_CAST = 'microsoft.graph.fileattachment/';

/** Parses an attachment `$select` into the property names (Graph's spelling) it selects; `id` is always kept. */
export function parseAttachmentSelect(select: string): Set<string> {
  const names = new Set<string>(['id']);
  for (const raw of select.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    // Annotations (@odata.type) are always written; naming one selects nothing more.
    if (name.startsWith('@')) continue;
    const lower = name.toLowerCase();
    const cast = lower.startsWith(FILE_ATTACHMENT_CAST);
    const property = cast ? FILE_ATTACHMENT_PROPERTIES.get(lower.slice(FILE_ATTACHMENT_CAST.length)) : ATTACHMENT_PROPERTIES.get(lower);
    if (!property) {
      const type = cast ? 'microsoft.graph.fileAttachment' : 'microsoft.graph.attachment';
      throw new GraphError(400, 'RequestBroker--ParseUri', `Could not find a property named '${cast ? name.slice(FILE_ATTACHMENT_CAST.length) : name}' on type '${type}'.`);
    }
    names.add(property);
  }
  return names;
}

/** Keeps the selected properties of a serialized attachment, and its `@odata.*` annotations. */
export function applyAttachmentSelect(attachment: Record<string, unknown>, select: ReadonlySet<string> | undefined): Record<string, unknown> {
  if (!select) return attachment;
  return Object.fromEntries(Object.entries(attachment).filter(([key]) => key.startsWith('@odata.') || select.has(key)));
}
