import type { MailbridgeConfig } from '@mailbridge/core';
import { credentialExpiry } from './credential-expiry.js';
import { createFlowHistory, type FlowHistory } from './flow-history.js';
import type { ReadinessCheck } from './readiness.js';
import type { StatusMetrics } from './status-metrics.js';
import type { BacklogView, DoctorView, FailureView, HeldView, MailboxView, ProblemView, StatusSnapshot, TokenView } from './status-snapshot.js';
import type { SourceEntry, SourceOutboxEvents, SourceOutboxStatus, StatusOutbox, StatusRelay } from './status-sources.js';
import type { TokenCheck } from './token-check.js';

/** Options of {@link createStatusCollector}. */
export interface StatusCollectorOptions {
  service: 'relay' | 'outbox';
  version: string;
  config: MailbridgeConfig;
  outbox: StatusOutbox;
  relay?: StatusRelay;
  metrics: StatusMetrics;
  /** Asks Entra ID for tokens; absent for Basic/NTLM sign-in. */
  tokenCheck?: TokenCheck;
  /** The last `doctor` run. */
  doctor?: () => DoctorView | undefined;
  /**
   * Show message subjects (`status.showSubjects`).
   * @default false
   */
  showSubjects?: boolean;
  /**
   * Longest a read of the outbox may take before that part of the page reports a problem.
   * @default 3000
   */
  readTimeoutMs?: number;
  /**
   * Held messages listed on the page.
   * @default 20
   */
  heldShown?: number;
  /**
   * Failures listed on the page (the newest).
   * @default 10
   */
  failuresShown?: number;
  now?: () => number;
}

/** Turns the outbox's and relay's events and reads into metrics and the page's snapshot. */
export interface StatusCollector {
  snapshot(): Promise<StatusSnapshot>;
  /** Sets the gauges from a fresh `outbox.status()` before a scrape. */
  refreshGauges(): Promise<void>;
  /** The checks of `/readyz`: the store answers, a token is obtainable. */
  readinessChecks(): ReadinessCheck[];
  /** Stops listening to the outbox and the relay. */
  close(): void;
}

// Enough failed entries to find the newest without reading an unbounded store.
const MAX_FAILED_SCANNED = 5_000;
// Ids remembered so a message is counted as accepted once (outbox worker) and failure times kept.
const MAX_REMEMBERED = 50_000;
const MARKER = Symbol.for('mailbridge.error');

class TimeoutError extends Error {}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function toProblem(error: unknown, what: string, ms: number): ProblemView {
  if (error instanceof TimeoutError) {
    return {
      problem: {
        code: 'NETWORK_TIMEOUT',
        message: `${what} did not answer within ${Math.round(ms / 1000)} s.`,
        hint: 'Check that the outbox store is running and reachable (for Redis: redis-cli ping).',
      },
    };
  }
  if (typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true) {
    const coded = error as { code: string; message: string; hint?: string };
    return { problem: { code: coded.code, message: coded.message, ...(coded.hint ? { hint: coded.hint } : {}) } };
  }
  return { problem: { code: 'INTERNAL', message: `${what} could not be read.`, hint: 'Run the command with --verbose and see its log.' } };
}

/** A bounded map that forgets its oldest keys. */
class Recent<V> extends Map<string, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(key: string, value: V): this {
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    if (this.size > this.max) this.delete(this.keys().next().value as string);
    return this;
  }
}

/**
 * Creates the collector of one relay or outbox worker. Counters move with the events of this
 * process; the backlog, held and failed lists come from the store, so they include what other
 * workers and earlier runs left. Each read of the store is bounded in time: a stopped Redis makes
 * the page say so instead of hanging.
 */
