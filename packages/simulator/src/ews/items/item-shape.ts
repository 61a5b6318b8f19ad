import { NS, child, children, type XNode } from '../xml/xml-node.js';
import { EwsError, EWS_MESSAGES } from '../ews-error.js';
import { empty } from '../xml/xml-writer.js';
import { shapeKey } from './extended-property.js';

/** What an ItemShape / AttachmentShape asks for. */
export interface ItemShape {
  base: 'IdOnly' | 'Default' | 'AllProperties';
  includeMime: boolean;
  bodyType: 'Best' | 'HTML' | 'Text';
  /** FieldURIs from AdditionalProperties (e.g. `message:IsRead`), and `extended:0x1035` for a mapped t:ExtendedFieldURI. */
  additional: Set<string>;
}

/** Prefixes of FieldURIs that name properties of other item types: asking for them on a message is ErrorInvalidPropertyRequest. */
const NON_MESSAGE_PREFIXES = ['calendar:', 'meeting:', 'meetingRequest:', 'contacts:', 'distributionlist:', 'task:', 'postitem:', 'conversation:', 'persona:'];

/** Reads m:ItemShape (or AttachmentShape); throws ErrorInvalidPropertyRequest for a non-message property, as Exchange does. */
export function readItemShape(shape: XNode | undefined): ItemShape {
  const base = (child(shape, NS.types, 'BaseShape')?.text.trim() ?? 'Default') as ItemShape['base'];
  const includeMime = child(shape, NS.types, 'IncludeMimeContent')?.text.trim() === 'true';
  const bodyType = (child(shape, NS.types, 'BodyType')?.text.trim() ?? 'Best') as ItemShape['bodyType'];
  const additional = new Set<string>();
  for (const field of children(child(shape, NS.types, 'AdditionalProperties'), NS.types, 'FieldURI')) {
    const uri = field.attrs['FieldURI'] ?? '';
    if (NON_MESSAGE_PREFIXES.some((prefix) => uri.startsWith(prefix))) {
      throw new EwsError('ErrorInvalidPropertyRequest', EWS_MESSAGES.ErrorInvalidPropertyRequest, 'message', undefined, empty('t:FieldURI', { FieldURI: uri }));
    }
    additional.add(uri);
  }
  // Tagged MAPI properties the simulator maps (PR_INTERNET_MESSAGE_ID); others have no value here
  // and, as in Exchange for a property an item does not carry, are simply not returned.
  for (const field of children(child(shape, NS.types, 'AdditionalProperties'), NS.types, 'ExtendedFieldURI')) {
    const key = shapeKey(field);
    if (key) additional.add(key);
  }
  return { base, includeMime, bodyType, additional };
}

