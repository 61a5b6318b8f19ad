import type { LoadedConfig, Logger, MailTransport, RetryInfo, TokenClaims } from '@mailbridge/core';
import type { CliRuntime } from '../commands/runtime.js';
import type { GlobalOptions } from '../output/cli-io.js';

/** A check's id: the built-in ones are listed in PRODUCT.md; packages may add their own. */
export type CheckId = string;

/** What one check found: printed as a row by `mailbridge doctor`, one entry of `checks` with `--json`. */
export interface CheckResult {
  id: CheckId;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
  /** What to do about a `warn` or `fail`. */
  hint?: string;
  /** The error code (from the error table) of a `fail`, or of the warning. */
  code?: string;
  /**
   * Transient failures (429, 503, ErrorServerBusy, connection resets) the HTTP layer retried during
   * the check: it passed, but the path is flaky. Absent when there were none.
   */
  retries?: { count: number; reasons: string[] };
  /** For support, from an Entra ID failure: the AADSTS number, its trace id and correlation id. */
  aadsts?: number;
  traceId?: string;
  correlationId?: string;
}

/** What a check's `run` returns: its result without the id (the runner adds it). */
export type CheckOutcome = Omit<CheckResult, 'id'>;

/**
 * What the checks share. The runner fills the first fields; the checks that learn something others
 * need (the config, the runtime, the token's claims, the transport) set the rest.
 */
export interface DoctorContext {
  readonly globals: GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
  /** The address of `--send-test`, if given. */
  readonly sendTest?: string;
  /** How long `--send-test` waits for the message to arrive. */
  readonly deliveryTimeoutMs: number;
  /** Where the network stack the checks build logs (the runtime's HTTP client, retries, tokens). */
  readonly logger?: Logger;
  /** Told of each retry of the runtime's retry policy (the runner counts them per check). */
  readonly onRetry?: (info: RetryInfo) => void;
  /** The results of the checks that ran (or were skipped) so far, by id. */
  readonly results: ReadonlyMap<CheckId, CheckResult>;
  /** The loaded config (set by `config`). */
  loaded?: LoadedConfig;
  /** The network stack and token provider for it (set by `config`; closed by the runner). */
  runtime?: CliRuntime;
  /** The decoded claims of the token (set by `token`). */
  claims?: TokenClaims;
  /**
   * What the token's permissions allow (set by `permissions`): a least-privilege app may only send
   * (Mail.Send) or only read; `mailbox` and `send` then do what is allowed and say what is not.
   */
  allowed?: { send: boolean; read: boolean };
  /** The transport, once opened (set by `mailbox`). */
  transport?: MailTransport;
}

/** One of doctor's checks: one file under `checks/`, registered in `checks/index.ts`. */
export interface DoctorCheck {
  /** Printed, and the `id` of its entry in `--json`. */
  readonly id: CheckId;
  /**
   * The checks that must not have failed before this one runs. When one of them failed (or was
   * itself skipped because of a failure) this check is reported as `skip` with that failure's
   * {@link DoctorCheck.skipMessage}. A check that skips itself (not applicable) blocks nothing.
   */
  readonly needs: readonly CheckId[];
  /** What the checks that need this one say when they are skipped because it failed. */
  readonly skipMessage: string;
  /**
   * Whether the check belongs in this run at all (`send` only with `--send-test`). A check left out
   * is not reported.
   * @default () => true
   */
  enabled?(context: DoctorContext): boolean;
  /** Runs the check. A thrown error is reported as this check's `fail` (with the error's code and hint). */
  run(context: DoctorContext): Promise<CheckOutcome>;
}

/** A value an earlier check must have set; its absence is a bug in a check's `needs`. */
export function required<K extends 'loaded' | 'runtime' | 'claims' | 'transport'>(context: DoctorContext, key: K): NonNullable<DoctorContext[K]> {
  const value = context[key];
  if (value === undefined) throw new Error(`doctor: "${key}" is not known yet; a check ran before the check that sets it (see its "needs").`);
  return value as NonNullable<DoctorContext[K]>;
}
