import { MailbridgeError } from '../errors/index.js';
import { parseRetryAfter } from './parse-retry-after.js';
import type { ClassifyContext, RetryDecision } from './retry-policy.js';

/** HTTP statuses that are worth repeating: throttled, bad gateway, unavailable, gateway timeout. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * The default classification of a failed attempt. It reads these fields of the error (all optional,
 * on a MailbridgeError's `details` or on the error itself):
 * - `retryable` (MailbridgeError) — or, for other errors, a `status`/`statusCode` in {@link RETRYABLE_STATUSES};
 * - `status` — 429 and 503 mean the service refused the request without acting on it;
 * - `retryAfterMs` (a service back-off hint, e.g. EWS ErrorServerBusy BackOffMilliseconds) or
 *   `retryAfter` (a raw Retry-After header value) — the wait the service asked for; also proves refusal;
 * - `requestSent` — `false` when the failure happened before the request was fully written (the HTTP
 *   client sets it), so the service cannot have acted on it.
 *
 * Not retryable → `fail`. Retryable and idempotent, or proven not applied → `retry`. Retryable,
 * not idempotent and possibly applied → `ambiguous`. Aborts are never retried.
 */
export function classifyError(error: unknown, context: ClassifyContext): RetryDecision {
  if (isAbort(error)) return { kind: 'fail' };
  const status = statusOf(error);
  const isMailbridge = MailbridgeError.isInstance(error);
  const retryable = isMailbridge ? error.retryable : status !== undefined && RETRYABLE_STATUSES.has(status);
  if (!retryable) return { kind: 'fail' };

  const delayMs = retryAfterOf(error, context.now);
  const refused = status === 429 || status === 503 || delayMs !== undefined || (isMailbridge && error.code === 'THROTTLED') || read(error, 'requestSent') === false;
  if (context.idempotent || refused) return delayMs === undefined ? { kind: 'retry' } : { kind: 'retry', delayMs };
  return { kind: 'ambiguous' };
}

/** The HTTP status an error carries (`details.status`, `status` or `statusCode`), if any. */
export function statusOf(error: unknown): number | undefined {
  return readNumber(error, 'status') ?? readNumber(error, 'statusCode');
}

/** The wait an error asks for: `retryAfterMs`, else a parsed `retryAfter` header value. */
export function retryAfterOf(error: unknown, now: number): number | undefined {
  const ms = readNumber(error, 'retryAfterMs');
  if (ms !== undefined && ms >= 0) return ms;
  const header = read(error, 'retryAfter');
  return typeof header === 'string' ? parseRetryAfter(header, now) : undefined;
}

function isAbort(error: unknown): boolean {
  if (MailbridgeError.isInstance(error)) return error.code === 'ABORTED';
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** A field of the error, or of its `details` (MailbridgeError keeps facts there). */
function read(error: unknown, key: string): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const details = (error as { details?: unknown }).details;
  if (typeof details === 'object' && details !== null && key in details) return (details as Record<string, unknown>)[key];
  return (error as Record<string, unknown>)[key];
}

function readNumber(error: unknown, key: string): number | undefined {
  const value = read(error, key);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
