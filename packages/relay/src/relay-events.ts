/** Emitted once per message answered 250 (durably in the outbox). */
export interface RelayAcceptedEvent {
  /** The outbox id. */
  id: string;
  internetMessageId?: string;
  /** The sender as received (From header, else MAIL FROM). */
  sender: string;
  /** True when the sender was rewritten to the mailbox (the original is in Reply-To). */
  rewritten: boolean;
  /** The mailbox the message goes out from. */
  from: string;
  /** Envelope recipients (RCPT TO), de-duplicated. */
  recipients: string[];
  sizeBytes: number;
  subject: string;
  client: string;
  user?: string;
  /** From the end of DATA to the durable enqueue. */
  enqueueMs: number;
}

/** Emitted when the outbox delivered an accepted message. */
export interface RelayDeliveredEvent {
  id: string;
  internetMessageId?: string;
  /** From the relay's 250 to the delivery, when accepted by this process. */
  acceptToDeliveredMs?: number;
}

/** Emitted when an accepted message failed permanently. */
export interface RelayFailedEvent {
  id: string;
  internetMessageId?: string;
  subject?: string;
  error: { code: string; message: string; hint?: string };
  /** True when a bounce was enqueued to `relay.bounceTo`. */
  bounced: boolean;
}

/** Emitted for every refused command (auth, policy, size, outbox) — no secrets, no bodies. */
export interface RelayRefusedEvent {
  client: string;
  stage: 'connect' | 'auth' | 'mail' | 'rcpt' | 'data';
  responseCode: number;
  enhancedCode: string;
  reason: string;
  user?: string;
}

/** Emitted when an SMTP session ends. */
export interface RelaySessionEvent {
  client: string;
  durationMs: number;
  messages: number;
  user?: string;
}

/** The relay's events (`relay.on(name, listener)`). */
export interface RelayEvents {
  accepted: [RelayAcceptedEvent];
  delivered: [RelayDeliveredEvent];
  failed: [RelayFailedEvent];
  refused: [RelayRefusedEvent];
  session: [RelaySessionEvent];
  /** A problem the relay survived (TLS reload failure, a bounce that could not be queued). */
  warning: [{ code: string; message: string; hint?: string }];
}
