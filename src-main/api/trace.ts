import type { Command, SlotPhase } from '../protocols/types.js'

/**
 * Trace events: one timeline for every process of a run. `t` is milliseconds since the run's epoch,
 * read from the shared monotonic clock (process.hrtime), so events of different processes order.
 */
/** `group`: MultiRaft events belong to one Raft group; absent everywhere else. */
export type TraceEvent =
  | { t: number; node: string; kind: 'role'; role: string; term: number; leader?: string; group?: number }
  | { t: number; node: string; kind: 'term'; term: number; group?: number }
  | { t: number; node: string; kind: 'vote'; term: number; votedFor: string; group?: number }
  | { t: number; node: string; kind: 'commit'; index: number; group?: number }
  /**
   * The replica's state machine has applied every entry up to `index`; `hash` chains all applied
   * commands (hash_i = H(hash_{i-1}, term_i, command_i)), so equal hashes at an index mean equal
   * applied sequences. Emitted at least at every multiple of applyHashEvery and at each batch end.
   */
  | { t: number; node: string; kind: 'apply'; index: number; term: number; hash: string; group?: number }
  /**
   * Raft: entries fromIndex..toIndex are durable in this node's log: written and fsync'd (one event
   * per I/O turn, group and contiguous range; `persistMs` before `t` the write began). `runs`: their
   * terms, [first index, term] ascending. `ops`: at the node that leads (the entries' author), short
   * labels of the commands from fromIndex on, at most appendOpsMax; `opsOmitted` counts the rest.
   */
  | { t: number; node: string; kind: 'append'; fromIndex: number; toIndex: number; runs: [number, number][]; persistMs: number; ops?: string[]; opsOmitted?: number; group?: number }
  /**
   * Raft: entries fromIndex..toIndex were dropped, conflicting with the log of `leader` (of `term`);
   * `runs` are the dropped entries' terms ([first index, term]). (Older traces: fromIndex and term only.)
   */
  | { t: number; node: string; kind: 'truncate'; fromIndex: number; term: number; toIndex?: number; runs?: [number, number][]; leader?: string; group?: number }
  /**
   * Raft: the configuration in force at this node (the latest in its log, from entry `index`; 0: the
   * members it started from) changed or became committed; also at each start of its core.
   */
  | { t: number; node: string; kind: 'config'; voters: string[]; learners: string[]; index: number; committed: boolean; group?: number }
  /** PBFT: sequence number `seq` reached `phase` at this replica, in `view`; `digest`: the batch's, shortened. */
  | { t: number; node: string; kind: 'slot'; seq: number; view: number; phase: SlotPhase; digest?: string }
  /** PBFT: a checkpoint became stable here: the low water mark is `seq`. */
  | { t: number; node: string; kind: 'checkpoint'; seq: number }
  /** PBFT: `from` sent a `type` for view/seq contradicting what was said before: it is faulty. */
  | { t: number; node: string; kind: 'conflict'; seq: number; view: number; from: string; type: string }
  /** The lab's link faults from `t` on: every directed link (from, to) that is cut. Node 'lab'. */
  | { t: number; node: string; kind: 'links'; cut: [string, string][] }
  /**
   * Raft membership: the configuration the leader holds from `t` on (voters and learners; in force
   * once in its log, `committed` once a majority has it), each time it changes. Node 'lab'.
   */
  | { t: number; node: string; kind: 'members'; voters: string[]; learners: string[]; committed: boolean }
  /**
   * Messages. `id` names one message (unique per sender, across its restarts): its send, receipt and
   * drop carry the same id (traces before message ids have none). `range`: the log indexes (Raft) or
   * sequence numbers (PBFT) the message carries or acknowledges; `heartbeat`: it carries only
   * liveness (an empty AppendEntries, or the answer to one). A sender traces a message or not as a
   * whole (a per-second budget): a traced send's receipt is traced too.
   */
  | { t: number; node: string; kind: 'send'; to: string; type: string; bytes: number; id?: number; range?: [number, number]; heartbeat?: boolean }
  | { t: number; node: string; kind: 'recv'; from: string; type: string; bytes: number; id?: number }
  /**
   * A message that will not arrive, and why: `partition` or `loss` (a link fault, at the sender or on
   * receipt), or `backpressure`, `disconnected`, `unknown-peer` for frames already written away
   * (type `*`, with the traced `ids` among them).
   */
  | { t: number; node: string; kind: 'drop'; from: string; to: string; type: string; reason: string; id?: number; ids?: number[] }
  | { t: number; node: string; kind: 'fault'; fault: string; detail?: string }
  | { t: number; node: string; kind: 'process'; state: 'up' | 'crashed' | 'paused' | 'resumed' | 'exited' | 'removed'; detail?: string }
  | { t: number; node: string; kind: 'note'; text: string }
  | { t: number; node: string; kind: 'frame-error'; peer: string; reason: string }
  | { t: number; node: string; kind: 'stats'; messagesSent: Record<string, number>; bytesSent: number; messageEventsDropped: number }

/** Replicas report their applied-hash at least at every multiple of this index, so any two can be compared. */
export const applyHashEvery = 64

/** Events one LabApi.readTrace returns at most (the earliest of the window); the rest are counted. */
export const traceWindowEventsMax = 5000

/** Command labels one append event carries (a leader's turn holds about one entry per client). */
export const appendOpsMax = 256

export type TraceKind = TraceEvent['kind']

/** One line of history.ndjson: a Jepsen-style operation event. Times in nanoseconds since the run's epoch. */
export interface HistoryEvent {
  process: number
  type: 'invoke' | 'ok' | 'fail' | 'info'
  f: 'get' | 'put' | 'delete' | 'cas' | 'range'
  key: string
  /** put: the value; get: the value read (null when absent); cas: [expected, new]; range: entries. */
  value?: unknown
  time: number
  /** Free-form note (error reason, node that served it). */
  error?: string
  node?: string
  /** ok of an ordered operation: the log index (and MultiRaft group) it took at `node`, or PBFT's sequence number. */
  index?: number
  group?: number
  seq?: number
}

/**
 * What an invoke records as `value`: the value a put writes, [expected, new] for a cas, null for
 * everything else. The workload and the simulator both write histories with it.
 */
export function historyInputOf(command: Command): unknown {
  switch (command.op) {
    case 'put':
      return command.value
    case 'cas':
      return [command.expected, command.value]
    default:
      return null
  }
}
