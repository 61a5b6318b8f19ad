/**
 * A counting semaphore that bounds the requests in flight to one mailbox. Graph allows 4 concurrent
 * requests per app per mailbox (MailboxConcurrency); staying under it means the adapter never
 * causes its own 429s. Waiters are served first in, first out.
 */
export class MailboxSemaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('MailboxSemaphore limit must be a positive integer');
  }

  /** Requests currently holding a slot. */
  get inFlight(): number {
    return this.active;
  }

  /** Runs `task` once a slot is free; the slot is released when it settles. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(grant);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else this.active -= 1;
  }
}

const shared = new Map<string, MailboxSemaphore>();

/**
 * The semaphore of one mailbox on one Graph host, shared by every transport of this process: Graph
 * counts concurrency per app and mailbox, not per transport object.
 */
export function mailboxSemaphore(graphOrigin: string, mailbox: string, limit: number): MailboxSemaphore {
  const key = `${graphOrigin}|${mailbox.toLowerCase()}|${limit}`;
  let semaphore = shared.get(key);
  if (!semaphore) {
    semaphore = new MailboxSemaphore(limit);
    shared.set(key, semaphore);
  }
  return semaphore;
}
