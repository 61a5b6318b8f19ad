import type { SendingLimits } from './limits/sending-limits.js';
import type { EnqueueResult, OutboxEntry, OutboxEventName, OutboxEvents, OutboxMessage, OutboxState, OutboxStatus } from './outbox-types.js';

/**
 * A durable, rate-shaped outbox: `enqueue` stores a message durably and returns at once; workers
 * (`start`, in this or any other process on the same store) deliver it exactly once through the
 * transport, within the sending mailbox's limits.
 */
export interface Outbox {
  /** The sending mailbox (the config's `mailbox`). */
  readonly mailbox: string;
  /** The limits shaped to. */
  readonly limits: SendingLimits;
  /** `file` or `redis`. */
  readonly storeType: string;
  /**
   * Checks the message as `send()` would (refusing what it would refuse, at once), fixes its
   * Internet Message-ID, and resolves once it is stored durably (fsync'ed: it survives kill -9 and
   * power loss). Throws `INVALID_MESSAGE`, `MESSAGE_TOO_LARGE` or `OUTBOX_STORE_UNAVAILABLE`.
   */
  enqueue(message: OutboxMessage): Promise<EnqueueResult>;
  /** Starts the delivery workers in this process (`concurrency` sends at a time). */
  start(): Promise<void>;
  /** Counts by state and each mailbox's use of its limits. */
  status(): Promise<OutboxStatus>;
  /** Messages (all, or in one state), oldest first. Never their bodies. */
  list(options?: { state?: OutboxState }): AsyncIterable<OutboxEntry>;
  /** One message, or `undefined`. */
  get(id: string): Promise<OutboxEntry | undefined>;
  /** Puts a failed or held message back in the queue; false when there is none in those states. */
  retry(id: string): Promise<boolean>;
  /** Removes a message that is not being sent; false when there is none. */
  drop(id: string): Promise<boolean>;
  /** Listens to `delivered`, `failed`, `held` and `budget-warning`. */
  on<E extends OutboxEventName>(event: E, listener: (payload: OutboxEvents[E]) => void): this;
  off<E extends OutboxEventName>(event: E, listener: (payload: OutboxEvents[E]) => void): this;
  /** Stops taking work, finishes the sends in flight, and releases the store and the transport. */
  close(): Promise<void>;
}
