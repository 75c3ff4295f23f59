/**
 * The Wing–Gong–Lowe linearizability search over one key, after Porcupine's checkSingle.
 *
 * Every operation contributes a call entry and a return entry to a doubly linked list sorted by
 * time. The candidates of a configuration are the call entries before the first return entry: an
 * operation can go next only if no pending operation returned before it was invoked. The search
 * tries a candidate (the model accepts it and the configuration is new), lifting both its entries
 * out of the list; when no candidate works it backtracks. The history is linearizable when every
 * definite operation is placed.
 *
 * Refinements over plain WGL, none of which loses a linearization (each is checked against a
 * brute-force oracle on random histories in test/checker):
 * - Forced reads. A get that is legal in the current state goes now, with no alternatives: it
 *   changes no state and every operation that must precede it already has, so if some order works
 *   from here, one that starts with this read works too.
 * - Writes with unknown outcome are tried only where a pending read or cas needs their value;
 *   anywhere else they are equivalent to being placed at the very end (proof at demanded()), so
 *   the history is linearizable once every definite operation is placed. Writes whose value a
 *   pending operation needs are also tried before the other candidates (order only).
 * - Dead ends are cut early: when an operation still needs a value that the key does not hold and
 *   that nothing left can write, no order completes from here (counted per value, incrementally).
 * - Unread writes are swept in. A put or delete whose value nothing ever needs is placed, dead,
 *   just ahead of whichever blind write the search places next (proof at move()).
 *
 * A configuration is (set of linearized operations, model state). The cache of seen configurations
 * is what keeps the search polynomial on ordinary histories: every configuration is explored once.
 * Sets are stored compactly (see ConfigurationCache).
 *
 * Entry ids: call of operation i is i, its return is count + i, the list head is 2 * count.
 */
import { kindCas, kindDelete, kindGet, kindPut, stepKv, stepIllegal, stateAbsent, type KeyModel } from './kv-model.js'

/** Steps (candidates tried) before one key is declared unknown. */
export const searchStepsMaxDefault = 20_000_000
/** Words (32 bits) of linearized-set storage in one key's cache before it is declared unknown. */
export const cacheWordsMax = 48 * 1024 * 1024
/** How many other pending operations a witness lists next to the one that is stuck. */
export const stuckCandidatesMax = 16
/** A power of two: the wall clock is read once per this many steps. */
const deadlineCheckEverySteps = 4096

export interface SearchBudget {
  stepsMax: number
  /** performance.now() after which the search stops with 'unknown'. */
  deadlineMs: number
}

/** The deepest point the search reached: a linearizable prefix and what cannot follow it. */
export interface SearchPeak {
  /** Operation indices in linearization order. */
  order: number[]
  /** Model state after `order`. */
  state: number
  /** An operation that cannot be placed after `order`; first in `candidates` too. */
  stuck: number
  /** Other definite operations invoked before `stuck` returned and not placed (none fits `state`). */
  candidates: number[]
}

export type SearchOutcome =
  /** `order`: the linearization found (definite operations and the indefinite ones placed). */
  | { result: 'ok'; steps: number; order: number[] }
  | { result: 'illegal'; steps: number; peak: SearchPeak }
  | { result: 'unknown'; steps: number; reason: string }

export function searchKey(model: KeyModel, budget: SearchBudget): SearchOutcome {
  const count = model.kind.length
  if (count === 0) return { result: 'ok', steps: 0, order: [] }
  return new Search(model, budget).run()
}

/** Candidate priorities: writes a pending operation needs, the earliest deadline, the rest. */
const priorityDemanded = 0
const priorityDeadline = 1
const priorityOther = 2
/** Readers looked at when deciding whether a write is demanded; past this, it counts as demanded. */
const demandScanMax = 32
/** Candidate-list slots along the current search path before the key is declared unknown. */
export const candidateSlotsMax = 32 * 1024 * 1024

/**
 * The search state. Depth d is the configuration after d linearized operations. Each depth keeps
 * the operation chosen there, the state before it, its candidate list (built once, on entry), and
 * whether the choice was forced (a legal read: if it fails, every alternative at that depth fails
 * too, because a read that is legal now can always go now without changing what follows).
 */
