import { describe, expect, it } from 'vitest';
import { Semaphore } from '../src/index.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('Semaphore', () => {
  it('refuses a limit that is not a positive integer', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
  });

  it('never lets more than its limit run, and frees every slot', async () => {
    const semaphore = new Semaphore(4);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 40 }, () =>
        semaphore.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(4);
    expect(semaphore.inFlight).toBe(0);
  });

  it('serves waiters first in, first out, and a release given twice frees one slot', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => semaphore.acquire().then((next) => (order.push(n), next)));
    release();
    release();
    await tick();
    expect(order).toEqual([1]);
    expect(semaphore.inFlight).toBe(1);
    for (const waiter of waiters) (await waiter)();
    expect(order).toEqual([1, 2, 3]);
    expect(semaphore.inFlight).toBe(0);
  });

  it('frees the slot when the task fails', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(semaphore.inFlight).toBe(0);
  });

  it('an aborted waiter leaves the queue with the signal reason; an aborted signal takes no slot', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    const behind = semaphore.acquire();
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    release();
    (await behind)();
    expect(semaphore.inFlight).toBe(0);
    await expect(semaphore.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
    expect(semaphore.inFlight).toBe(0);
  });
});
