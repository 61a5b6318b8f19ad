import { Semaphore } from '@mailbridge/core';

const shared = new Map<string, Semaphore>();

/**
 * The semaphore of one mailbox on one Graph host, shared by every transport of this process: Graph
 * allows 4 concurrent requests per app per mailbox (MailboxConcurrency) and counts them per app and
 * mailbox, not per transport object; staying under it means the adapter never causes its own 429s.
 */
export function mailboxSemaphore(graphOrigin: string, mailbox: string, limit: number): Semaphore {
  const key = `${graphOrigin}|${mailbox.toLowerCase()}|${limit}`;
  let semaphore = shared.get(key);
  if (!semaphore) {
    semaphore = new Semaphore(limit);
    shared.set(key, semaphore);
  }
  return semaphore;
}
