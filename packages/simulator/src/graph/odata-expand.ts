import type { StoredMessage } from '../state/stored-message.js';
import { applyAttachmentSelect, parseAttachmentSelect } from './attachment-select.js';
import { GraphError } from './graph-error.js';
import { serializeAttachment } from './graph-serializer.js';

/**
 * `$expand` on messages, as Graph documents it: `$expand=attachments` puts each message's
 * attachments (file attachments with their contentBytes) in the message, and a nested `$select`
 * (`$expand=attachments($select=id,name,size)`) narrows them to metadata, so a client lists a page
 * of messages with their attachments in one request.
 *
 * The nested `$select` is an attachment `$select` (see attachment-select): fileAttachment
 * properties need the type cast.
 */

/** The message navigation properties of the CSDL. */
const NAVIGATION = new Set(['attachments', 'extensions', 'multivalueextendedproperties', 'singlevalueextendedproperties']);

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
      const key = option
        .slice(0, equals < 0 ? undefined : equals)
        .trim()
        .toLowerCase();
      if (key !== '$select' || equals < 0) {
        throw new GraphError(400, 'BadRequest', `The query option '${option}' inside $expand=attachments(...) is not supported by the simulator; only $select is.`);
      }
      const selectText = option.slice(equals + 1).trim();
      attachments = { select: parseAttachmentSelect(selectText), selectText };
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
  const value = message.attachments.map((attachment) => applyAttachmentSelect(serializeAttachment(attachment, withContent), select));
  const suffix = attachments.selectText !== undefined ? `(${attachments.selectText})` : '';
  return {
    'attachments@odata.context': `${contextBase}/messages('${encodeURIComponent(message.id)}')/attachments${suffix}`,
    attachments: value,
  };
}
