import type { LimiterUsage, Reservation } from '../limits/reservation.js';
import type { SendingLimits } from '../limits/sending-limits.js';
import type { OutboxEntry, OutboxState } from '../outbox-types.js';
import type { Claim, ClaimOutcome, StoredEntry } from './stored-entry.js';

/** Counts of messages by state, as a store reports them. */
export interface StoreCounts {
  queued: number;
  inFlight: number;
  held: number;
  failed: number;
  delivered24h: number;
  /** `enqueuedAt` of the oldest message not delivered or failed. */
  oldestEnqueuedAt?: number;
}

/**
 * The sending-limit ledger of a store, shared by every worker on that store (all processes of a
 * spool folder; every machine of a Redis outbox), so the limits hold for all of them together.
 */
export interface OutboxLimiter {
  /** Admits one message of `recipients` recipients now, or says how long to wait / until when to hold it. */
  reserve(mailbox: string, recipients: number, limits: SendingLimits, now: number): Promise<Reservation>;
  /** The send of a reservation ended (delivered or not) at `at`. */
  settle(mailbox: string, token: string, at: number): Promise<void>;
  /** The current figures of one mailbox. */
  usage(mailbox: string, limits: SendingLimits, now: number): Promise<LimiterUsage>;
  /** Mailboxes with anything recorded. */
  mailboxes(): Promise<string[]>;
}

/**
 * The store contract of the outbox: what `file` and `redis` implement, checked by the shared
 * conformance suite (`describeStoreConformance` in `@mailbridge/outbox/testing`).
 *
 * Rules every store keeps:
 * - `add` resolves only once the message survives a crash of the process and of the machine.
 * - `claim` hands a message to exactly one worker at a time (a lease), high importance first, then
 *   oldest first; a message whose worker died is handed out again with `uncertain: true`.
 * - Every change of state is atomic: a crash leaves a message in its old state or its new one.
 */
export interface OutboxStore {
  /** `file` or `redis`. */
  readonly type: string;
  /** Stores a new queued message durably. */
  add(entry: StoredEntry): Promise<void>;
  /**
   * Optional: stores a new message durably and claims it for a worker of this process in the same
   * step, for an enqueue while a worker here is idle (no poll, no second write, no re-read). Kept
   * exactly like a claim from `claim`: if this process dies, the message is handed out again with
   * `uncertain: true` (Sent Items is checked before it is sent).
   *
   * `onStored`, when given, is called with the claim as soon as the message is complete in the store
   * and claimed, before it is flushed: the worker may start sending while the disk flushes. The
   * promise resolves once the message is durable. When the flush fails, the message is taken out of
   * the store again (it will not be sent later) and the promise rejects.
   */
  addClaimed?(entry: StoredEntry, onStored?: (claim: Claim) => void): Promise<Claim>;
  /** Claims the next ready message for this worker, or `undefined` when none is ready. */
  claim(now: number): Promise<Claim | undefined>;
  /** Ends a claim. */
  finish(claim: Claim, outcome: ClaimOutcome): Promise<void>;
  /** Keeps the leases of these claims alive (called regularly while sends are in flight). */
  renew(claims: Claim[]): Promise<void>;
  /**
   * Housekeeping: hands out again messages whose worker died (lease expired), releases held
   * messages whose time has come, prunes old delivered records. Cheap enough to call every second.
   */
  maintain(now: number): Promise<void>;
  /** One message, or `undefined`. */
  get(id: string): Promise<OutboxEntry | undefined>;
  /** Messages in a state (all when absent), oldest first. */
  list(state?: OutboxState): AsyncIterable<OutboxEntry>;
  counts(now: number): Promise<StoreCounts>;
  /** Puts a failed or held message back in the queue now. False when there is no such message in those states. */
  retry(id: string, now: number): Promise<boolean>;
  /** Removes a message that is not being sent. False when there is no such message; throws when it is in flight. */
  drop(id: string): Promise<boolean>;
  readonly limiter: OutboxLimiter;
  /**
   * Optional: calls `listener` (soon, possibly more than once) when a message may have become ready
   * to claim, e.g. one another process enqueued, so idle workers need not wait for their next poll.
   * A hint only: workers still poll. Returns a function that stops watching.
   */
  watch?(listener: () => void): () => void;
  /** Releases handles and connections. */
  close(): Promise<void>;
}

/** The public view of a stored entry. */
export function toOutboxEntry(entry: StoredEntry, state: OutboxState): OutboxEntry {
  return {
    id: entry.id,
    state,
    internetMessageId: entry.internetMessageId,
    mailbox: entry.mailbox,
    ...(entry.subject !== undefined ? { subject: entry.subject } : {}),
    importance: entry.importance,
    recipients: entry.recipients,
    attempts: entry.attempts,
    ...(entry.lastError ? { lastError: entry.lastError } : {}),
    enqueuedAt: new Date(entry.enqueuedAt),
    ...(entry.notBefore !== undefined && state === 'queued' ? { notBefore: new Date(entry.notBefore) } : {}),
    ...(entry.heldUntil !== undefined && state === 'held' ? { heldUntil: new Date(entry.heldUntil) } : {}),
    ...(entry.deliveredAt !== undefined ? { deliveredAt: new Date(entry.deliveredAt) } : {}),
  };
}
