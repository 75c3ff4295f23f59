/**
 * A finished run seen the way exercise checks read it: trace events in time order, who led when
 * (leader tenures, as the lab's summary counts them), and times on the experiment's clock (0 s is
 * when the workload started; fault times count from there). Pure: the app, the CLI and the grader
 * build the same view from the same record.
 */
import type { RunRecord } from '../run-file.js'
import type { TraceEvent } from '../trace.js'
import { experimentZeroMs } from '../report/analysis.js'

/** The roles that lead: a Raft leader, a PBFT or primary-backup primary. */
export const leadingRoles: readonly string[] = ['leader', 'primary']

export interface LeaderTenure {
  node: string
  /** Term (Raft) or view (PBFT); 0 for primary-backup, which has neither. */
  term: number
  /** Experiment time (ms from 0 s). */
  fromMs: number
  toMs: number
}

export interface RunView {
  record: RunRecord
  /** Non-message trace events (roles, votes, faults, truncations...), in time order. */
  events: TraceEvent[]
  tenures: LeaderTenure[]
  /** Experiment time of the run's end. */
  endMs: number
  /** Epoch ms (trace time) to experiment ms. */
  experimentMs(traceT: number): number
}

const messageKinds = new Set(['send', 'recv', 'drop'])

export function runViewOf(record: RunRecord): RunView {
  const zero = experimentZeroMs(record)
  const experimentMs = (traceT: number) => traceT - zero
  const events = (record.trace?.events ?? []).filter((event) => !messageKinds.has(event.kind)).sort((a, b) => a.t - b.t)
  const endMs = Math.max(record.summary.durationMs, ...events.map((event) => experimentMs(event.t)))
  return { record, events, tenures: leaderTenures(events, experimentMs, endMs), endMs, experimentMs }
}

/**
 * Leader tenures from role and process events: a node leads from its role event as leader (or
 * primary) until it reports another role or its process stops (a crashed or paused leader leads no
 * more, whatever it believes). MultiRaft: group 0's leadership, the group a `crash: leader` hits.
 */
export function leaderTenures(events: readonly TraceEvent[], experimentMs: (t: number) => number, endMs: number): LeaderTenure[] {
  const open = new Map<string, { term: number; fromMs: number }>()
  const tenures: LeaderTenure[] = []
  const close = (node: string, atMs: number) => {
    const tenure = open.get(node)
    if (tenure === undefined) return
    open.delete(node)
    tenures.push({ node, term: tenure.term, fromMs: tenure.fromMs, toMs: atMs })
  }
  for (const event of events) {
    const atMs = experimentMs(event.t)
    if (event.kind === 'role' && (event.group ?? 0) === 0) {
      const leading = leadingRoles.includes(event.role)
      if (leading && open.get(event.node)?.term === event.term) continue
      close(event.node, atMs)
      if (leading) open.set(event.node, { term: event.term, fromMs: atMs })
    } else if (event.kind === 'process' && event.state !== 'up' && event.state !== 'resumed') close(event.node, atMs)
  }
  for (const node of [...open.keys()]) close(node, Math.max(endMs, open.get(node)!.fromMs))
  return tenures.sort((a, b) => a.fromMs - b.fromMs)
}

/** The node leading at experiment time `atMs` (the one in the highest term when two believe they do). */
export function leaderAt(tenures: readonly LeaderTenure[], atMs: number): string | undefined {
  let best: LeaderTenure | undefined
  for (const tenure of tenures) {
    if (tenure.fromMs <= atMs && atMs < tenure.toMs && (best === undefined || tenure.term > best.term)) best = tenure
  }
  return best?.node
}
