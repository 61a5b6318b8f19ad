import type { LogFields, Logger } from '@mailbridge/core';

/** The message core's retry policy logs (at debug) before each wait: one record per retry. */
export const RETRY_LOG_MESSAGE = 'retrying after a transient failure';

/** The retries one check needed. */
export interface RetryCount {
  count: number;
  /** Why, once each in order of first occurrence: the error code (`THROTTLED`), else `HTTP 503`. */
  reasons: string[];
}

/** Counts the transient failures that core's retry policy retried, while passing every record on. */
export interface RetryTally {
  /** Give this to the runtime (HTTP client, retry policy, token provider, transport). */
  readonly logger: Logger;
  /** The retries since the last call, and starts counting afresh. */
  take(): RetryCount;
}

/**
 * A logger in front of `inner` that counts the retry policy's "retrying" records. Counted before
 * any level filter, so doctor knows a check passed only after retries even when debug is not shown.
 */
export function createRetryTally(inner?: Logger): RetryTally {
  let count = 0;
  let reasons: string[] = [];
  const debug = (message: string, fields?: LogFields) => {
    if (message === RETRY_LOG_MESSAGE) {
      count += 1;
      const reason = typeof fields?.code === 'string' ? fields.code : typeof fields?.status === 'number' ? `HTTP ${fields.status}` : 'transient failure';
      if (!reasons.includes(reason)) reasons.push(reason);
    }
    inner?.debug(message, fields);
  };
  return {
    logger: {
      debug,
      info: (message, fields) => inner?.info(message, fields),
      warn: (message, fields) => inner?.warn(message, fields),
      error: (message, fields) => inner?.error(message, fields),
    },
    take() {
      const taken = { count, reasons };
      count = 0;
      reasons = [];
      return taken;
    },
  };
}
