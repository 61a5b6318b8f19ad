import { readFileSync } from 'node:fs';

/** A byte figure from /proc/PID/status (VmRSS, VmHWM, …), or undefined once the process is gone. */
export function statusField(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
