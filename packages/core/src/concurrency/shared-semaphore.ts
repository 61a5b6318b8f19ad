import { Semaphore } from './semaphore.js';

const shared = new Map<string, { semaphore: Semaphore; users: number }>();

/** A semaphore shared under a key, and how to stop using it. */
export interface SharedSemaphore {
  semaphore: Semaphore;
  /** Stops this user's use of the semaphore; the last one to release removes it. Idempotent. */
  release(): void;
}

/**
 * The semaphore of one key (a mailbox on one service, as one identity), shared by every transport of
 * this process that uses the same key: services count concurrent requests per app and mailbox, not
 * per transport object, so two transports must not together exceed the limit. Reference-counted:
 * call `release()` when the transport closes, and the entry goes when its last user does.
 */
export function sharedSemaphore(key: string, limit: number): SharedSemaphore {
  let entry = shared.get(key);
  if (!entry) {
    entry = { semaphore: new Semaphore(limit), users: 0 };
    shared.set(key, entry);
  }
  entry.users++;
  const current = entry;
  let released = false;
  return {
    semaphore: current.semaphore,
    release: () => {
      if (released) return;
      released = true;
      current.users--;
      if (current.users === 0 && shared.get(key) === current) shared.delete(key);
    },
  };
}
