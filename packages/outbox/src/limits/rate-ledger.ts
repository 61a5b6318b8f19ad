import { type LimiterUsage, PENDING_MAX_MS, type Reservation } from './reservation.js';
import type { SendingLimits } from './sending-limits.js';

/**
 * The record of one mailbox's recent sends, as the file store keeps it (the Redis store keeps the
 * same record in sorted sets and runs the same rules in a Lua script).
 *
 * A send counts from the moment it is reserved. While it is in flight (`pending`) it counts as
 * inside every window, because the service sees it at some time between its start and its end;
 * once settled it counts at its end time. So a new send is admitted only when the service cannot
 * see more than `messages` sends inside any `windowMs`, however long each request took.
 */
export interface RateLedger {
  /** Settled sends: [token, time the send ended]. */
  sent: Array<[string, number]>;
  /** Sends in flight: [token, time reserved]. */
  pending: Array<[string, number]>;
  /** Recipients counted: [token, time, recipients]. */
  recipients: Array<[string, number, number]>;
}

/** An empty ledger. */
export function emptyLedger(): RateLedger {
  return { sent: [], pending: [], recipients: [] };
}

/** Drops what no window can see any more; a pending send older than {@link PENDING_MAX_MS} is settled at its start + that. */
export function pruneLedger(ledger: RateLedger, limits: SendingLimits, now: number): void {
  const stale = ledger.pending.filter(([, start]) => start + PENDING_MAX_MS <= now);
  if (stale.length > 0) {
    ledger.pending = ledger.pending.filter(([, start]) => start + PENDING_MAX_MS > now);
    for (const [token, start] of stale) ledger.sent.push([token, start + PENDING_MAX_MS]);
  }
  const keepSent = Math.max(limits.windowMs, 60_000);
  ledger.sent = ledger.sent.filter(([, at]) => at > now - keepSent);
  ledger.recipients = ledger.recipients.filter(([, at]) => at > now - limits.dayMs);
}

/** Reserves a slot for a message of `recipients` recipients at `now` (mutates the ledger when admitted). */
export function reserveInLedger(ledger: RateLedger, limits: SendingLimits, recipients: number, now: number, token: string): Reservation {
  pruneLedger(ledger, limits, now);
  const settledInWindow = ledger.sent.filter(([, at]) => at > now - limits.windowMs);
  if (settledInWindow.length + ledger.pending.length >= limits.messages) {
    // The earliest settled send leaves the window first; with only sends in flight, ask again soon.
    const oldest = settledInWindow.reduce((min, [, at]) => Math.min(min, at), Number.POSITIVE_INFINITY);
    const waitMs = Number.isFinite(oldest) ? Math.max(1, oldest + limits.windowMs - now) : 50;
    return { ok: false, reason: 'rate', waitMs };
  }
  const used = ledger.recipients.reduce((sum, [, , count]) => sum + count, 0);
  if (used + recipients > limits.recipientsPerDay) {
    return { ok: false, reason: 'budget', until: budgetFreesAt(ledger, limits, recipients, used), recipients24h: used };
  }
  ledger.pending.push([token, now]);
  ledger.recipients.push([token, now, recipients]);
  return { ok: true, token, recipients24h: used + recipients };
}

/** Marks a reserved send as ended at `at`: it counts from then on in the message window and the day. */
export function settleInLedger(ledger: RateLedger, token: string, at: number): void {
  const index = ledger.pending.findIndex(([pendingToken]) => pendingToken === token);
  if (index < 0) return;
  ledger.pending.splice(index, 1);
  ledger.sent.push([token, at]);
  for (const entry of ledger.recipients) if (entry[0] === token) entry[1] = at;
}

/** Usage figures at `now`. */
export function ledgerUsage(ledger: RateLedger, limits: SendingLimits, now: number): LimiterUsage {
  pruneLedger(ledger, limits, now);
  return {
    inWindow: ledger.sent.filter(([, at]) => at > now - limits.windowMs).length + ledger.pending.length,
    lastMinute: ledger.sent.filter(([, at]) => at > now - 60_000).length + ledger.pending.length,
    recipientsInDay: ledger.recipients.reduce((sum, [, , count]) => sum + count, 0),
  };
}

/** When enough recipients have left the rolling day for `recipients` more to fit. */
function budgetFreesAt(ledger: RateLedger, limits: SendingLimits, recipients: number, used: number): number {
  const byTime = [...ledger.recipients].sort((a, b) => a[1] - b[1]);
  let remaining = used;
  for (const [, at, count] of byTime) {
    remaining -= count;
    if (remaining + recipients <= limits.recipientsPerDay) return at + limits.dayMs;
  }
  // Unreachable when recipients <= recipientsPerDay (enqueue refuses bigger messages).
  return (byTime.at(-1)?.[1] ?? 0) + limits.dayMs;
}
