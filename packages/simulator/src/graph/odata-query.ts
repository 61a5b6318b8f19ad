import type { StoredMessage } from '../state/stored-message.js';
import { GraphError } from './graph-error.js';

/** A compiled `$filter`: a predicate over stored messages. */
export type MessageFilter = (message: StoredMessage) => boolean;

const INVALID_FILTER = 'The query filter contains one or more invalid nodes.';

function invalid(): GraphError {
  return new GraphError(400, 'ErrorInvalidUrlQueryFilter', INVALID_FILTER);
}

type Token = { kind: 'word' | 'string' | 'lparen' | 'rparen'; value: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const char = input[i]!;
    if (char === ' ' || char === '\t') {
      i++;
    } else if (char === '(') {
      tokens.push({ kind: 'lparen', value: char });
      i++;
    } else if (char === ')') {
      tokens.push({ kind: 'rparen', value: char });
      i++;
    } else if (char === "'") {
      // OData strings: '' is an escaped quote.
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw invalid();
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += input[i++];
      }
      tokens.push({ kind: 'string', value });
    } else {
      let value = '';
      while (i < input.length && !" \t()'".includes(input[i]!)) value += input[i++];
      tokens.push({ kind: 'word', value });
    }
  }
  return tokens;
}

const COMPARATORS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

function compare(left: string | boolean | number, op: string, right: string | boolean | number): boolean {
  switch (op) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    default:
      return left <= right;
  }
}

/**
 * Date literals compare as instants at the whole-second precision messages carry (Graph shows
 * receivedDateTime without fractions): `ge 10:00:00.500Z` includes a message of 10:00:00, as it
 * would include Exchange's 10:00:00.8 internally.
 */
function parseDate(value: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value)) throw invalid();
  return Math.floor(time / 1000) * 1000;
}

/** The properties `$filter` supports and how to read them. */
const FILTERABLE: Record<string, { type: 'boolean' | 'date' | 'string'; read: (message: StoredMessage) => string | boolean | number }> = {
  isread: { type: 'boolean', read: (m) => m.isRead },
  isdraft: { type: 'boolean', read: (m) => m.isDraft },
  hasattachments: { type: 'boolean', read: (m) => m.attachments.some((a) => !a.isInline) },
  receiveddatetime: { type: 'date', read: (m) => Date.parse(m.receivedDateTime) },
  sentdatetime: { type: 'date', read: (m) => Date.parse(m.sentDateTime) },
  lastmodifieddatetime: { type: 'date', read: (m) => Date.parse(m.lastModifiedDateTime) },
  subject: { type: 'string', read: (m) => m.subject },
  internetmessageid: { type: 'string', read: (m) => m.internetMessageId },
  importance: { type: 'string', read: (m) => m.importance },
  'from/emailaddress/address': { type: 'string', read: (m) => (m.from?.address ?? '').toLowerCase() },
  'sender/emailaddress/address': { type: 'string', read: (m) => (m.sender?.address ?? '').toLowerCase() },
};

/**
 * Compiles the `$filter` subset Outlook supports for mail that our clients use: comparisons on
 * isRead, receivedDateTime and a few other properties, joined with `and`/`or`, with parentheses.
 */
export function parseFilter(filter: string | null): MessageFilter | undefined {
  if (filter === null || filter.trim() === '') return undefined;
  const tokens = tokenize(filter);
  let position = 0;

  const peek = (): Token | undefined => tokens[position];
  const next = (): Token => {
    const token = tokens[position++];
    if (!token) throw invalid();
    return token;
  };

  function comparison(): MessageFilter {
    const first = peek();
    if (first?.kind === 'lparen') {
      next();
      const inner = disjunction();
      if (next().kind !== 'rparen') throw invalid();
      return inner;
    }
    const property = next();
    if (property.kind !== 'word') throw invalid();
    const spec = FILTERABLE[property.value.toLowerCase()];
    const op = next();
    if (!spec || op.kind !== 'word' || !COMPARATORS.has(op.value.toLowerCase())) throw invalid();
    const literal = next();
    const operator = op.value.toLowerCase();
    let right: string | boolean | number;
    if (spec.type === 'boolean') {
      if (literal.kind !== 'word' || !['true', 'false'].includes(literal.value)) throw invalid();
      right = literal.value === 'true';
    } else if (spec.type === 'date') {
      if (literal.kind !== 'word') throw invalid();
      right = parseDate(literal.value);
    } else {
      if (literal.kind !== 'string') throw invalid();
      right = property.value.toLowerCase().includes('/emailaddress/') ? literal.value.toLowerCase() : literal.value;
    }
    const read = spec.read;
    return (message) => compare(read(message), operator, right);
  }

  function conjunction(): MessageFilter {
    let left = comparison();
    while (peek()?.kind === 'word' && peek()!.value.toLowerCase() === 'and') {
      next();
      const a = left;
      const b = comparison();
      left = (message) => a(message) && b(message);
    }
    return left;
  }

  function disjunction(): MessageFilter {
    let left = conjunction();
    while (peek()?.kind === 'word' && peek()!.value.toLowerCase() === 'or') {
      next();
      const a = left;
      const b = conjunction();
      left = (message) => a(message) || b(message);
    }
    return left;
  }

  const predicate = disjunction();
  if (position !== tokens.length) throw invalid();
  return predicate;
}

/** A compiled `$orderby`. */
export type MessageOrder = (a: StoredMessage, b: StoredMessage) => number;

const ORDERABLE: Record<string, (message: StoredMessage) => string> = {
  receiveddatetime: (m) => m.receivedDateTime,
  sentdatetime: (m) => m.sentDateTime,
  lastmodifieddatetime: (m) => m.lastModifiedDateTime,
  subject: (m) => m.subject,
};

/**
 * Parses `$orderby` (one or more of receivedDateTime, sentDateTime, lastModifiedDateTime, subject,
 * each `asc` or `desc`). Undefined means the default: receivedDateTime desc.
 */
export function parseOrderBy(orderBy: string | null): MessageOrder | undefined {
  if (orderBy === null || orderBy.trim() === '') return undefined;
  const keys = orderBy.split(',').map((part) => {
    const [name = '', direction = 'asc', ...rest] = part.trim().split(/\s+/);
    const read = ORDERABLE[name.toLowerCase()];
    const dir = direction.toLowerCase();
    if (!read || rest.length > 0 || (dir !== 'asc' && dir !== 'desc')) {
      throw new GraphError(400, 'ErrorInvalidProperty', `The property '${name}' does not support sorting or is not valid.`);
    }
    return { read, sign: dir === 'desc' ? -1 : 1 };
  });
  return (a, b) => {
    for (const key of keys) {
      const left = key.read(a);
      const right = key.read(b);
      if (left !== right) return left < right ? -key.sign : key.sign;
    }
    return 0;
  };
}

/** Parses a non-negative integer query option. */
export function parseCount(value: string | null, name: string, fallback: number): number {
  if (value === null) return fallback;
  if (!/^\d+$/.test(value)) throw new GraphError(400, 'BadRequest', `Invalid value '${value}' for ${name} query option found. The ${name} query option requires a non-negative integer value.`);
  return Number(value);
}
