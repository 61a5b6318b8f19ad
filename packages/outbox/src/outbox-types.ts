import type { OutgoingMessage } from '@mailbridge/core';

/**
 * Where a message is in the outbox: `queued` → `sending` → `delivered` | `failed`; `held` while the
 * mailbox's daily recipient budget would be exceeded (released when it allows).
 */
export type OutboxState = 'queued' | 'sending' | 'delivered' | 'failed' | 'held';

/** Every {@link OutboxState}, in the order a message passes through them. */
export const OUTBOX_STATES: readonly OutboxState[] = ['queued', 'sending', 'held', 'delivered', 'failed'];

/** A ready RFC 5322 message and its SMTP envelope (what the relay enqueues). */
export interface RawMimeMessage {
  /** The whole message: headers and body. A `Message-ID` header is added when it has none. */
  mime: Uint8Array | string;
  envelope: {
    /** The SMTP `MAIL FROM` address. */
    from: string;
    /** The SMTP `RCPT TO` addresses: exactly who receives it. */
    to: string[];
  };
}

/** What {@link Outbox.enqueue} takes: the same message as `send()`, or raw MIME with its envelope. */
export type OutboxMessage = OutgoingMessage | RawMimeMessage;

/** What {@link Outbox.enqueue} resolves to, once the message is durably stored. */
export interface EnqueueResult {
  /** The outbox id (`mailbridge outbox show ID`). */
  id: string;
  /** The Internet Message-ID every attempt sends with, and recovery looks for in Sent Items. */
  internetMessageId: string;
}

/** An error as kept with a message: the `MailbridgeError`'s code, message and hint. */
export interface OutboxError {
  code: string;
  message: string;
  hint: string;
}

/** One message as `list()` and `show` report it (never its body). */
export interface OutboxEntry {
  id: string;
  state: OutboxState;
  internetMessageId: string;
  /** The sending mailbox whose limits it counts against. */
  mailbox: string;
  subject?: string;
  importance: 'low' | 'normal' | 'high';
  /** To + Cc + Bcc (or the envelope's recipients). */
  recipients: number;
  /** Delivery attempts started so far. */
  attempts: number;
  lastError?: OutboxError;
  enqueuedAt: Date;
  /** A queued message waiting for a retry is not tried before this. */
  notBefore?: Date;
  /** A held message is released at this time (the daily recipient budget allows it then). */
  heldUntil?: Date;
  deliveredAt?: Date;
}

/** Sending figures of one mailbox. */
export interface MailboxUsage {
  /** Messages sent (or in flight) in the last 60 seconds. */
  sentLastMinute: number;
  /** Recipients counted in the rolling 24 hours. */
  recipients24h: number;
  /** The daily recipient budget (`outbox.limits.recipientsPerDay`). */
  recipientsPerDay: number;
}

/** What {@link Outbox.status} reports. */
export interface OutboxStatus {
  queued: number;
  inFlight: number;
  held: number;
  failed: number;
  /** Messages delivered in the last 24 hours. */
  delivered24h: number;
  /** Age of the oldest message not yet delivered (queued, held or sending); 0 when there is none. */
  oldestQueuedAgeMs: number;
  mailboxes: Record<string, MailboxUsage>;
}

/** Payloads of the outbox's events. */
export interface OutboxEvents {
  delivered: { id: string; internetMessageId: string; mailbox: string; attempts: number; recovered: boolean };
  failed: { id: string; internetMessageId: string; mailbox: string; attempts: number; error: OutboxError };
  held: { id: string; internetMessageId: string; mailbox: string; until: Date; recipients: number; recipients24h: number; recipientsPerDay: number };
  'budget-warning': { mailbox: string; recipients24h: number; recipientsPerDay: number; ratio: number };
}

/** An outbox event name. */
export type OutboxEventName = keyof OutboxEvents;
