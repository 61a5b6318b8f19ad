import type { StoredMessage } from '../state/stored-message.js';
import { GraphError } from './graph-error.js';
import { serializeAttachment } from './graph-serializer.js';

/**
 * `$expand` on messages, as Graph documents it: `$expand=attachments` puts each message's
 * attachments (file attachments with their contentBytes) in the message, and a nested `$select`
 * (`$expand=attachments($select=id,name,size)`) narrows them to metadata, so a client lists a page
 * of messages with their attachments in one request.
 *
 * The nested `$select` follows the CSDL: `attachments` is a collection of the abstract
 * `microsoft.graph.attachment` (id, name, contentType, size, isInline, lastModifiedDateTime);
 * properties of `microsoft.graph.fileAttachment` (contentBytes, contentId, contentLocation) are
 * selected with the type cast (`microsoft.graph.fileAttachment/contentId`), and without it are
 * refused as Graph refuses a property the type does not have.
 */

/** The message navigation properties of the CSDL. */
const NAVIGATION = new Set(['attachments', 'extensions', 'multivalueextendedproperties', 'singlevalueextendedproperties']);

/** Properties of microsoft.graph.attachment (the declared type of the collection). */
const ATTACHMENT_PROPERTIES = new Map(['id', 'name', 'contentType', 'size', 'isInline', 'lastModifiedDateTime'].map((name) => [name.toLowerCase(), name]));

/** Properties of microsoft.graph.fileAttachment, selectable with the cast. */
const FILE_ATTACHMENT_PROPERTIES = new Map(['contentBytes', 'contentId', 'contentLocation'].map((name) => [name.toLowerCase(), name]));

const FILE_ATTACHMENT_CAST = 'microsoft.graph.fileattachment/';

/** What `$expand=attachments(...)` asks for. */
export interface AttachmentExpansion {
  /** The selected properties (Graph's spelling), or undefined for all of them (with contentBytes). */
  select?: ReadonlySet<string>;
  /** The nested `$select` as the client wrote it, for `attachments@odata.context`. */
  selectText?: string;
}

/** A parsed `$expand` of messages; empty when none. */
export interface MessageExpansion {
  attachments?: AttachmentExpansion;
}

/** Splits on commas (or `;`) that are not inside parentheses. */
function splitTopLevel(text: string, separator: ',' | ';'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (depth < 0) throw new GraphError(400, 'BadRequest', `Invalid $expand: unbalanced parentheses in '${text}'.`);
    if (char === separator && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw new GraphError(400, 'BadRequest', `Invalid $expand: unbalanced parentheses in '${text}'.`);
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function parseAttachmentSelect(select: string): AttachmentExpansion {
  const names = new Set<string>();
  for (const raw of select.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    // Annotations (@odata.type) are always written; naming one selects nothing more.
    if (name.startsWith('@')) continue;
    const lower = name.toLowerCase();
    const property = lower.startsWith(FILE_ATTACHMENT_CAST) ? FILE_ATTACHMENT_PROPERTIES.get(lower.slice(FILE_ATTACHMENT_CAST.length)) : ATTACHMENT_PROPERTIES.get(lower);
    if (!property) {
      const type = lower.startsWith(FILE_ATTACHMENT_CAST) ? 'microsoft.graph.fileAttachment' : 'microsoft.graph.attachment';
      const bare = lower.startsWith(FILE_ATTACHMENT_CAST) ? name.slice(FILE_ATTACHMENT_CAST.length) : name;
      throw new GraphError(400, 'RequestBroker--ParseUri', `Could not find a property named '${bare}' on type '${type}'.`);
    }
    names.add(property);
  }
  return { select: names, selectText: select.trim() };
}

/** Parses a message `$expand`; unknown navigation properties and unsupported nested options answer 400. */
export function parseMessageExpand(expand: string | null): MessageExpansion {
  if (expand === null || expand.trim() === '') return {};
  const expansion: MessageExpansion = {};
  for (const item of splitTopLevel(expand, ',')) {
    const open = item.indexOf('(');
    if (open >= 0 && !item.endsWith(')')) throw new GraphError(400, 'BadRequest', `Invalid $expand item '${item}'.`);
    const name = (open < 0 ? item : item.slice(0, open)).trim();
    const options = open < 0 ? '' : item.slice(open + 1, item.lastIndexOf(')'));
    if (!NAVIGATION.has(name.toLowerCase())) {
      throw new GraphError(400, 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.message'.`);
    }
    // Extensions and extended properties are not stored by the simulator: a message has none, and
    // expanding them adds nothing (as for a message without any).
    if (name.toLowerCase() !== 'attachments') continue;
    let attachments: AttachmentExpansion = {};
    for (const option of splitTopLevel(options, ';')) {
      const equals = option.indexOf('=');
      const key = option.slice(0, equals < 0 ? undefined : equals).trim().toLowerCase();
      if (key !== '$select' || equals < 0) {
        throw new GraphError(400, 'BadRequest', `The query option '${option}' inside $expand=attachments(...) is not supported by the simulator; only $select is.`);
      }
      attachments = parseAttachmentSelect(option.slice(equals + 1));
    }
    expansion.attachments = attachments;
  }
  return expansion;
}

/**
 * The expanded properties of one message, written after its own properties as Graph writes them:
 * `attachments@odata.context` and `attachments`.
 */
export function expandedMessageProperties(message: StoredMessage, expansion: MessageExpansion, contextBase: string): Record<string, unknown> {
  const attachments = expansion.attachments;
  if (!attachments) return {};
  const select = attachments.select;
  const withContent = !select || select.has('contentBytes');
  const value = message.attachments.map((attachment) => {
    const full = serializeAttachment(attachment, withContent);
    if (!select) return full;
    return Object.fromEntries(Object.entries(full).filter(([key]) => key.startsWith('@odata.') || key === 'id' || select.has(key)));
  });
  const suffix = attachments.selectText !== undefined ? `(${[...(select ?? [])].join(',')})` : '';
  return {
    'attachments@odata.context': `${contextBase}/messages('${encodeURIComponent(message.id)}')/attachments${suffix}`,
    attachments: value,
  };
}
