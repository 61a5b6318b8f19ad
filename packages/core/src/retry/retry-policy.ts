/**
 * What to do after a failed attempt.
 * - `retry`: safe to repeat. `delayMs` is a wait the service asked for (Retry-After, a back-off
 *   hint); without it the policy uses exponential back-off with full jitter.
 * - `fail`: repeating cannot help (a bad request, a permission problem) — the error is thrown as is.
 * - `ambiguous`: the request may already have taken effect (a send whose connection broke after the
 *   body went out, a gateway 5xx to a non-idempotent request). Repeating it blindly could act twice,
 *   so the policy hands the case to {@link ExecuteOptions.onAmbiguous}, or throws.
 */
export type RetryDecision = { kind: 'retry'; delayMs?: number } | { kind: 'fail' } | { kind: 'ambiguous' };

/** What a classifier knows about the call. */
export interface ClassifyContext {
  /** Whether repeating the operation is harmless (see {@link ExecuteOptions.idempotent}). */
  idempotent: boolean;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** Clock of the policy, for converting an HTTP-date Retry-After. */
  now: number;
}

/** Decides about one failure. Return `undefined` to let the default classification decide. */
export type RetryClassifier = (error: unknown, context: ClassifyContext) => RetryDecision | undefined;

/** Passed to {@link ExecuteOptions.onRetry} before each wait. */
export interface RetryInfo {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** How long the policy will wait before attempt `attempt + 1`. */
  delayMs: number;
  /** `server` when the wait was asked for by the service (Retry-After, a back-off hint), else `backoff`. */
  source: 'server' | 'backoff';
  /** The error of the failed attempt. */
  error: unknown;
}

/** Passed to {@link ExecuteOptions.onAmbiguous}. */
export interface AmbiguousContext {
  /** The error of the attempt that may have taken effect. */
  error: unknown;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** The caller's signal, to pass on to the check. */
  signal?: AbortSignal;
}

/**
 * What an {@link ExecuteOptions.onAmbiguous} check found out.
 * - `applied`: the operation did take effect (e.g. the message is in Sent Items): `execute` resolves with `value`.
 * - `not-applied`: it certainly did not: the policy retries it as any retryable failure (same attempt and delay budget).
 * - `unknown`: it cannot be told: `execute` throws the ambiguous error (`details.ambiguous = true`).
 * To report something more specific (e.g. SEND_UNCONFIRMED), throw from the hook: its error propagates as is.
 */
export type AmbiguousResolution<T> = { outcome: 'applied'; value: T } | { outcome: 'not-applied' } | { outcome: 'unknown' };

/** Options of one {@link RetryPolicy.execute} call. */
export interface ExecuteOptions<T> {
  /** Aborting stops at once, also during a wait, with an `ABORTED` error. */
  signal?: AbortSignal;
  /**
   * True when running the operation twice has the same effect as once (reads, PUT of the same
   * state, a move addressed by id). A send or a create is not: leave it false, and a failure that
   * may have taken effect becomes `ambiguous` instead of being repeated.
   * @default false
   */
  idempotent?: boolean;
  /** Called before each wait (for logs and progress). */
  onRetry?: (info: RetryInfo) => void;
  /** A classifier that runs first; return `undefined` from it to fall back to {@link classifyError}. */
  classify?: RetryClassifier;
  /**
   * Resolves an `ambiguous` failure, e.g. by looking for the message in Sent Items before sending
   * again. Without it, `execute` throws a MailbridgeError with `details.ambiguous = true`.
   */
  onAmbiguous?: (context: AmbiguousContext) => Promise<AmbiguousResolution<T>>;
}

/** Runs operations again after transient failures, within a bounded number of attempts and total wait. */
export interface RetryPolicy {
  /**
   * Runs `operation` (given the attempt number, from 1) until it succeeds, fails for good, the
   * attempts or the wait budget run out (then `THROTTLED`, `SERVICE_UNAVAILABLE` or the network
   * error's code, with the last error as `cause`), or the signal aborts (`ABORTED`).
   */
  execute<T>(operation: (attempt: number) => Promise<T>, options?: ExecuteOptions<T>): Promise<T>;
  /** The limits in force. */
  readonly maxAttempts: number;
  readonly maxDelayMs: number;
}
