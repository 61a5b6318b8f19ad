import { XMLParser } from 'fast-xml-parser';

/** EWS and SOAP namespaces. */
export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  errors: 'http://schemas.microsoft.com/exchange/services/2006/errors',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

/**
 * An element with its namespace resolved, whatever prefixes the client chose (`m:`, `mes:`, a default
 * namespace, ...). Attributes without a prefix are keyed by local name; prefixed ones by `{ns}local`.
 */
export interface XNode {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XNode[];
  /** Concatenated character data directly inside this element (entities decoded). */
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded below in one pass: the parser's own decoding is not numeric-reference aware
  // and decoding in two steps would turn `&amp;#65;` into `A`.
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: '#comment',
});

const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decode the five XML entities and character references. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (_all, hex: string | undefined, dec: string | undefined, named: string | undefined) => {
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    if (dec) return String.fromCodePoint(parseInt(dec, 10));
    return NAMED[named!] ?? '';
  });
}

type RawNode = Record<string, unknown>;

function convert(raw: RawNode, scope: Map<string, string>): XNode | undefined {
  const tag = Object.keys(raw).find((key) => key !== ':@');
  if (!tag || tag === '#text' || tag === '#comment') return undefined;
  const rawAttrs = (raw[':@'] ?? {}) as Record<string, string>;
  let local = scope;
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (local === scope) local = new Map(scope);
      local.set(key === 'xmlns' ? '' : key.slice(6), decodeEntities(value));
    }
  }
  const colon = tag.indexOf(':');
  const prefix = colon >= 0 ? tag.slice(0, colon) : '';
  const node: XNode = { ns: local.get(prefix) ?? '', name: colon >= 0 ? tag.slice(colon + 1) : tag, attrs: {}, children: [], text: '' };
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    const at = key.indexOf(':');
    const decoded = decodeEntities(value);
    if (at < 0) node.attrs[key] = decoded;
    else if (key.startsWith('xml:')) node.attrs[`{http://www.w3.org/XML/1998/namespace}${key.slice(4)}`] = decoded;
    else node.attrs[`{${local.get(key.slice(0, at)) ?? ''}}${key.slice(at + 1)}`] = decoded;
  }
  const content = raw[tag];
  if (Array.isArray(content)) {
    const texts: string[] = [];
    for (const item of content as RawNode[]) {
      if ('#text' in item) texts.push(decodeEntities(String(item['#text'])));
      else {
        const child = convert(item, local);
        if (child) node.children.push(child);
      }
    }
    node.text = texts.join('');
  }
  return node;
}

/*
 * Large base64 payloads (t:Content of attachments, t:MimeContent) are cut out before parsing and put
 * back afterwards: fast-xml-parser spends about a second per megabyte of text node, this takes
 * milliseconds. Base64 holds neither `<` nor `&`, so the text needs no decoding.
 */
const BLOB_OPEN = /<(?:[\w.-]+:)?(?:Content|MimeContent)\b[^>]*>/g;
const BLOB_MARK = /^\u0001blob(\d+)\u0001$/;
const BLOB_MIN = 4096;

/** Cuts the large text of Content/MimeContent elements out of the document (see {@link parseXml}). */
function cutBlobs(xml: string, blobs: string[]): string {
  const pieces: string[] = [];
  let last = 0;
  BLOB_OPEN.lastIndex = 0;
  for (let open = BLOB_OPEN.exec(xml); open; open = BLOB_OPEN.exec(xml)) {
    const start = open.index + open[0].length;
    const end = xml.indexOf('<', start);
    if (end < 0) break;
    if (end - start >= BLOB_MIN) {
      pieces.push(xml.slice(last, start), `\u0001blob${blobs.push(xml.slice(start, end)) - 1}\u0001`);
      last = end;
    }
    BLOB_OPEN.lastIndex = end;
  }
  if (blobs.length === 0) return xml;
  pieces.push(xml.slice(last));
  return pieces.join('');
}

function restoreBlobs(node: XNode, blobs: string[]): void {
  const mark = BLOB_MARK.exec(node.text);
  if (mark) node.text = blobs[Number(mark[1])]!;
  for (const c of node.children) restoreBlobs(c, blobs);
}

/**
 * Parse an XML document into namespace-resolved nodes. Throws on input fast-xml-parser cannot read;
 * well-formedness proper is the schema validator's job (it runs first when validation is on).
 */
export function parseXml(xml: string): XNode {
  const blobs: string[] = [];
  const slim = xml.length > 65_536 ? cutBlobs(xml, blobs) : xml;
  const raw = parser.parse(slim) as RawNode[];
  for (const item of raw) {
    const node = convert(item, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
    if (node) {
      if (blobs.length > 0) restoreBlobs(node, blobs);
      return node;
    }
  }
  throw new Error('no root element');
}

/** The first child element with this namespace and local name. */
export function child(node: XNode | undefined, ns: string, name: string): XNode | undefined {
  return node?.children.find((c) => c.ns === ns && c.name === name);
}

/** All child elements with this namespace and local name (all children when name is omitted). */
export function children(node: XNode | undefined, ns?: string, name?: string): XNode[] {
  if (!node) return [];
  return node.children.filter((c) => (ns === undefined || c.ns === ns) && (name === undefined || c.name === name));
}

/** Text of a child element in the types namespace (the usual case in EWS requests), or undefined. */
export function tText(node: XNode | undefined, name: string): string | undefined {
  return child(node, NS.types, name)?.text;
}

/** Text of a child element in the messages namespace, or undefined. */
export function mText(node: XNode | undefined, name: string): string | undefined {
  return child(node, NS.messages, name)?.text;
}
