/**
 * The merge stage (PolarFS §4.1 "leader election"): a candidate that won its term fills its log
 * from the slots its voters sent. For every index from `fromIndex` (everything below is committed
 * and held by the candidate) to the highest any of them holds, it keeps the slot of the highest
 * ballot — Paxos phase 1: if a value was committed there, a quorum accepted it, the voters are a
 * quorum, and every later ballot at that index carried the same value. An index nobody holds
 * becomes a noop.
 *
 * One more rule makes out-of-order apply safe across leaders: an entry's look-behind buffer must
 * name every key the entry it ends up behind touches. If the highest-ballot entries at j and i
 * (j within i's buffer) conflict but i's buffer says j does not, they were proposed by different
 * leaders and at most one of them can have been committed: the one of the lower ballot cannot
 * (the leader of the higher ballot would have found it and written its buffer from it), so it
 * becomes a noop.
 */
import { keysConflict, keysOf, type TouchedKeys } from './keys.js'
import type { Entry, Slot } from './messages.js'

export interface MergeInput {
  /** The new leader's term: noops it writes carry it. */
  term: number
  fromIndex: number
  lookBehindEntries: number
  /** The candidate's own committed entries below fromIndex. */
  committedAt(index: number): Entry | undefined
  /** Every voter's slots at fromIndex and above, the candidate's own among them. */
  reports: readonly (readonly Slot[])[]
}

interface Chosen {
  entry: Entry
  /** Infinity for the committed entries below fromIndex. */
  ballot: number
}

/** The entries the new leader proposes at fromIndex.. in its term, ascending, without gaps. */
export function mergeSlots(input: MergeInput): Entry[] {
  const best = highestBallots(input.reports)
  const lastIndex = Math.max(input.fromIndex - 1, ...best.keys())
  const chosenAt = (index: number): Chosen | undefined => {
    if (index < input.fromIndex) {
      const entry = input.committedAt(index)
      if (entry === undefined) throw new Error(`parallel-raft merge: committed index ${index} is missing below ${input.fromIndex}`)
      return { entry, ballot: Number.POSITIVE_INFINITY }
    }
    const slot = best.get(index)
    return slot === undefined ? undefined : { entry: slot, ballot: slot.ballot }
  }
  for (let index = input.fromIndex; index <= lastIndex; index += 1) dropInconsistent(index, input.lookBehindEntries, chosenAt, best)
  const merged: Entry[] = []
  for (let index = input.fromIndex; index <= lastIndex; index += 1) {
    const slot = best.get(index)
    if (slot !== undefined) {
      merged.push({ index, term: slot.term, command: slot.command, ...(slot.tag === undefined ? {} : { tag: slot.tag }), behind: slot.behind })
      continue
    }
    const behind: TouchedKeys[] = []
    for (let back = 1; back <= input.lookBehindEntries && index - back >= 1; back += 1) {
      const below = index - back >= input.fromIndex ? merged[index - back - input.fromIndex] : chosenAt(index - back)?.entry
      behind.push(below === undefined ? ('all' as const) : keysOf(below.command))
    }
    merged.push({ index, term: input.term, command: { op: 'noop' }, behind })
  }
  return merged
}

function highestBallots(reports: readonly (readonly Slot[])[]): Map<number, Slot> {
  const best = new Map<number, Slot>()
  for (const report of reports) {
    for (const slot of report) {
      const held = best.get(slot.index)
      if (held === undefined || slot.ballot > held.ballot) best.set(slot.index, slot)
    }
  }
  return best
}

/** Drops (to a hole, later a noop) the lower-ballot side of every pair that breaks index's look-behind buffer. */
function dropInconsistent(index: number, lookBehindEntries: number, chosenAt: (index: number) => Chosen | undefined, best: Map<number, Slot>): void {
  for (let back = 1; back <= lookBehindEntries && index - back >= 1; back += 1) {
    const later = chosenAt(index)
    if (later === undefined) return
    // A hole becomes a noop, which touches nothing: no conflict with it, but look further back.
    const earlier = chosenAt(index - back)
    if (earlier === undefined) continue
    const touched = keysOf(later.entry.command)
    if (!keysConflict(keysOf(earlier.entry.command), touched) || keysConflict(later.entry.behind[back - 1] ?? 'all', touched)) continue
    if (earlier.ballot === later.ballot) {
      throw new Error(`parallel-raft merge: indexes ${index - back} and ${index} of ballot ${later.ballot} conflict but the buffer of ${index} says not`)
    }
    if (earlier.ballot < later.ballot) best.delete(index - back)
    else best.delete(index)
  }
}
