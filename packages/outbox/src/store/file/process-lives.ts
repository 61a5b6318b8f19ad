/**
 * Whether a process with this id runs on this machine (this one included). A pid that is not a
 * positive whole number is no process (`kill(0)` would signal this process's group). EPERM: the
 * process exists but belongs to another user.
 */
export function processLives(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
