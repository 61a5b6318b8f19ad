import { classifyError, type ErrorCode, isOutcomeUnknown, MailbridgeError, retryAfterOf } from '@mailbridge/core';
import type { OutboxError } from '../outbox-types.js';

/**
 * What the outbox does after a send failed (the transport has already retried what its retry policy
 * allows within one call):
 * - `permanent`: repeating cannot help (a bad recipient, too large, send-as denied, an auth or
 *   permission problem only an admin can fix) — the message goes to `failed` with the code and hint;
 * - `transient`: throttling, an outage, a network failure — queued again after `delayMs` (a wait the
 *   service asked for) or the outbox's back-off, until the message's maximum age;
 * - `quota`: the mailbox is blocked by the service's sending limit — held.
 * `uncertain` marks a failure after which the message may have been sent: the next attempt looks in
 * Sent Items first.
 */
export type FailureDecision = { kind: 'permanent'; error: OutboxError } | { kind: 'transient'; error: OutboxError; delayMs?: number; uncertain: boolean } | { kind: 'quota'; error: OutboxError; delayMs?: number };

/** Codes that mean "try again later"; every other code is permanent. */
const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'THROTTLED',
  'SERVICE_UNAVAILABLE',
  'SERVICE_ERROR',
  'INVALID_RESPONSE',
  'SEND_UNCONFIRMED',
  'NETWORK_ERROR',
  'NETWORK_TIMEOUT',
  'PROXY_ERROR',
  'TLS_ERROR',
  'ABORTED',
  'OUTBOX_STORE_UNAVAILABLE',
]);

/**
 * The service's answer when a mailbox is over its sending limit: EWS `ErrorSubmissionQuotaExceeded`
 * (documented in EWS's ResponseCode list); Graph passes Exchange's code through in `error.code`.
 */
const QUOTA_SERVICE_CODES: ReadonlySet<string> = new Set(['ErrorSubmissionQuotaExceeded', 'ErrorQuotaExceeded', 'SubmissionQuotaExceeded']);

/** Classifies a failed send; see {@link FailureDecision}. */
export function classifyFailure(error: unknown, now: number): FailureDecision {
  const kept = toOutboxError(error);
  const delayMs = retryAfterOf(error, now);
  if (MailbridgeError.isInstance(error)) {
    const serviceCode = typeof error.details.serviceCode === 'string' ? error.details.serviceCode : undefined;
    if (error.code === 'SENDING_QUOTA_EXCEEDED' || (serviceCode !== undefined && QUOTA_SERVICE_CODES.has(serviceCode))) {
      return { kind: 'quota', error: { ...kept, code: 'SENDING_QUOTA_EXCEEDED' }, ...(delayMs !== undefined ? { delayMs } : {}) };
    }
    if (!TRANSIENT_CODES.has(error.code)) return { kind: 'permanent', error: kept };
    // Throttling is a refusal (nothing was sent); so is a failure before the request went out. Any
    // other failure may have happened after the service acted: look in Sent Items before sending again.
    const refused = error.code === 'THROTTLED' || error.code === 'OUTBOX_STORE_UNAVAILABLE' || error.details.requestSent === false || error.details.status === 429 || error.details.status === 503;
    const uncertain = isOutcomeUnknown(error) || error.code === 'SEND_UNCONFIRMED' || !refused;
    return { kind: 'transient', error: kept, uncertain, ...(delayMs !== undefined ? { delayMs } : {}) };
  }
  // Not one of ours: core's classification of raw HTTP/network errors decides.
  const decision = classifyError(error, { idempotent: false, attempt: 1, now });
  if (decision.kind === 'fail') return { kind: 'permanent', error: kept };
  return { kind: 'transient', error: kept, uncertain: decision.kind === 'ambiguous', ...(delayMs !== undefined ? { delayMs } : {}) };
}

/** The code, message and hint kept with a message (never a stack, never a secret: MailbridgeErrors are redacted). */
export function toOutboxError(error: unknown): OutboxError {
  if (MailbridgeError.isInstance(error)) return { code: error.code, message: error.message, hint: error.hint };
  return {
    code: 'INTERNAL',
    message: `The send failed with an unexpected error: ${error instanceof Error ? error.name : typeof error}.`,
    hint: 'Please report this bug with the output of --verbose.',
  };
}
