/** Options of {@link createConnectionRateLimit}. */
export interface ConnectionRateLimitOptions {
  /** New connections per client address per minute. @default 120 */
  perMinute?: number;
  /** Addresses tracked at once (oldest forgotten first). @default 10_000 */
  maxTracked?: number;
  now?: () => number;
}

/** A per-address limit on new connections (a sliding one-minute window). */
export interface ConnectionRateLimit {
  /** Counts a connection; false when the address is over its limit. */
  admit(address: string): boolean;
}

/** Creates the limit of `relay.connectionsPerMinute`. */
export function createConnectionRateLimit(options: ConnectionRateLimitOptions = {}): ConnectionRateLimit {
  const perMinute = options.perMinute ?? 120;
  const maxTracked = options.maxTracked ?? 10_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, number[]>();
  return {
    admit(address) {
      const time = now();
      let times = windows.get(address);
      if (!times) {
        if (windows.size >= maxTracked) windows.delete(windows.keys().next().value!);
        times = [];
      } else {
        windows.delete(address); // re-inserted below: the Map's order is then least recently seen first
      }
      const recent = times.filter((at) => at > time - 60_000);
      const admitted = recent.length < perMinute;
      if (admitted) recent.push(time);
      windows.set(address, recent);
      return admitted;
    },
  };
}