class Search {
  private readonly count: number
  private readonly head: number
  private readonly next: Int32Array
  private readonly prev: Int32Array
  /** Static rank of each entry in time order; an operation is a candidate iff its call ranks before the first return in the list. */
  private readonly rank: Int32Array
  private readonly linearized: Uint32Array
  private readonly zobrist: Int32Array
  /** Operations that need the key to hold value v (gets, cas), by value id, in call order. */
  private readonly readersOf: Int32Array[]
  private readonly stackOperation: Int32Array
  private readonly stackState: Int32Array
  private readonly stackMax: Int32Array
  private readonly stackForced: Uint8Array
  /** 1 for an unread write swept in ahead of the next operation on the stack (they pop together). */
  private readonly stackSwept: Uint8Array
  /** 1 for a blind write (put, delete) whose value no operation ever needs. */
  private readonly unread: Uint8Array
  /** Per operation: the value it needs (get, successful cas) and the value it may write, or -1. */
  private readonly needsValue: Int32Array
  private readonly writesValue: Int32Array
  /** Per value: definite operations still needing it, and operations still able to write it. */
  private readonly needersLeft: Int32Array
  private readonly writersLeft: Int32Array
  /** Values some operation still needs that nothing left can write ("orphans"). */
  private orphans = 0
  /** Per depth: the first return entry of that configuration (the end of its candidates). */
  private readonly firstReturnAt: Int32Array
  /**
   * Per depth: `slots` from the previous depth's slotsEnd to listEnd holds its candidate list, and
   * listNext is the next one to try; [listEnd, slotsEnd) holds its pending unread writes.
   */
  private readonly listEnd: Int32Array
  private readonly listNext: Int32Array
  private readonly slotsEnd: Int32Array
  private slots = new Int32Array(1024)
  private slotPriority = new Uint8Array(1024)
  private readonly cache: ConfigurationCache
  /** Bits of the indefinite operations, by their ordinal among indefinite operations. */
  private readonly indefiniteBits: Uint32Array
  private readonly indefiniteOrdinal: Int32Array
  private depth = 0
  private state = stateAbsent
  private setHash = 0
  private steps = 0
  /** Definite operations not yet linearized; at 0 the rest (indefinite writes) can all go last. */
  private definiteLeft: number
  private readonly peakOrder: Int32Array
  private peakDepth = -1
  private peakState = stateAbsent
  private peakStuck = 0
  private peakCandidates: number[] = []
  /** The stack below this depth is unchanged since the last peak copy, so copies stay linear overall. */
  private stableDepth = 0
  private stopped: string | undefined

  constructor(private readonly model: KeyModel, private readonly budget: SearchBudget) {
    const count = model.kind.length
    this.count = count
    this.head = 2 * count
    this.next = new Int32Array(2 * count + 1)
    this.prev = new Int32Array(2 * count + 1)
    this.rank = new Int32Array(2 * count)
    linkSortedEntries(model, this.next, this.prev, this.rank)
    this.linearized = new Uint32Array((count + 31) >>> 5)
    this.zobrist = zobristKeys(count)
    this.readersOf = readersByValue(model)
    this.stackOperation = new Int32Array(count)
    this.stackState = new Int32Array(count)
    this.stackMax = new Int32Array(count)
    this.stackForced = new Uint8Array(count)
    this.stackSwept = new Uint8Array(count)
    this.unread = unreadWrites(model, this.readersOf)
    this.firstReturnAt = new Int32Array(count + 1)
    this.listEnd = new Int32Array(count + 1)
    this.listNext = new Int32Array(count + 1)
    this.slotsEnd = new Int32Array(count + 1)
    this.peakOrder = new Int32Array(count)
    this.definiteLeft = model.indefinite.reduce((left, indefinite) => left + (indefinite === 0 ? 1 : 0), 0)
    this.indefiniteOrdinal = new Int32Array(count).fill(-1)
    let indefinites = 0
    for (let operation = 0; operation < count; operation += 1) {
      if (model.indefinite[operation] === 1) this.indefiniteOrdinal[operation] = indefinites++
    }
    this.indefiniteBits = new Uint32Array((indefinites + 31) >>> 5)
    this.cache = new ConfigurationCache(count, 2 + this.indefiniteBits.length)
    this.needsValue = new Int32Array(count).fill(-1)
    this.writesValue = new Int32Array(count).fill(-1)
    this.needersLeft = new Int32Array(model.values.length)
    this.writersLeft = new Int32Array(model.values.length)
    for (let operation = 0; operation < count; operation += 1) {
      const kind = model.kind[operation]
      if (kind === kindGet || (kind === kindCas && model.indefinite[operation] === 0)) this.needsValue[operation] = model.a[operation]
      if (kind !== kindGet) this.writesValue[operation] = kind === kindPut ? model.a[operation] : kind === kindDelete ? stateAbsent : model.b[operation]
      this.count_(operation, 1)
    }
  }

