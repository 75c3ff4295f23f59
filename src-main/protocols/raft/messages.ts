import { assertNever } from '../types.js'
import { checkCommand } from '../common/command-check.js'
import type { Command, NodeId, RequestTag } from '../types.js'
import { checkConfig } from './config.js'
import type { RaftConfig } from './config.js'

/**
 * Raft's messages, persisted records and log entries. All plain data: they cross the wire as msgpack
 * and the WAL as records, and the simulator passes them by reference, so nobody may mutate one after
 * it is handed out (entries are shared between the log, messages and persist records).
 *
 * The sender is never inside a message: the driver supplies it as the input's `from`.
 */

/**
 * One slot of the replicated log. Real entries start at index 1; index 0 is the empty base of term 0.
 * A configuration entry (thesis §4.1) has `config`, the whole configuration after its change, and a
 * noop command, so state machines skip it like a leader's noop.
 */
export interface LogEntry {
  term: number
  command: Command
  tag?: RequestTag
  config?: RaftConfig
}

/**
 * What must be durable before anything of the same Ready leaves the node. Recovery folds the records
 * in order:
 *   hardState: the current term and the vote cast in it (Raft Figure 2 "persistent state").
 *   entries:   drop every entry at index >= fromIndex, then append `entries` (a leader's append is
 *              fromIndex = lastIndex + 1 with nothing to drop; a follower's conflict repair drops).
 *   snapshot:  the state machine through `index` (Raft §7): if the log holds `index` with `term`,
 *              drop the entries through it and keep the rest; otherwise discard the whole log. Either
 *              way the log's base becomes (index, term). The core always follows it, in the same
 *              Ready, with a hardState record and entries records rewriting the log after `index`:
 *              once those are durable, every record before the snapshot is obsolete and a driver may
 *              drop it (WAL segments). Until then the older records still hold the same log.
 */
export type RaftPersist =
  | { kind: 'hardState'; term: number; votedFor: NodeId | null }
  | { kind: 'entries'; fromIndex: number; entries: LogEntry[] }
  | ({ kind: 'snapshot' } & RaftSnapshot)

/**
 * A state machine snapshot: opaque bytes from the driver's state machine, taken after applying
 * `index` (whose term was `term`). `members` (the voters) and `learners` are the configuration in
 * force at `index` (the latest configuration entry at or below it): the log that held that entry is
 * gone, so the snapshot carries it. `learners` is absent in records written before membership
 * changes existed (none then).
 */
export interface RaftSnapshot {
  index: number
  term: number
  members: NodeId[]
  learners?: NodeId[]
  data: Uint8Array
}

/** Raft §5.2: a candidate asks for a vote; `transfer` is set when a TimeoutNow started the election (§3.10). */
export interface RequestVote {
  type: 'RequestVote'
  term: number
  lastLogIndex: number
  lastLogTerm: number
  /** A leadership transfer: voters skip the leader-lease check that otherwise ignores the request. */
  transfer: boolean
}

export interface RequestVoteResponse {
  type: 'RequestVoteResponse'
  term: number
  voteGranted: boolean
}

/**
 * Thesis §9.6: "would you vote for me at `term`?" asked without changing anyone's term. `term` is the
 * sender's current term + 1, the term it would campaign in.
 */
export interface PreVote {
  type: 'PreVote'
  term: number
  lastLogIndex: number
  lastLogTerm: number
}

/** `term` is the requested term when granted (so it does not bump the asker), else the responder's term. */
export interface PreVoteResponse {
  type: 'PreVoteResponse'
  term: number
  voteGranted: boolean
}

/** Raft §5.3; an AppendEntries without entries is a heartbeat. */
export interface AppendEntries {
  type: 'AppendEntries'
  term: number
  prevLogIndex: number
  prevLogTerm: number
  entries: LogEntry[]
  leaderCommit: number
  /** The leader's latest ReadIndex round when this was sent; the response echoes it (§6.4). */
  readSeq: number
}

/**
 * Success: the follower's log matches the leader's through `matchIndex` (prevLogIndex + entries).
 * Failure: the AppendEntries at `rejectedIndex` (its prevLogIndex) did not match. The hint
 * (`conflictTerm`, `conflictIndex`) lets the leader skip a whole term per round trip (§5.3 end):
 *   conflictTerm > 0: the follower holds conflictTerm at rejectedIndex, first stored at conflictIndex;
 *   conflictTerm = 0: the follower's log is shorter; conflictIndex is its lastIndex + 1.
 * A failure with rejectedIndex 0 answers a request of an older term: it carries only the responder's
 * term (a real rejection is always at index >= 1, as index 0 always matches).
 * Fields that do not apply are 0.
 */
export interface AppendEntriesResponse {
  type: 'AppendEntriesResponse'
  term: number
  success: boolean
  matchIndex: number
  rejectedIndex: number
  conflictIndex: number
  conflictTerm: number
  readSeq: number
}

/**
 * Raft §7: one chunk of the leader's snapshot, `data` being bytes [offset, offset + data.length) of
 * totalBytes. The follower installs the snapshot only once the last chunk arrives.
 */
