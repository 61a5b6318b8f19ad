import type { FlowMinute, FlowTotals } from './status-snapshot.js';

/** The events counted per minute. */
export type FlowEvent = keyof Omit<FlowMinute, 'at'>;

/** Options of {@link createFlowHistory}. */
export interface FlowHistoryOptions {
  /**
   * How many minutes are kept and shown.
   * @default 60
   */
  minutes?: number;
  /** The clock; default `Date.now`. */
  now?: () => number;
}

/** Counts of accepted, delivered and failed messages per minute, for the last hour, plus totals since start. */
export interface FlowHistory {
  /** Counts `count` events (default 1) in the current minute; `retried` and `held` only go into the totals. */
  record(event: FlowEvent | 'retried' | 'held', count?: number): void;
  /** One entry per minute, oldest first, the current minute last; minutes without events are zeros. */
  series(): FlowMinute[];
  totals(): FlowTotals;
}

const MINUTE = 60_000;

/** Creates an in-memory per-minute history. Memory is bounded: only the last `minutes` buckets are kept. */
export function createFlowHistory(options: FlowHistoryOptions = {}): FlowHistory {
  const minutes = options.minutes ?? 60;
  const now = options.now ?? Date.now;
  const buckets = new Map<number, { accepted: number; delivered: number; failed: number }>();
  const totals: FlowTotals = { accepted: 0, delivered: 0, failed: 0, retried: 0, held: 0 };

  const prune = (current: number) => {
    for (const key of buckets.keys()) if (key <= current - minutes) buckets.delete(key);
  };

  return {
    record(event, count = 1) {
      totals[event] += count;
      if (event === 'retried' || event === 'held') return;
      const minute = Math.floor(now() / MINUTE);
      let bucket = buckets.get(minute);
      if (bucket === undefined) {
        prune(minute);
        bucket = { accepted: 0, delivered: 0, failed: 0 };
        buckets.set(minute, bucket);
      }
      bucket[event] += count;
    },
    series() {
      const current = Math.floor(now() / MINUTE);
      prune(current);
      const out: FlowMinute[] = [];
      for (let minute = current - minutes + 1; minute <= current; minute++) {
        const bucket = buckets.get(minute);
        out.push({ at: new Date(minute * MINUTE), accepted: bucket?.accepted ?? 0, delivered: bucket?.delivered ?? 0, failed: bucket?.failed ?? 0 });
      }
      return out;
    },
    totals() {
      return { ...totals };
    },
  };
}