  private isOrphan(value: number): boolean {
    return this.needersLeft[value] > 0 && this.writersLeft[value] === 0
  }

  /** Adds (+1) or removes (-1) an operation from the per-value counts, keeping `orphans` current. */
  private count_(operation: number, delta: number): void {
    const needs = this.needsValue[operation]
    if (needs >= 0) {
      const was = this.isOrphan(needs)
      this.needersLeft[needs] += delta
      if (this.isOrphan(needs) !== was) this.orphans += was ? -1 : 1
    }
    const writes = this.writesValue[operation]
    if (writes >= 0) {
      const was = this.isOrphan(writes)
      this.writersLeft[writes] += delta
      if (this.isOrphan(writes) !== was) this.orphans += was ? -1 : 1
    }
  }

  /**
   * A dead end: some operation still needs a value the key does not hold and nothing left can
   * write. (An orphan equal to the current state is fine while the state lasts.)
   */
  private isDead(): boolean {
    return this.orphans > (this.isOrphan(this.state) ? 1 : 0)
  }

  run(): SearchOutcome {
    if (this.isDead()) {
      // Some operation needs a value that no operation ever writes.
      let value = 1
      while (!this.isOrphan(value) || value === this.state) value += 1
      this.recordPeak(this.firstNeeder(value), null)
      return this.illegal()
    }
    let entering = true
    for (;;) {
      if (this.stopped !== undefined) return { result: 'unknown', steps: this.steps, reason: this.stopped }
      const depth = this.depth
      if (entering) {
        if (this.definiteLeft === 0) return { result: 'ok', steps: this.steps, order: Array.from(this.stackOperation.subarray(0, this.depth)) }
        const forced = this.enter()
        if (forced >= 0) {
          this.tick()
          if (this.push(forced, true)) continue
          // The forced read leads only where the search has already been: this configuration fails.
          entering = false
          if (this.backtrack()) return this.illegal()
          continue
        }
      }
      const cursor = this.listNext[depth]
      if (cursor < this.listEnd[depth]) {
        this.listNext[depth] = cursor + 1
        this.tick()
        entering = this.move(this.slots[cursor])
        continue
      }
      // Every candidate of this configuration failed.
      this.recordPeak(this.firstReturnAt[depth] - this.count, this.firstReturnAt[depth])
      entering = false
      if (this.backtrack()) return this.illegal()
    }
  }

  /**
   * On entering a configuration: returns a get that is legal now (to be forced), or -1 after
   * building the candidate list: operations the model accepts now, most promising first.
   */
  private enter(): number {
    const { next, head, count, model, state, depth } = this
    const start = depth === 0 ? 0 : this.slotsEnd[depth - 1]
    this.listEnd[depth] = this.listNext[depth] = this.slotsEnd[depth] = start
    let entry = next[head]
    for (; entry < count; entry = next[entry]) {
      if (model.kind[entry] === kindGet && model.a[entry] === state) return entry
    }
    this.firstReturnAt[depth] = entry
    const deadlineOperation = entry - count
    let end = start
    for (entry = next[head]; entry < count; entry = next[entry]) {
      if (model.kind[entry] === kindGet || stepKv(model, entry, state) === stepIllegal) continue
      const demanded = this.demanded(entry)
      if (model.indefinite[entry] === 1 && !demanded) continue
      if (end >= this.slots.length) this.growSlots()
      this.slots[end] = entry
      this.slotPriority[end] = demanded ? priorityDemanded : entry === deadlineOperation ? priorityDeadline : priorityOther
      end += 1
    }
    this.sortCandidates(start, end)
    this.listEnd[depth] = end
    for (let index = start; index < this.listEnd[depth]; index += 1) {
      if (this.unread[this.slots[index]] === 0) continue
      if (end >= this.slots.length) this.growSlots()
      this.slots[end] = this.slots[index]
      end += 1
    }
    this.slotsEnd[depth] = end
    if (end > candidateSlotsMax) this.stopped = 'search space too large for memory'
    return -1
  }

