/**
 * Characters XML 1.0 forbids anywhere in a document, even as character references: C0 controls other
 * than tab, LF and CR, the non-characters U+FFFE/U+FFFF, and unpaired UTF-16 surrogates. Exchange
 * rejects a request holding any of them, so they are dropped from text before it is written.
 */
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Quick test first: most strings need no change and should not pay for a replace.
const NEEDS_TEXT_ESCAPE = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const NEEDS_ATTRIBUTE_ESCAPE = /[&<>"'\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

const TEXT_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTRIBUTE_ENTITIES: Record<string, string> = {
  ...TEXT_ENTITIES,
  '"': '&quot;',
  "'": '&apos;',
  // Attribute-value normalisation would turn these into spaces; references keep them.
  '\t': '&#x9;',
  '\n': '&#xA;',
};

/** Removes the characters XML 1.0 cannot carry (see {@link INVALID_XML_CHARS}). */
export function stripInvalidXmlChars(value: string): string {
  return value.replace(INVALID_XML_CHARS, '');
}

/**
 * Escapes a string for XML element content: `& < >` become entities, CR becomes `&#xD;` (a parser
 * would otherwise fold CRLF to LF and change a body), characters XML cannot carry are dropped.
 */
export function escapeXmlText(value: string): string {
  if (!NEEDS_TEXT_ESCAPE.test(value)) return value;
  return stripInvalidXmlChars(value).replace(/[&<>\r]/g, (c) => TEXT_ENTITIES[c]!);
}

/** Escapes a string for a double- or single-quoted XML attribute value. */
export function escapeXmlAttribute(value: string): string {
  if (!NEEDS_ATTRIBUTE_ESCAPE.test(value)) return value;
  return stripInvalidXmlChars(value).replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_ENTITIES[c]!);
}
