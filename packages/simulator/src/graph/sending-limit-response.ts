import type { SendingLimitError } from '../mail/sending-limits.js';
import type { SimRequest, SimResponse } from '../server/http-types.js';
import { graphErrorResponse, tooManyRequestsResponse } from './graph-error.js';

/**
 * Graph's answer to a send over a sending limit (see mail/sending-limits.ts for what is documented
 * and what is inferred): the message rate as Graph's documented throttling (429 + Retry-After); the
 * daily recipient limit as 403 with Exchange's `ErrorSubmissionQuotaExceeded`; too many recipients
 * as 400 `ErrorInvalidRecipients` (NDR 5.5.3, "too many recipients").
 */
export function sendingLimitResponse(request: SimRequest, nowMs: number, error: SendingLimitError): SimResponse {
  const refusal = error.refusal;
  switch (refusal.kind) {
    case 'message-rate':
      return tooManyRequestsResponse(request, nowMs, Math.max(1, Math.ceil(refusal.retryAfterMs / 1000)));
    case 'recipient-rate':
      return graphErrorResponse(
        request,
        nowMs,
        403,
        'ErrorSubmissionQuotaExceeded',
        `Cannot submit message. The sender has reached its daily limit for message recipients (550 5.1.90); it can send again after ${new Date(refusal.blockedUntil).toISOString()}.`,
      );
    case 'recipients-per-message':
      return graphErrorResponse(request, nowMs, 400, 'ErrorInvalidRecipients', `The message has more than ${refusal.limit} recipients (550 5.5.3 Too many recipients).`);
  }
}