  /**
   * Tries one candidate. A blind write first sweeps in every other pending unread write, as dead
   * writes just ahead of it. That loses nothing: an unread write is dead wherever it goes (nothing
   * reads its value, so a write or the end follows it), and dropping a dead write from any order
   * keeps that order valid; so every configuration with it still pending is no better than this one.
   */
  private move(operation: number): boolean {
    const kind = this.model.kind[operation]
    if (kind !== kindPut && kind !== kindDelete) return this.push(operation, false)
    const depth = this.depth
    const stateBefore = this.state
    let swept = 0
    for (let index = this.listEnd[depth]; index < this.slotsEnd[depth]; index += 1) {
      const other = this.slots[index]
      if (other === operation) continue
      this.pushSwept(other)
      swept += 1
    }
    if (this.push(operation, false, stateBefore)) return true
    for (; swept > 0; swept -= 1) this.pop()
    return false
  }

  /** Lists are short (the operations in flight): insertion sort by priority, then earliest return. */
  private sortCandidates(start: number, end: number): void {
    const { slots, slotPriority, model } = this
    for (let index = start + 1; index < end; index += 1) {
      const operation = slots[index]
      const priority = slotPriority[index]
      const returnNs = model.returnNs[operation]
      let at = index - 1
      while (at >= start) {
        const other = slots[at]
        const otherPriority = slotPriority[at]
        if (otherPriority < priority || (otherPriority === priority && model.returnNs[other] <= returnNs)) break
        slots[at + 1] = other
        slotPriority[at + 1] = otherPriority
        at -= 1
      }
      slots[at + 1] = operation
      slotPriority[at + 1] = priority
    }
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2)
    slots.set(this.slots)
    this.slots = slots
    const priorities = new Uint8Array(this.slots.length)
    priorities.set(this.slotPriority)
    this.slotPriority = priorities
  }

  /** Pops until a configuration with untried candidates; true when none is left (illegal). */
  private backtrack(): boolean {
    for (;;) {
      if (this.depth === 0) return true
      this.pop()
      const forced = this.stackForced[this.depth] === 1
      while (this.depth > 0 && this.stackSwept[this.depth - 1] === 1) this.pop()
      if (!forced) return false
    }
  }

  /**
   * True when a candidate that is not yet linearized needs the value this write leaves.
   *
   * Why indefinite writes need only be tried when demanded: take any valid order in which such a
   * write w is followed, before the next write, by nothing that needs its value. Then the
   * operations between are only indefinite cas that did nothing; moving w and them to the end
   * keeps the order valid. Otherwise the first operation needing w's value can be moved to right
   * after w, so it is a candidate wherever w is placed: w is demanded there.
   */
  private demanded(writer: number): boolean {
    const { model, next, head, rank, linearized } = this
    const kind = model.kind[writer]
    const value = kind === kindPut ? model.a[writer] : kind === kindDelete ? stateAbsent : model.b[writer]
    const readers = this.readersOf[value]
    if (readers === undefined) return false
    const horizon = rank[this.firstReturnAt[this.depth]]
    // Readers are in call order, and every operation below the first list entry is linearized.
    const from = lowerBound(readers, next[head])
    for (let index = from; index < readers.length; index += 1) {
      if (index >= from + demandScanMax) return true
      const reader = readers[index]
      if (rank[reader] >= horizon) break
      if (reader !== writer && (linearized[reader >>> 5] & (1 << (reader & 31))) === 0) return true
    }
    return false
  }

  /** Linearizes `operation` if the model accepts it and the configuration is new. */
  private push(operation: number, forced: boolean, stateBeforeMove = this.state): boolean {
    const { model, linearized, next, head, count } = this
    const newState = stepKv(model, operation, this.state)
    if (newState === stepIllegal) return false
    const depth = this.depth
    linearized[operation >>> 5] |= 1 << (operation & 31)
    const newHash = this.setHash ^ this.zobrist[operation]
    const max = depth === 0 ? operation : Math.max(this.stackMax[depth - 1], operation)
    this.lift(operation)
    this.flipIndefinite(operation)
    this.count_(operation, -1)
    const previousState = this.state
    this.state = newState
    const dead = this.isDead()
    this.state = previousState
    if (dead) {
      this.recordDeadEnd(operation, stateBeforeMove)
      this.count_(operation, 1)
      this.flipIndefinite(operation)
      this.unlift(operation)
      linearized[operation >>> 5] &= ~(1 << (operation & 31))
      return false
    }
    const done = this.definiteLeft === 1 - model.indefinite[operation]
    if (!done) {
      // The list starts with call entries: indefinite ones (never returning), then the lowest
      // definite operation not yet linearized.
      let low = next[head]
      while (low < count && model.indefinite[low] === 1) low = next[low]
      const key = (newHash ^ Math.imul(newState + 1, 0x9e3779b1)) | 0
      if (!this.cache.add(key, newState, low, linearized, low >>> 5, max >>> 5, this.indefiniteBits)) {
        this.count_(operation, 1)
        this.flipIndefinite(operation)
        this.unlift(operation)
        linearized[operation >>> 5] &= ~(1 << (operation & 31))
        return false
      }
      if (this.cache.words > cacheWordsMax) this.stopped = 'search space too large for memory'
    }
    this.stackOperation[depth] = operation
    this.stackState[depth] = this.state
    this.stackMax[depth] = max
    this.stackForced[depth] = forced ? 1 : 0
    this.stackSwept[depth] = 0
    this.definiteLeft -= 1 - model.indefinite[operation]
    this.depth = depth + 1
    this.state = newState
    this.setHash = newHash
    return true
  }

  /** Linearizes an unread blind write ahead of the operation that follows; not cached on its own. */
  private pushSwept(operation: number): void {
    const depth = this.depth
    this.linearized[operation >>> 5] |= 1 << (operation & 31)
    this.lift(operation)
    this.flipIndefinite(operation)
    this.stackOperation[depth] = operation
    this.stackState[depth] = this.state
    this.stackMax[depth] = depth === 0 ? operation : Math.max(this.stackMax[depth - 1], operation)
    this.stackForced[depth] = 0
    this.stackSwept[depth] = 1
    this.count_(operation, -1)
    this.definiteLeft -= 1 - this.model.indefinite[operation]
    this.setHash ^= this.zobrist[operation]
    this.slotsEnd[depth + 1] = this.slotsEnd[depth]
    this.depth = depth + 1
    this.state = stepKv(this.model, operation, this.state)
  }

  /** Undoes the last push; returns its operation. */
  private pop(): number {
    this.depth -= 1
    if (this.depth < this.stableDepth) this.stableDepth = this.depth
    const operation = this.stackOperation[this.depth]
    this.count_(operation, 1)
    this.definiteLeft += 1 - this.model.indefinite[operation]
    this.state = this.stackState[this.depth]
    this.setHash ^= this.zobrist[operation]
    this.linearized[operation >>> 5] &= ~(1 << (operation & 31))
    this.flipIndefinite(operation)
    this.unlift(operation)
    return operation
  }

  private flipIndefinite(operation: number): void {
    const ordinal = this.indefiniteOrdinal[operation]
    if (ordinal >= 0) this.indefiniteBits[ordinal >>> 5] ^= 1 << (ordinal & 31)
  }

  private lift(operation: number): void {
    const { next, prev } = this
    const ret = this.count + operation
    next[prev[operation]] = next[operation]
    prev[next[operation]] = prev[operation]
    next[prev[ret]] = next[ret]
    if (next[ret] !== -1) prev[next[ret]] = prev[ret]
  }

  private unlift(operation: number): void {
    const { next, prev } = this
    const ret = this.count + operation
    next[prev[ret]] = ret
    if (next[ret] !== -1) prev[next[ret]] = ret
    next[prev[operation]] = operation
    prev[next[operation]] = operation
  }

  /**
   * Keeps the current configuration as the witness if it is the deepest so far. `stuck` cannot go
   * next; with `stuckReturn` (its return entry) every other candidate before it is listed too.
   */
  private recordPeak(stuck: number, stuckReturn: number | null): void {
    const depth = this.depth
    if (depth <= this.peakDepth) return
    this.peakOrder.set(this.stackOperation.subarray(this.stableDepth, depth), this.stableDepth)
    this.peakDepth = depth
    this.stableDepth = depth
    this.peakState = this.state
    this.peakStuck = stuck
    this.peakCandidates = stuckReturn === null ? [stuck] : pendingBefore(stuckReturn, this.next, this.head, this.model.indefinite)
  }

  /** `operation` was just pushed (not yet on the stack) and made `lostValue` unreachable for a pending reader. */
  private recordDeadEnd(operation: number, lostValue: number): void {
    if (this.depth + 1 <= this.peakDepth) return
    const depth = this.depth
    this.stackOperation[depth] = operation
    this.depth = depth + 1
    const state = this.state
    this.state = stepKv(this.model, operation, state)
    const value = this.isOrphan(lostValue) && lostValue !== this.state ? lostValue : this.anyLostValue()
    this.recordPeak(this.firstNeeder(value), null)
    this.state = state
    this.depth = depth
    if (this.stableDepth > depth) this.stableDepth = depth
  }

  private anyLostValue(): number {
    let value = 0
    while (!this.isOrphan(value) || value === this.state) value += 1
    return value
  }

  /** The first operation in call order that still needs `value`. */
  private firstNeeder(value: number): number {
    const readers = this.readersOf[value]
    for (const reader of readers) {
      if (this.needsValue[reader] === value && (this.linearized[reader >>> 5] & (1 << (reader & 31))) === 0) return reader
    }
    throw new Error(`no pending operation needs value ${value}`)
  }

  private illegal(): SearchOutcome {
    const order = Array.from(this.peakOrder.subarray(0, Math.max(0, this.peakDepth)))
    return { result: 'illegal', steps: this.steps, peak: { order, state: this.peakState, stuck: this.peakStuck, candidates: this.peakCandidates } }
  }

  private tick(): void {
    this.steps += 1
    if (this.steps > this.budget.stepsMax) this.stopped = `search exceeded ${this.budget.stepsMax} steps`
    else if ((this.steps & (deadlineCheckEverySteps - 1)) === 0 && performance.now() > this.budget.deadlineMs) this.stopped = 'search ran out of time'
  }
}