export interface InstallSnapshot {
  type: 'InstallSnapshot'
  term: number
  snapshotIndex: number
  snapshotTerm: number
  /** The configuration at snapshotIndex: voters and learners. */
  members: NodeId[]
  learners: NodeId[]
  offset: number
  totalBytes: number
  data: Uint8Array
  readSeq: number
}

/**
 * A snapshotIndex of 0 answers a request of an older term (only its term means anything).
 * `receivedBytes`: how much of the snapshot at snapshotIndex the follower holds in a row (the next
 * chunk it wants starts there); `done`: it has installed it, or already had everything through it.
 */
export interface InstallSnapshotResponse {
  type: 'InstallSnapshotResponse'
  term: number
  snapshotIndex: number
  /** The offset of the chunk this answers: the leader acts only on the answer to its latest chunk. */
  offset: number
  receivedBytes: number
  done: boolean
  readSeq: number
}

/** Leadership transfer (thesis §3.10): the leader tells a caught-up follower to start an election now. */
export interface TimeoutNow {
  type: 'TimeoutNow'
  term: number
}

export type RaftMessage =
  | RequestVote
  | RequestVoteResponse
  | PreVote
  | PreVoteResponse
  | AppendEntries
  | AppendEntriesResponse
  | TimeoutNow
  | InstallSnapshot
  | InstallSnapshotResponse

export type RaftMessageType = RaftMessage['type']

export const raftMessageTypes: readonly RaftMessageType[] = [
  'RequestVote',
  'RequestVoteResponse',
  'PreVote',
  'PreVoteResponse',
  'AppendEntries',
  'AppendEntriesResponse',
  'TimeoutNow',
  'InstallSnapshot',
  'InstallSnapshotResponse',
]

export type MessageCheck = { ok: true; message: RaftMessage } | { ok: false; error: string }

/**
 * Shape check for a decoded frame, for the driver to run before `step` (a malformed frame must never
 * reach the core: the core asserts on impossible values and would stop the process).
 */
export function checkRaftMessage(value: unknown): MessageCheck {
  if (!isRecord(value)) return fail('message is not an object')
  const type = value.type
  if (typeof type !== 'string' || !(raftMessageTypes as readonly string[]).includes(type)) {
    return fail(`unknown message type ${JSON.stringify(type)}`)
  }
  const error = checkFields(type as RaftMessageType, value)
  return error === null ? { ok: true, message: value as unknown as RaftMessage } : fail(`${type}: ${error}`)
}

function checkFields(type: RaftMessageType, value: Record<string, unknown>): string | null {
  const counts = (...names: string[]): string | null => {
    for (const name of names) if (!isCount(value[name])) return `${name} must be a non-negative integer`
    return null
  }
  const flags = (...names: string[]): string | null => {
    for (const name of names) if (typeof value[name] !== 'boolean') return `${name} must be a boolean`
    return null
  }
  switch (type) {
    case 'RequestVote':
      return counts('term', 'lastLogIndex', 'lastLogTerm') ?? flags('transfer')
    case 'PreVote':
      return counts('term', 'lastLogIndex', 'lastLogTerm')
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return counts('term') ?? flags('voteGranted')
    case 'AppendEntries':
      return counts('term', 'prevLogIndex', 'prevLogTerm', 'leaderCommit', 'readSeq') ?? checkEntries(value.entries)
    case 'AppendEntriesResponse':
      return (
        counts('term', 'matchIndex', 'rejectedIndex', 'conflictIndex', 'conflictTerm', 'readSeq') ?? flags('success')
      )
    case 'TimeoutNow':
      return counts('term')
    case 'InstallSnapshot':
      return counts('term', 'snapshotIndex', 'snapshotTerm', 'offset', 'totalBytes', 'readSeq') ?? checkMembers(value.members) ?? checkMembers(value.learners) ??
        (value.data instanceof Uint8Array ? null : 'data must be bytes')
    case 'InstallSnapshotResponse':
      return counts('term', 'snapshotIndex', 'offset', 'receivedBytes', 'readSeq') ?? flags('done')
    default:
      return assertNever(type, 'raft message type')
  }
}

function checkEntries(entries: unknown): string | null {
  if (!Array.isArray(entries)) return 'entries must be an array'
  for (let position = 0; position < entries.length; position += 1) {
    const entry: unknown = entries[position]
    if (!isRecord(entry) || !isCount(entry.term)) return `entries[${position}].term must be a non-negative integer`
    const error = checkCommand(entry.command) ?? checkTag(entry.tag) ?? checkEntryConfig(entry)
    if (error !== null) return `entries[${position}]: ${error}`
  }
  return null
}

function checkEntryConfig(entry: Record<string, unknown>): string | null {
  if (entry.config === undefined) return null
  if (!isRecord(entry.command) || entry.command.op !== 'noop') return 'a configuration entry must carry a noop command'
  return checkConfig(entry.config)
}

function checkMembers(members: unknown): string | null {
  if (!Array.isArray(members) || !members.every((member) => typeof member === 'string')) return 'members must be an array of node ids'
  return null
}

function checkTag(tag: unknown): string | null {
  if (tag === undefined) return null
  if (!isRecord(tag) || typeof tag.clientId !== 'string' || !isCount(tag.seq)) return 'tag must be {clientId, seq}'
  return null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function fail(error: string): MessageCheck {
  return { ok: false, error }
}
