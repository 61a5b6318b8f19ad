import type { Readable } from 'node:stream';

/** An e-mail address, optionally with a display name. */
export interface MailAddress {
  address: string;
  name?: string;
}

/** Where attachment bytes come from. A path or a stream is read lazily and streamed, never held whole. */
export type AttachmentSource = Uint8Array | string | { path: string } | { stream: () => Readable | ReadableStream<Uint8Array> };

/** A file attachment on an outgoing message. */
export interface OutgoingAttachment {
  filename: string;
  /** MIME type; guessed from the file name when absent. */
  contentType?: string;
  /** The bytes, a string (UTF-8), a file path, or a stream factory. */
  content: AttachmentSource;
  /** Size in bytes. Required for a stream source (upload sessions must know it up front). */
  size?: number;
  /** Content id for inline images referenced as `cid:...` from the HTML body. Makes the attachment inline. */
  contentId?: string;
}

/** A message to send. At least one of `text`, `html` (or `mime`) must be given. */
export interface OutgoingMessage {
  /** Send as another mailbox (a shared mailbox the identity may send as). Defaults to the configured mailbox. */
  from?: string | MailAddress;
  to: Array<string | MailAddress>;
  cc?: Array<string | MailAddress>;
  bcc?: Array<string | MailAddress>;
  replyTo?: Array<string | MailAddress>;
  subject: string;
  text?: string;
  html?: string;
  importance?: 'low' | 'normal' | 'high';
  /** Custom internet headers; names must start with `X-` (Graph and EWS only accept those). */
  headers?: Record<string, string>;
  attachments?: OutgoingAttachment[];
  /** Save a copy in Sent Items. Default true. */
  saveToSentItems?: boolean;
  /**
   * The Internet Message-ID to use (`<...@...>`). The adapter generates one when absent; it is how a
   * send whose outcome is unknown is looked up in Sent Items before it is ever sent again.
   */
  internetMessageId?: string;
}

/** Identifies a sent message. */
export interface SendResult {
  /** The transport that sent it. */
  transport: string;
  /** The mailbox it was sent from. */
  mailbox: string;
  /** The Internet Message-ID of the sent message. */
  internetMessageId: string;
  /** The service's id of the Sent Items copy, when the service returned one. */
  id?: string;
}

/** Metadata of an attachment on a received message; the bytes are fetched on demand. */
export interface ReceivedAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
  /** Fetches the bytes (one request). */
  content(): Promise<Uint8Array>;
}

/** A received message. */
export interface ReceivedMessage {
  /** The service's id (Graph message id or EWS ItemId). Stable per protocol. */
  id: string;
  internetMessageId: string;
  from?: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  receivedAt: Date;
  isRead: boolean;
  hasAttachments: boolean;
  /** Present when the receive call asked for bodies (the default). */
  body?: { text?: string; html?: string };
  attachments: ReceivedAttachment[];
  /** The folder it was read from, as asked (from `getMessage()`: the service's id of its folder). */
  folder: string;
  /**
   * The `Reply-To` addresses: where the sender asked replies to go (empty when the message names
   * none, and replies go to `from`).
   */
  replyTo: MailAddress[];
  /**
   * The Message-ID this message answers (its `In-Reply-To` header, `<local@domain>`), when it is a
   * reply. Match it against the `internetMessageId` of what you sent to pair a reply with its alert.
   * Graph reads it from the message's internet headers, which Exchange keeps only on messages that
   * arrived in the mailbox (not on Sent Items copies).
   */
  inReplyTo?: string;
  /** The Message-IDs of the thread, oldest first (its `References` header); empty when it has none. */
  references: string[];
  /**
   * Exchange's id of the conversation (thread) the message belongs to: a reply has the id of the
   * message it answers when the mailbox holds that message. Opaque; compare it only with ids read
   * through the same transport.
   */
  conversationId?: string;
}

/** Options of {@link MailTransport.getMessage}. */
export interface GetMessageOptions {
  /**
   * Fetch the body.
   * @default true
   */
  includeBody?: boolean;
  signal?: AbortSignal;
}

/** Options of {@link MailTransport.receive}. */
export interface ReceiveOptions {
  /** A well-known folder name (`inbox`, `sentitems`, `drafts`, `deleteditems`, `archive`, `junkemail`) or a folder id. Default `inbox`. */
  folder?: string;
  /** Only unread messages. */
  unreadOnly?: boolean;
  /** Only messages received at or after this time. */
  since?: Date;
  /** Stop after this many messages. */
  limit?: number;
  /** Fetch bodies (default true). Metadata-only listing is cheaper. */
  includeBody?: boolean;
  /** Messages per page asked of the service (adapter default when absent). */
  pageSize?: number;
  signal?: AbortSignal;
}

/** One change reported by an incremental sync. */
export type SyncChange = { type: 'upsert'; message: ReceivedMessage } | { type: 'removed'; id: string };

/** Options of {@link MailTransport.sync}. */
export interface SyncOptions {
  folder?: string;
  /** The cursor returned by the previous call; absent for the first sync (which reports every message). */
  cursor?: string;
  /** Changes per page asked of the service. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** One page of an incremental sync. Store `cursor`; call again with it while `hasMore` is true, and later for new changes. */
export interface SyncResult {
  changes: SyncChange[];
  /** Opaque; pass back to get only what changed since. */
  cursor: string;
  /** True when more changes are ready now (call again immediately). */
  hasMore: boolean;
}

/** What `doctor` learns from {@link MailTransport.probe}. */
export interface ProbeResult {
  mailbox: string;
  /** The Inbox's total and unread counts, when the service reports them. */
  inbox?: { total?: number; unread?: number };
  /** Anything the adapter wants to tell (e.g. EWS retirement notice for Exchange Online). */
  notices?: string[];
}
