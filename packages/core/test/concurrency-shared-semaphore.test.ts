import { describe, expect, it } from 'vitest';
import { sharedSemaphore } from '../src/index.js';

describe('sharedSemaphore', () => {
  it('gives every user of a key the same semaphore, and forgets it when the last one releases', () => {
    const first = sharedSemaphore('test|a', 4);
    const second = sharedSemaphore('test|a', 4);
    expect(second.semaphore).toBe(first.semaphore);
    expect(first.semaphore.limit).toBe(4);
    expect(sharedSemaphore('test|b', 4).semaphore).not.toBe(first.semaphore);
    first.release();
    first.release(); // idempotent: does not count twice
    expect(sharedSemaphore('test|a', 4).semaphore).toBe(first.semaphore);
  });

  it('a key released by all its users starts afresh', () => {
    const only = sharedSemaphore('test|c', 2);
    only.release();
    const next = sharedSemaphore('test|c', 2);
    expect(next.semaphore).not.toBe(only.semaphore);
    next.release();
  });
});
