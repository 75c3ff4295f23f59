/**
 * The contract between a pure protocol core and whatever drives it: the replica process
 * (real sockets, real disk, real timers) or the seeded simulator (virtual everything).
 *
 * A core does no I/O and owns no clock or randomness: time arrives as ticks, randomness as an
 * injected seeded generator. Feeding the same inputs to a core built from the same seed always
 * yields the same outputs.
 */

export type NodeId = string

/** What a client asks the replicated state machine to do. */
export type Command =
  /** `lease`: the key is deleted when that lease is revoked or expires (etcd style). */
  | { op: 'put'; key: string; value: string; lease?: string }
  | { op: 'delete'; key: string }
  | { op: 'cas'; key: string; expected: string | null; value: string }
  | { op: 'get'; key: string }
  | { op: 'range'; prefix: string }
  /** A lease with a time-to-live; keys attached to it live as long as it does. */
  | { op: 'lease-grant'; lease: string; ttlMs: number }
  | { op: 'lease-keepalive'; lease: string }
  /** Ends a lease and deletes its keys; `expired` when the leader decided its TTL ran out. */
  | { op: 'lease-revoke'; lease: string; expired?: boolean }
  /** Appended by a new Raft leader so it can commit entries of earlier terms (Raft §5.4.2, §8). */
  | { op: 'noop' }

/** Who issued a command; a driver uses it to route the result back to the waiting client. */
export interface RequestTag {
  clientId: string
  seq: number
}

export interface ProposedCommand {
  command: Command
  tag?: RequestTag
}

/** The answer a state machine gives for one applied command. */
export type CommandResult =
  | { ok: true; value?: string | null; entries?: [string, string][]; revision?: number }
  | { ok: false; error: 'cas-mismatch'; value: string | null }
  /** A command the state machine refuses (an unknown lease): it changed nothing. */
  | { ok: false; error: 'invalid'; message: string }

/** A committed command handed to the state machine, in order. */
export interface AppliedEntry {
  /** MultiRaft: the group whose log this entry is in (each group has its own index sequence). */
  group?: number
  index: number
  term: number
  command: Command
  tag?: RequestTag
  /** PBFT: the sequence number of the batch that carried it (for the trace: its slot). */
  seq?: number
}

/** A read that the core has confirmed linearizable; the driver serves it from its state machine now. */
export interface ReadyRead {
  readId: number
}

/** A request the core cannot serve here (not the leader, no leader yet, stepping down, ...). */
export interface Rejection {
  kind: 'proposal' | 'read'
  /** The proposal's tag or the read's id, echoed back. */
  tag?: RequestTag
  readId?: number
  reason: 'not-leader' | 'no-leader' | 'dropped'
  leaderHint?: NodeId
}

/** A PBFT slot's progress at one replica (Castro & Liskov §4.2). */
export type SlotPhase = 'pre-prepared' | 'prepared' | 'committed' | 'executed'

/**
 * Observable facts for the trace and the live timelines. `group` is set by MultiRaft: the event
 * belongs to that group's Raft.
 *   truncate:   Raft dropped entries fromIndex..toIndex; `runs` are their terms ([first index, term],
 *               ascending), `leader` the leader whose AppendEntries conflicted with them.
 *   slot:       PBFT: a sequence number reached `phase` here in `view` (digest: the batch's).
 *   checkpoint: PBFT: a checkpoint became stable (the low water mark moved to `seq`).
 *   conflict:   PBFT: `from` sent a message that contradicts what it (or the primary) said before for
 *               the same view and sequence number: proof that `from` is faulty.
 *   config:     Raft: the configuration in force here changed (the latest in its log, from entry
 *               `index`; 0: the members it started from), or became committed; also at a core's first
 *               step, so a trace knows every node's configuration (the checker's election safety per
 *               configuration reads it).
 */
export type CoreEvent = (
  | { kind: 'role'; role: string; term: number; leader?: NodeId }
  | { kind: 'term'; term: number }
  | { kind: 'vote'; term: number; votedFor: NodeId }
  | { kind: 'commit'; index: number }
  | { kind: 'truncate'; fromIndex: number; term: number; toIndex: number; runs: [number, number][]; leader?: NodeId }
  | { kind: 'slot'; seq: number; view: number; phase: SlotPhase; digest?: string }
  | { kind: 'checkpoint'; seq: number }
  | { kind: 'conflict'; seq: number; view: number; from: NodeId; type: string }
  | { kind: 'config'; voters: NodeId[]; learners: NodeId[]; index: number; committed: boolean }
  | { kind: 'note'; text: string }
) & { group?: number }

