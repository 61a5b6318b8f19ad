import { child, NS, type XNode } from '../xml/xml-node.js';
import { el, empty, wrap } from '../xml/xml-writer.js';

/**
 * MAPI properties the simulator understands when a client names them by tag (t:ExtendedFieldURI
 * PropertyTag=…) instead of by FieldURI, mapped to the FieldURI Exchange exposes the same value as.
 * PR_INTERNET_MESSAGE_ID (0x1035, PT_UNICODE) is what many clients search by and set on import.
 */
const TAGGED_PROPERTIES: ReadonlyMap<number, { type: string; fieldUri: string }> = new Map([[0x1035, { type: 'String', fieldUri: 'message:InternetMessageId' }]]);

/** Key under which a shape records a requested tagged property (kept apart from real FieldURIs). */
export function extendedKey(tag: number): string {
  return `extended:0x${tag.toString(16).padStart(4, '0')}`;
}

/** The numeric tag of a t:ExtendedFieldURI with PropertyTag (hex `0x1035` or decimal `4149`, as the schema allows both). */
function tagOf(uri: XNode): number | undefined {
  const raw = uri.attrs['PropertyTag']?.trim();
  if (!raw) return undefined;
  const value = /^0x/i.test(raw) ? Number.parseInt(raw.slice(2), 16) : Number.parseInt(raw, 10);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * The FieldURI a t:ExtendedFieldURI stands for, when it names a tagged property the simulator
 * maps (and with the right PropertyType); undefined for any other extended property.
 */
export function mappedFieldUri(uri: XNode | undefined): string | undefined {
  if (!uri) return undefined;
  const tag = tagOf(uri);
  const known = tag === undefined ? undefined : TAGGED_PROPERTIES.get(tag);
  return known && uri.attrs['PropertyType'] === known.type ? known.fieldUri : undefined;
}

/** The shape key for a t:ExtendedFieldURI of AdditionalProperties, when the simulator can answer it. */
export function shapeKey(uri: XNode): string | undefined {
  const tag = tagOf(uri);
  return tag !== undefined && mappedFieldUri(uri) ? extendedKey(tag) : undefined;
}

/** The FieldURI a restriction compares: t:FieldURI, or a mapped t:ExtendedFieldURI. */
export function restrictionFieldUri(node: XNode): string | undefined {
  return child(node, NS.types, 'FieldURI')?.attrs['FieldURI'] ?? mappedFieldUri(child(node, NS.types, 'ExtendedFieldURI'));
}

/** `<t:ExtendedProperty>` as Exchange answers a requested tagged property (tag in hex, as clients send it). */
export function extendedPropertyXml(tag: number, type: string, value: string): string {
  return wrap('t:ExtendedProperty', empty('t:ExtendedFieldURI', { PropertyTag: `0x${tag.toString(16).padStart(4, '0')}`, PropertyType: type }) + el('t:Value', value));
}

/** PR_INTERNET_MESSAGE_ID. */
export const PR_INTERNET_MESSAGE_ID = 0x1035;
