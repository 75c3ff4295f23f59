/**
 * Stopping a lab process the way a person or a supervisor stops it: SIGINT (Ctrl-C), SIGTERM (a
 * supervisor, an IDE's stop button), SIGHUP (a closed terminal), or the npm that started it dying.
 *
 * npm forwards SIGINT and SIGTERM to its script but not SIGHUP: `kill -HUP <npm>` ends npm and
 * leaves the script running with nobody to stop it. A process started by an npm script (the
 * package.json scripts `exec` node, so npm is the parent) therefore watches its parent and stops as
 * for SIGHUP when it is gone. Linux offers no notification of a parent's death to Node
 * (prctl(PR_SET_PDEATHSIG) is not exposed), hence the poll.
 */
import os from 'node:os'

export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
export type StopSignal = (typeof stopSignals)[number]

/** How often a process started by npm checks that npm is still there. */
export const parentPollMs = 500
/**
 * Ctrl-C reaches an npm script twice (from the terminal to the whole process group, and forwarded
 * by npm): a second signal this soon after the first is the same request, not an insistence.
 */
export const repeatedSignalIgnoredMs = 1000

/** The exit code of a process stopped by `signal`, as shells report it (128 + its number). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + os.constants.signals[signal]
}

/**
 * Calls `stop` on the first stop signal (or the death of the npm that started this process); a
 * second signal, a moment later, exits at once with that signal's code. Returns a function that
 * removes the handlers.
 */
export function onStopSignal(stop: (signal: StopSignal) => void): () => void {
  let firstAtMs: number | undefined
  const handle = (signal: StopSignal) => {
    const nowMs = performance.now()
    if (firstAtMs === undefined) {
      firstAtMs = nowMs
      stop(signal)
    } else if (nowMs - firstAtMs >= repeatedSignalIgnoredMs) {
      process.exit(signalExitCode(signal))
    }
  }
  for (const signal of stopSignals) process.on(signal, handle)
  const parentWatch = startedByNpm() ? watchParent(() => handle('SIGHUP')) : undefined
  return () => {
    for (const signal of stopSignals) process.off(signal, handle)
    if (parentWatch !== undefined) clearInterval(parentWatch)
  }
}

function startedByNpm(): boolean {
  return process.env.npm_lifecycle_event !== undefined
}

/** Calls `gone` once when this process is re-parented (its parent exited). */
function watchParent(gone: () => void): NodeJS.Timeout {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    gone()
  }, parentPollMs)
  // Watching must never keep the process alive by itself.
  timer.unref()
  return timer
}
