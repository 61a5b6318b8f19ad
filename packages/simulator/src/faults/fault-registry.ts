import type { FaultSpec } from '../types.js';

interface ActiveFault {
  spec: FaultSpec;
  /** Remaining uses; Infinity for faults without a count. */
  remaining: number;
}

/** Where a request goes, for matching a fault's `api` and `pathIncludes` filters. */
export interface FaultTarget {
  api: string;
  path: string;
}

type FaultOfKind<K extends FaultSpec['kind']> = Extract<FaultSpec, { kind: K }>;

/**
 * Injected faults. Generic on purpose: the server takes the transport-level kinds (latency, status,
 * resets) and an API module takes its own (`faults.take('ews-server-busy', target)`). Each take
 * consumes one use of a counted fault.
 */
export class FaultRegistry {
  private active: ActiveFault[] = [];

  /** True when no fault is active: the hot path checks this once and skips everything else. */
  get empty(): boolean {
    return this.active.length === 0;
  }

  /** Adds a fault; returns a function that removes it. */
  add(spec: FaultSpec): () => void {
    const count = 'count' in spec && typeof spec.count === 'number' ? spec.count : Infinity;
    const fault: ActiveFault = { spec, remaining: count };
    this.active.push(fault);
    return () => {
      this.active = this.active.filter((candidate) => candidate !== fault);
    };
  }

  clear(): void {
    this.active = [];
  }

  /** The active faults (for the admin endpoint). */
  list(): FaultSpec[] {
    return this.active.map((fault) => fault.spec);
  }

  /**
   * Takes one use of the first active fault of this kind that matches the target (and `accept`, a
   * module's own filter such as an EWS operation name), if any.
   */
  take<K extends FaultSpec['kind']>(kind: K, target?: FaultTarget, accept?: (spec: FaultOfKind<K>) => boolean): FaultOfKind<K> | undefined {
    if (this.active.length === 0) return undefined;
    for (const fault of this.active) {
      if (fault.spec.kind !== kind || fault.remaining <= 0) continue;
      if (target && !matches(fault.spec, target)) continue;
      if (accept && !accept(fault.spec as FaultOfKind<K>)) continue;
      fault.remaining--;
      if (fault.remaining <= 0) this.active = this.active.filter((candidate) => candidate !== fault);
      return fault.spec as FaultOfKind<K>;
    }
    return undefined;
  }
}

function matches(spec: FaultSpec, target: FaultTarget): boolean {
  if ('api' in spec && spec.api !== undefined && spec.api !== target.api) return false;
  if ('pathIncludes' in spec && spec.pathIncludes !== undefined && !target.path.includes(spec.pathIncludes)) return false;
  return true;
}
