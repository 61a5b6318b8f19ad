import { EWS_MESSAGES, EwsError } from '../ews-error.js';
import { targetsExchange2007 } from '../soap/request-version.js';
import { child, children, NS, type XNode } from '../xml/xml-node.js';
import { empty } from '../xml/xml-writer.js';
import { shapeKey } from './extended-property.js';

/** What an ItemShape / AttachmentShape asks for. */
export interface ItemShape {
  base: 'IdOnly' | 'Default' | 'AllProperties';
  includeMime: boolean;
  bodyType: 'Best' | 'HTML' | 'Text';
  /** FieldURIs from AdditionalProperties (e.g. `message:IsRead`), and `extended:0x1035` for a mapped t:ExtendedFieldURI. */
  additional: Set<string>;
  /** The RequestServerVersion the answer is written for: it leaves out what that version's schema lacks. */
  requestVersion: string;
}

/**
 * Prefixes of FieldURIs that name properties of other item types (calendar items, meeting messages,
 * contacts, distribution lists, tasks, posts). Clients ask for them while reading mail folders,
 * because a mail folder may hold meeting requests.
 */
const OTHER_ITEM_TYPE_PREFIXES = ['calendar:', 'meeting:', 'meetingRequest:', 'contacts:', 'distributionlist:', 'task:', 'postitem:'];
/** Prefixes of FieldURIs of things that are no items at all (FindConversation, FindPeople): never valid in an ItemShape. */
const NON_ITEM_PREFIXES = ['conversation:', 'persona:'];

/** Options of {@link readItemShape}. */
export interface ReadItemShapeOptions {
  /** The RequestServerVersion the request is handled as (see effectiveRequestVersion). */
  requestVersion: string;
}

function invalidProperty(uri: string, message: string): EwsError {
  return new EwsError('ErrorInvalidPropertyRequest', message, 'message', undefined, empty('t:FieldURI', { FieldURI: uri }));
}

/**
 * Reads m:ItemShape (or AttachmentShape).
 *
 * A property of another item type: Exchange 2010 and later, and Exchange Online, answer with the
 * properties that apply to each item and leave the others out, so a message simply has no
 * `calendar:Start`. Exchange 2007 answered ErrorInvalidPropertyRequest instead
 * (Microsoft's GetItem error sample, from an Exchange 2007 server), and later servers still do so for
 * a request that targets Exchange 2007 (RequestServerVersion Exchange2007/Exchange2007_SP1, or none).
 */
export function readItemShape(shape: XNode | undefined, options: ReadItemShapeOptions): ItemShape {
  const base = (child(shape, NS.types, 'BaseShape')?.text.trim() ?? 'Default') as ItemShape['base'];
  const includeMime = child(shape, NS.types, 'IncludeMimeContent')?.text.trim() === 'true';
  const bodyType = (child(shape, NS.types, 'BodyType')?.text.trim() ?? 'Best') as ItemShape['bodyType'];
  const additional = new Set<string>();
  const refuseOtherTypes = targetsExchange2007(options.requestVersion);
  for (const field of children(child(shape, NS.types, 'AdditionalProperties'), NS.types, 'FieldURI')) {
    const uri = field.attrs['FieldURI'] ?? '';
    if (NON_ITEM_PREFIXES.some((prefix) => uri.startsWith(prefix))) throw invalidProperty(uri, EWS_MESSAGES.ErrorInvalidPropertyRequest);
    if (OTHER_ITEM_TYPE_PREFIXES.some((prefix) => uri.startsWith(prefix))) {
      // The wording Exchange Online uses for a request in Exchange 2007 mode (as users report it;
      // Exchange 2007 itself says only "Property is not valid for this object type.").
      if (refuseOtherTypes) throw invalidProperty(uri, `The property ${uri} is not valid for this object type. The Current ExchangeVersion is ${options.requestVersion}.`);
      // Omitted: the simulator stores messages only, and a message has none of these properties.
      continue;
    }
    additional.add(uri);
  }
  // Tagged MAPI properties the simulator maps (PR_INTERNET_MESSAGE_ID); others have no value here
  // and, as in Exchange for a property an item does not carry, are simply not returned.
  for (const field of children(child(shape, NS.types, 'AdditionalProperties'), NS.types, 'ExtendedFieldURI')) {
    const key = shapeKey(field);
    if (key) additional.add(key);
  }
  return { base, includeMime, bodyType, additional, requestVersion: options.requestVersion };
}
