/**
 * @mailbridge/outbox — a durable, rate-shaped outbox: enqueue now, delivered exactly once through a
 * transport, within the sending mailbox's limits. Stores: `file` (embedded default) and `redis` (BullMQ).
 * @packageDocumentation
 */
export { createOutbox, type OutboxOptions, outboxDefaults } from './create-outbox.js';
export { classifyFailure, type FailureDecision } from './delivery/classify-failure.js';
export type { LimiterUsage, Reservation } from './limits/reservation.js';
export { BUDGET_WARNING_RATIO, EXCHANGE_ONLINE_LIMITS, limitsFromConfig, type SendingLimits } from './limits/sending-limits.js';
export { type FileAttachment, isKeptFile, keptFileAttachment } from './message/kept-file.js';
export { newOutboxId, prepareMessage } from './message/prepare-message.js';
export type { Outbox } from './outbox.js';
export {
  type EnqueueResult,
  type MailboxUsage,
  OUTBOX_STATES,
  type OutboxEntry,
  type OutboxError,
  type OutboxEventName,
  type OutboxEvents,
  type OutboxMessage,
  type OutboxState,
  type OutboxStatus,
  type RawMimeMessage,
} from './outbox-types.js';
export { createFileStore, type FileStoreOptions } from './store/file/file-store.js';
export type { OutboxLimiter, OutboxStore, StoreCounts } from './store/outbox-store.js';
export type { Claim, ClaimOutcome, StoredAttachment, StoredEntry, StoredPayload } from './store/stored-entry.js';

/** The version of @mailbridge/outbox. */
export const VERSION: string = __PACKAGE_VERSION__;
