/**
 * Exchange Online's sending limits per mailbox, enforced on every send (Graph and EWS share the mail
 * flow). What is documented and what is inferred:
 *
 * Documented — Microsoft, "Exchange Online limits", section "Sending limits"
 * (https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits):
 * - message rate limit: 30 messages per minute per mailbox; excess submissions are throttled and
 *   carried over to the following minutes ("will typically not block the sender's account");
 * - recipient rate limit: 10,000 recipients per rolling 24 hours per mailbox; over it the mailbox
 *   can't send until the count in the last 24 hours drops (blocked "for up to 24 hours");
 * - recipient limit: 500 recipients per message.
 * - NDR 5.1.90 "Your message can't be sent because you've reached your daily limit for message
 *   recipients" (https://learn.microsoft.com/exchange/troubleshoot/email-delivery/ndr/fix-error-code-5-1-90-in-exchange-online).
 * - EWS ResponseCodeType `ErrorSubmissionQuotaExceeded` ("the mailbox has exceeded its submission
 *   quota", https://learn.microsoft.com/exchange/client-developer/web-service-reference/responsecode).
 *
 * Inferred (Microsoft does not document the API answers to these limits):
 * - Graph answers the message rate with its documented throttling shape (429, `TooManyRequests`,
 *   Retry-After), and EWS with `ErrorServerBusy` + BackOffMilliseconds, as for other throttling;
 * - Graph answers the recipient rate with 403 and Exchange's code `ErrorSubmissionQuotaExceeded`
 *   passed through (Graph passes Exchange's response codes through for mail, e.g. ErrorQuotaExceeded);
 * - the block lasts until the rolling 24-hour count is below the limit again (at most 24 hours), and
 *   the sender also gets the 5.1.90 NDR in its Inbox once per block;
 * - a message that would take the count over the limit is refused whole (not delivered to part of its
 *   recipients) and starts the block.
 */
export interface SendingLimitOptions {
  /** Messages per `windowMs` per mailbox. @default 30 */
  messages?: number;
  /** @default 60000 */
  windowMs?: number;
  /** Recipients per rolling `dayMs`. @default 10000 */
  recipientsPerDay?: number;
  /** @default 86400000 */
  dayMs?: number;
  /** Recipients per message. @default 500 */
  recipientsPerMessage?: number;
  /** The clock of the limits (tests drive it). @default the simulator's clock */
  now?: () => number;
}

/** Exchange Online's defaults. */
export const EXCHANGE_ONLINE_SENDING_LIMITS: Required<Omit<SendingLimitOptions, 'now'>> = {
  messages: 30,
  windowMs: 60_000,
  recipientsPerDay: 10_000,
  dayMs: 24 * 60 * 60_000,
  recipientsPerMessage: 500,
};

/** Why a send was refused. */
export type SendingLimitRefusal = { kind: 'message-rate'; retryAfterMs: number } | { kind: 'recipient-rate'; blockedUntil: number; startsBlock: boolean } | { kind: 'recipients-per-message'; limit: number };

/** Thrown by the mail flow; each protocol turns it into its own answer. */
export class SendingLimitError extends Error {
  constructor(readonly refusal: SendingLimitRefusal) {
    super(`sending limit: ${refusal.kind}`);
    this.name = 'SendingLimitError';
  }
}

/** What the simulator saw of one mailbox's sending, for tests' assertions. */
export interface SendingLimitStats {
  /** Sends admitted. */
  sent: number;
  /** The most sends admitted inside any one window. */
  maxInWindow: number;
  /** Sends refused for the message rate. */
  rateRefusals: number;
  /** Sends refused for the recipient rate (blocked). */
  quotaRefusals: number;
  /** Sends refused for too many recipients on one message. */
  perMessageRefusals: number;
  /** Recipients counted in the rolling day now. */
  recipients24h: number;
  /** While blocked: until when (ms). */
  blockedUntil?: number;
}