/** Blind writes (put, delete) whose value no get returns and no cas expects. */
function unreadWrites(model: KeyModel, readersOf: Int32Array[]): Uint8Array {
  const unread = new Uint8Array(model.kind.length)
  for (let operation = 0; operation < model.kind.length; operation += 1) {
    const kind = model.kind[operation]
    if (kind !== kindPut && kind !== kindDelete) continue
    const value = kind === kindPut ? model.a[operation] : stateAbsent
    if (readersOf[value] === undefined || readersOf[value].length === 0) unread[operation] = 1
  }
  return unread
}

/** The first index of `sorted` holding a value >= `target`. */
function lowerBound(sorted: Int32Array, target: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (sorted[middle] < target) low = middle + 1
    else high = middle
  }
  return low
}

/** For each value id, the operations that need the key to hold it (gets, cas), in call order. */
function readersByValue(model: KeyModel): Int32Array[] {
  const lists: number[][] = []
  for (let operation = 0; operation < model.kind.length; operation += 1) {
    const needs = model.kind[operation] === kindGet || model.kind[operation] === kindCas
    if (!needs) continue
    const value = model.a[operation]
    ;(lists[value] ??= []).push(operation)
  }
  return lists.map((list) => (list === undefined ? list : Int32Array.from(list)))
}

