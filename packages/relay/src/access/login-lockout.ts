/** Options of {@link createLoginLockout}. */
export interface LoginLockoutOptions {
  /** Failed logins from one address within `windowMs` that lock it. @default 5 */
  maxFailures?: number;
  /** @default 900_000 */
  windowMs?: number;
  /** How long a locked address is refused. @default 900_000 */
  lockMs?: number;
  /** Addresses tracked at once; the oldest are forgotten first, so a flood of addresses cannot grow memory. @default 10_000 */
  maxTracked?: number;
  now?: () => number;
}

/** Failed-login lockout per client address. */
export interface LoginLockout {
  /** Milliseconds the address stays locked, or 0. */
  lockedFor(address: string): number;
  /** Records a failed login; returns true when it locked the address. */
  recordFailure(address: string): boolean;
  /** A successful login clears the address's failures. */
  recordSuccess(address: string): void;
}

/** Creates the lockout of `relay.lockout`. */
export function createLoginLockout(options: LoginLockoutOptions = {}): LoginLockout {
  const maxFailures = options.maxFailures ?? 5;
  const windowMs = options.windowMs ?? 900_000;
  const lockMs = options.lockMs ?? 900_000;
  const maxTracked = options.maxTracked ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { failures: number[]; lockedUntil: number }>();

  return {
    lockedFor(address) {
      const entry = entries.get(address);
      return entry ? Math.max(0, entry.lockedUntil - now()) : 0;
    },
    recordFailure(address) {
      const time = now();
      let entry = entries.get(address);
      if (!entry) {
        if (entries.size >= maxTracked) entries.delete(entries.keys().next().value!);
        entry = { failures: [], lockedUntil: 0 };
        entries.set(address, entry);
      }
      entry.failures = entry.failures.filter((at) => at > time - windowMs);
      entry.failures.push(time);
      if (entry.failures.length >= maxFailures) {
        entry.lockedUntil = time + lockMs;
        entry.failures = [];
        return true;
      }
      return false;
    },
    recordSuccess(address) {
      const entry = entries.get(address);
      if (entry && entry.lockedUntil <= now()) entries.delete(address);
    },
  };
}
