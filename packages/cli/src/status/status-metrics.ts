import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BacklogView, CredentialView, MailboxView } from './status-snapshot.js';

/** What `/metrics` exports, in the Prometheus text format (prom-client). */
export interface StatusMetrics {
  /** A message was accepted (SMTP 250 from the relay, or taken into the outbox). */
  accepted(): void;
  /** A message was delivered. */
  delivered(): void;
  /** Time from enqueue to delivery of a delivered message. */
  deliveryLatency(latencyMs: number): void;
  /** A message failed for good, with its error code. */
  failed(code: string): void;
  /** Delivery attempts that were retried. */
  retried(count?: number): void;
  /** A message was held (its mailbox's daily recipient budget would be exceeded). */
  held(): void;
  /** An SMTP session ended after `durationMs`. */
  smtpSession(durationMs: number): void;
  /** Sets the gauges from the latest outbox status and credential state (called before each scrape). */
  setGauges(state: { backlog?: BacklogView; mailboxes?: MailboxView[]; credential?: CredentialView }): void;
  /** The exposition: content type and body. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Options of {@link createStatusMetrics}. */
export interface StatusMetricsOptions {
  /**
   * Also export Node.js process metrics (CPU, memory, event loop lag, file descriptors).
   * @default true
   */
  processMetrics?: boolean;
}

/**
 * Creates the metrics of one relay or outbox worker in a registry of its own (never prom-client's
 * global one, so an application embedding mailbridge keeps its own metrics apart). Label values are
 * bounded: `code` is a mailbridge error code, `mailbox` a configured sending address.
 */
export function createStatusMetrics(options: StatusMetricsOptions = {}): StatusMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const accepted = new Counter({ name: 'mailbridge_messages_accepted_total', help: 'Messages accepted (durably stored in the outbox).', registers: [registry] });
  const delivered = new Counter({ name: 'mailbridge_messages_delivered_total', help: 'Messages delivered through the mailbox.', registers: [registry] });
  const failed = new Counter({
    name: 'mailbridge_messages_failed_total',
    help: 'Messages that failed for good, by mailbridge error code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const retried = new Counter({ name: 'mailbridge_delivery_retries_total', help: 'Delivery attempts that were retried.', registers: [registry] });
  const held = new Counter({ name: 'mailbridge_messages_held_total', help: 'Messages held because the daily recipient budget would be exceeded.', registers: [registry] });

  const backlog = new Gauge({ name: 'mailbridge_outbox_backlog_messages', help: 'Messages waiting in the outbox: queued, sending and held.', registers: [registry] });
  const byState = new Gauge({ name: 'mailbridge_outbox_messages', help: 'Messages in the outbox by state.', labelNames: ['state'] as const, registers: [registry] });
  const oldest = new Gauge({ name: 'mailbridge_outbox_oldest_message_age_seconds', help: 'Age of the oldest queued message (0 when the queue is empty).', registers: [registry] });
  const recipients = new Gauge({
    name: 'mailbridge_mailbox_recipients_24h',
    help: 'Recipients sent to in the last 24 hours, per sending mailbox.',
    labelNames: ['mailbox'] as const,
    registers: [registry],
  });
  const budgetUsed = new Gauge({
    name: 'mailbridge_mailbox_budget_used_ratio',
    help: 'Share of the 24-hour recipient budget used, per sending mailbox (1 = exhausted).',
    labelNames: ['mailbox'] as const,
    registers: [registry],
  });
  const secretDays = new Gauge({
    name: 'mailbridge_secret_days_left',
    help: 'Days until the client secret or certificate expires (negative once expired).',
    labelNames: ['credential'] as const,
    registers: [registry],
  });

  const latency = new Histogram({
    name: 'mailbridge_delivery_latency_seconds',
    help: 'Time from acceptance to delivery.',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const session = new Histogram({
    name: 'mailbridge_smtp_session_duration_seconds',
    help: 'Duration of SMTP sessions with the relay.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });

  return {
    accepted: () => accepted.inc(),
    delivered: () => delivered.inc(),
    deliveryLatency(latencyMs) {
      if (Number.isFinite(latencyMs) && latencyMs >= 0) latency.observe(latencyMs / 1000);
    },
    failed: (code) => failed.inc({ code }),
    retried: (count = 1) => {
      if (count > 0) retried.inc(count);
    },
    held: () => held.inc(),
    smtpSession: (durationMs) => session.observe(Math.max(0, durationMs) / 1000),
    setGauges(state) {
      if (state.backlog) {
        const { queued, inFlight, held: heldNow, failed: failedNow } = state.backlog;
        backlog.set(queued + inFlight + heldNow);
        byState.set({ state: 'queued' }, queued);
        byState.set({ state: 'sending' }, inFlight);
        byState.set({ state: 'held' }, heldNow);
        byState.set({ state: 'failed' }, failedNow);
        oldest.set((state.backlog.oldestQueuedAgeMs ?? 0) / 1000);
      }
      for (const mailbox of state.mailboxes ?? []) {
        recipients.set({ mailbox: mailbox.address }, mailbox.recipients24h);
        if (mailbox.recipientsPerDay) budgetUsed.set({ mailbox: mailbox.address }, mailbox.recipients24h / mailbox.recipientsPerDay);
      }
      if (state.credential && state.credential.kind !== 'none' && state.credential.daysLeft !== undefined) {
        secretDays.set({ credential: state.credential.kind }, state.credential.daysLeft);
      }
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
