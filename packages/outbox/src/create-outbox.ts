import { EventEmitter } from 'node:events';
import { dirname, resolve } from 'node:path';
import {
  type CreateTransportOptions,
  createTransport,
  type LoadedConfig,
  type Logger,
  loadConfig,
  type MailbridgeConfig,
  type MailbridgeConfigInput,
  MailbridgeError,
  type MailTransport,
  type OutboxConfig,
  parseConfig,
  resolveSecret,
  silentLogger,
} from '@mailbridge/core';
import { DeliveryEngine } from './delivery/delivery-engine.js';
import { limitsFromConfig, type SendingLimits } from './limits/sending-limits.js';
import { prepareMessage } from './message/prepare-message.js';
import type { Outbox } from './outbox.js';
import type { EnqueueResult, OutboxEntry, OutboxEventName, OutboxEvents, OutboxMessage, OutboxState, OutboxStatus } from './outbox-types.js';
import { createFileStore } from './store/file/file-store.js';
import type { OutboxStore } from './store/outbox-store.js';

/** Options of {@link createOutbox}. */
export interface OutboxOptions {
  /** The transport to deliver through. @default one created from the config on `start()` (closed by `close()`) */
  transport?: MailTransport;
  /** Options for the transport created from the config. */
  transportOptions?: CreateTransportOptions;
  /** A store to use instead of the config's `outbox.store` (closed by `close()`). */
  store?: OutboxStore;
  /**
   * Overrides of the sending limits (e.g. a scaled-down window for tests: `{ messages: 60, windowMs: 10_000 }`).
   * @default the config's `outbox.limits` (Exchange Online's: 30/min, 10,000 recipients/24 h, 500/message)
   */
  limits?: Partial<SendingLimits>;
  /** The clock, in ms since the epoch (tests drive time with it). @default Date.now */
  now?: () => number;
  /** Where the outbox logs (held messages, budget warnings, retries). @default silent */
  logger?: Logger;
  /**
   * How often idle workers look for messages enqueued by other processes (with the file store a
   * watch on the spool folder tells them at once where the platform allows; this is the fallback).
   * @default 200
   */
  pollIntervalMs?: number;
  /**
   * The lease of a claimed message: a worker that neither renews it nor lives this long loses the
   * message to another worker (which checks Sent Items before sending it again).
   * @default 30000
   */
  leaseMs?: number;
  /** Environment for `{ env }` secrets (the Redis URL) and config overrides. @default process.env */
  env?: NodeJS.ProcessEnv;
}

type ConfigSource = string | MailbridgeConfig | MailbridgeConfigInput | LoadedConfig;

/** The `outbox` section with its defaults, for a config without one. */
export function outboxDefaults(baseDir: string = process.cwd()): OutboxConfig {
  return {
    store: { type: 'file', dir: resolve(baseDir, 'mailbridge-outbox') },
    limits: { messagesPerMinute: 30, recipientsPerDay: 10_000, recipientsPerMessage: 500 },
    maxAgeHours: 24,
    concurrency: 4,
  };
}

/**
 * Creates an outbox from a config (a file path, a config object, or a loaded config) and its
 * `outbox` section (defaults when absent: a `./mailbridge-outbox` spool folder, Exchange Online's
 * limits, 24 hours maximum age, 4 sends at a time).
 *
 * @example
 * ```ts
 * const outbox = await createOutbox('./mailbridge.json');
 * const { id, internetMessageId } = await outbox.enqueue({ to: ['oncall@contoso.com'], subject: 'disk 97%', text: '...' });
 * outbox.on('failed', (event) => console.error(event.id, event.error.code));
 * await outbox.start();
 * ```
 */
export async function createOutbox(config: ConfigSource, options: OutboxOptions = {}): Promise<Outbox> {
  const env = options.env ?? process.env;
  const loaded = typeof config === 'string' ? await loadConfig({ path: config, env }) : isLoadedConfig(config) ? config : parseConfig(config, { env });
  const section = loaded.config.outbox ?? outboxDefaults(loaded.path ? dirname(loaded.path) : process.cwd());
  const limits: SendingLimits = { ...limitsFromConfig(section.limits), ...options.limits };
  const leaseMs = options.leaseMs ?? 30_000;
  const store = options.store ?? (await openStore(section, leaseMs, env));
  return new OutboxImpl(loaded, section, limits, store, options);
}

async function openStore(section: OutboxConfig, leaseMs: number, env: NodeJS.ProcessEnv): Promise<OutboxStore> {
  if (section.store.type === 'file') return createFileStore({ dir: section.store.dir, leaseMs });
  const url = await resolveSecret(section.store.url, { env });
  // Loaded only when used, so an application on the file store never loads BullMQ.
  const { createRedisStore } = await import('./store/redis/redis-store.js');
  return createRedisStore({ url, prefix: section.store.prefix, leaseMs });
}

function isLoadedConfig(value: unknown): value is LoadedConfig {
  return typeof value === 'object' && value !== null && 'config' in value && 'warnings' in value;
}

class OutboxImpl implements Outbox {
  readonly mailbox: string;
  readonly storeType: string;
  private readonly events = new EventEmitter();
  private readonly now: () => number;
  private readonly engine: DeliveryEngine;
  private transportPromise: Promise<MailTransport> | undefined;
  private closed = false;

