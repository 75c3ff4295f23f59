/**
 * The guardian: a tiny process that outlives its orchestrator by a moment. The orchestrator tells
 * it the pid of every replica and workload it spawns; when the orchestrator's channel closes (it
 * exited or was killed with SIGKILL), the guardian kills them all. Replicas also exit on their own
 * when their channel closes, but a paused (SIGSTOP) replica cannot notice anything: this catches it.
 */
type GuardianMessage = { add: number } | { remove: number }

const pids = new Set<number>()

process.on('message', (message: GuardianMessage) => {
  if ('add' in message) pids.add(message.add)
  else pids.delete(message.remove)
})

process.on('disconnect', () => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  process.exit(0)
})
