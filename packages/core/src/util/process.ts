// Whether a process of this host still runs: decides when a lock, a temp file or a staging folder left by another
// process may be cleaned up.

/** Is process `pid` of this host alive? Our own pid always is; EPERM (another user's process) counts as alive. */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
