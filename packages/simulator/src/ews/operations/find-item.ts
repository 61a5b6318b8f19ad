import type { StoredMessage } from '../../state/stored-message.js';
import { EwsError, ewsError } from '../ews-error.js';
import { restrictionFieldUri } from '../items/extended-property.js';
import { readItemShape } from '../items/item-shape.js';
import { messageSize, messageXml } from '../items/message-xml.js';
import { failure, responseBody, success } from '../soap/response-messages.js';
import { child, NS, type XNode } from '../xml/xml-node.js';
import { wrap } from '../xml/xml-writer.js';
import { firstFolderId, type OperationContext, perItem, resolveFolder } from './operation-context.js';

/** Exchange Online's EWSFindCountLimit: at most this many items per FindItem page. */
const MAX_PAGE = 1000;

type Predicate = (message: StoredMessage) => boolean;

/** A property value of a message, as restrictions and sort orders compare it. */
function propertyValue(message: StoredMessage, fieldUri: string): string | number | boolean {
  switch (fieldUri) {
    case 'message:IsRead':
      return message.isRead;
    case 'item:DateTimeReceived':
      return Date.parse(message.receivedDateTime);
    case 'item:DateTimeSent':
      return Date.parse(message.sentDateTime);
    case 'item:DateTimeCreated':
      return Date.parse(message.createdDateTime);
    case 'item:Subject':
      return message.subject;
    case 'item:HasAttachments':
      return message.attachments.some((a) => !a.isInline);
    case 'item:Size':
      return messageSize(message);
    case 'item:Importance':
      return message.importance === 'high' ? 'High' : message.importance === 'low' ? 'Low' : 'Normal';
    case 'message:InternetMessageId':
      return message.internetMessageId;
    case 'message:From':
    case 'message:Sender':
      return (message.from?.address ?? '').toLowerCase();
    default:
      throw new EwsError('ErrorUnsupportedPathForQuery', `The property '${fieldUri}' is not supported in a restriction by the simulator.`);
  }
}

/** The constant of a comparison, converted to the field's type. */
function constant(fieldUri: string, raw: string): string | number | boolean {
  if (fieldUri === 'message:IsRead' || fieldUri === 'item:HasAttachments') return raw.trim() === 'true';
  if (fieldUri.startsWith('item:DateTime')) return Date.parse(raw);
  if (fieldUri === 'item:Size') return Number(raw);
  if (fieldUri === 'message:From' || fieldUri === 'message:Sender') return raw.trim().toLowerCase();
  return raw;
}

const COMPARISONS: Record<string, (a: string | number | boolean, b: string | number | boolean) => boolean> = {
  IsEqualTo: (a, b) => a === b,
  IsNotEqualTo: (a, b) => a !== b,
  IsGreaterThan: (a, b) => a > b,
  IsGreaterThanOrEqualTo: (a, b) => a >= b,
  IsLessThan: (a, b) => a < b,
  IsLessThanOrEqualTo: (a, b) => a <= b,
};

