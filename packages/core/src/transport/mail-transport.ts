import type { GetMessageOptions, OutgoingMessage, ProbeResult, ReceivedMessage, ReceiveOptions, SendResult, SyncOptions, SyncResult } from './message.js';

/** Options of {@link MailTransport.send}. */
export interface SendOptions {
  signal?: AbortSignal;
  /**
   * An earlier attempt of this same message (same `internetMessageId`) may have taken effect: a
   * crash, a killed process or a lost answer. The adapter looks for the message in Sent Items by its
   * Message-ID first and, when it is there, returns that result without sending again. The outbox sets
   * it when it recovers a message whose attempt was cut off.
   */
  resend?: boolean;
  /** Called as large attachments upload (upload sessions / chunked), for progress displays. */
  onUploadProgress?: (progress: { filename: string; sentBytes: number; totalBytes: number }) => void;
}

/** What a transport can do, declared by the adapter (the conformance suite skips by these, with the reason). */
export interface TransportCapabilities {
  /** Largest attachment the service accepts, in bytes. */
  maxAttachmentBytes: number;
  /** Largest whole message the service accepts in one request, in bytes. */
  maxMessageBytes: number;
  /** `sync()` is available (Graph delta / EWS SyncFolderItems). */
  incrementalSync: boolean;
  /** `sendMime()` is available. */
  sendMime: boolean;
  /** Bulk operations go out batched (Graph `$batch`, EWS multi-item requests). */
  batch: boolean;
  /**
   * How many times its bytes the service counts an attachment against `maxMessageBytes` (base64 and
   * MIME overhead: Exchange counts about 1.37× the file).
   * @default 1
   */
  encodedSizeRatio?: number;
  /**
   * Most custom (`X-`) headers one message may carry (Graph refuses more than 5).
   * @default no limit
   */
  maxCustomHeaders?: number;
  /**
   * Most recipients (to, cc and bcc together) of one message.
   * @default 500 (Exchange's limit)
   */
  maxRecipients?: number;
}

/**
 * The contract every mailbridge adapter implements, version `v1`.
 *
 * A transport acts on one mailbox (the configured `mailbox`, with an app-only token; or the
 * signed-in user's, with a delegated one). It is safe to call concurrently: adapters bound their
 * own concurrency to what the service allows and retry throttled requests.
 *
 * A breaking change to this type adds a `v2` beside it; both ship.
 */
export interface MailTransport {
  /** The contract version this object implements. */
  readonly specificationVersion: 'v1';
  /** `graph` or `ews` (or a third-party adapter's name). */
  readonly name: string;
  /** The mailbox acted on. */
  readonly mailbox: string;
  readonly capabilities: TransportCapabilities;

  /**
   * Sends one message. Saves a copy in Sent Items unless `saveToSentItems` is false. A send that
   * fails in a way that may have taken effect is checked against Sent Items before it is retried,
   * so a message is never delivered twice.
   */
  send(message: OutgoingMessage, options?: SendOptions): Promise<SendResult>;

  /** Sends a ready RFC 5322 message as it is. Only when `capabilities.sendMime`. */
  sendMime?(mime: Uint8Array | string, options?: { saveToSentItems?: boolean; signal?: AbortSignal }): Promise<SendResult>;

  /** Lists messages, newest first, paging lazily as the iteration goes on. */
  receive(options?: ReceiveOptions): AsyncIterable<ReceivedMessage>;

  /**
   * One message by its id (as `receive()` returned it): the same fields, its body (unless
   * `includeBody: false`) and attachment metadata, in one request. A message that no longer exists
   * (moved or deleted), or an id that is not one, is `ITEM_NOT_FOUND`. `folder` is the service's id
   * of the folder that holds it.
   */
  getMessage(id: string, options?: GetMessageOptions): Promise<ReceivedMessage>;

  /** Incremental sync of a folder: one page of changes and a cursor. Only when `capabilities.incrementalSync`. */
  sync?(options?: SyncOptions): Promise<SyncResult>;

  /** Marks messages read (or unread with `isRead: false`). Many ids go out batched. */
  markRead(ids: string | string[], options?: { isRead?: boolean; signal?: AbortSignal }): Promise<void>;

  /** Moves a message to a well-known folder name or a folder id; returns the message's new id. */
  move(id: string, folder: string, options?: { signal?: AbortSignal }): Promise<{ id: string }>;

  /** The message as RFC 5322 MIME bytes. */
  getMime(id: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;

  /** Checks the mailbox is reachable with these credentials (what `doctor` runs). */
  probe(options?: { signal?: AbortSignal }): Promise<ProbeResult>;

  /** Releases connections and timers. The transport is unusable afterwards. */
  close(): Promise<void>;
}
