import { MailbridgeError, type RetryInfo } from '@mailbridge/core';

/** The retries one check needed. */
export interface RetryCount {
  count: number;
  /** Why, once each in order of first occurrence: the error code (`THROTTLED`, `SERVICE_UNAVAILABLE`). */
  reasons: string[];
}

/** Counts the transient failures that the runtime's retry policy retried. */
export interface RetryTally {
  /** Give this to the runtime's retry policy (its `onRetry`). */
  readonly onRetry: (info: RetryInfo) => void;
  /** The retries since the last call, and starts counting afresh. */
  take(): RetryCount;
}

/** A retry counter for doctor: a check that passed only after retries says so. */
export function createRetryTally(): RetryTally {
  let count = 0;
  let reasons: string[] = [];
  return {
    onRetry(info) {
      count += 1;
      const reason = MailbridgeError.isInstance(info.error) ? info.error.code : 'transient failure';
      if (!reasons.includes(reason)) reasons.push(reason);
    },
    take() {
      const taken = { count, reasons };
      count = 0;
      reasons = [];
      return taken;
    },
  };
}