/** Compiles a t:SearchExpression (IsEqualTo..., And, Or, Not, Contains, Exists) into a predicate. */
function compile(node: XNode): Predicate {
  const compare = COMPARISONS[node.name];
  // A t:FieldURI, or a t:ExtendedFieldURI the simulator maps (PR_INTERNET_MESSAGE_ID by tag).
  const fieldUri = restrictionFieldUri(node);
  if (compare) {
    const raw = child(child(node, NS.types, 'FieldURIOrConstant'), NS.types, 'Constant')?.attrs['Value'];
    if (!fieldUri || raw === undefined) throw new EwsError('ErrorUnsupportedPathForQuery', 'Only comparisons of a FieldURI (or PR_INTERNET_MESSAGE_ID by tag) with a constant are supported by the simulator.');
    const value = constant(fieldUri, raw);
    return (message) => compare(propertyValue(message, fieldUri), value);
  }
  switch (node.name) {
    case 'And':
      return all(node.children.map(compile));
    case 'Or': {
      const parts = node.children.map(compile);
      return (message) => parts.some((p) => p(message));
    }
    case 'Not': {
      const inner = compile(node.children[0]!);
      return (message) => !inner(message);
    }
    case 'Exists':
      return () => true;
    case 'Contains': {
      const text = child(node, NS.types, 'Constant')?.attrs['Value'] ?? '';
      const ignoreCase = (node.attrs['ContainmentComparison'] ?? '').includes('IgnoreCase');
      const mode = node.attrs['ContainmentMode'] ?? 'Substring';
      if (!fieldUri) throw ewsError('ErrorInvalidRequest');
      return (message) => {
        let value = String(propertyValue(message, fieldUri));
        let needle = text;
        if (ignoreCase) {
          value = value.toLowerCase();
          needle = needle.toLowerCase();
        }
        if (mode === 'FullString') return value === needle;
        if (mode === 'Prefixed') return value.startsWith(needle);
        return value.includes(needle);
      };
    }
    default:
      throw new EwsError('ErrorUnsupportedPathForQuery', `The restriction '${node.name}' is not supported by the simulator.`);
  }
}

function all(parts: Predicate[]): Predicate {
  return (message) => parts.every((p) => p(message));
}

/**
 * FindItem on a mail folder: Restriction, SortOrder, IndexedPageItemView paging (Offset,
 * MaxEntriesReturned, BasePoint) and the paging attributes Exchange returns on m:RootFolder.
 */
export async function findItem(ctx: OperationContext, op: XNode): Promise<string> {
  const result = await perItem(async () => {
    const shape = readItemShape(child(op, NS.messages, 'ItemShape'), { requestVersion: ctx.requestVersion });
    const { mailbox, folder } = resolveFolder(ctx, firstFolderId(child(op, NS.messages, 'ParentFolderIds')));
    const traversal = op.attrs['Traversal'] ?? 'Shallow';
    let items = traversal === 'Shallow' ? mailbox.messagesIn(folder) : [];
    const restriction = child(op, NS.messages, 'Restriction')?.children[0];
    if (restriction) {
      const predicate = compile(restriction);
      items = items.filter(predicate);
    }
    const orders = child(op, NS.messages, 'SortOrder')?.children ?? [];
    if (orders.length > 0) {
      const keys = orders.map((order) => ({
        field: child(order, NS.types, 'FieldURI')?.attrs['FieldURI'] ?? 'item:DateTimeReceived',
        direction: order.attrs['Order'] === 'Ascending' ? 1 : -1,
      }));
      items = [...items].sort((a, b) => {
        for (const key of keys) {
          const x = propertyValue(a, key.field);
          const y = propertyValue(b, key.field);
          if (x < y) return -key.direction;
          if (x > y) return key.direction;
        }
        return 0;
      });
    }
    const total = items.length;
    const view = child(op, NS.messages, 'IndexedPageItemView');
    let offset = 0;
    let max = MAX_PAGE;
    if (view) {
      offset = Math.max(0, Number(view.attrs['Offset'] ?? '0'));
      max = Math.min(MAX_PAGE, Number(view.attrs['MaxEntriesReturned'] ?? MAX_PAGE));
      if (view.attrs['BasePoint'] === 'End') offset = Math.max(0, total - offset - max);
    }
    const page = items.slice(offset, offset + max);
    const last = offset + page.length >= total;
    const xml: string[] = [];
    for (const message of page) xml.push(await messageXml(mailbox, message, shape, 'find'));
    return wrap('m:RootFolder', wrap('t:Items', xml.join('')), {
      IndexedPagingOffset: view ? offset + page.length : undefined,
      TotalItemsInView: total,
      IncludesLastItemInRange: last,
    });
  });
  return responseBody('FindItem', [result.ok ? success(result.value) : failure(result.error)]);
}
