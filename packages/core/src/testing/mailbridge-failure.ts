import { MailbridgeError } from '../errors/index.js';

/**
 * The MailbridgeError a call failed with, for a test to inspect. Throws (failing the test) when the
 * call succeeded, or failed with anything else — whose text and stack are kept for the report.
 */
export async function mailbridgeFailure(call: Promise<unknown> | (() => unknown)): Promise<MailbridgeError> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (error) {
    if (MailbridgeError.isInstance(error)) return error;
    throw new Error(`expected a MailbridgeError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a failure, but the call succeeded');
}
