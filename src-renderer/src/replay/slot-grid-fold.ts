/**
 * The slot grid (PBFT) kept up to date event by event, as LogGridFold keeps the log grid: it builds
 * the model buildSlotGrid (api/slot-grid.ts) builds from the same events, taking them in batches as
 * the trace grows. A replica's row depends only on its own events, so the fold needs each replica's
 * events in the order it traced them, not all of them sorted (test/renderer/replay/slot-grid-fold.test.ts).
 */
import { slotGridKinds, slotPhases, type ReplicaSlots, type SlotCell, type SlotGridModel } from '../../../src-main/api/slot-grid'
import type { TraceEvent } from '../../../src-main/api/trace'

const gridKinds: ReadonlySet<string> = new Set(slotGridKinds)

export class SlotGridFold {
  /** The grid so far; updated in place by fold(). */
  readonly model: SlotGridModel
  /** Events folded so far. */
  eventsFolded = 0
  /** PBFT has one group: the slot grid shows every event, whatever its group field says (as buildSlotGrid). */
  readonly group = 0
  private readonly replicas: readonly ReplicaSlots[]

  constructor(nodes: readonly string[]) {
    const replicas: Record<string, ReplicaSlots> = Object.fromEntries(nodes.map((node) => [node, { slots: new Map(), lowWaterMark: 0, checkpoints: [], view: 0, role: '' }]))
    this.model = { nodes: [...nodes], replicas, lastSeq: 0 }
    this.replicas = Object.values(replicas)
  }

  /** The most slots one replica holds (what a refresh's rehash costs grows with it). */
  entriesHeldMax(): number {
    let held = 0
    for (const replica of this.replicas) held = Math.max(held, replica.slots.size)
    return held
  }

  /** Folds `events` (each replica's in the order it traced them; other kinds are skipped). */
  fold(events: readonly TraceEvent[]): void {
    for (const event of events) {
      if (!gridKinds.has(event.kind)) continue
      this.eventsFolded += 1
      const replica = this.model.replicas[event.node]
      if (replica !== undefined) this.step(replica, event)
    }
  }

  private step(replica: ReplicaSlots, event: TraceEvent): void {
    switch (event.kind) {
      case 'slot': {
        const cell: SlotCell = replica.slots.get(event.seq) ?? { phase: event.phase, view: event.view, views: [], conflicts: [] }
        // A new view's pre-prepare starts the slot over; within a view the phase only moves on.
        if (event.view > cell.view || slotPhases.indexOf(event.phase) > slotPhases.indexOf(cell.phase)) cell.phase = event.phase
        cell.view = event.view
        if (event.phase === 'pre-prepared' && !cell.views.includes(event.view)) cell.views.push(event.view)
        if (event.phase === 'executed' && cell.executedView === undefined) cell.executedView = event.view
        if (event.digest !== undefined) cell.digest = event.digest
        replica.slots.set(event.seq, cell)
        this.model.lastSeq = Math.max(this.model.lastSeq, event.seq)
        break
      }
      case 'checkpoint':
        replica.lowWaterMark = Math.max(replica.lowWaterMark, event.seq)
        replica.checkpoints.push(event.seq)
        this.model.lastSeq = Math.max(this.model.lastSeq, event.seq)
        break
      case 'conflict': {
        const cell: SlotCell = replica.slots.get(event.seq) ?? { phase: 'pre-prepared', view: event.view, views: [], conflicts: [] }
        cell.conflicts.push(`${event.type} from ${event.from} (view ${event.view})`)
        replica.slots.set(event.seq, cell)
        this.model.lastSeq = Math.max(this.model.lastSeq, event.seq)
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
}
