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

// A terminal's Ctrl-C or hang-up reaches the whole process group, the guardian included; it must
// outlive the orchestrator's cleanup to end paused replicas, and it exits with its channel anyway.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined)

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
