import { MailbridgeError } from '../errors/mailbridge-error.js';

/** INVALID_MESSAGE naming the field at fault in `details.path` (e.g. `to[2]`, `attachments[0].size`). */
export function invalidMessage(message: string, hint: string, path: string): MailbridgeError {
  return new MailbridgeError({ code: 'INVALID_MESSAGE', message, hint, details: { path } });
}