/** Links entries in time order; at equal times calls come first (touching operations overlap). */
function linkSortedEntries(model: KeyModel, next: Int32Array, prev: Int32Array, rank: Int32Array): void {
  const count = model.kind.length
  const head = 2 * count
  const entries = new Int32Array(2 * count)
  for (let index = 0; index < 2 * count; index += 1) entries[index] = index
  const timeOf = (entry: number): number => (entry < count ? model.callNs[entry] : model.returnNs[entry - count])
  entries.sort((x, y) => {
    const tx = timeOf(x)
    const ty = timeOf(y)
    if (tx !== ty) return tx < ty ? -1 : 1
    const rx = x < count ? 0 : 1
    const ry = y < count ? 0 : 1
    if (rx !== ry) return rx - ry
    return (x % count) - (y % count)
  })
  let last = head
  for (let position = 0; position < entries.length; position += 1) {
    const entry = entries[position]
    rank[entry] = position
    next[last] = entry
    prev[entry] = last
    last = entry
  }
  next[last] = -1
  prev[head] = -1
}

/**
 * The set of configurations seen, as an open hash table over one flat arena, so remembering a
 * configuration allocates nothing. An entry is [next entry, hash, state, low, words, ...words],
 * where low is the lowest definite operation not yet linearized (all definite operations below it
 * are) and the words are the linearized bits from low's word up to the highest linearized
 * operation's word, followed by the bits of every indefinite operation (few, by construction).
 */
