/**
 * A ParallelRaft log: a sparse map of slots (a follower may hold index 7 without 5, PolarFS §4.1),
 * with what this node knows committed and what it has applied, each as a watermark (everything up
 * to it) plus the indexes done above it. Those above a watermark stay within the look-behind
 * window of it, so the sets stay small.
 */
import { keysConflict, keysOf, type TouchedKeys } from './keys.js'
import { entryKey } from '../common/entry-key.js'
import type { Entry, Slot } from './messages.js'

/** Indexes done above a watermark: a set that folds into the watermark as the gaps fill. */
class Watermark {
  index = 0
  private readonly above = new Set<number>()

  has(index: number): boolean {
    return index <= this.index || this.above.has(index)
  }

  add(index: number): void {
    if (this.has(index)) return
    this.above.add(index)
    while (this.above.delete(this.index + 1)) this.index += 1
  }

  /** The done indexes above the watermark, ascending. */
  list(): number[] {
    return [...this.above].sort((a, b) => a - b)
  }

  get highest(): number {
    let highest = this.index
    for (const index of this.above) highest = Math.max(highest, index)
    return highest
  }
}

export class SparseLog {
  private readonly slots = new Map<number, Slot>()
  private highestIndex = 0
  readonly committed = new Watermark()
  readonly applied = new Watermark()

  constructor(
    /** N of the look-behind buffer: how many earlier entries each entry names the keys of. */
    readonly lookBehindEntries: number,
    /** The mutation: overtake earlier entries whatever they touch (only the window still holds). */
    private readonly ignoreConflicts: boolean,
  ) {}

  get lastIndex(): number {
    return this.highestIndex
  }

  at(index: number): Slot | undefined {
    return this.slots.get(index)
  }

  put(slot: Slot): void {
    const held = this.slots.get(slot.index)
    if (held !== undefined && this.applied.has(slot.index) && !sameEntry(held, slot)) {
      throw new Error(`parallel-raft: index ${slot.index} was applied as term ${held.term} ${held.command.op}, now replaced by term ${slot.term} ${slot.command.op}`)
    }
    this.slots.set(slot.index, slot)
    this.highestIndex = Math.max(this.highestIndex, slot.index)
  }

  /** Slots at `fromIndex` and above, ascending. */
  slotsFrom(fromIndex: number): Slot[] {
    const found: Slot[] = []
    for (let index = fromIndex; index <= this.highestIndex; index += 1) {
      const slot = this.slots.get(index)
      if (slot !== undefined) found.push(slot)
    }
    return found
  }

  /** What the entries just below `index` touch, as a new entry at `index` records it (a hole: anything). */
  behindOf(index: number): TouchedKeys[] {
    const behind: TouchedKeys[] = []
    for (let back = index - 1; back >= 1 && behind.length < this.lookBehindEntries; back -= 1) {
      const slot = this.slots.get(back)
      behind.push(slot === undefined ? 'all' : keysOf(slot.command))
    }
    return behind
  }

  /**
   * Whether the entry at `index` may be done (committed, or applied) while earlier ones are not:
   * everything beyond its look-behind buffer must be done (it cannot tell what those touch), and
   * none of the unfinished ones within it may touch a key it touches.
   */
  mayOvertake(index: number, done: Watermark): boolean {
    const slot = this.slots.get(index)
    if (slot === undefined) return false
    if (done.index < index - this.lookBehindEntries - 1) return false
    if (this.ignoreConflicts) return true
    const touched = keysOf(slot.command)
    for (let back = 1; back <= this.lookBehindEntries && index - back >= 1; back += 1) {
      if (done.has(index - back)) continue
      if (keysConflict(slot.behind[back - 1] ?? 'all', touched)) return false
    }
    return true
  }

  /** Marks applied, in index order, every known-committed entry that may go now; returns them. */
  takeApplicable(): Slot[] {
    const taken: Slot[] = []
    const highest = this.committed.highest
    for (let index = this.applied.index + 1; index <= highest; index += 1) {
      if (!this.committed.has(index) || this.applied.has(index) || !this.mayOvertake(index, this.applied)) continue
      this.applied.add(index)
      taken.push(this.slots.get(index)!)
    }
    return taken
  }

  /** Whether an entry up to `index` not yet applied here touches one of `keys` (a read of them must wait for it). */
  pendingTouches(keys: TouchedKeys, index: number): boolean {
    for (let at = this.applied.index + 1; at <= Math.min(index, this.highestIndex); at += 1) {
      if (this.applied.has(at)) continue
      const slot = this.slots.get(at)
      if (slot === undefined || keysConflict(keysOf(slot.command), keys)) return true
    }
    return false
  }
}

export type { Watermark }

export function sameEntry(first: Entry, second: Entry): boolean {
  return entryKey(first.term, first.command, first.tag) === entryKey(second.term, second.command, second.tag)
}
