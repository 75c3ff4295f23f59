/**
 * `npm run bench -- profile`: where an operation's latency goes. Joins the workload's history
 * (invoke and completion, ms since the run's epoch) with the ordering node's phase records
 * (replica/phase-profile.ts, the same clock) by client and sequence number, and splits each
 * operation into consecutive phases whose sum is its latency.
 */
import type { PhaseRecord } from '../../replica/phase-profile.js'

export const phaseNames = ['client hop', 'batching', 'persist', 'replicate', 'apply wait', 'apply + reply', 'reply hop'] as const
export type PhaseName = (typeof phaseNames)[number]

export const phaseMeaning: Record<PhaseName, string> = {
  'client hop': 'client sends until the leader has parsed the request',
  batching: 'parsed until proposed (waits for the event-loop turn that batches requests)',
  persist: 'proposed until the leader wrote and fdatasync\'d it (WAL), AppendEntries already sent',
  replicate: 'durable at the leader until committed (a follower wrote, synced and acknowledged)',
  'apply wait': 'committed until applied (the next flush; it persists the next batch first)',
  'apply + reply': 'state machine applies it and the reply is handed to the socket',
  'reply hop': 'reply handed to the socket until the client has it',
}

export interface PhaseRow {
  phase: PhaseName | 'total'
  p50Ms: number
  p90Ms: number
  meanMs: number
}

export interface PhaseBreakdown {
  rows: PhaseRow[]
  /** Operations of the measured window joined with a phase record; `unmatched` had none. */
  operations: number
  unmatched: number
}

interface HistoryLine {
  process: number
  type: 'invoke' | 'ok' | 'fail' | 'info'
  time: number
}

/**
 * `history`: the history's events in file order; `records`: every node's phase records;
 * `measureFromMs`: operations invoked earlier (warm-up) are left out.
 */
export function phaseBreakdown(history: readonly HistoryLine[], records: readonly PhaseRecord[], measureFromMs: number): PhaseBreakdown {
  const recordOf = new Map<string, PhaseRecord>()
  for (const record of records) recordOf.set(`${record[0]}#${record[1]}`, record)
  // The workload numbers each client's operations 1, 2, ... in invocation order (engine.ts perform).
  const seqOf = new Map<number, number>()
  const invoked = new Map<number, { seq: number; invokeMs: number }>()
  const phases: number[][] = phaseNames.map(() => [])
  const totals: number[] = []
  let unmatched = 0
  for (const event of history) {
    if (event.type === 'invoke') {
      const seq = (seqOf.get(event.process) ?? 0) + 1
      seqOf.set(event.process, seq)
      invoked.set(event.process, { seq, invokeMs: event.time / 1e6 })
      continue
    }
    const invoke = invoked.get(event.process)
    invoked.delete(event.process)
    if (event.type !== 'ok' || invoke === undefined || invoke.invokeMs < measureFromMs) continue
    const record = recordOf.get(`p${event.process}#${invoke.seq}`)
    if (record === undefined) {
      unmatched += 1
      continue
    }
    const doneMs = event.time / 1e6
    const [, , receivedMs, proposedMs, persistedMs, committedMs, applyStartMs, repliedMs] = record
    const marks = [invoke.invokeMs, receivedMs, proposedMs, persistedMs, committedMs, applyStartMs, repliedMs, doneMs]
    for (let phase = 0; phase < phaseNames.length; phase += 1) phases[phase]!.push(marks[phase + 1]! - marks[phase]!)
    totals.push(doneMs - invoke.invokeMs)
  }
  const row = (phase: PhaseRow['phase'], values: number[]): PhaseRow => {
    const sorted = values.slice().sort((a, b) => a - b)
    const at = (fraction: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!)
    const meanMs = sorted.length === 0 ? Number.NaN : sorted.reduce((sum, value) => sum + value, 0) / sorted.length
    return { phase, p50Ms: round3(at(0.5)), p90Ms: round3(at(0.9)), meanMs: round3(meanMs) }
  }
  return { rows: [...phaseNames.map((name, index) => row(name, phases[index]!)), row('total', totals)], operations: totals.length, unmatched }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
