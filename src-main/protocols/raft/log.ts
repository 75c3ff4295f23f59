import { assertNever } from '../types.js'
import type { NodeId } from '../types.js'
import type { LogEntry, RaftPersist, RaftSnapshot } from './messages.js'

/**
 * The in-memory log above its base. Without a snapshot the base is index 0, term 0 (so
 * "prevLogIndex = 0" always matches, Raft Figure 2); after one it is the snapshot's last included
 * index and term (§7): entries at or below it are gone, only their last term is kept, which is all
 * the consistency check at the base needs. Slot k of the array is index baseIndex + 1 + k, so a term
 * lookup is O(1); appending pushes, truncating shortens the array in place.
 *
 * Invariant (asserted on every append): terms never decrease along the log. Every leader appends only
 * entries of its own term after entries of earlier terms, and followers only copy a leader's log,
 * so a decrease means corruption. It also lets the term searches below be binary searches.
 */
export class RaftLog {
  private entries: LogEntry[] = []
  private base = 0
  private baseTermValue = 0

  /** The last index a snapshot covers (0 without one): entries through it are compacted away. */
  get baseIndex(): number {
    return this.base
  }

  get baseTerm(): number {
    return this.baseTermValue
  }

  get lastIndex(): number {
    return this.base + this.entries.length
  }

  get lastTerm(): number {
    return this.entries.length === 0 ? this.baseTermValue : this.entries[this.entries.length - 1].term
  }

  /** The term at `index`, for baseIndex <= index <= lastIndex. */
  term(index: number): number {
    if (index === this.base) return this.baseTermValue
    return this.entry(index).term
  }

  /** The entry at `index`, for baseIndex < index <= lastIndex. */
  entry(index: number): LogEntry {
    if (!Number.isInteger(index) || index <= this.base || index > this.lastIndex) {
      const why = index <= this.base && index >= 0 ? ' (compacted into the snapshot)' : ''
      throw new Error(`raft log: index ${index} outside [${this.base + 1}, ${this.lastIndex}]${why}`)
    }
    return this.entries[index - this.base - 1]
  }

  /** Entries [fromIndex, toIndex], both inclusive; O(toIndex - fromIndex). */
  slice(fromIndex: number, toIndex: number): LogEntry[] {
    if (fromIndex <= this.base || toIndex > this.lastIndex || fromIndex > toIndex + 1) {
      throw new Error(`raft log: slice [${fromIndex}, ${toIndex}] outside [${this.base + 1}, ${this.lastIndex}]`)
    }
    return this.entries.slice(fromIndex - this.base - 1, toIndex - this.base)
  }

  append(entries: readonly LogEntry[]): void {
    let previousTerm = this.lastTerm
    for (const entry of entries) {
      if (entry.term < previousTerm) {
        throw new Error(
          `raft log: appending term ${entry.term} after term ${previousTerm} at index ${this.lastIndex + 1}`,
        )
      }
      previousTerm = entry.term
      this.entries.push(entry)
    }
  }

  /** Drops every entry at index >= fromIndex. The base can never be dropped. */
  truncateFrom(fromIndex: number): void {
    if (!Number.isInteger(fromIndex) || fromIndex <= this.base || fromIndex > this.lastIndex + 1) {
      throw new Error(`raft log: truncate from ${fromIndex} outside [${this.base + 1}, ${this.lastIndex + 1}]`)
    }
    this.entries.length = fromIndex - this.base - 1
  }

  /** A snapshot now covers everything through `index`: drop those entries, keep the rest (§7). */
  compactThrough(index: number): void {
    if (!Number.isInteger(index) || index <= this.base || index > this.lastIndex) {
      throw new Error(`raft log: compact through ${index} outside [${this.base + 1}, ${this.lastIndex}]`)
    }
    this.baseTermValue = this.term(index)
    this.entries = this.entries.slice(index - this.base)
    this.base = index
  }

