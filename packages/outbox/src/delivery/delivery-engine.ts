import { type Logger, MailbridgeError, type MailTransport, type SendResult, silentLogger } from '@mailbridge/core';
import type { Reservation } from '../limits/reservation.js';
import { BUDGET_WARNING_RATIO, type SendingLimits } from '../limits/sending-limits.js';
import { storedToOutgoing } from '../message/prepare-message.js';
import type { OutboxEvents } from '../outbox-types.js';
import type { OutboxStore } from '../store/outbox-store.js';
import type { Claim, ClaimOutcome, StoredEntry } from '../store/stored-entry.js';
import { classifyFailure, toOutboxError } from './classify-failure.js';
import { findInSentItems } from './find-in-sent-items.js';

/** What the engine needs from the outbox around it. */
export interface DeliveryEngineOptions {
  store: OutboxStore;
  /** The sending mailbox (the transport's): the limits are counted for it. */
  mailbox: string;
  /** The transport, created on first use. */
  transport: () => Promise<MailTransport>;
  limits: SendingLimits;
  maxAgeMs: number;
  concurrency: number;
  now: () => number;
  emit: <E extends keyof OutboxEvents>(event: E, payload: OutboxEvents[E]) => void;
  logger?: Logger;
  /** How often idle workers look for new work (other processes enqueue too). */
  pollIntervalMs: number;
  /** How often leases are renewed and housekeeping runs. */
  renewIntervalMs: number;
  maintainIntervalMs: number;
}

/** An idle worker loop taken by {@link DeliveryEngine.takeIdleWorker}: it waits for exactly one of these calls. */
export interface IdleWorker {
  /**
   * Gives the loop a message already claimed for it (`OutboxStore.addClaimed`). `flushed` settles
   * when the message is durable (given when the claim is handed over before that): the loop sends
   * at once but records no outcome before it. Resolves with whether the message was delivered.
   */
  hand(claim: Claim, flushed?: Promise<void>): Promise<boolean>;
  /** Gives the loop back nothing: it looks in the store again. */
  release(): void;
  /** Settles when the message's sending-limit reservation has been made (or refused, or failed). */
  readonly reserved: Promise<void>;
}

/** A claim handed to a loop, with its sending-limit reservation already under way. */
interface Handover {
  claim: Claim;
  reservation: Promise<Reservation>;
  flushed: Promise<void> | undefined;
  /** Told whether the message was delivered, once the loop is done with it. */
  report(delivered: boolean): void;
}

/** A loop waiting for work: ended by its poll timer, a wake-up, or a claim handed to it. */
interface Waiter {
  /** Stops the poll timer and wake-ups from ending the wait (the waiter was taken). */
  detach(): void;
  settle(handover?: Handover): void;
}

const MIN_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 5 * 60_000;
/** When the service says a mailbox is over its sending limit without saying until when: try again in an hour. */
const QUOTA_HOLD_MS = 60 * 60_000;

/**
 * The delivery workers of one process: `concurrency` loops that claim a message, check the sending
 * limits, send it through the transport and record the outcome. A message whose earlier attempt
 * may have taken effect is looked up in Sent Items by its Message-ID first (and sent with
 * `resend: true`, so the adapter checks again), which makes delivery exactly-once across crashes.
 */
export class DeliveryEngine {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Claim>();
  /** Ledger updates of ended sends still being written. */
  private readonly settling = new Set<Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  /** Loops that found nothing to claim and wait for work: an enqueue in this process can hand them its message. */
  private readonly idle = new Set<Waiter>();
  /** Counts wake-ups, so a loop that was looking while one came looks again instead of sleeping. */
  private wakeups = 0;
  private timers: NodeJS.Timeout[] = [];
  /** The housekeeping under way, if any. */
  private maintaining: Promise<void> | undefined;
  private unwatch: (() => void) | undefined;
  /** Set when a reservation was refused for the message rate: until then, loops look before they claim. */
  private rateLimitedUntil = 0;
  private readonly logger: Logger;