export function createStatusCollector(options: StatusCollectorOptions): StatusCollector {
  const now = options.now ?? Date.now;
  const startedAt = new Date(now());
  const readTimeoutMs = options.readTimeoutMs ?? 3_000;
  const heldShown = options.heldShown ?? 20;
  const failuresShown = options.failuresShown ?? 10;
  const showSubjects = options.showSubjects ?? false;
  const { outbox, relay, metrics } = options;
  const history: FlowHistory = createFlowHistory({ now });
  const seen = new Recent<true>(MAX_REMEMBERED);
  const failedAt = new Recent<Date>(MAX_REMEMBERED);
  const heldWhy = new Recent<SourceOutboxEvents['held']>(MAX_REMEMBERED);

  // The relay counts a message as accepted when it answers 250; an outbox worker on its own counts
  // a message the first time it hears of it (held, delivered or failed), as it sees no enqueue.
  const firstSighting = (id: string) => {
    if (seen.has(id)) return;
    seen.set(id, true);
    if (!relay) {
      history.record('accepted');
      metrics.accepted();
    }
  };
  const retries = (attempts: number | undefined) => {
    if (attempts !== undefined && attempts > 1) {
      history.record('retried', attempts - 1);
      metrics.retried(attempts - 1);
    }
  };

  const onAccepted = (event: { id: string }) => {
    seen.set(event.id, true);
    history.record('accepted');
    metrics.accepted();
  };
  const onSession = (event: { durationMs: number }) => metrics.smtpSession(event.durationMs);
  const onDelivered = (event: SourceOutboxEvents['delivered']) => {
    firstSighting(event.id);
    history.record('delivered');
    metrics.delivered();
    retries(event.attempts);
    heldWhy.delete(event.id);
    if (outbox.get) {
      bounded(outbox.get(event.id), readTimeoutMs).then(
        (entry) => {
          if (entry?.deliveredAt) metrics.deliveryLatency(entry.deliveredAt.getTime() - entry.enqueuedAt.getTime());
        },
        () => undefined,
      );
    }
  };
  const onFailed = (event: SourceOutboxEvents['failed']) => {
    firstSighting(event.id);
    history.record('failed');
    metrics.failed(event.error.code);
    retries(event.attempts);
    failedAt.set(event.id, new Date(now()));
  };
  const onHeld = (event: SourceOutboxEvents['held']) => {
    firstSighting(event.id);
    history.record('held');
    metrics.held();
    heldWhy.set(event.id, event);
  };

  relay?.on('accepted', onAccepted);
  relay?.on('session', onSession);
  outbox.on('delivered', onDelivered);
  outbox.on('failed', onFailed);
  outbox.on('held', onHeld);

  const heldReason = (entry: SourceEntry, status: SourceOutboxStatus | undefined): string => {
    const event = heldWhy.get(entry.id);
    const mailbox = entry.mailbox ?? event?.mailbox ?? options.config.mailbox;
    const usage = status?.mailboxes[mailbox];
    const used = event?.recipients24h ?? usage?.recipients24h;
    const budget = event?.recipientsPerDay ?? usage?.recipientsPerDay;
    const recipients = entry.recipients ?? event?.recipients;
    const until = entry.heldUntil ?? event?.until;
    let reason = `Sending it now would exceed the daily recipient budget of ${mailbox}`;
    if (used !== undefined && budget !== undefined) reason += ` (${used} of ${budget} recipients used in the last 24 hours${recipients !== undefined ? `; this message has ${recipients}` : ''})`;
    reason += '.';
    if (until) reason += ` It is released at ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC, when the budget allows.`;
    return reason;
  };

  const readHeld = async (status: SourceOutboxStatus | undefined): Promise<{ items: HeldView[]; total: number }> => {
    const items: HeldView[] = [];
    for await (const entry of outbox.list({ state: 'held' })) {
      if (items.length >= heldShown) break;
      items.push({
        id: entry.id,
        enqueuedAt: entry.enqueuedAt,
        reason: heldReason(entry, status),
        ...(entry.lastError ? { code: entry.lastError.code, ...(entry.lastError.hint ? { hint: entry.lastError.hint } : {}) } : {}),
        ...(showSubjects && entry.subject !== undefined ? { subject: entry.subject } : {}),
      });
    }
    return { items, total: Math.max(status?.held ?? 0, items.length) };
  };

  const readFailures = async (status: SourceOutboxStatus | undefined): Promise<{ items: FailureView[]; total: number }> => {
    // list() is oldest first: keep the last few of a bounded scan.
    const newest: SourceEntry[] = [];
    let scanned = 0;
    for await (const entry of outbox.list({ state: 'failed' })) {
      newest.push(entry);
      if (newest.length > failuresShown) newest.shift();
      if (++scanned >= MAX_FAILED_SCANNED) break;
    }
    const items = newest.reverse().map((entry): FailureView => {
      const at = failedAt.get(entry.id);
      return {
        id: entry.id,
        ...(at ? { at } : {}),
        enqueuedAt: entry.enqueuedAt,
        code: entry.lastError?.code ?? 'SERVICE_ERROR',
        message: entry.lastError?.message ?? 'The message failed.',
        ...(entry.lastError?.hint ? { hint: entry.lastError.hint } : {}),
        ...(entry.attempts !== undefined ? { attempts: entry.attempts } : {}),
        ...(showSubjects && entry.subject !== undefined ? { subject: entry.subject } : {}),
      };
    });
    // Failures seen here sort first (they have a time); the rest keep the store's order.
    items.sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0));
    return { items, total: Math.max(status?.failed ?? 0, items.length) };
  };

  const tokenView = (): TokenView => {
    if (!options.tokenCheck) return { state: 'not-used', reason: `No OAuth token: ${options.config.auth.flow} sign-in to Exchange Server.` };
    // Keep the view fresh without making the page wait for Entra ID (the check honours its interval).
    options.tokenCheck.check().catch(() => undefined);
    return options.tokenCheck.view();
  };

  const readStatus = async (): Promise<SourceOutboxStatus | ProblemView> => {
    try {
      return await bounded(outbox.status(), readTimeoutMs);
    } catch (error) {
      return toProblem(error, 'The outbox store', readTimeoutMs);
    }
  };

  return {
    async snapshot() {
      const status = await readStatus();
      const ok = 'problem' in status ? undefined : status;
      const [held, failures, credential] = await Promise.all([
        bounded(readHeld(ok), readTimeoutMs).catch((error: unknown) => toProblem(error, 'The list of held messages', readTimeoutMs)),
        bounded(readFailures(ok), readTimeoutMs).catch((error: unknown) => toProblem(error, 'The list of failed messages', readTimeoutMs)),
        credentialExpiry(options.config, new Date(now())),
      ]);
      const backlog: BacklogView | ProblemView = ok
        ? {
            queued: ok.queued,
            inFlight: ok.inFlight,
            held: ok.held,
            failed: ok.failed,
            delivered24h: ok.delivered24h,
            ...(ok.queued + ok.inFlight + ok.held > 0 && ok.oldestQueuedAgeMs > 0 ? { oldestQueuedAgeMs: ok.oldestQueuedAgeMs } : {}),
          }
        : (status as ProblemView);
      const limits = outbox.limits;
      const perMinute = limits?.messages && limits.windowMs ? Math.round((limits.messages * 60_000) / limits.windowMs) : undefined;
      const mailboxes: MailboxView[] = Object.entries(ok?.mailboxes ?? {}).map(([address, usage]) => ({
        address,
        sentLastMinute: usage.sentLastMinute,
        ...(perMinute ? { messagesPerMinute: perMinute } : {}),
        recipients24h: usage.recipients24h,
        recipientsPerDay: usage.recipientsPerDay,
      }));
      const doctor = options.doctor?.();
      return {
        service: options.service,
        version: options.version,
        transport: options.config.transport,
        mailbox: options.config.mailbox,
        generatedAt: new Date(now()),
        startedAt,
        flow: history.series(),
        totals: history.totals(),
        backlog,
        held,
        failures,
        mailboxes,
        token: tokenView(),
        credential,
        ...(doctor ? { doctor } : {}),
        ...(relay ? { relay: { listening: relay.listeners.map((listener) => `${listener.host.includes(':') ? `[${listener.host}]` : listener.host}:${listener.port}${listener.tls === 'none' ? '' : ` (${listener.tls})`}`) } } : {}),
      };
    },
    async refreshGauges() {
      const [status, credential] = await Promise.all([readStatus(), credentialExpiry(options.config, new Date(now()))]);
      const ok = 'problem' in status ? undefined : status;
      metrics.setGauges({
        ...(ok
          ? {
              backlog: { queued: ok.queued, inFlight: ok.inFlight, held: ok.held, failed: ok.failed, delivered24h: ok.delivered24h, oldestQueuedAgeMs: ok.oldestQueuedAgeMs },
              mailboxes: Object.entries(ok.mailboxes).map(([address, usage]) => ({ address, ...usage })),
            }
          : {}),
        credential,
      });
    },
    readinessChecks() {
      const checks: ReadinessCheck[] = [{ id: 'store', run: async () => void (await outbox.status()) }];
      const tokenCheck = options.tokenCheck;
      if (tokenCheck) checks.push({ id: 'token', run: (signal) => tokenCheck.check(signal) });
      return checks;
    },
    close() {
      relay?.off?.('accepted', onAccepted);
      relay?.off?.('session', onSession);
      outbox.off?.('delivered', onDelivered);
      outbox.off?.('failed', onFailed);
      outbox.off?.('held', onHeld);
    },
  };
}
