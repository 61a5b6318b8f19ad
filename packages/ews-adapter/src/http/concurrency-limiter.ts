/**
 * A counting semaphore: at most `limit` holders at once, the rest wait in arrival order.
 * Microsoft advises at most 10 concurrent EWS requests per identity (more are refused with
 * ErrorServerBusy / "too many concurrent connections"), so every request takes a slot first.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<{ resolve: () => void; reject: (reason: unknown) => void; signal?: AbortSignal; onAbort?: () => void }> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** Waits for a slot; the returned function gives it back (call it exactly once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const entry: (typeof this.waiting)[number] = { resolve, reject, signal };
      if (signal) {
        entry.onAbort = () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.waiting.push(entry);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) {
        // The slot passes straight to the next waiter: `active` stays the same.
        if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
        next.resolve();
      } else {
        this.active--;
      }
    };
  }
}

const shared = new Map<string, { limiter: ConcurrencyLimiter; users: number }>();

/**
 * The limiter of one identity (EWS URL + who authenticates + mailbox acted on), shared by every
 * transport of this process that uses the same identity, so two transports cannot together exceed
 * the limit. Call the returned `release` when the transport closes.
 */
export function sharedLimiter(identity: string, limit: number): { limiter: ConcurrencyLimiter; release: () => void } {
  let entry = shared.get(identity);
  if (!entry) {
    entry = { limiter: new ConcurrencyLimiter(limit), users: 0 };
    shared.set(identity, entry);
  }
  entry.users++;
  const current = entry;
  let released = false;
  return {
    limiter: current.limiter,
    release: () => {
      if (released) return;
      released = true;
      current.users--;
      if (current.users === 0 && shared.get(identity) === current) shared.delete(identity);
    },
  };
}
