import { MailbridgeError } from '../errors/mailbridge-error.js';

/**
 * Deepest nesting accepted in a service's answer (JSON objects/arrays, XML elements). Real Graph,
 * EWS and Entra answers nest a few dozen levels; parsers and SOAP libraries downstream walk the
 * result recursively and overflow the stack ("Maximum call stack size exceeded") some thousands of
 * levels down, so a hostile answer is refused here instead.
 */
export const MAX_ANSWER_DEPTH = 512;

/**
 * True when `value` nests objects/arrays deeper than `limit`. Iterative on purpose: a hostile
 * config 100,000 levels deep must be refused here, not overflow the stack of a recursive walk later.
 * Stops at the first branch that goes too deep.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (typeof current.value !== 'object' || current.value === null) continue;
    if (current.depth >= limit) return true;
    const children = Array.isArray(current.value) ? current.value : Object.values(current.value);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: current.depth + 1 });
  }
  return false;
}

/**
 * True when an XML text nests elements deeper than `limit`. A linear scan of the tags, iterative, run
 * before any parser sees the text: it counts start tags against end tags and skips self-closing
 * tags, declarations, processing instructions, comments and CDATA. Approximate on malformed XML,
 * which the parser refuses anyway.
 */
export function xmlNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let index = text.indexOf('<');
  while (index >= 0) {
    const next = text.charCodeAt(index + 1);
    if (next === 0x2f /* / */) {
      depth -= 1;
    } else if (next === 0x21 /* ! */) {
      const closer = text.startsWith('<!--', index) ? '-->' : text.startsWith('<![CDATA[', index) ? ']]>' : '>';
      const end = text.indexOf(closer, index);
      if (end < 0) return false;
      index = text.indexOf('<', end + closer.length);
      continue;
    } else if (next !== 0x3f /* ? */) {
      const end = text.indexOf('>', index);
      if (end < 0) return false;
      if (text.charCodeAt(end - 1) !== 0x2f) {
        depth += 1;
        if (depth > limit) return true;
      }
      index = text.indexOf('<', end + 1);
      continue;
    }
    index = text.indexOf('<', index + 1);
  }
  return false;
}

/**
 * True when a JSON text nests objects/arrays deeper than `limit`. A linear scan, iterative, run
 * before `JSON.parse`: V8 parses a text of 32 million `[` for minutes and into gigabytes before any
 * check of the parsed value could refuse it. Brackets inside strings do not count. Approximate on
 * malformed JSON, which the parser refuses anyway.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === 0x22 /* " */) {
      // Skip the string: its end is the next quote not escaped by an odd run of backslashes.
      let end = text.indexOf('"', index + 1);
      while (end > 0) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c /* \ */) backslashes += 1;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) return false;
      index = end;
    } else if (char === 0x5b /* [ */ || char === 0x7b /* { */) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === 0x5d /* ] */ || char === 0x7d /* } */) {
      depth -= 1;
    }
  }
  return false;
}

/** The INVALID_RESPONSE for an answer nested deeper than {@link MAX_ANSWER_DEPTH}. */
export function tooDeeplyNested(service: string, details: Record<string, unknown> = {}): MailbridgeError {
  return new MailbridgeError({
    code: 'INVALID_RESPONSE',
    message: `${service} answered with a document nested more than ${MAX_ANSWER_DEPTH} levels deep; no real answer is, so it was not parsed further.`,
    hint: 'Something between mailbridge and the service (a proxy, a gateway, a misconfigured endpoint) answers instead of it: check the endpoint and proxy settings, then retry. Run with --verbose to see which request got this answer.',
    details,
  });
}
