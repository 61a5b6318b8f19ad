/**
 * What the status page shows, as plain data: built fresh for every request from the outbox, the
 * relay and the checks, then rendered. It holds no secret, token or message body by construction
 * (there is no field for one); subjects are present only when `status.showSubjects` is true.
 */
export interface StatusSnapshot {
  /** Which command serves the page. */
  service: 'relay' | 'outbox';
  /** Version of the CLI. */
  version: string;
  transport: string;
  /** The configured mailbox. */
  mailbox: string;
  generatedAt: Date;
  startedAt: Date;
  /** Mail flow of the last hour, one entry per minute, oldest first (the current minute last). */
  flow: FlowMinute[];
  /** Counts since this process started. */
  totals: FlowTotals;
  /** The outbox's queue, or why it could not be read. */
  backlog: BacklogView | ProblemView;
  /** Held messages (at most a page of them) and how many there are in all. */
  held: { items: HeldView[]; total: number } | ProblemView;
  /** The most recent failures, newest first. */
  failures: { items: FailureView[]; total: number } | ProblemView;
  /** Per sending mailbox: rate and 24-hour recipient budget. */
  mailboxes: MailboxView[];
  token: TokenView;
  credential: CredentialView;
  /** The last `doctor` run, when one has finished. */
  doctor?: DoctorView;
  /** The relay's listeners, for `mailbridge relay`. */
  relay?: { listening: string[] };
}

/** Messages per minute of one minute. */
export interface FlowMinute {
  /** Start of the minute. */
  at: Date;
  accepted: number;
  delivered: number;
  failed: number;
}

export interface FlowTotals {
  accepted: number;
  delivered: number;
  failed: number;
  retried: number;
  held: number;
}

/** A part of the page that could not be read (e.g. the store is unreachable). */
export interface ProblemView {
  problem: { code: string; message: string; hint?: string };
}

export interface BacklogView {
  queued: number;
  inFlight: number;
  held: number;
  failed: number;
  delivered24h: number;
  /** Age of the oldest queued message; undefined when the queue is empty. */
  oldestQueuedAgeMs?: number;
}

export interface HeldView {
  id: string;
  enqueuedAt?: Date;
  /** Why it is held, in words. */
  reason: string;
  code?: string;
  hint?: string;
  subject?: string;
}

export interface FailureView {
  id: string;
  /** When it failed, when this process saw it fail. */
  at?: Date;
  /** When it was enqueued (shown when the failure time is unknown). */
  enqueuedAt?: Date;
  code: string;
  message: string;
  hint?: string;
  attempts?: number;
  subject?: string;
}

export interface MailboxView {
  address: string;
  sentLastMinute: number;
  messagesPerMinute?: number;
  recipients24h: number;
  recipientsPerDay?: number;
}

/** The token's state: obtained (and until when), failing (with the error), not used, or not checked yet. */
export type TokenView = { state: 'valid'; expiresAt: Date; checkedAt: Date } | { state: 'failing'; checkedAt: Date; code: string; message: string; hint?: string } | { state: 'unknown' } | { state: 'not-used'; reason: string };

/** The credential that will expire: a client secret (from `auth.secretExpiresAt`) or a certificate (from the file). */
export interface CredentialView {
  kind: 'client-secret' | 'certificate' | 'none';
  /** `ok`, `warn` (30 days or less, or unknown expiry), `expired`, or `none` when nothing expires. */
  state: 'ok' | 'warn' | 'expired' | 'none';
  expiresAt?: Date;
  daysLeft?: number;
  message: string;
  hint?: string;
}

export interface DoctorView {
  ranAt: Date;
  ok: boolean;
  checks: Array<{ id: string; status: 'pass' | 'warn' | 'fail' | 'skip'; message: string; hint?: string; code?: string }>;
}

/** True for a part of the snapshot that could not be read. */
export function isProblem(value: unknown): value is ProblemView {
  return typeof value === 'object' && value !== null && 'problem' in value;
}
