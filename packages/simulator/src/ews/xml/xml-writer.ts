/**
 * Building response XML as text. Every value that comes from a mailbox (subjects, bodies, names) goes
 * through {@link esc}: Exchange entity-escapes HTML inside `<t:Body>` (the published GetItem sample
 * that shows raw HTML there is not well-formed), and so do we.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Characters XML 1.0 cannot carry at all, even escaped; dropped rather than producing a broken document. */
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escape text or an attribute value. */
export function esc(value: string | number | boolean): string {
  return String(value)
    .replace(INVALID_XML_CHARS, '')
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Escape element text: quotes may stay as they are there. */
export function escText(value: string | number | boolean): string {
  return String(value)
    .replace(INVALID_XML_CHARS, '')
    .replace(/[&<>]/g, (c) => ESCAPES[c]!);
}

/** `<tag attr="...">text</tag>`, escaped; nothing when the value is undefined. */
export function el(tag: string, value: string | number | boolean | undefined, attrs?: Record<string, string | number | boolean | undefined>): string {
  if (value === undefined) return '';
  return `<${tag}${attrString(attrs)}>${escText(value)}</${tag}>`;
}

/** `<tag attr="...">` + raw inner XML + `</tag>` (inner must already be XML). */
export function wrap(tag: string, inner: string, attrs?: Record<string, string | number | boolean | undefined>): string {
  return inner === '' ? `<${tag}${attrString(attrs)}/>` : `<${tag}${attrString(attrs)}>${inner}</${tag}>`;
}

/** An empty element with attributes. */
export function empty(tag: string, attrs?: Record<string, string | number | boolean | undefined>): string {
  return `<${tag}${attrString(attrs)}/>`;
}

function attrString(attrs?: Record<string, string | number | boolean | undefined>): string {
  if (!attrs) return '';
  let out = '';
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) out += ` ${key}="${esc(value)}"`;
  return out;
}
