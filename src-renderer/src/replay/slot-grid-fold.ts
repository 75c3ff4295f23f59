/**
 * The slot grid (PBFT) kept up to date event by event, as LogGridFold keeps the log grid: it builds
 * the model buildSlotGrid (api/slot-grid.ts) builds from the same events, taking them in batches as
 * the trace grows. A replica's row depends only on its own events, so the fold needs each replica's
 * events in the order it traced them, not all of them sorted (test/renderer/replay/slot-grid-fold.test.ts).
 */
import { emptySlotGrid, foldSlotEvent, slotGridKinds, type ReplicaSlots, type SlotGridModel } from '../../../src-main/api/slot-grid'
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
    this.model = emptySlotGrid(nodes)
    this.replicas = Object.values(this.model.replicas)
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
      foldSlotEvent(this.model, event)
    }
  }
}
