/**
 * ParallelRaft's messages, persisted records and log slots. Plain data: they cross the wire as
 * msgpack and the WAL as records, and the simulator passes them by reference, so nobody mutates
 * one after it is handed out. The sender is never inside a message: the driver supplies `from`.
 */
import { checkCommand, checkRequestTag } from '../common/command-check.js'
import type { Command, NodeId, RequestTag } from '../types.js'
import type { TouchedKeys } from './keys.js'
import { checkChains, type Packed } from './packing.js'

/**
 * One log entry as the leader of `term` first proposed it. `behind[k]` is what entry index - 1 - k
 * touched in that leader's log (the look-behind buffer, PolarFS §4.1): with it a node that misses
 * those entries still knows whether this one may overtake them.
 */
export interface Entry {
  index: number
  /** The term of the leader that first proposed it: part of its identity, never rewritten. */
  term: number
  command: Command
  tag?: RequestTag
  behind: TouchedKeys[]
}

/**
 * An entry as a node holds it: `ballot` is the term of the leader whose append the node accepted it
 * from. A merge picks, per index, the entry of the highest ballot (Paxos phase 1): the one value a
 * quorum may have accepted in the latest term that reached it.
 */
export interface Slot extends Entry {
  ballot: number
}

/**
 * Recovery folds the records in order: the last `state` wins, a later slot replaces an earlier one
 * at its index. Slots are packed (packing.ts): a buffer that repeats the slot before it is chained.
 */
export type ParallelRaftPersist =
  | { kind: 'state'; term: number; votedFor: NodeId | null }
  | { kind: 'slots'; slots: Packed<Slot>[] }

/** A candidate asks for a vote and for every entry it may lack: those at `fromIndex` and above. */
export interface RequestVote {
  type: 'RequestVote'
  term: number
  fromIndex: number
}

/** A granted vote carries the voter's slots from the candidate's `fromIndex` on (the merge stage's input). */
export interface Vote {
  type: 'Vote'
  term: number
  granted: boolean
  slots: Slot[]
}

/**
 * The leader's append, also its heartbeat. Entries are accepted with ballot `term`. `commitIndex`:
 * every index up to it is committed; `committed`: committed indexes above it (at most the
 * look-behind window). `round` numbers the leader's broadcasts, so a read can wait for a quorum that
 * heard it after the read arrived.
 */
export interface Append {
  type: 'Append'
  term: number
  /** Packed (packing.ts): an entry right after its predecessor carries its buffer as `chained`. */
  entries: Packed<Entry>[]
  commitIndex: number
  committed: number[]
  round: number
}

/** A follower's answer: the indexes it made durable with this term's ballot, and how far it knows everything committed. */
export interface AppendAck {
  type: 'AppendAck'
  term: number
  /** False when the follower's term is higher (the sender is a deposed leader). */
  success: boolean
  acked: number[]
  commitIndex: number
  round: number
}

export type ParallelRaftMessage = RequestVote | Vote | Append | AppendAck

/** Shape check of a decoded peer message (a replica runs it before the core sees the message). */
export function checkParallelRaftMessage(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'message must be an object'
  const fields = value as Record<string, unknown>
  if (!isCount(fields.term)) return 'message.term must be a non-negative integer'
  switch (fields.type) {
    case 'RequestVote':
      return isCount(fields.fromIndex) ? null : 'RequestVote.fromIndex must be a non-negative integer'
    case 'Vote':
      if (typeof fields.granted !== 'boolean') return 'Vote.granted must be a boolean'
      return checkList(fields.slots, checkSlot)
    case 'Append':
      if (!isCount(fields.commitIndex) || !isCount(fields.round)) return 'Append.commitIndex and round must be non-negative integers'
      if (!Array.isArray(fields.committed) || !fields.committed.every(isCount)) return 'Append.committed must be a list of indexes'
      return checkList(fields.entries, checkPackedEntry) ?? checkChains(fields.entries as { index: number; chained?: number }[])
    case 'AppendAck':
      if (typeof fields.success !== 'boolean' || !isCount(fields.commitIndex) || !isCount(fields.round)) return 'AppendAck has a bad success, commitIndex or round'
      return Array.isArray(fields.acked) && fields.acked.every(isCount) ? null : 'AppendAck.acked must be a list of indexes'
    default:
      return `unknown message type ${JSON.stringify(fields.type)}`
  }
}

function checkList(list: unknown, check: (item: unknown) => string | null): string | null {
  if (!Array.isArray(list)) return 'expected a list'
  for (const item of list) {
    const error = check(item)
    if (error !== null) return error
  }
  return null
}

function checkEntry(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'entry must be an object'
  const fields = value as Record<string, unknown>
  if (!isCount(fields.index) || fields.index === 0 || !isCount(fields.term)) return 'entry.index and term must be positive integers'
  if (!Array.isArray(fields.behind) || !fields.behind.every(isTouchedKeys)) return 'entry.behind must be a list of key lists or "all"'
  return checkCommand(fields.command) ?? checkRequestTag(fields.tag)
}

function checkPackedEntry(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'entry must be an object'
  const fields = value as Record<string, unknown>
  if (fields.chained === undefined) return checkEntry(value)
  if (fields.behind !== undefined) return 'entry has both behind and chained'
  if (!isCount(fields.chained) || fields.chained === 0) return 'entry.chained must be a positive integer'
  return checkEntry({ ...fields, behind: [] })
}

function checkSlot(value: unknown): string | null {
  const error = checkEntry(value)
  if (error !== null) return error
  return isCount((value as Record<string, unknown>).ballot) ? null : 'slot.ballot must be a non-negative integer'
}

function isTouchedKeys(value: unknown): boolean {
  return value === 'all' || (Array.isArray(value) && value.every((key) => typeof key === 'string'))
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0
}
