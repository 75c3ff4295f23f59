/**
 * The log grid (Raft; MultiRaft per group): one row per node, one cell per log index, coloured and
 * labelled by term, each node's commit index marked, and the entries a node dropped (truncate
 * events) kept beside the cell, struck through, with when and for whom. Built from the trace's
 * append / truncate / commit events up to a moment, so it follows the replay scrubber.
 *
 * A long log is shown as a window around the interesting indexes (the newest, the dropped ones, the
 * commit points); the runs of indexes between them are summarised as gaps.
 */
import type { TraceEvent } from './trace.js'

/** The trace kinds the log grid is built from. */
export const logGridKinds = ['append', 'truncate', 'commit'] as const

/** Index columns one grid shows at most; the rest are summarised in gaps. */
export const logGridColumnsMax = 48
/** The newest indexes are always shown, this many of them. */
export const logGridTailColumns = 12
/** Around a dropped index or a commit point, this many indexes either side are shown too. */
export const logGridContextColumns = 1

export interface LogEntryView {
  term: number
  /** The command's short label, when its leader traced it. */
  op?: string
}

export interface DroppedEntry extends LogEntryView {
  index: number
  /** When it was dropped (experiment time, ms). */
  atMs: number
  /** The leader whose log it conflicted with, and that leader's term. */
  leader?: string
  leaderTerm: number
}

export interface NodeLog {
  entries: Map<number, LogEntryView>
  lastIndex: number
  commitIndex: number
  dropped: DroppedEntry[]
}

export interface LogGridModel {
  nodes: string[]
  logs: Record<string, NodeLog>
  /** The highest index any node holds or held. */
  lastIndex: number
}

export type LogGridColumn = { kind: 'index'; index: number } | { kind: 'gap'; fromIndex: number; toIndex: number; count: number }

function emptyLog(): NodeLog {
  return { entries: new Map(), lastIndex: 0, commitIndex: 0, dropped: [] }
}

/** The term of `index` from runs [first index, term] ascending. */
export function termAt(runs: readonly [number, number][], index: number): number | undefined {
  let term: number | undefined
  for (const [first, runTerm] of runs) {
    if (first > index) break
    term = runTerm
  }
  return term
}

function entryKey(index: number, term: number): string {
  return `${index}:${term}`
}

/**
 * The logs as they were at `atMs` (events after it are left out), for MultiRaft group `group`.
 * Events may come in any order; they are folded in time order.
 */
export function buildLogGrid(nodes: readonly string[], events: readonly TraceEvent[], atMs = Infinity, group = 0): LogGridModel {
  const logs: Record<string, NodeLog> = Object.fromEntries(nodes.map((node) => [node, emptyLog()]))
  // A command's label is traced at its leader only; every row shows it for the same (index, term).
  const ops = new Map<string, string>()
  // One group's events only: MultiRaft's groups number their entries alike, so (index, term) repeats across them.
  const inGroup = (event: TraceEvent) => ('group' in event ? (event.group ?? 0) === group : group === 0)
  const sorted = events.filter((event) => event.t <= atMs && (logGridKinds as readonly string[]).includes(event.kind) && inGroup(event)).sort((a, b) => a.t - b.t)
  for (const event of sorted) {
    if (event.kind === 'append' && event.ops)
      event.ops.forEach((op, offset) => {
        const term = termAt(event.runs, event.fromIndex + offset)
        if (term !== undefined) ops.set(entryKey(event.fromIndex + offset, term), op)
      })
  }
  for (const event of sorted) {
    const log = logs[event.node]
    if (log === undefined) continue
    switch (event.kind) {
      case 'append':
        applyAppend(log, event, ops)
        break
      case 'truncate':
        dropFrom(log, event.fromIndex, event.t, event.leader, event.term, event.runs, ops)
        break
      case 'commit':
        log.commitIndex = Math.max(log.commitIndex, event.index)
        break
      default:
        break
    }
  }
  let lastIndex = 0
  for (const log of Object.values(logs)) {
    lastIndex = Math.max(lastIndex, log.lastIndex, ...log.dropped.map((entry) => entry.index))
  }
  return { nodes: [...nodes], logs, lastIndex }
}

