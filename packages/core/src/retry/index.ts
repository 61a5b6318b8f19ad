export { classifyError, RETRYABLE_STATUSES, retryAfterOf, statusOf } from './classify-error.js';
export { createRetryPolicy, type RetryPolicyOptions } from './create-retry-policy.js';
export { isOutcomeUnknown } from './is-outcome-unknown.js';
export { parseRetryAfter } from './parse-retry-after.js';
export type {
  AmbiguousContext,
  AmbiguousResolution,
  ClassifyContext,
  ExecuteOptions,
  RetryClassifier,
  RetryDecision,
  RetryInfo,
  RetryPolicy,
} from './retry-policy.js';
export { sleep } from './sleep.js';
export { lookInSentItems, mustCheckFirst, SENT_ITEMS_LOOK_DELAYS_MS, type SentItemsLookOptions, settle, settled, unconfirmed } from './unconfirmed-send.js';