  constructor(
    private readonly loaded: LoadedConfig,
    section: OutboxConfig,
    readonly limits: SendingLimits,
    private readonly store: OutboxStore,
    private readonly options: OutboxOptions,
  ) {
    this.mailbox = (options.transport?.mailbox ?? loaded.config.mailbox).toLowerCase();
    this.storeType = store.type;
    this.now = options.now ?? Date.now;
    // A listener that throws must not stop delivery.
    this.events.on('error', () => undefined);
    const leaseMs = options.leaseMs ?? 30_000;
    this.engine = new DeliveryEngine({
      store,
      mailbox: this.mailbox,
      transport: () => this.transport(),
      limits,
      maxAgeMs: section.maxAgeHours * 3_600_000,
      concurrency: section.concurrency,
      now: this.now,
      emit: (event, payload) => {
        try {
          this.events.emit(event, payload);
        } catch (error) {
          (options.logger ?? silentLogger).warn('an outbox event listener threw', { event, error: error instanceof Error ? error.message : String(error) });
        }
      },
      ...(options.logger ? { logger: options.logger } : {}),
      pollIntervalMs: options.pollIntervalMs ?? 200,
      renewIntervalMs: Math.max(250, Math.floor(leaseMs / 4)),
      maintainIntervalMs: Math.min(1_000, Math.max(100, Math.floor(leaseMs / 4))),
    });
  }

  async enqueue(message: OutboxMessage): Promise<EnqueueResult> {
    this.assertOpen();
    const entry = await prepareMessage(message, { mailbox: this.mailbox, limits: this.limits, now: this.now(), fileReferences: this.store.type === 'file' });
    // A worker of this process is idle: store the message already claimed for it (no poll, no
    // claim rename and fsync, no re-read), and let it start sending as soon as the message is in
    // place, while the disk flushes it. The enqueue still resolves only once the message is durable;
    // the worker records no outcome before that (see DeliveryEngine.deliver).
    const worker = this.store.addClaimed ? this.engine.takeIdleWorker(entry) : undefined;
    if (worker) {
      let flushed!: { resolve(): void; reject(error: unknown): void };
      const flush = new Promise<void>((resolve, reject) => (flushed = { resolve, reject }));
      flush.catch(() => undefined);
      let delivered: Promise<boolean> | undefined;
      // The reservation comes first when it can be made at once (a free ledger lock: synchronous
      // file calls and microtasks), so its file changes do not queue behind the message's flush. When
      // another process holds the lock, the message is written meanwhile: an enqueue never waits for
      // the sending limits.
      await Promise.race([worker.reserved, new Promise((resolve) => setImmediate(resolve))]);
      try {
        const claim = await this.store.addClaimed!(entry, (stored) => {
          delivered = worker.hand(stored, flush);
        });
        flushed.resolve();
        // A store that does not say when the message is in place hands it over once it is durable.
        if (!delivered) void worker.hand(claim);
      } catch (error) {
        flushed.reject(error);
        if (!delivered) {
          worker.release();
          throw error;
        }
        // The message was taken out of the store again, but it may be on its way already: if it
        // was delivered, the enqueue did what it promised; otherwise it is refused.
        if (!(await delivered)) throw error;
      }
    } else {
      await this.store.add(entry);
      this.engine.wake();
    }
    return { id: entry.id, internetMessageId: entry.internetMessageId };
  }

  async start(): Promise<void> {
    this.assertOpen();
    await this.transport();
    this.engine.start();
  }

  async status(): Promise<OutboxStatus> {
    const now = this.now();
    const counts = await this.store.counts(now);
    const mailboxes: OutboxStatus['mailboxes'] = {};
    const names = new Set([this.mailbox, ...(await this.store.limiter.mailboxes())]);
    for (const mailbox of names) {
      const usage = await this.store.limiter.usage(mailbox, this.limits, now);
      mailboxes[mailbox] = { sentLastMinute: usage.lastMinute, recipients24h: usage.recipientsInDay, recipientsPerDay: this.limits.recipientsPerDay };
    }
    return {
      queued: counts.queued,
      inFlight: counts.inFlight,
      held: counts.held,
      failed: counts.failed,
      delivered24h: counts.delivered24h,
      oldestQueuedAgeMs: counts.oldestEnqueuedAt === undefined ? 0 : Math.max(0, now - counts.oldestEnqueuedAt),
      mailboxes,
    };
  }

  list(options: { state?: OutboxState } = {}): AsyncIterable<OutboxEntry> {
    return this.store.list(options.state);
  }

  get(id: string): Promise<OutboxEntry | undefined> {
    return this.store.get(id);
  }

  async retry(id: string): Promise<boolean> {
    const done = await this.store.retry(id, this.now());
    if (done) this.engine.wake();
    return done;
  }

  drop(id: string): Promise<boolean> {
    return this.store.drop(id);
  }

  on<E extends OutboxEventName>(event: E, listener: (payload: OutboxEvents[E]) => void): this {
    this.events.on(event, listener);
    return this;
  }

  off<E extends OutboxEventName>(event: E, listener: (payload: OutboxEvents[E]) => void): this {
    this.events.off(event, listener);
    return this;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.engine.stop();
    await this.store.close();
    if (!this.options.transport && this.transportPromise) {
      const transport = await this.transportPromise.catch(() => undefined);
      await transport?.close();
    }
  }

  private transport(): Promise<MailTransport> {
    if (this.options.transport) return Promise.resolve(this.options.transport);
    this.transportPromise ??= createTransport(this.loaded, this.options.transportOptions ?? {});
    this.transportPromise.catch(() => {
      this.transportPromise = undefined;
    });
    return this.transportPromise;
  }

  private assertOpen(): void {
    if (this.closed) throw new MailbridgeError({ code: 'USAGE', message: 'The outbox is closed.', hint: 'Create a new outbox with createOutbox().' });
  }
}
