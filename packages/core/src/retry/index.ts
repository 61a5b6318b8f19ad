export { createRetryPolicy, type RetryPolicyOptions } from './create-retry-policy.js';
export { classifyError, retryAfterOf, statusOf, RETRYABLE_STATUSES } from './classify-error.js';
export { parseRetryAfter } from './parse-retry-after.js';
export { sleep } from './sleep.js';
export { isOutcomeUnknown } from './is-outcome-unknown.js';
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
