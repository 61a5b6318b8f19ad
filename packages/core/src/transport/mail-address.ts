import { invalidMessage } from './invalid-message.js';
import type { MailAddress } from './message.js';

// Characters never part of an address: white space, the RFC 5322 specials, controls.
const ATOM = String.raw`[^\s@<>()",;:\\[\]\u0000-\u001f\u007f]+`;
// A pragmatic addr-spec: something@domain.tld. The service does the final check; this catches typos
// and injection before any request goes out.
const ADDRESS = new RegExp(`^${ATOM}@${ATOM}\\.${ATOM}$`, 'u');
/** Control characters other than TAB: line breaks inject headers; NUL and the rest no service carries the same way. */
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * Normalises `"a@b"` or `{ address, name }` into a {@link MailAddress} (address trimmed), refusing a
 * malformed address or a display name with control characters. `path` names the field in the error.
 */
export function toMailAddress(value: string | MailAddress, path: string): MailAddress {
  const raw = typeof value === 'string' ? value : value?.address;
  const address = typeof raw === 'string' ? raw.trim() : undefined;
  if (address === undefined || !ADDRESS.test(address)) {
    throw invalidMessage(`${path}: ${JSON.stringify(raw ?? null)} is not a valid e-mail address.`, 'Give a plain address such as "ops@contoso.com", or { "address": "ops@contoso.com", "name": "Ops" }.', path);
  }
  const name = typeof value === 'string' ? undefined : value.name;
  if (name !== undefined && (typeof name !== 'string' || CONTROL_CHARACTER.test(name))) {
    throw invalidMessage(`${path}.name: a display name may not contain line breaks or other control characters.`, 'Remove CR/LF and control characters from the name.', `${path}.name`);
  }
  return name === undefined ? { address } : { address, name };
}
