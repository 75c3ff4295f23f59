/**
 * The log grid kept up to date event by event: the live grid folds only the events that came since
 * its last update, so a second of a run costs what that second traced, not the whole window again.
 *
 * It builds the same model as buildLogGrid (api/log-grid.ts) over the same events of one group, and
 * test/renderer/replay/log-grid-fold.test.ts holds it to that after every batch. What differs is the
 * order it can take: buildLogGrid sorts a complete list by time, while the fold takes batches as the
 * trace file grows, where one node's batch may be written after another node's later events. Each
 * node's log depends only on that node's events (in the order the node traced them) and on the
 * commands' labels, so the fold needs each node's events in order, not all of them: a label that
 * comes after the entries it names is filled in where those entries are, held or dropped.
 */
import { logGridKinds, termAt, type DroppedEntry, type LogEntryView, type LogGridModel, type NodeLog } from '../../../src-main/api/log-grid'
import type { TraceEvent } from '../../../src-main/api/trace'

type AppendEvent = Extract<TraceEvent, { kind: 'append' }>
type TruncateEvent = Extract<TraceEvent, { kind: 'truncate' }>

/** A dropped entry whose label may still come: buildLogGrid labels it by its own term, else by the truncation's. */
interface DroppedWaiting {
  entry: DroppedEntry
  entryTerm: number
}

const gridKinds: ReadonlySet<string> = new Set(logGridKinds)

export class LogGridFold {
  /** The grid so far; updated in place by fold() (its lastIndex after each call). */
  readonly model: LogGridModel
  /** Events of this group folded so far. */
  eventsFolded = 0
  /**
   * One view per (index, term), shared by every node that holds that entry: its label, traced by its
   * leader, reaches them all at once (and a follower's append allocates nothing new).
   */
  private readonly views = new Map<EntryKey, LogEntryView>()
  /** Dropped entries still without the label their leader traced, by the (index, term) that would label them. */
  private readonly droppedWaiting = new Map<EntryKey, DroppedWaiting[]>()
  /** The highest index each node dropped (the model's lastIndex counts dropped entries too). */
  private readonly droppedIndexMax = new Map<NodeLog, number>()
  private readonly logs: readonly NodeLog[]

  constructor(
    nodes: readonly string[],
    readonly group = 0,
  ) {
    const logs: Record<string, NodeLog> = Object.fromEntries(nodes.map((node) => [node, { entries: new Map(), lastIndex: 0, commitIndex: 0, dropped: [] }]))
    this.model = { nodes: [...nodes], logs, lastIndex: 0 }
    this.logs = Object.values(logs)
  }

  /** Folds `events` (each node's in the order it traced them; other kinds and groups are skipped). */
  fold(events: readonly TraceEvent[]): void {
    for (const event of events) {
      if (!gridKinds.has(event.kind) || !('group' in event ? (event.group ?? 0) === this.group : this.group === 0)) continue
      this.eventsFolded += 1
      this.step(event)
    }
    let lastIndex = 0
    for (const log of this.logs) lastIndex = Math.max(lastIndex, log.lastIndex, this.droppedIndexMax.get(log) ?? 0)
    this.model.lastIndex = lastIndex
  }

  /** The most entries one of its maps holds (a node's log, or the shared views): what a refresh's rehash costs grows with it. */
  entriesHeldMax(): number {
    let held = this.views.size
    for (const log of this.logs) held = Math.max(held, log.entries.size)
    return held
  }

  private step(event: TraceEvent): void {
    if (event.kind === 'append' && event.ops) this.label(event)
    const log = this.model.logs[event.node]
    if (log === undefined) return
    switch (event.kind) {
      case 'append':
        this.append(log, event)
        break
      case 'truncate':
        this.dropFrom(log, event.fromIndex, event.t, event.leader, event.term, event.runs)
        break
      case 'commit':
        log.commitIndex = Math.max(log.commitIndex, event.index)
        break
      default:
        break
    }
  }

  /** New labels name entries already folded (a follower's append traced before its leader's): they get them now. */
  private label(event: AppendEvent): void {
    event.ops!.forEach((op, offset) => {
      const index = event.fromIndex + offset
      const term = termAt(event.runs, index)
      if (term === undefined) return
      const key = entryKey(index, term)
      const view = this.views.get(key)
      if (view === undefined) this.views.set(key, { term, op })
      else view.op = op
      const waiting = this.droppedWaiting.get(key)
      if (waiting === undefined) return
      this.droppedWaiting.delete(key)
      for (const item of waiting) {
        const labelled = this.opOf(item.entry.index, item.entryTerm) ?? this.opOf(item.entry.index, item.entry.term)
        if (labelled !== undefined) item.entry.op = labelled
      }
    })
  }

  private append(log: NodeLog, event: AppendEvent): void {
    for (let index = event.fromIndex; index <= event.toIndex; index += 1) {
      const term = termAt(event.runs, index)
      if (term === undefined) continue
      const held = log.entries.get(index)
      // An overwrite without a truncate event (an older trace): the old entry was dropped all the same.
      if (held !== undefined && held.term !== term) this.dropFrom(log, index, event.t, undefined, term, undefined)
      const key = entryKey(index, term)
      let view = this.views.get(key)
      if (view === undefined) this.views.set(key, (view = { term }))
      log.entries.set(index, view)
    }
    log.lastIndex = Math.max(log.lastIndex, event.toIndex)
  }

  private dropFrom(log: NodeLog, fromIndex: number, atMs: number, leader: string | undefined, leaderTerm: number, runs: TruncateEvent['runs']): void {
    for (let index = fromIndex; index <= log.lastIndex; index += 1) {
      const entry = log.entries.get(index)
      if (entry === undefined) continue
      const term = (runs && termAt(runs, index)) ?? entry.term
      const op = entry.op ?? this.opOf(index, term)
      const dropped: DroppedEntry = { index, term, ...(op === undefined ? {} : { op }), atMs, ...(leader === undefined ? {} : { leader }), leaderTerm }
      log.dropped.push(dropped)
      log.entries.delete(index)
      this.droppedIndexMax.set(log, Math.max(this.droppedIndexMax.get(log) ?? 0, index))
      // Its own term's label outranks the truncation's (as in buildLogGrid): wait for whichever is missing.
      if (entry.op === undefined) this.waitForLabel({ entry: dropped, entryTerm: entry.term })
    }
    // A log read from the middle of a run has holes: the last index is the last one held.
    let last = Math.min(log.lastIndex, fromIndex - 1)
    while (last > 0 && !log.entries.has(last)) last -= 1
    log.lastIndex = last
  }

  private opOf(index: number, term: number): string | undefined {
    return this.views.get(entryKey(index, term))?.op
  }

  /** Called for an entry dropped before its own term's label came (and maybe its truncation term's). */
  private waitForLabel(item: DroppedWaiting): void {
    const keys = [entryKey(item.entry.index, item.entryTerm)]
    if (item.entry.op === undefined && item.entry.term !== item.entryTerm) keys.push(entryKey(item.entry.index, item.entry.term))
    for (const key of keys) {
      const waiting = this.droppedWaiting.get(key)
      if (waiting === undefined) this.droppedWaiting.set(key, [item])
      else waiting.push(item)
    }
  }
}

/** (index, term) as one number while both fit (no string to build for every entry of every append), else as text. */
type EntryKey = number | string
const termKeySpan = 2 ** 20
const indexKeyMax = 2 ** 32

function entryKey(index: number, term: number): EntryKey {
  return term < termKeySpan && index < indexKeyMax ? index * termKeySpan + term : `${index}:${term}`
}
