import { type ErrorCode, MailbridgeError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { defaultRedactor } from '../redact/default-redactor.js';
import type { Redactor } from '../redact/redactor.js';
import { scrubError } from '../redact/scrub-error.js';
import { classifyError, statusOf } from './classify-error.js';
import type { ExecuteOptions, RetryDecision, RetryInfo, RetryPolicy } from './retry-policy.js';
import { sleep as defaultSleep } from './sleep.js';

/** Options of {@link createRetryPolicy}; `retry.maxAttempts` and `retry.maxDelayMs` come from the config. */
export interface RetryPolicyOptions {
  /**
   * Attempts in total, the first included (1 = never retry).
   * @default 6
   */
  maxAttempts?: number;
  /**
   * Budget of the total time spent waiting between attempts. A wait the service asks for that
   * does not fit in what is left ends the retries at once.
   * @default 120000
   */
  maxDelayMs?: number;
  /**
   * First back-off ceiling; it doubles with each attempt (full jitter: the wait is random in [0, ceiling)).
   * @default 500
   */
  baseDelayMs?: number;
  /**
   * Cap of one back-off wait (not of a wait the service asks for).
   * @default 30000
   */
  maxSingleDelayMs?: number;
  /** Source of randomness in [0, 1), for tests. @default Math.random */
  random?: () => number;
  /** How to wait; must reject with the signal's reason on abort. @default a setTimeout sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock in ms since the epoch (HTTP-date Retry-After). @default Date.now */
  now?: () => number;
  /** Cleans error messages. @default defaultRedactor */
  redactor?: Redactor;
  /** Receives a debug record before each wait (attempt, delay, error code and status). */
  logger?: Logger;
  /**
   * Called before each wait of every call this policy runs, after the call's own `onRetry`: to count
   * retries (doctor says when a check passed only after some) or feed metrics.
   */
  onRetry?: (info: RetryInfo) => void;
}

const NETWORK_CODES: ReadonlySet<ErrorCode> = new Set(['NETWORK_ERROR', 'NETWORK_TIMEOUT', 'PROXY_ERROR']);

/** Creates a {@link RetryPolicy}. Invalid limits are a programming error and throw `USAGE`. */
export function createRetryPolicy(options: RetryPolicyOptions = {}): RetryPolicy {
  const maxAttempts = positiveInteger(options.maxAttempts ?? 6, 'maxAttempts');
  const maxDelayMs = nonNegative(options.maxDelayMs ?? 120_000, 'maxDelayMs');
  const baseDelayMs = nonNegative(options.baseDelayMs ?? 500, 'baseDelayMs');
  const maxSingleDelayMs = nonNegative(options.maxSingleDelayMs ?? 30_000, 'maxSingleDelayMs');
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const redactor = options.redactor ?? defaultRedactor;

  async function execute<T>(operation: (attempt: number) => Promise<T>, callOptions: ExecuteOptions<T> = {}): Promise<T> {
    const { signal, onRetry, classify, onAmbiguous } = callOptions;
    const idempotent = callOptions.idempotent ?? false;
    let waitedMs = 0;

    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      if (signal?.aborted) throw abortedError(signal.reason);
      let error: unknown;
      try {
        return await operation(attempt);
      } catch (caught) {
        error = caught;
      }
      if (signal?.aborted) throw abortedError(signal.reason, error);

      const context = { idempotent, attempt, now: now() };
      let decision: RetryDecision = classify?.(error, context) ?? classifyError(error, context);
      if (decision.kind === 'ambiguous') {
        if (!onAmbiguous) throw ambiguousError(error, attempt);
        const resolution = await onAmbiguous(signal ? { error, attempt, signal } : { error, attempt });
        if (resolution.outcome === 'applied') return resolution.value;
        if (resolution.outcome === 'unknown') throw ambiguousError(error, attempt);
        // Verified not applied: as safe to repeat as a request that never left.
        decision = { kind: 'retry' };
      }
      if (decision.kind === 'fail') throw error;
      if (attempt >= maxAttempts) throw exhaustedError(error, attempt, waitedMs, `after ${attempt} attempts`);

      const remainingMs = maxDelayMs - waitedMs;
      let delayMs: number;
      let source: 'server' | 'backoff';
      if (decision.delayMs !== undefined) {
        delayMs = Math.max(0, Math.ceil(decision.delayMs));
        source = 'server';
        if (delayMs > remainingMs) {
          throw exhaustedError(error, attempt, waitedMs, `the service asked to wait ${seconds(delayMs)}, more than the ${seconds(remainingMs)} left of the retry budget`);
        }
      } else {
        if (remainingMs <= 0) throw exhaustedError(error, attempt, waitedMs, `after ${attempt} attempts`);
        const ceiling = Math.min(maxSingleDelayMs, baseDelayMs * 2 ** (attempt - 1));
        delayMs = Math.min(remainingMs, Math.floor(clampUnit(random()) * ceiling));
        source = 'backoff';
      }
      const info: RetryInfo = { attempt, delayMs, source, error };
      onRetry?.(info);
      options.onRetry?.(info);
      options.logger?.debug('retrying after a transient failure', {
        attempt,
        delayMs,
        source,
        code: MailbridgeError.isInstance(error) ? error.code : undefined,
        status: statusOf(error),
      });
      try {
        await sleep(delayMs, signal);
      } catch (sleepError) {
        throw abortedError(signal?.reason ?? sleepError, error);
      }
      waitedMs += delayMs;
    }
    // The loop returns or throws on every path; this keeps the compiler and a reader sure of it.
    throw new MailbridgeError({ code: 'INTERNAL', message: 'The retry loop ended without a result.', hint: 'Please report this bug.' });
  }

  function abortedError(reason: unknown, lastError?: unknown): MailbridgeError {
    if (MailbridgeError.isInstance(lastError) && lastError.code === 'ABORTED') return lastError;
    return new MailbridgeError({
      code: 'ABORTED',
      message: 'The operation was aborted.',
      hint: 'It was cancelled by the caller (an abort signal or Ctrl+C); run it again if that was not intended.',
      cause: reason ?? lastError,
    });
  }

  function ambiguousError(error: unknown, attempt: number): MailbridgeError {
    scrubError(error, redactor);
    const base = MailbridgeError.isInstance(error) ? error : undefined;
    return new MailbridgeError({
      code: base?.code ?? 'SERVICE_ERROR',
      message: redactor.redact(`${messageOf(error)} The request may already have taken effect, so it was not repeated automatically.`),
      hint: 'Check whether it happened (for a send: look in the Sent Items folder of the mailbox) before trying again.',
      cause: error,
      details: { ...base?.details, ambiguous: true, attempts: attempt },
      retryable: false,
    });
  }

  function exhaustedError(error: unknown, attempt: number, waitedMs: number, why: string): MailbridgeError {
    scrubError(error, redactor);
    const base = MailbridgeError.isInstance(error) ? error : undefined;
    const status = statusOf(error);
    let code: ErrorCode;
    let hint: string;
    if (base?.code === 'THROTTLED' || status === 429) {
      code = 'THROTTLED';
      hint = 'The service is throttling this app or mailbox. Send fewer requests, wait a few minutes, or raise retry.maxDelayMs / retry.maxAttempts in the config.';
    } else if (base && NETWORK_CODES.has(base.code)) {
      code = base.code;
      hint = base.hint;
    } else {
      code = 'SERVICE_UNAVAILABLE';
      hint = 'The service is temporarily unavailable. Try again later, or raise retry.maxDelayMs / retry.maxAttempts in the config to wait longer.';
    }
    return new MailbridgeError({
      code,
      message: redactor.redact(`${messageOf(error)} Gave up: ${why} (waited ${seconds(waitedMs)} in total).`),
      hint,
      cause: error,
      details: { ...base?.details, attempts: attempt, waitedMs },
      retryable: false,
    });
  }

  return { execute, maxAttempts, maxDelayMs };
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function seconds(ms: number): string {
  return `${Math.round(Math.max(0, ms) / 100) / 10}s`;
}

function clampUnit(value: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw usage(name, 'a whole number of at least 1', value);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw usage(name, 'a number of milliseconds, 0 or more', value);
  return value;
}

function usage(name: string, expected: string, value: unknown): MailbridgeError {
  return new MailbridgeError({
    code: 'USAGE',
    message: `retry.${name}: expected ${expected}, got ${JSON.stringify(value)}.`,
    hint: `Set retry.${name} to ${expected}.`,
  });
}
