/** Limits per app per mailbox, as Outlook's Graph service documents them. */
export interface ThrottleLimits {
  /** Concurrent requests (Outlook: 4). */
  concurrency: number;
  /** Requests per window (Outlook: 10,000 per 10 minutes). */
  requests: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = { concurrency: 4, requests: 10_000, windowMs: 10 * 60_000 };

interface Bucket {
  inFlight: number;
  windowStart: number;
  count: number;
}

/** Why a request was refused. */
export type ThrottleDecision = { ok: true; release: () => void } | { ok: false; reason: 'concurrency' | 'rate'; retryAfterSeconds: number };

/**
 * Per (app, mailbox) throttling: a concurrency gate and a fixed-window request budget. Buckets are
 * keyed by `${clientId}|${mailbox}`; idle buckets are dropped when their window has passed.
 */
export class MailboxThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limits: ThrottleLimits) {}

  /** Admits a request or says why not; the caller must call `release` when the request is done. */
  enter(clientId: string, mailbox: string, nowMs: number): ThrottleDecision {
    const key = `${clientId}|${mailbox}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { inFlight: 0, windowStart: nowMs, count: 0 };
      this.buckets.set(key, bucket);
      if (this.buckets.size > 10_000) this.sweep(nowMs);
    }
    if (nowMs - bucket.windowStart >= this.limits.windowMs) {
      bucket.windowStart = nowMs;
      bucket.count = 0;
    }
    if (bucket.inFlight >= this.limits.concurrency) return { ok: false, reason: 'concurrency', retryAfterSeconds: 1 };
    if (bucket.count >= this.limits.requests) {
      const retryAfterSeconds = Math.max(1, Math.ceil((bucket.windowStart + this.limits.windowMs - nowMs) / 1000));
      return { ok: false, reason: 'rate', retryAfterSeconds };
    }
    bucket.count++;
    bucket.inFlight++;
    const admitted = bucket;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        admitted.inFlight--;
      },
    };
  }

  private sweep(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.inFlight === 0 && nowMs - bucket.windowStart >= this.limits.windowMs) this.buckets.delete(key);
    }
  }
}
