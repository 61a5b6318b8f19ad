import type { Logger } from '@mailbridge/core';
import type { GlobalOptions } from '../output/cli-io.js';
import { DOCTOR_CHECKS } from './checks/index.js';
import type { CheckId, CheckOutcome, CheckResult, DoctorCheck, DoctorContext } from './doctor-check.js';
import { failFrom } from './fail-from.js';
import { createRetryTally, type RetryCount } from './retry-tally.js';

export type { CheckId, CheckResult, DoctorCheck } from './doctor-check.js';

/** The built-in check ids, in the order doctor runs and prints them (PRODUCT.md). */
export const CHECK_IDS: readonly CheckId[] = DOCTOR_CHECKS.map((check) => check.id);

/** What {@link runDoctor} does besides the checks of the config. */
export interface DoctorOptions {
  /** Also send a test message to this address (the `send` check). */
  sendTest?: string;
  /** Where `MAILBRIDGE_*` overrides and secret references are read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default () => new Date() */
  now?: () => Date;
  /** How long --send-test waits for the message to arrive. @default 60000 */
  deliveryTimeoutMs?: number;
  /** Called as each check starts. */
  onProgress?: (id: CheckId) => void;
  /** Where the network stack the checks build logs. @default silent */
  logger?: Logger;
  /** The checks to run, in order. @default DOCTOR_CHECKS */
  checks?: readonly DoctorCheck[];
}

/**
 * Runs the checks in order. A check whose `needs` include one that failed (or was skipped because of
 * a failure) is reported as `skip`, with the message the failed check gives for it.
 */
export async function runDoctor(globals: GlobalOptions, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const results = new Map<CheckId, CheckResult>();
  // Counts the retries of each check, so a check that passed only after them says so.
  const tally = createRetryTally();
  const context: DoctorContext = {
    globals,
    env: options.env ?? process.env,
    now: options.now ?? (() => new Date()),
    ...(options.sendTest !== undefined ? { sendTest: options.sendTest } : {}),
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 60_000,
    ...(options.logger ? { logger: options.logger } : {}),
    onRetry: tally.onRetry,
    results,
  };
  // Why each blocked check cannot run: the skip message of the failure it depends on.
  const blocked = new Map<CheckId, string>();
  try {
    for (const check of options.checks ?? DOCTOR_CHECKS) {
      if (check.enabled && !check.enabled(context)) continue;
      const reason = check.needs.map((id) => blocked.get(id)).find((message) => message !== undefined);
      if (reason !== undefined) {
        blocked.set(check.id, reason);
        results.set(check.id, { id: check.id, status: 'skip', message: reason });
        continue;
      }
      options.onProgress?.(check.id);
      tally.take();
      const outcome = withRetries(await check.run(context).catch((error: unknown) => failFrom(error)), tally.take());
      results.set(check.id, { id: check.id, ...outcome });
      if (outcome.status === 'fail') blocked.set(check.id, check.skipMessage);
    }
  } finally {
    await context.runtime?.close();
  }
  return [...results.values()];
}

/** A check that needed retries says so: in its message (unless it failed: the error says it) and in `retries`. */
function withRetries(outcome: CheckOutcome, retries: RetryCount): CheckOutcome {
  if (retries.count === 0) return outcome;
  const note = `after ${retries.count} ${retries.count === 1 ? 'retry' : 'retries'}: ${retries.reasons.join(', ')}`;
  const message = outcome.status === 'fail' ? outcome.message : `${outcome.message.replace(/\.$/, '')} (${note}).`;
  return { ...outcome, message, retries: { count: retries.count, reasons: retries.reasons } };
}
