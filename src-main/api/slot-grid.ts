/**
 * The slot grid (PBFT): one row per replica, one column per sequence number, each cell the phase the
 * slot reached at that replica (pre-prepared, prepared, committed, executed) and in which view; a
 * slot pre-prepared again in a later view (a view change re-proposed it) is marked, and so are the
 * stable checkpoints (the low water mark) and the conflicting messages a replica caught. Built from
 * slot / checkpoint / conflict / role events up to a moment, so it follows the replay scrubber.
 */
import type { SlotPhase } from '../protocols/types.js'
import type { TraceEvent } from './trace.js'
import { logGridColumnsMax, windowColumns, type LogGridColumn } from './log-grid.js'

export const slotGridKinds = ['slot', 'checkpoint', 'conflict', 'role'] as const

export const slotPhases: readonly SlotPhase[] = ['pre-prepared', 'prepared', 'committed', 'executed']

export interface SlotCell {
  phase: SlotPhase
  /** The view of the latest phase reached. */
  view: number
  /** Every view the slot was pre-prepared in, ascending: more than one means a view change re-proposed it. */
  views: number[]
  digest?: string
  /** The view it was executed in: a slot re-proposed after a view change was often executed before it. */
  executedView?: number
  /** Conflicting messages about this slot this replica caught: "type from view". */
  conflicts: string[]
}

export interface ReplicaSlots {
  slots: Map<number, SlotCell>
  /** The stable checkpoint: slots at or below it may be discarded. */
  lowWaterMark: number
  checkpoints: number[]
  /** The view the replica was in (its last role event). */
  view: number
  role: string
}

export interface SlotGridModel {
  nodes: string[]
  replicas: Record<string, ReplicaSlots>
  lastSeq: number
}

function emptyReplica(): ReplicaSlots {
  return { slots: new Map(), lowWaterMark: 0, checkpoints: [], view: 0, role: '' }
}

/** A grid with a row for each of `nodes` and nothing in it yet. */
export function emptySlotGrid(nodes: readonly string[]): SlotGridModel {
  return { nodes: [...nodes], replicas: Object.fromEntries(nodes.map((node) => [node, emptyReplica()])), lastSeq: 0 }
}

export function buildSlotGrid(nodes: readonly string[], events: readonly TraceEvent[], atMs = Infinity): SlotGridModel {
  const model = emptySlotGrid(nodes)
  const sorted = events.filter((event) => event.t <= atMs && (slotGridKinds as readonly string[]).includes(event.kind)).sort((a, b) => a.t - b.t)
  for (const event of sorted) foldSlotEvent(model, event)
  return model
}

/**
 * One event into the grid, in place. A replica's row depends only on its own events, in the order it
 * traced them: buildSlotGrid folds a sorted trace, the app's SlotGridFold a growing one batch by batch.
 */
export function foldSlotEvent(model: SlotGridModel, event: TraceEvent): void {
  const replica = model.replicas[event.node]
  if (replica === undefined) return
  switch (event.kind) {
    case 'slot': {
      const cell = replica.slots.get(event.seq) ?? { phase: event.phase, view: event.view, views: [], conflicts: [] }
      // A new view's pre-prepare starts the slot over; within a view the phase only moves on.
      if (event.view > cell.view || slotPhases.indexOf(event.phase) > slotPhases.indexOf(cell.phase)) cell.phase = event.phase
      cell.view = event.view
      if (event.phase === 'pre-prepared' && !cell.views.includes(event.view)) cell.views.push(event.view)
      if (event.phase === 'executed' && cell.executedView === undefined) cell.executedView = event.view
      if (event.digest !== undefined) cell.digest = event.digest
      replica.slots.set(event.seq, cell)
      model.lastSeq = Math.max(model.lastSeq, event.seq)
      break
    }
    case 'checkpoint':
      replica.lowWaterMark = Math.max(replica.lowWaterMark, event.seq)
      replica.checkpoints.push(event.seq)
      model.lastSeq = Math.max(model.lastSeq, event.seq)
      break
    case 'conflict': {
      const cell = replica.slots.get(event.seq) ?? { phase: 'pre-prepared', view: event.view, views: [], conflicts: [] }
      cell.conflicts.push(`${event.type} from ${event.from} (view ${event.view})`)
      replica.slots.set(event.seq, cell)
      model.lastSeq = Math.max(model.lastSeq, event.seq)
      break
    }
    case 'role':
      replica.view = event.term
      replica.role = event.role
      break
    default:
      break
  }
}

/** Columns: the newest sequence numbers, the re-proposed and conflicting ones, the water marks. */
export function slotGridColumns(model: SlotGridModel, columnsMax = logGridColumnsMax): LogGridColumn[] {
  const interesting: number[] = []
  for (const replica of Object.values(model.replicas)) {
    for (const [seq, cell] of replica.slots) if (cell.views.length > 1 || cell.conflicts.length > 0) interesting.push(seq)
    interesting.push(replica.lowWaterMark)
  }
  return windowColumns(model.lastSeq, interesting, columnsMax)
}
