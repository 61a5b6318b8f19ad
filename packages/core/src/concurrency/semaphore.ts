/**
 * A counting semaphore: at most `limit` holders at once, the rest wait first in, first out.
 *
 * Both adapters bound their requests with one, because Microsoft refuses requests above a
 * concurrency limit (Graph: 4 per app and mailbox, MailboxConcurrency; EWS: about 10 per identity,
 * ErrorServerBusy) and staying under it means an adapter never causes its own throttling. Which
 * requests share a semaphore is the adapter's business; this only counts.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<{ grant: () => void; signal?: AbortSignal | undefined; onAbort?: (() => void) | undefined }> = [];

  /** @throws RangeError when `limit` is not a positive integer. */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Semaphore limit must be a positive integer, got ${limit}`);
  }

  /** Holders now (requests in flight). */
  get inFlight(): number {
    return this.active;
  }

  /**
   * Waits for a slot; the returned function gives it back (a second call does nothing).
   * Rejects with the signal's reason, without taking a slot, when `signal` aborts first.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.active < this.limit) {
      this.active += 1;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const entry: (typeof this.waiting)[number] = { grant: resolve, signal };
      if (signal) {
        entry.onAbort = () => {
          const index = this.waiting.indexOf(entry);
          if (index !== -1) this.waiting.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.waiting.push(entry);
    });
    return this.releaser();
  }

  /** Runs `task` once a slot is free; the slot is released when it settles. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) {
        // The slot passes straight to the next waiter, so `active` stays the same.
        if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
        next.grant();
      } else {
        this.active -= 1;
      }
    };
  }
}
