import { assertNever } from '../types.js'
import type { NodeId } from '../types.js'
import type { LogEntry, RaftPersist } from './messages.js'

/** Index 0: an empty entry of term 0, so "prevLogIndex = 0" always matches (Raft Figure 2). */
const sentinel: LogEntry = Object.freeze({ term: 0, command: Object.freeze({ op: 'noop' as const }) })

/**
 * The in-memory log. Slot i of the array is index i, so a term lookup is O(1); appending pushes,
 * truncating shortens the array in place: nothing copies the whole log.
 *
 * Invariant (asserted on every append): terms never decrease along the log. Every leader appends only
 * entries of its own term after entries of earlier terms, and followers only copy a leader's log,
 * so a decrease means corruption. It also lets the term searches below be binary searches.
 */
export class RaftLog {
  private readonly entries: LogEntry[] = [sentinel]

  get lastIndex(): number {
    return this.entries.length - 1
  }

  get lastTerm(): number {
    return this.entries[this.entries.length - 1].term
  }

  term(index: number): number {
    return this.entry(index).term
  }

  entry(index: number): LogEntry {
    if (!Number.isInteger(index) || index < 0 || index > this.lastIndex) {
      throw new Error(`raft log: index ${index} outside [0, ${this.lastIndex}]`)
    }
    return this.entries[index]
  }

  /** Entries [fromIndex, toIndex], both inclusive; O(toIndex - fromIndex). */
  slice(fromIndex: number, toIndex: number): LogEntry[] {
    if (fromIndex < 1 || toIndex > this.lastIndex || fromIndex > toIndex + 1) {
      throw new Error(`raft log: slice [${fromIndex}, ${toIndex}] outside [1, ${this.lastIndex}]`)
    }
    return this.entries.slice(fromIndex, toIndex + 1)
  }

  append(entries: readonly LogEntry[]): void {
    let previousTerm = this.lastTerm
    for (const entry of entries) {
      if (entry.term < previousTerm) {
        throw new Error(
          `raft log: appending term ${entry.term} after term ${previousTerm} at index ${this.entries.length}`,
        )
      }
      previousTerm = entry.term
      this.entries.push(entry)
    }
  }

  /** Drops every entry at index >= fromIndex. The sentinel can never be dropped. */
  truncateFrom(fromIndex: number): void {
    if (!Number.isInteger(fromIndex) || fromIndex < 1 || fromIndex > this.lastIndex + 1) {
      throw new Error(`raft log: truncate from ${fromIndex} outside [1, ${this.lastIndex + 1}]`)
    }
    this.entries.length = fromIndex
  }

  /** Smallest index >= 1 whose term is >= `term`, or lastIndex + 1 if none (binary search). */
  firstIndexWithTermAtLeast(term: number): number {
    let low = 1
    let high = this.lastIndex + 1
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.entries[middle].term >= term) high = middle
      else low = middle + 1
    }
    return low
  }

  /** Largest index holding exactly `term`, or 0 if the log has no entry of that term. */
  lastIndexOfTerm(term: number): number {
    const after = this.firstIndexWithTermAtLeast(term + 1)
    const candidate = after - 1
    return candidate >= 1 && this.entries[candidate].term === term ? candidate : 0
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
}

/** Folds persisted records, oldest first, back into the durable state (term, vote, log). */
export function recoverState(records: readonly RaftPersist[]): RecoveredState {
  const log = new RaftLog()
  let term = 0
  let votedFor: NodeId | null = null
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
        if (record.fromIndex < 1 || record.fromIndex > log.lastIndex + 1) {
          throw new Error(
            `raft recovery: record ${position} writes from index ${record.fromIndex} but the log ends at ${log.lastIndex}`,
          )
        }
        log.truncateFrom(record.fromIndex)
        log.append(record.entries)
        break
      default:
        assertNever(record, `raft persist record ${position}`)
    }
  }
  if (log.lastTerm > term) {
    throw new Error(`raft recovery: the log holds term ${log.lastTerm} but the persisted term is ${term}`)
  }
  return { term, votedFor, log }
}