  /** Discards the whole log: a snapshot through (index, term) that this log does not contain replaces it (§7). */
  resetTo(index: number, term: number): void {
    if (!Number.isInteger(index) || index < this.base) throw new Error(`raft log: reset to ${index}, below the base ${this.base}`)
    this.entries = []
    this.base = index
    this.baseTermValue = term
  }

  /** Whether the log holds (or its base is) index `index` with term `term`. */
  matches(index: number, term: number): boolean {
    return index >= this.base && index <= this.lastIndex && this.term(index) === term
  }

  /** Smallest index above the base whose term is >= `term`, or lastIndex + 1 if none (binary search). */
  firstIndexWithTermAtLeast(term: number): number {
    let low = this.base + 1
    let high = this.lastIndex + 1
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.entry(middle).term >= term) high = middle
      else low = middle + 1
    }
    return low
  }

  /** Largest index above the base holding exactly `term`, or 0 if the log has no such entry. */
  lastIndexOfTerm(term: number): number {
    const after = this.firstIndexWithTermAtLeast(term + 1)
    const candidate = after - 1
    return candidate > this.base && this.entry(candidate).term === term ? candidate : 0
  }

  /** Raft §5.4.1: is a log ending at (lastLogIndex, lastLogTerm) at least as up-to-date as this one? */
  isUpToDate(lastLogIndex: number, lastLogTerm: number): boolean {
    if (lastLogTerm !== this.lastTerm) return lastLogTerm > this.lastTerm
    return lastLogIndex >= this.lastIndex
  }
}

export interface RecoveredState {
  term: number
  votedFor: NodeId | null
  log: RaftLog
  /** The latest snapshot among the records: the driver restores its state machine from it. */
  snapshot: RaftSnapshot | undefined
}

/** Folds persisted records, oldest first, back into the durable state (term, vote, log). */
export function recoverState(records: readonly RaftPersist[]): RecoveredState {
  const log = new RaftLog()
  let term = 0
  let votedFor: NodeId | null = null
  let snapshot: RaftSnapshot | undefined
  for (const [position, record] of records.entries()) {
    switch (record.kind) {
      case 'hardState':
        if (record.term < term) {
          throw new Error(`raft recovery: record ${position} lowers the term from ${term} to ${record.term}`)
        }
        term = record.term
        votedFor = record.votedFor
        break
      case 'entries':
        if (record.fromIndex <= log.baseIndex || record.fromIndex > log.lastIndex + 1) {
          throw new Error(
            `raft recovery: record ${position} writes from index ${record.fromIndex} but the log ends at ${log.lastIndex}` +
              (log.baseIndex > 0 ? `, compacted through ${log.baseIndex}` : ''),
          )
        }
        log.truncateFrom(record.fromIndex)
        log.append(record.entries)
        break
      case 'snapshot':
        if (record.index <= log.baseIndex) {
          throw new Error(`raft recovery: record ${position} is a snapshot through ${record.index}, not past the one through ${log.baseIndex}`)
        }
        installIntoLog(log, record.index, record.term)
        snapshot = { index: record.index, term: record.term, members: record.members, data: record.data }
        if (record.learners !== undefined) snapshot.learners = record.learners
        break
      default:
        assertNever(record, `raft persist record ${position}`)
    }
  }
  if (log.lastTerm > term) {
    throw new Error(`raft recovery: the log holds term ${log.lastTerm} but the persisted term is ${term}`)
  }
  return { term, votedFor, log, snapshot }
}

/**
 * Raft §7 (Figure 13, steps 6 and 7), the one rule both a running node and recovery follow: a log
 * that holds the snapshot's last entry keeps what follows it; any other log is discarded.
 * Returns whether the suffix was kept.
 */
export function installIntoLog(log: RaftLog, index: number, term: number): boolean {
  if (index <= log.lastIndex && log.matches(index, term)) {
    log.compactThrough(index)
    return true
  }
  log.resetTo(index, term)
  return false
}
