/**
 * The answer of a sending-limit reservation (see `OutboxLimiter.reserve`).
 * - `ok`: the message may go now; its slot is counted (`token` settles it when the send ends).
 * - `rate`: the message-rate window is full; try again in `waitMs`.
 * - `budget`: the message would exceed the rolling recipient budget; it can go at `until`.
 */
export type Reservation = { ok: true; token: string; recipients24h: number } | { ok: false; reason: 'rate'; waitMs: number } | { ok: false; reason: 'budget'; until: number; recipients24h: number };

/** How many messages and recipients a mailbox has used, as of a time. */
export interface LimiterUsage {
  /** Messages sent or in flight in the last `windowMs`. */
  inWindow: number;
  /** Messages sent or in flight in the last 60 s. */
  lastMinute: number;
  /** Recipients in the rolling day. */
  recipientsInDay: number;
}

/**
 * A send not settled within this time (its process died mid-send) is counted as sent at its start
 * plus this, so a crash cannot hold a window slot forever.
 */
export const PENDING_MAX_MS = 60_000;
