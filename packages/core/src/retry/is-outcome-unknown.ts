import { MailbridgeError } from '../errors/index.js';

/**
 * True for an error after which the server may or may not have acted on the request (a connection
 * reset or a gateway error after a non-idempotent request went out): the retry policy marks those
 * with `details.ambiguous`. A send that fails so is checked (e.g. in Sent Items), never repeated blindly.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return MailbridgeError.isInstance(error) && error.details.ambiguous === true;
}
