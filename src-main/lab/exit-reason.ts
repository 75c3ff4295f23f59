/**
 * Why a child process (a replica, the workload) died, read from what it printed: each child's stdout
 * and stderr go to logs/<name>.log, which keeps every start's output, so reading starts where this
 * start's output began.
 */
import fs from 'node:fs'

/** How much of a child's log is read for why it died. */
export const exitLogBytesMax = 64 * 1024
/** An exit reason is one line, cut to this length. */
export const exitReasonCharsMax = 300

/** The size of a log file now: where the output of a child started next begins. */
export function logSize(fd: number): number {
  return fs.fstatSync(fd).size
}

/** Up to exitLogBytesMax of a log from offsetBytes; empty when it cannot be read. */
export function readLogFrom(file: string, offsetBytes: number): string {
  let fd: number | undefined
  try {
    fd = fs.openSync(file, 'r')
    const buffer = Buffer.alloc(exitLogBytesMax)
    const bytes = fs.readSync(fd, buffer, 0, buffer.length, offsetBytes)
    return buffer.subarray(0, bytes).toString('utf8')
  } catch {
    return ''
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/**
 * The line of a child's output that says what went wrong: the replica's own "replica A stopped: ..."
 * (without the prefix), else the first line naming an error (V8's "FATAL ERROR: ..." after a few
 * lines of GC log, an uncaught error, an assertion).
 */
export function errorLine(log: string, stoppedPrefix?: string): string | undefined {
  const lines = log.split('\n').map((line) => line.trim()).filter(Boolean)
  const own = stoppedPrefix === undefined ? undefined : lines.find((line) => line.startsWith(stoppedPrefix))
  if (own !== undefined) return cutLine(own.slice(stoppedPrefix!.length))
  // "Error: ...", "RangeError: ...", "AssertionError [ERR_ASSERTION]: ...", "FATAL ERROR: ..." first:
  // Node prints source lines such as "throw er; // Unhandled 'error' event" before the error itself.
  const thrown = lines.find((line) => /^(\w*Error\b|FATAL ERROR)/.test(line))
  const named = thrown ?? lines.find((line) => /\b(fatal|error|abort|assert)/i.test(line))
  return named === undefined ? undefined : cutLine(named)
}

/** The first non-empty line of a text, cut to exitReasonCharsMax. */
export function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n').find((candidate) => candidate.trim() !== '')
  return line === undefined ? undefined : cutLine(line.trim())
}

function cutLine(text: string): string {
  return text.length > exitReasonCharsMax ? `${text.slice(0, exitReasonCharsMax - 1)}…` : text
}