function applyAppend(log: NodeLog, event: Extract<TraceEvent, { kind: 'append' }>, ops: Map<string, string>): void {
  for (let index = event.fromIndex; index <= event.toIndex; index += 1) {
    const term = termAt(event.runs, index)
    if (term === undefined) continue
    const held = log.entries.get(index)
    // An overwrite without a truncate event (an older trace): the old entry was dropped all the same.
    if (held !== undefined && held.term !== term) dropFrom(log, index, event.t, undefined, term, undefined, ops)
    const op = ops.get(entryKey(index, term))
    log.entries.set(index, op === undefined ? { term } : { term, op })
  }
  // Entries past toIndex would have conflicted and been dropped above: the log ends here or later.
  log.lastIndex = Math.max(log.lastIndex, event.toIndex)
}

function dropFrom(log: NodeLog, fromIndex: number, atMs: number, leader: string | undefined, leaderTerm: number, runs: [number, number][] | undefined, ops: Map<string, string>): void {
  for (let index = fromIndex; index <= log.lastIndex; index += 1) {
    const entry = log.entries.get(index)
    if (entry === undefined) continue
    const term = (runs && termAt(runs, index)) ?? entry.term
    const op = entry.op ?? ops.get(entryKey(index, term))
    log.dropped.push({ index, term, ...(op === undefined ? {} : { op }), atMs, ...(leader === undefined ? {} : { leader }), leaderTerm })
    log.entries.delete(index)
  }
  // A log read from the middle of a run has holes: the last index is the last one held.
  let last = Math.min(log.lastIndex, fromIndex - 1)
  while (last > 0 && !log.entries.has(last)) last -= 1
  log.lastIndex = last
}

/**
 * The columns to draw: every index when the log is short; else the newest indexes, the dropped
 * ones and the commit points (with context), at most logGridColumnsMax, the rest as gaps.
 */
export function logGridColumns(model: LogGridModel, columnsMax = logGridColumnsMax): LogGridColumn[] {
  const interesting: number[] = []
  // Where each truncation began (one truncation may drop thousands of entries), newest first.
  for (const log of Object.values(model.logs)) {
    const starts = new Map<number, number>()
    for (const entry of log.dropped) starts.set(entry.atMs, Math.min(starts.get(entry.atMs) ?? entry.index, entry.index))
    interesting.push(...[...starts.values()].reverse())
  }
  for (const log of Object.values(model.logs)) interesting.push(log.commitIndex)
  return windowColumns(model.lastIndex, interesting, columnsMax)
}

/**
 * Columns 1..last: all of them when they fit, else the newest logGridTailColumns, then each
 * interesting index with its context (in the order given, while room is left) and index 1; the
 * indexes between are gaps.
 */
export function windowColumns(last: number, interesting: readonly number[], columnsMax = logGridColumnsMax): LogGridColumn[] {
  if (last <= columnsMax) return Array.from({ length: last }, (_, i) => ({ kind: 'index', index: i + 1 }))
  const chosen = new Set<number>()
  const add = (index: number): void => {
    if (index >= 1 && index <= last && chosen.size < columnsMax) chosen.add(index)
  }
  for (let index = last; index > last - logGridTailColumns; index -= 1) add(index)
  for (const index of interesting) for (let offset = -logGridContextColumns; offset <= logGridContextColumns; offset += 1) add(index + offset)
  add(1)
  const indexes = [...chosen].sort((a, b) => a - b)
  const columns: LogGridColumn[] = []
  let previous = 0
  for (const index of indexes) {
    if (index > previous + 1) columns.push({ kind: 'gap', fromIndex: previous + 1, toIndex: index - 1, count: index - 1 - previous })
    columns.push({ kind: 'index', index })
    previous = index
  }
  return columns
}
