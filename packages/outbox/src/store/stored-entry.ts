import type { OutboxError } from '../outbox-types.js';

/**
 * An attachment as the store keeps it: the bytes, read at enqueue (a file may be gone by the time it
 * is sent) — or, for a `keptFileAttachment` in a file store, the path of the file its owner keeps.
 */
export interface StoredAttachment {
  filename: string;
  contentType?: string;
  contentId?: string;
  /** The bytes (every attachment but a kept file). */
  contentBase64?: string;
  /** A kept file: its path, read when the message is sent. */
  contentPath?: string;
  /** A kept file's size at enqueue. */
  size?: number;
}

/** The message as the store keeps it: JSON-safe, self-contained. */
export type StoredPayload =
  | {
      kind: 'message';
      /** An `OutgoingMessage` with `internetMessageId` set and attachments inline. */
      message: Record<string, unknown> & { attachments?: StoredAttachment[] };
    }
  | { kind: 'mime'; mimeBase64: string; envelope: { from: string; to: string[] } };

/** One message as every store keeps it. */
export interface StoredEntry {
  id: string;
  internetMessageId: string;
  mailbox: string;
  importance: 'low' | 'normal' | 'high';
  recipients: number;
  subject?: string;
  /** Milliseconds since the epoch (the outbox's clock). */
  enqueuedAt: number;
  /** Attempts started before this claim. */
  attempts: number;
  lastError?: OutboxError;
  /** An earlier attempt may have taken effect (cut off, or failed in a way that may have sent): check Sent Items first. */
  uncertain?: boolean;
  /** Not tried before this time (retry back-off). */
  notBefore?: number;
  heldUntil?: number;
  deliveredAt?: number;
  payload?: StoredPayload;
}

/** A message claimed by one worker: nobody else delivers it while the claim's lease holds. */
export interface Claim {
  entry: StoredEntry;
  /** The store's handle of the claim (file name, BullMQ lock token). */
  handle: string;
}

/** How a claimed message ends its turn. */
export type ClaimOutcome =
  | {
      state: 'delivered';
      at: number;
      /**
       * The message can be found in Sent Items by its Message-ID, so a record lost to a power cut
       * costs only a lookup (the claim, still on disk, is checked before any resend): the store may
       * record it without flushing it to disk first.
       */
      recheckable?: boolean;
    }
  | { state: 'failed'; error: OutboxError; at: number }
  | { state: 'queued'; notBefore?: number; error?: OutboxError; uncertain: boolean; countAttempt: boolean }
  | { state: 'held'; until: number };

/** Importance as a sort key: high first. */
export function priorityOf(importance: StoredEntry['importance']): 1 | 2 | 3 {
  return importance === 'high' ? 1 : importance === 'low' ? 3 : 2;
}
