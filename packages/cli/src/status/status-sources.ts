/**
 * What the status listener reads of the outbox and the relay: the parts of their public APIs
 * (PRODUCT.md, "Outbox" and "Relay") it uses, as structural types so loading the status code does
 * not load either package.
 */

/** An error as the outbox keeps it with a message. */
export interface SourceError {
  code: string;
  message: string;
  hint?: string;
}

/** One message as `outbox.list()` reports it (never its body). */
export interface SourceEntry {
  id: string;
  state: string;
  mailbox?: string;
  subject?: string;
  recipients?: number;
  attempts?: number;
  lastError?: SourceError;
  enqueuedAt: Date;
  heldUntil?: Date;
  deliveredAt?: Date;
}

/** `outbox.status()`. */
export interface SourceOutboxStatus {
  queued: number;
  inFlight: number;
  held: number;
  failed: number;
  delivered24h: number;
  oldestQueuedAgeMs: number;
  mailboxes: Record<string, { sentLastMinute: number; recipients24h: number; recipientsPerDay: number }>;
}

/** The outbox events the status listener counts. */
export interface SourceOutboxEvents {
  delivered: { id: string; mailbox?: string; attempts?: number };
  failed: { id: string; mailbox?: string; attempts?: number; error: SourceError };
  held: { id: string; mailbox: string; until?: Date; recipients?: number; recipients24h?: number; recipientsPerDay?: number };
  'budget-warning': { mailbox: string; recipients24h: number; recipientsPerDay: number; ratio: number };
}

/** The outbox, as the status listener uses it. */
export interface StatusOutbox {
  /** The sending limits: `messages` per `windowMs`. */
  readonly limits?: { messages?: number; windowMs?: number; recipientsPerDay?: number };
  status(): Promise<SourceOutboxStatus>;
  list(options?: { state?: 'queued' | 'sending' | 'delivered' | 'failed' | 'held' }): AsyncIterable<SourceEntry>;
  get?(id: string): Promise<SourceEntry | undefined>;
  on<E extends keyof SourceOutboxEvents>(event: E, listener: (payload: SourceOutboxEvents[E]) => void): unknown;
  off?<E extends keyof SourceOutboxEvents>(event: E, listener: (payload: SourceOutboxEvents[E]) => void): unknown;
}

/** The relay events the status listener counts. */
export interface SourceRelayEvents {
  accepted: [{ id: string }];
  delivered: [{ id: string; acceptToDeliveredMs?: number }];
  session: [{ durationMs: number }];
}

/** The relay, as the status listener uses it. */
export interface StatusRelay {
  readonly listeners: ReadonlyArray<{ host: string; port: number; tls: string }>;
  on<E extends keyof SourceRelayEvents>(event: E, listener: (...args: SourceRelayEvents[E]) => void): unknown;
  off?<E extends keyof SourceRelayEvents>(event: E, listener: (...args: SourceRelayEvents[E]) => void): unknown;
}
