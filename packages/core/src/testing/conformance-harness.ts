import type { MailTransport } from '../transport/index.js';

/** A message as the service under test stores it (the simulator's `StoredMessageView` fits). */
export interface HarnessStoredMessage {
  id: string;
  folder: string;
  internetMessageId: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  isRead: boolean;
  receivedAt: string;
  attachments: Array<{ name: string; size: number; contentType: string; isInline: boolean; contentId?: string }>;
  /** Custom X- headers as sent. */
  headers: Record<string, string>;
  bodyText?: string;
  bodyHtml?: string;
}

/** How {@link ConformanceHarness.seedMessages} shapes the messages it places. */
export interface SeedMessagesOptions {
  /** Well-known folder name. @default 'inbox' */
  folder?: string;
  /** Subject of message i is `${subjectPrefix} ${i}`. */
  subjectPrefix: string;
  /** @default false */
  isRead?: boolean | ((index: number) => boolean);
  /** When message i was received. @default spread over the last minutes, newest last */
  receivedAt?: (index: number) => Date;
  /** One file attachment on every message. */
  attachment?: { filename: string; contentType: string; content: Uint8Array };
}

/**
 * What the conformance suite needs from the world around a transport: the transport itself, and a
 * view into the service it talks to (for the simulator: `messages()`, `deliveries()`, `seed()`).
 * Core does not depend on the simulator: each adapter's test builds this from it.
 */
export interface ConformanceHarness {
  /** The transport under test, acting on {@link mailbox}. */
  transport: MailTransport;
  /** The mailbox the transport acts on (sends from, reads). */
  mailbox: string;
  /** Another mailbox of the same service that receives what the tests send. */
  recipient: string;
  /** A mailbox the transport may send as (`from`), when the service has one. */
  sendAsMailbox?: string;
  /** Messages stored in a mailbox, optionally of one well-known folder. */
  messages(mailbox: string, folder?: string): HarnessStoredMessage[];
  /** Copies of a message by Internet Message-ID: per mailbox folder, and mail that left the service. */
  deliveries(internetMessageId: string): { mailboxes: Array<{ mailbox: string; folder: string }>; outbound: number };
  /** Places messages in the transport's mailbox directly (fast, not through the transport). */
  seedMessages(count: number, options: SeedMessagesOptions): Promise<void>;
  /** Requests the service received so far, when it can tell (used to prove paging is lazy). */
  requestCount?(): number;
  /** Stops what the factory started (simulator, temp files). */
  cleanup(): Promise<void>;
}

/** Options of {@link describeTransportConformance}. */
export interface ConformanceOptions {
  /** Shown in the test names, e.g. `graph`. */
  name: string;
  /** Builds a fresh harness (a new simulator and transport). Called once per group of tests. */
  createTransport: () => Promise<ConformanceHarness>;
  /** Test ids to skip, each with the reason (shown in the test name). */
  skip?: Record<string, string>;
  /** Messages for the paging test. @default 10000 */
  pagingMessages?: number;
  /** Attachment sizes (bytes) for the attachment tests; the service's limits decide. @default 0 B, 2.9 MB, 3.1 MB, 60 MB */
  attachmentSizes?: number[];
}
