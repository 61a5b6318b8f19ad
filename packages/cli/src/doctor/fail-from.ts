import type { CheckOutcome } from './doctor-check.js';

const MARKER = Symbol.for('mailbridge.error');
type CodedError = Error & { code: string; hint: string; details?: Record<string, unknown> };
// The marker (not instanceof) so an error from another copy of core is still recognised.
const isCoded = (error: unknown): error is CodedError => typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;

/** A check's `fail` from an error: a MailbridgeError keeps its code and hint; anything else is INTERNAL. */
export function failFrom(error: unknown, prefix = ''): CheckOutcome {
  if (isCoded(error)) return { status: 'fail', message: prefix + error.message, hint: error.hint, code: error.code };
  return { status: 'fail', message: prefix + (error instanceof Error ? error.message : String(error)), hint: 'Run again with --verbose.', code: 'INTERNAL' };
}