interface MailboxLedger {
  sends: number[];
  recipients: Array<[number, number]>;
  blockedUntil?: number;
  stats: Omit<SendingLimitStats, 'recipients24h' | 'blockedUntil'>;
}

/** The per-mailbox sending-limit gate. */
export class SendingLimitGate {
  private readonly limits: Required<Omit<SendingLimitOptions, 'now'>>;
  private readonly ledgers = new Map<string, MailboxLedger>();

  constructor(
    options: SendingLimitOptions,
    private readonly clock: () => number,
  ) {
    const { now, ...limits } = options;
    this.limits = { ...EXCHANGE_ONLINE_SENDING_LIMITS, ...limits };
    if (now) this.clock = now;
  }

  /** Admits one message of `recipients` recipients from `mailbox`, or throws {@link SendingLimitError}. */
  admit(mailbox: string, recipients: number): void {
    const now = this.clock();
    const ledger = this.ledger(mailbox);
    this.prune(ledger, now);
    if (recipients > this.limits.recipientsPerMessage) {
      ledger.stats.perMessageRefusals++;
      throw new SendingLimitError({ kind: 'recipients-per-message', limit: this.limits.recipientsPerMessage });
    }
    if (ledger.blockedUntil !== undefined && now < ledger.blockedUntil) {
      ledger.stats.quotaRefusals++;
      throw new SendingLimitError({ kind: 'recipient-rate', blockedUntil: ledger.blockedUntil, startsBlock: false });
    }
    const inWindow = ledger.sends.filter((at) => at > now - this.limits.windowMs);
    if (inWindow.length >= this.limits.messages) {
      ledger.stats.rateRefusals++;
      throw new SendingLimitError({ kind: 'message-rate', retryAfterMs: Math.max(1, inWindow[0]! + this.limits.windowMs - now) });
    }
    const used = ledger.recipients.reduce((sum, [, count]) => sum + count, 0);
    if (used + recipients > this.limits.recipientsPerDay) {
      ledger.stats.quotaRefusals++;
      // Blocked until the count in the last 24 hours drops below the limit.
      let remaining = used;
      let until = now + this.limits.dayMs;
      for (const [at, count] of ledger.recipients) {
        remaining -= count;
        if (remaining < this.limits.recipientsPerDay) {
          until = at + this.limits.dayMs;
          break;
        }
      }
      ledger.blockedUntil = until;
      throw new SendingLimitError({ kind: 'recipient-rate', blockedUntil: until, startsBlock: true });
    }
    ledger.sends.push(now);
    ledger.recipients.push([now, recipients]);
    ledger.stats.sent++;
    ledger.stats.maxInWindow = Math.max(ledger.stats.maxInWindow, inWindow.length + 1);
  }

  /** What was seen of a mailbox. */
  stats(mailbox: string): SendingLimitStats {
    const ledger = this.ledger(mailbox);
    const now = this.clock();
    this.prune(ledger, now);
    return {
      ...ledger.stats,
      recipients24h: ledger.recipients.reduce((sum, [, count]) => sum + count, 0),
      ...(ledger.blockedUntil !== undefined && ledger.blockedUntil > now ? { blockedUntil: ledger.blockedUntil } : {}),
    };
  }

  private ledger(mailbox: string): MailboxLedger {
    const key = mailbox.toLowerCase();
    let ledger = this.ledgers.get(key);
    if (!ledger) {
      ledger = { sends: [], recipients: [], stats: { sent: 0, maxInWindow: 0, rateRefusals: 0, quotaRefusals: 0, perMessageRefusals: 0 } };
      this.ledgers.set(key, ledger);
    }
    return ledger;
  }

  private prune(ledger: MailboxLedger, now: number): void {
    ledger.sends = ledger.sends.filter((at) => at > now - this.limits.windowMs);
    ledger.recipients = ledger.recipients.filter(([at]) => at > now - this.limits.dayMs);
    if (ledger.blockedUntil !== undefined && ledger.blockedUntil <= now) delete ledger.blockedUntil;
  }
}
