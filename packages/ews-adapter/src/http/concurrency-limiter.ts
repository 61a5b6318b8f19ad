import { Semaphore } from '@mailbridge/core';

// Microsoft advises at most 10 concurrent EWS requests per identity (more are refused with
// ErrorServerBusy / "too many concurrent connections"), so every request takes a slot first.

const shared = new Map<string, { limiter: Semaphore; users: number }>();

/**
 * The limiter of one identity (EWS URL + who authenticates + mailbox acted on), shared by every
 * transport of this process that uses the same identity, so two transports cannot together exceed
 * the limit. Call the returned `release` when the transport closes.
 */
export function sharedLimiter(identity: string, limit: number): { limiter: Semaphore; release: () => void } {
  let entry = shared.get(identity);
  if (!entry) {
    entry = { limiter: new Semaphore(limit), users: 0 };
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
