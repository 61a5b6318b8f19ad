import type { SendingLimitError } from '../mail/sending-limits.js';
import { EWS_MESSAGES, EwsError } from './ews-error.js';

/**
 * EWS's answer to a send over a sending limit (see mail/sending-limits.ts for what is documented and
 * what is inferred): the message rate as EWS throttling (`ErrorServerBusy` with BackOffMilliseconds,
 * a SOAP fault); the daily recipient limit as the documented `ErrorSubmissionQuotaExceeded`; too many
 * recipients as `ErrorInvalidRecipients`.
 */
export function sendingLimitEwsError(error: SendingLimitError): EwsError {
  const refusal = error.refusal;
  switch (refusal.kind) {
    case 'message-rate':
      return new EwsError('ErrorServerBusy', EWS_MESSAGES.ErrorServerBusy, 'fault', { BackOffMilliseconds: String(Math.max(1, Math.ceil(refusal.retryAfterMs))) });
    case 'recipient-rate':
      return new EwsError(
        'ErrorSubmissionQuotaExceeded',
        `Cannot submit message. The mailbox has exceeded its submission quota: its daily limit for message recipients is reached (550 5.1.90) until ${new Date(refusal.blockedUntil).toISOString()}.`,
      );
    case 'recipients-per-message':
      return new EwsError('ErrorInvalidRecipients', `The message has more than ${refusal.limit} recipients.`);
  }
}