class ConfigurationCache {
  private arena: Int32Array
  private used = 1
  private buckets: Int32Array
  private entries = 0

  /** Sized for about one configuration per operation (the common case); grows when needed. */
  constructor(operations: number, wordsPerEntry: number) {
    this.arena = new Int32Array(Math.max(256, operations * (6 + wordsPerEntry)))
    let buckets = 64
    while (buckets < operations * 2) buckets *= 2
    this.buckets = new Int32Array(buckets)
  }

  /** Arena words in use; the search stops when this passes cacheWordsMax. */
  get words(): number {
    return this.used
  }

  /** Adds the configuration; false when it was already there. */
  add(hash: number, state: number, low: number, linearized: Uint32Array, lowWord: number, highWord: number, indefiniteBits: Uint32Array): boolean {
    const sliceWords = Math.max(0, highWord - lowWord + 1)
    const words = sliceWords + indefiniteBits.length
    const arena = this.arena
    for (let entry = this.buckets[hash & (this.buckets.length - 1)]; entry !== 0; entry = arena[entry]) {
      if (arena[entry + 1] !== hash || arena[entry + 2] !== state || arena[entry + 3] !== low || arena[entry + 4] !== words) continue
      let same = true
      const base = entry + 5
      for (let word = 0; word < sliceWords && same; word += 1) same = arena[base + word] === (linearized[lowWord + word] | 0)
      for (let word = 0; word < indefiniteBits.length && same; word += 1) same = arena[base + sliceWords + word] === (indefiniteBits[word] | 0)
      if (same) return false
    }
    if (this.used + 5 + words > this.arena.length) this.growArena(5 + words)
    if (this.entries >= this.buckets.length * 0.75) this.rehash()
    const entry = this.used
    const target = this.arena
    const bucket = hash & (this.buckets.length - 1)
    target[entry] = this.buckets[bucket]
    target[entry + 1] = hash
    target[entry + 2] = state
    target[entry + 3] = low
    target[entry + 4] = words
    for (let word = 0; word < sliceWords; word += 1) target[entry + 5 + word] = linearized[lowWord + word]
    for (let word = 0; word < indefiniteBits.length; word += 1) target[entry + 5 + sliceWords + word] = indefiniteBits[word]
    this.buckets[bucket] = entry
    this.used += 5 + words
    this.entries += 1
    return true
  }

  private growArena(needed: number): void {
    const grown = new Int32Array(Math.max(this.arena.length * 2, this.used + needed))
    grown.set(this.arena.subarray(0, this.used))
    this.arena = grown
  }

  private rehash(): void {
    const buckets = new Int32Array(this.buckets.length * 2)
    const arena = this.arena
    for (let entry = 1; entry < this.used; entry += 5 + arena[entry + 4]) {
      const bucket = arena[entry + 1] & (buckets.length - 1)
      arena[entry] = buckets[bucket]
      buckets[bucket] = entry
    }
    this.buckets = buckets
  }
}

/** The stuck operation, then the other unplaced definite operations invoked before its return entry. */
function pendingBefore(stuckReturn: number, next: Int32Array, head: number, indefinite: Uint8Array): number[] {
  const count = indefinite.length
  const stuck = stuckReturn - count
  const candidates: number[] = [stuck]
  for (let entry = next[head]; entry !== -1 && entry !== stuckReturn; entry = next[entry]) {
    if (candidates.length > stuckCandidatesMax) break
    if (entry < count && entry !== stuck && indefinite[entry] === 0) candidates.push(entry)
  }
  return candidates
}

/** Per-operation random words for an incrementally maintained hash of the linearized set. */
function zobristKeys(count: number): Int32Array {
  const keys = new Int32Array(count)
  for (let index = 0; index < count; index += 1) {
    let h = Math.imul(index + 1, 0x9e3779b9) ^ 0x5bd1e995
    h ^= h >>> 16
    h = Math.imul(h, 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
    keys[index] = h
  }
  return keys
}
