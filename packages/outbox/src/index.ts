/**
 * @mailbridge/outbox — a durable, rate-shaped outbox: enqueue now, delivered exactly once through a
 * transport, within the sending mailbox's limits. Stores: `file` (embedded default) and `redis` (BullMQ).
 * @packageDocumentation
 */
export { createOutbox, outboxDefaults, type OutboxOptions } from './create-outbox.js';
export type { Outbox } from './outbox.js';
export {
  OUTBOX_STATES,
  type EnqueueResult,
  type MailboxUsage,
  type OutboxEntry,
  type OutboxError,
  type OutboxEventName,
  type OutboxEvents,
  type OutboxMessage,
  type OutboxState,
  type OutboxStatus,
  type RawMimeMessage,
} from './outbox-types.js';
export { EXCHANGE_ONLINE_LIMITS, BUDGET_WARNING_RATIO, limitsFromConfig, type SendingLimits } from './limits/sending-limits.js';
export type { Reservation, LimiterUsage } from './limits/reservation.js';
export { createFileStore, type FileStoreOptions } from './store/file/file-store.js';
export type { OutboxStore, OutboxLimiter, StoreCounts } from './store/outbox-store.js';
export type { Claim, ClaimOutcome, StoredEntry, StoredPayload, StoredAttachment } from './store/stored-entry.js';
export { prepareMessage, newOutboxId } from './message/prepare-message.js';
export { classifyFailure, type FailureDecision } from './delivery/classify-failure.js';

/** The version of @mailbridge/outbox. */
export const VERSION: string = __PACKAGE_VERSION__;
