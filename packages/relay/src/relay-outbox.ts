import type { OutgoingMessage } from '@mailbridge/core';

/**
 * What the relay needs of `@mailbridge/outbox`: `enqueue` that resolves only once the message is
 * durably stored, the delivery events, and `close`. `createRelay` opens the configured outbox itself;
 * pass one to share it (tests, or a process that also enqueues).
 */
export interface RelayOutbox {
  enqueue(message: OutgoingMessage | { mime: Uint8Array | string; envelope: { from: string; to: string[] } }): Promise<{ id: string; internetMessageId?: string }>;
  /**
   * `file` or `redis` (`@mailbridge/outbox`). With `file` (and the config's `outbox.store` a file
   * store) a large message's attachments stay in files next to the spool, referenced by the stored
   * message; with any other the outbox is given the bytes to keep.
   */
  readonly storeType?: string;
  start?(): Promise<void>;
  status?(): Promise<unknown>;
  /**
   * Every kept message, or those in one state (the relay reads the Message-IDs it already holds, to
   * answer a client's retry without a second copy, and which messages still need their attachment files).
   */
  list?(options?: { state?: 'queued' | 'sending' | 'held' | 'failed' | 'delivered' }): AsyncIterable<{ id: string; internetMessageId: string; state?: string }>;
  // Listener parameters are wide (any) so both `@mailbridge/outbox`'s typed `on` and a plain EventEmitter fit.
  on(event: 'delivered' | 'failed', listener: (...args: any[]) => void): unknown;
  off?(event: 'delivered' | 'failed', listener: (...args: any[]) => void): unknown;
  close(): Promise<void>;
}

/** The part of an outbox `delivered`/`failed` event the relay reads. */
export interface OutboxEvent {
  id: string;
  internetMessageId?: string;
  subject?: string;
  to?: string[];
  attempts?: number;
  error?: { code: string; message: string; hint?: string };
  lastError?: { code: string; message: string; hint?: string };
  [key: string]: unknown;
}
