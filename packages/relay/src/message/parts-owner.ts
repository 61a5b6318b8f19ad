import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The relay process that made a parts folder, written into the folder's name: a hash of the host
 * name, the pid, and a token random per process (a container restarts its relay with the same pid).
 */
export interface PartsOwner {
  /** 8 hex digits of SHA-256 of the host name. */
  host: string;
  pid: number;
  /** 8 hex digits, random per process. */
  token: string;
}

/** This process. */
export const thisOwner: PartsOwner = {
  host: createHash('sha256').update(hostname()).digest('hex').slice(0, 8),
  pid: process.pid,
  token: randomBytes(4).toString('hex'),
};

/** When this process started (ms since the epoch). */
const startedAt = Date.now() - process.uptime() * 1000;

/** `host-pid-token`, as it appears in folder names. */
export function ownerTag(owner: PartsOwner = thisOwner): string {
  return `${owner.host}-${owner.pid}-${owner.token}`;
}

/** The owner in a tag made by {@link ownerTag}; undefined for anything else (a folder of an older relay). */
export function parseOwnerTag(tag: string | undefined): PartsOwner | undefined {
  const match = tag ? /^([0-9a-f]{8})-(\d{1,10})-([0-9a-f]{8})$/.exec(tag) : null;
  return match ? { host: match[1]!, pid: Number(match[2]), token: match[3]! } : undefined;
}

/**
 * True only when the owner has provably exited: it ran on this host and its pid is no longer a
 * process (or is this process, started after `newestChangeMs`, with another token: a previous
 * process that had the same pid). An owner on another host, a live pid (perhaps reused by another
 * program) or a folder of an older relay cannot be told apart from one still receiving: false.
 */
export function ownerGone(owner: PartsOwner | undefined, newestChangeMs: number): boolean {
  if (!owner || owner.host !== thisOwner.host) return false;
  if (owner.pid === thisOwner.pid) return owner.token !== thisOwner.token && newestChangeMs < startedAt;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the pid exists (another user's process).
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