export interface OutboundMessage<M> {
  to: NodeId
  message: M
  /**
   * How early the message may leave, relative to its Ready's `persist` records. Absent: only once
   * they are durable (fsync'd when the Ready says mustSync), like everything else in the Ready.
   *   'sync':  once the records are written (a killed process still finds them), before the fsync.
   *            PBFT's rule: Castro and Liskov keep the log in memory and count a replica that loses
   *            it as one of its f faults.
   *   'write': even before the records are written, in parallel with the disk write (Raft thesis
   *            §10.2.1: a leader's AppendEntries; it counts its own entries in a quorum only once
   *            they are durable, and any acknowledgement arrives in a later step).
   */
  leavesBefore?: 'sync' | 'write'
}

/**
 * Everything one input produced. A driver must handle the fields in this order:
 *   1. persist: write `persist` records, and fsync them when `mustSync` (unless durability is off).
 *      Messages marked `leavesBefore` may leave during this step (see OutboundMessage); nothing
 *      below may leave the node before the records are durable.
 *   2. send the other `messages`.
 *   3. install `installSnapshot` into the state machine (replacing its whole state), if set; then
 *      apply `applied` in order and reply to the tagged clients; then, if `takeSnapshot` is set,
 *      capture the state machine as it now stands (it has applied exactly takeSnapshot.index)
 *      and hand its bytes back to the core (Raft: a 'snapshot' input), at once or later, after
 *      other inputs (the replica writes the snapshot's file first, off its event loop).
 *   4. serve `reads` from the state machine (after step 3, so they see those entries).
 *   5. answer `rejections`.
 * `events` are only for the trace and may be emitted at any point. The core states what must be
 * durable before what (as etcd's Ready.MustSync does); the replica and the simulator only obey it.
 */
export interface Ready<M, P> {
  persist: P[]
  /**
   * Whether `persist` must be fsync'd before the rest of the Ready (messages not marked
   * `leavesBefore`, applied entries and their replies, reads, rejections). False: writing the records
   * is enough (PBFT's votes alone: a killed replica still finds them).
   */
  mustSync: boolean
  messages: OutboundMessage<M>[]
  applied: AppliedEntry[]
  reads: ReadyRead[]
  rejections: Rejection[]
  events: CoreEvent[]
  /** Raft §7: the state machine should snapshot itself once it applied through `index` (see step 3). */
  takeSnapshot?: { index: number }
  /**
   * Raft §7: a leader's snapshot, durable in `persist`, replaces the state machine: it now stands as
   * after applying `index` (of term `term`), and `applied` continues from index + 1.
   */
  installSnapshot?: { index: number; term: number; data: Uint8Array }
  /**
   * MultiRaft: takeSnapshot and installSnapshot of its groups, each naming its group (several may
   * come in one step), handled at step 3 against that group's state machine: installs first, then
   * `applied`, then snapshots. A snapshot's answer is a 'snapshot' input naming the group.
   */
  takeSnapshots?: { group: number; index: number }[]
  installSnapshots?: { group: number; index: number; term: number; data: Uint8Array }[]
}

/**
 * One input to a core. `nowMs` is the driver's monotonic clock when it handed the input over (the
 * replica's performance.now() at its clock's rate, the simulator's virtual time): the only way time
 * other than counted ticks reaches a core. A core that times something safety-critical by it (Raft's
 * leader lease) treats an input without it as "time unknown" and takes the cautious path.
 */
export type CoreInput<M> = CoreInputKind<M> & { nowMs?: number }

type CoreInputKind<M> =
  | { kind: 'tick' }
  | { kind: 'message'; from: NodeId; message: M }
  /** Proposals are handed over in batches (all that arrived in one I/O turn) so one append carries many. */
  | { kind: 'propose'; proposals: ProposedCommand[] }
  /**
   * Linearizable reads, batched the same way: one confirmation round serves them all. `keys` (one
   * per read id) lets a sharded core (MultiRaft) send each read to its key's group.
   */
  | { kind: 'read'; readIds: number[]; keys?: string[] }

/** A pure protocol state machine. `P` is the protocol's persisted record type (the WAL payload). */
export interface ProtocolCore<M, P> {
  readonly id: NodeId
  step(input: CoreInput<M>): Ready<M, P>
  /** Compact view for traces and tests: role, term, leader, commit index, log length. */
  status(): CoreStatus
}

export interface CoreStatus {
  id: NodeId
  role: string
  term: number
  leader?: NodeId
  commitIndex: number
  lastIndex: number
  appliedIndex: number
}

/** Seeded uniform generator in [0, 1); injected so a core owns no randomness of its own. */
export type Random = () => number

export function emptyReady<M, P>(): Ready<M, P> {
  return { persist: [], mustSync: false, messages: [], applied: [], reads: [], rejections: [], events: [] }
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`)
}
