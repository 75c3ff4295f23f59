/**
 * Processes as Linux's /proc shows them: the descendants of a pid, and whether a process recorded
 * earlier is still there. A process is identified by pid and start time, so a reused pid never
 * passes for the one recorded; a zombie counts as gone (it runs nothing and holds no port).
 */
import fs from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'

export interface ProcessRecord {
  pid: number
  ppid: number
  startTicks: string
  state: string
  command: string
}

function readStat(pid: number): ProcessRecord | undefined {
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name sits in parentheses and may itself hold spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  let command = ''
  try {
    command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    // Gone between the two reads.
  }
  return { pid, state: fields[0]!, ppid: Number(fields[1]), startTicks: fields[19]!, command }
}

function allProcesses(): ProcessRecord[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((record): record is ProcessRecord => record !== undefined)
}

/** Every living process below `root` (not `root` itself). */
export function descendantsOf(root: number): ProcessRecord[] {
  const processes = allProcesses()
  const found: ProcessRecord[] = []
  const parents = [root]
  while (parents.length > 0) {
    const parent = parents.pop()!
    for (const child of processes.filter((record) => record.ppid === parent && record.state !== 'Z')) {
      found.push(child)
      parents.push(child.pid)
    }
  }
  return found
}

export function stillRunning(record: ProcessRecord): boolean {
  const now = readStat(record.pid)
  return now !== undefined && now.startTicks === record.startTicks && now.state !== 'Z'
}

/** Polls /proc until none of `records` runs; returns those still running at the deadline. */
export async function waitUntilGone(records: ProcessRecord[], timeoutMs: number): Promise<ProcessRecord[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const running = records.filter(stillRunning)
    if (running.length === 0 || Date.now() > deadline) return running
    await delay(50)
  }
}

/** SIGKILLs whatever of `records` still runs (a test's cleanup after a failure). */
export function killLeftovers(records: ProcessRecord[]): void {
  for (const record of records.filter(stillRunning)) {
    try {
      process.kill(record.pid, 'SIGKILL')
    } catch {
      // Gone meanwhile.
    }
  }
}
