import { encodedBytesMax } from '../common/wire-budget.js'
import type { RaftLog } from './log.js'
import type { AppendEntriesResponse, LogEntry, RaftMessage } from './messages.js'

/** A majority of `memberCount` nodes. */
export function quorumOf(memberCount: number): number {
  return Math.floor(memberCount / 2) + 1
}

/**
 * The largest value that at least `quorum` of `values` reach (the quorum-th largest). Used for the
 * commit index (over match indexes) and for ReadIndex rounds (over acknowledged read sequences).
 * Sorts its argument in place; callers pass a fresh, small array (one slot per member).
 */
export function quorumValue(values: number[], quorum: number): number {
  if (quorum < 1 || quorum > values.length) throw new Error(`quorum ${quorum} of ${values.length} values`)
  values.sort((a, b) => b - a)
  return values[quorum - 1]
}

export interface ConflictHint {
  conflictIndex: number
  conflictTerm: number
}

/**
 * What a follower tells the leader when prevLogIndex does not match (Raft §5.3, last paragraphs;
 * the form used by most implementations): the term it holds there and where that term starts, or
 * its log length when prevLogIndex is past its end. The leader can then skip a whole term at once.
 */
export function conflictHint(log: RaftLog, prevLogIndex: number): ConflictHint {
  if (prevLogIndex > log.lastIndex) return { conflictIndex: log.lastIndex + 1, conflictTerm: 0 }
  if (prevLogIndex <= log.baseIndex) throw new Error(`conflict hint at index ${prevLogIndex}: the base ${log.baseIndex} always matches`)
  const conflictTerm = log.term(prevLogIndex)
  return { conflictIndex: log.firstIndexWithTermAtLeast(conflictTerm), conflictTerm }
}

/**
 * The leader's next probe after a rejection: if the leader also has entries of the follower's
 * conflicting term, the logs may agree through the leader's last entry of that term; otherwise
 * the whole conflicting term is skipped. Clamped so the probe moves back (below the rejected
 * prefix) but never into the prefix already known to match.
 */
export function nextIndexAfterRejection(log: RaftLog, matchIndex: number, response: AppendEntriesResponse): number {
  let nextIndex = response.conflictIndex
  if (response.conflictTerm > 0) {
    const leaderLast = log.lastIndexOfTerm(response.conflictTerm)
    if (leaderLast > 0) nextIndex = leaderLast + 1
  }
  const low = matchIndex + 1
  const high = response.rejectedIndex
  if (high < low) {
    throw new Error(`rejection at ${response.rejectedIndex} of a prefix already matched through ${matchIndex}`)
  }
  return Math.min(high, Math.max(low, nextIndex))
}

/**
 * An upper bound on an entry's encoded size. Entries are immutable and shared (log, messages,
 * records), so the size is computed once per entry object.
 */
const entryBytesMemo = new WeakMap<LogEntry, number>()

export function entryBytes(entry: LogEntry): number {
  let bytes = entryBytesMemo.get(entry)
  if (bytes === undefined) {
    bytes = encodedBytesMax(entry)
    entryBytesMemo.set(entry, bytes)
  }
  return bytes
}

/** An upper bound on a message's encoded size; an AppendEntries reuses its entries' memoized sizes. */
export function raftMessageBytes(message: RaftMessage): number {
  if (message.type !== 'AppendEntries' || message.entries.length === 0) return encodedBytesMax(message)
  let bytes = encodedBytesMax({ ...message, entries: [] })
  for (const entry of message.entries) bytes += entryBytes(entry)
  return bytes
}

/**
 * The entries one AppendEntries from `fromIndex` carries: at most `entriesMax` of them and at most
 * `bytesMax` bytes (etcd's MaxSizePerMsg), but always at least one, so progress never stops.
 */
export function appendRange(log: RaftLog, fromIndex: number, entriesMax: number, bytesMax: number): { toIndex: number; bytes: number } {
  const lastIndex = Math.min(log.lastIndex, fromIndex + entriesMax - 1)
  if (fromIndex > lastIndex) throw new Error(`append range from ${fromIndex} past the last index ${log.lastIndex}`)
  let bytes = entryBytes(log.entry(fromIndex))
  let toIndex = fromIndex
  while (toIndex < lastIndex) {
    const next = entryBytes(log.entry(toIndex + 1))
    if (bytes + next > bytesMax) break
    bytes += next
    toIndex += 1
  }
  return { toIndex, bytes }
}
