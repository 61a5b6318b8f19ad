import type { CheckOutcome } from './doctor-check.js';

const MARKER = Symbol.for('mailbridge.error');
type CodedError = Error & { code: string; hint: string; details?: Record<string, unknown> };
// The marker (not instanceof) so an error from another copy of core is still recognised.
const isCoded = (error: unknown): error is CodedError => typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;

/** A check's `fail` from an error: a MailbridgeError keeps its code and hint; anything else is INTERNAL. */
export function failFrom(error: unknown, prefix = ''): CheckOutcome {
  if (isCoded(error)) {
    const details = error.details ?? {};
    return {
      status: 'fail',
      message: prefix + error.message,
      hint: error.hint,
      code: error.code,
      // Entra's ids are what Microsoft support asks for: doctor's output is what admins paste into a ticket.
      ...(typeof details.aadsts === 'number' ? { aadsts: details.aadsts } : {}),
      ...(typeof details.traceId === 'string' ? { traceId: details.traceId } : {}),
      ...(typeof details.correlationId === 'string' ? { correlationId: details.correlationId } : {}),
    };
  }
  return { status: 'fail', message: prefix + (error instanceof Error ? error.message : String(error)), hint: 'Run again with --verbose.', code: 'INTERNAL' };
}