  constructor(private readonly options: DeliveryEngineOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Starts the loops (once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const { store } = this.options;
    this.timers.push(
      setInterval(() => void store.renew([...this.inFlight]).catch((error) => this.logger.warn('outbox lease renewal failed', { code: codeOf(error) })), this.options.renewIntervalMs),
      setInterval(() => void this.maintain(), this.options.maintainIntervalMs),
    );
    // Messages enqueued by other processes: an idle loop looks at once instead of at its next poll.
    this.unwatch = store.watch?.(() => this.wakeIdle());
    void this.maintain();
    for (let index = 0; index < this.options.concurrency; index++) this.loops.push(this.loop());
  }

  /** Stops taking work and waits for the sends in flight to end. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.unwatch?.();
    this.unwatch = undefined;
    for (const wake of [...this.sleepers]) wake();
    await Promise.all(this.loops);
    this.loops = [];
    await Promise.all([...this.settling]);
    await this.maintaining;
  }

  /**
   * A message was enqueued in this process (or put back): one idle loop looks for it, and loops
   * looking right now look again. Waking one, not all, spares the store a burst of empty claims.
   */
  wake(): void {
    this.wakeups++;
    const [idle] = this.idle;
    if (idle) idle.settle();
    else for (const wake of [...this.sleepers]) wake();
  }

  /** A message may be ready (the store says so): one idle loop looks; loops waiting out the rate stay asleep. */
  private wakeIdle(): void {
    if (!this.running) return;
    this.wakeups++;
    const [idle] = this.idle;
    idle?.settle();
  }

  /**
   * Takes one loop that is idle (it found nothing to claim) for `entry`, which is about to be stored
   * already claimed: the loop then waits for that claim (or a release) instead of polling, and the
   * message's sending-limit reservation starts now, while the message is being written. None when
   * every loop is busy, the engine is stopped, or it waits out the message rate (the message then
   * goes to the queue, in its turn).
   */
  takeIdleWorker(entry: StoredEntry): IdleWorker | undefined {
    const { store, limits, now } = this.options;
    if (!this.running || this.rateLimitedUntil > now()) return undefined;
    const [waiter] = this.idle;
    if (!waiter) return undefined;
    waiter.detach();
    // Made before the message is written: the ledger's small synchronous file changes then do not
    // queue behind the journal commit of the message's flush (measured: 0.1 ms before, 0.9 ms during).
    const reservation = store.limiter.reserve(entry.mailbox, entry.recipients, limits, now());
    reservation.catch(() => undefined);
    let used = false;
    return {
      hand: (claim, flushed) => {
        if (used) return Promise.resolve(false);
        used = true;
        return new Promise<boolean>((report) => waiter.settle({ claim, reservation, flushed, report }));
      },
      release: () => {
        if (used) return;
        used = true;
        waiter.settle();
        this.cancel(entry.mailbox, reservation);
      },
      reserved: reservation.then(
        () => undefined,
        () => undefined,
      ),
    };
  }

  /** Housekeeping runs one at a time, and stop() waits for the one under way (the store closes after it). */
  private maintain(): Promise<void> {
    if (this.maintaining) return this.maintaining;
    const run = (async () => {
      try {
        await this.options.store.maintain(this.options.now());
      } catch (error) {
        this.logger.warn('outbox housekeeping failed', { code: codeOf(error) });
      }
    })().finally(() => {
      if (this.maintaining === run) this.maintaining = undefined;
    });
    this.maintaining = run;
    return run;
  }

  private async loop(): Promise<void> {
    const { store, limits, now } = this.options;
    while (this.running) {
      try {
        // After a rate refusal, do not claim what cannot go out yet: a full message window would only
        // shuffle messages around. (Without one, reserve() decides; an idle outbox saves the read.)
        if (this.rateLimitedUntil > now()) {
          const usage = await store.limiter.usage(this.options.mailbox, limits, now());
          if (usage.inWindow >= limits.messages) {
            await this.sleep(this.options.pollIntervalMs);
            continue;
          }
          this.rateLimitedUntil = 0;
        }
        const seen = this.wakeups;
        const claim = await store.claim(now());
        if (claim) {
          await this.run(claim);
          continue;
        }
        // A wake-up came while this loop was looking: look again at once, it may have missed that message.
        if (this.wakeups !== seen) continue;
        const handover = await this.waitForWork();
        if (handover) {
          let delivered = false;
          try {
            delivered = await this.run(handover.claim, handover.reservation, handover.flushed);
          } finally {
            handover.report(delivered);
          }
        }
      } catch (error) {
        this.logger.warn('outbox worker error', { code: codeOf(error) });
        await this.sleep(Math.max(this.options.pollIntervalMs, 1_000));
      }
    }
  }

  private async run(claim: Claim, reserved?: Promise<Reservation>, flushed?: Promise<void>): Promise<boolean> {
    this.inFlight.add(claim);
    try {
      return await this.deliver(claim, reserved, flushed);
    } finally {
      this.inFlight.delete(claim);
    }
  }

  /**
   * Waits (up to the poll interval) for a wake-up or a message handed over by an enqueue in this
   * process. A loop that has been taken waits for its hand-over even through `stop()`, so nothing
   * that was handed over is left unsent.
   */
  private waitForWork(): Promise<Handover | undefined> {
    if (!this.running) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const detach = () => {
        clearTimeout(timer);
        this.sleepers.delete(wakeUp);
        this.idle.delete(waiter);
      };
      const wakeUp = () => {
        detach();
        resolve(undefined);
      };
      const timer = setTimeout(wakeUp, Math.max(1, this.options.pollIntervalMs));
      const waiter: Waiter = {
        detach,
        settle: (handover) => {
          detach();
          resolve(handover);
        },
      };
      this.sleepers.add(wakeUp);
      this.idle.add(waiter);
    });
  }

  /**
   * Delivers one claimed message; true when it was delivered. `reserved`: its sending-limit
   * reservation, when already started. `flushed`: when the message was handed over before it was
   * durable, settles once it is; no outcome is recorded before (each is a change of the stored
   * message, which must come after its creation).
   */
  private async deliver(claim: Claim, reserved?: Promise<Reservation>, flushed?: Promise<void>): Promise<boolean> {
    const { store, limits, now, emit } = this.options;
    // A message whose flush failed is no longer in the store: there is nothing to record then.
    const finish = async (outcome: ClaimOutcome) => {
      await flushed;
      await store.finish(claim, outcome);
    };
    const entry = claim.entry;
    const attempts = entry.attempts + 1;

    if (now() - entry.enqueuedAt > this.options.maxAgeMs) {
      const hours = Math.round((this.options.maxAgeMs / 3_600_000) * 10) / 10;
      const last = entry.lastError ? ` The last attempt failed with ${entry.lastError.code}: ${entry.lastError.message}` : '';
      const error = {
        code: 'OUTBOX_MESSAGE_EXPIRED',
        message: `Not delivered within ${hours} hours of being enqueued (outbox.maxAgeHours).${last}`,
        hint: entry.lastError?.hint ?? 'Check the mailbox (mailbridge doctor) and the outbox (mailbridge outbox status); then `mailbridge outbox retry ID` sends it again.',
      };
      this.cancel(entry.mailbox, reserved);
      await finish({ state: 'failed', error, at: now() });
      emit('failed', { id: entry.id, internetMessageId: entry.internetMessageId, mailbox: entry.mailbox, attempts: entry.attempts, error });
      return false;
    }

    const transport = await this.options.transport();
    if (entry.uncertain && (await this.alreadySent(transport, entry))) {
      this.cancel(entry.mailbox, reserved);
      await finish({ state: 'delivered', at: now(), recheckable: findableInSentItems(entry) });
      emit('delivered', { id: entry.id, internetMessageId: entry.internetMessageId, mailbox: entry.mailbox, attempts, recovered: true });
      return true;
    }

    const reservation = await (reserved ?? store.limiter.reserve(entry.mailbox, entry.recipients, limits, now()));
    if (!reservation.ok) {
      if (reservation.reason === 'rate') {
        this.rateLimitedUntil = now() + reservation.waitMs + limits.windowMs;
        // Another worker took the last slot: back in the queue as it was.
        await finish({ state: 'queued', uncertain: Boolean(entry.uncertain), countAttempt: false });
        await this.sleep(Math.min(reservation.waitMs, this.options.pollIntervalMs));
        return false;
      }
      await finish({ state: 'held', until: reservation.until });
      this.logger.warn('outbox message held: the daily recipient budget is used up', { id: entry.id, until: new Date(reservation.until).toISOString() });
      emit('held', {
        id: entry.id,
        internetMessageId: entry.internetMessageId,
        mailbox: entry.mailbox,
        until: new Date(reservation.until),
        recipients: entry.recipients,
        recipients24h: reservation.recipients24h,
        recipientsPerDay: limits.recipientsPerDay,
      });
      return false;
    }
    this.maybeWarn(entry.mailbox, reservation.recipients24h - entry.recipients, reservation.recipients24h);

    let failure: unknown;
    try {
      await this.send(transport, entry);
    } catch (error) {
      failure = error;
    }
    const ended = now();
    const flushFailed = flushed !== undefined && (await rejects(flushed));
    if (failure === undefined && flushFailed) {
      // The message went out, but storing it failed (the store took it out again and the enqueue
      // hears that it was delivered): nothing to record, nothing to send again.
      this.logger.warn('outbox: a message was delivered although the outbox could not store it', { id: entry.id });
      this.settleLater(entry.mailbox, reservation.token, ended);
      emit('delivered', { id: entry.id, internetMessageId: entry.internetMessageId, mailbox: entry.mailbox, attempts, recovered: false });
      return true;
    }
    if (failure === undefined) {
      // The delivery is recorded first and the ledger after it, so the delivered event waits for
      // neither the ledger's lock nor its write (until settled, the send counts in every window:
      // the safe side).
      await finish({ state: 'delivered', at: ended, recheckable: findableInSentItems(entry) });
      this.settleLater(entry.mailbox, reservation.token, ended);
      emit('delivered', { id: entry.id, internetMessageId: entry.internetMessageId, mailbox: entry.mailbox, attempts, recovered: false });
      return true;
    }
    await store.limiter.settle(entry.mailbox, reservation.token, ended);

    const decision = classifyFailure(failure, now());
    if (decision.kind === 'permanent') {
      await finish({ state: 'failed', error: decision.error, at: now() });
      this.logger.warn('outbox message failed', { id: entry.id, code: decision.error.code });
      emit('failed', { id: entry.id, internetMessageId: entry.internetMessageId, mailbox: entry.mailbox, attempts, error: decision.error });
      return false;
    }
    if (decision.kind === 'quota') {
      const until = now() + (decision.delayMs ?? QUOTA_HOLD_MS);
      await finish({ state: 'held', until });
      const usage = await store.limiter.usage(entry.mailbox, limits, now());
      emit('held', {
        id: entry.id,
        internetMessageId: entry.internetMessageId,
        mailbox: entry.mailbox,
        until: new Date(until),
        recipients: entry.recipients,
        recipients24h: usage.recipientsInDay,
        recipientsPerDay: limits.recipientsPerDay,
      });
      return false;
    }
    const backoff = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.min(attempts - 1, 10));
    const delay = decision.delayMs ?? Math.floor(backoff / 2 + Math.random() * (backoff / 2));
    this.logger.info('outbox send will be retried', { id: entry.id, code: decision.error.code, delayMs: delay });
    await finish({ state: 'queued', notBefore: now() + delay, error: decision.error, uncertain: decision.uncertain || Boolean(entry.uncertain), countAttempt: true });
    return false;
  }

  /** Records the end of a send in the ledger without making the loop wait for it (stop() waits). */
  private settleLater(mailbox: string, token: string, at: number): void {
    const settled = this.options.store.limiter.settle(mailbox, token, at).catch((error) => this.logger.warn('outbox ledger update failed', { code: codeOf(error) }));
    this.settling.add(settled);
    void settled.finally(() => this.settling.delete(settled));
  }

  /**
   * Gives back a reservation that will not be used. The limiter has no "cancel": the slot is settled
   * as if sent now, which errs on the safe side (one message counted that was not sent).
   */
  private cancel(mailbox: string, reserved: Promise<Reservation> | undefined): void {
    reserved?.then((reservation) => (reservation.ok ? this.options.store.limiter.settle(mailbox, reservation.token, this.options.now()) : undefined)).catch(() => undefined);
  }

  private async alreadySent(transport: MailTransport, entry: StoredEntry): Promise<boolean> {
    // Without a Sent Items copy there is nothing to look for; the adapter's own check (resend) is all there is.
    if (!findableInSentItems(entry)) return false;
    return findInSentItems(transport, entry.internetMessageId, entry.enqueuedAt);
  }

  private async send(transport: MailTransport, entry: StoredEntry): Promise<SendResult> {
    const payload = entry.payload;
    if (!payload) throw new MailbridgeError({ code: 'INTERNAL', message: `Outbox message ${entry.id} has no content.`, hint: 'Please report this bug.' });
    if (payload.kind === 'message') return transport.send(storedToOutgoing(payload), { resend: Boolean(entry.uncertain) });
    if (!transport.sendMime || !transport.capabilities.sendMime) {
      throw new MailbridgeError({
        code: 'USAGE',
        message: `The ${transport.name} transport cannot send raw MIME messages.`,
        hint: 'Use transport "graph" for raw MIME (the relay), or enqueue the message as { to, subject, text }.',
      });
    }
    return transport.sendMime(Buffer.from(payload.mimeBase64, 'base64'));
  }

  private maybeWarn(mailbox: string, before: number, after: number): void {
    const { limits } = this.options;
    const threshold = limits.recipientsPerDay * BUDGET_WARNING_RATIO;
    if (!(before < threshold && after >= threshold)) return;
    this.logger.warn('outbox: 80% of the daily recipient budget is used', { mailbox, recipients24h: after, recipientsPerDay: limits.recipientsPerDay });
    this.options.emit('budget-warning', { mailbox, recipients24h: after, recipientsPerDay: limits.recipientsPerDay, ratio: after / limits.recipientsPerDay });
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.sleepers.add(done);
    });
  }
}

/** Whether a sent copy of the message lands in Sent Items, where recovery can look it up by its Message-ID. */
function findableInSentItems(entry: StoredEntry): boolean {
  return !(entry.payload?.kind === 'message' && entry.payload.message.saveToSentItems === false);
}

/** Whether `promise` rejects (once it settles). */
function rejects(promise: Promise<unknown>): Promise<boolean> {
  return promise.then(
    () => false,
    () => true,
  );
}

function codeOf(error: unknown): string {
  return toOutboxError(error).code;
}
