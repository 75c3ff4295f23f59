import type { Command } from '../protocols/types.js'

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
  | { t: number; node: string; kind: 'truncate'; fromIndex: number; term: number; group?: number }
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
  | { t: number; node: string; kind: 'process'; state: 'up' | 'crashed' | 'paused' | 'resumed' | 'exited'; detail?: string }
  | { t: number; node: string; kind: 'note'; text: string }
  | { t: number; node: string; kind: 'frame-error'; peer: string; reason: string }
  | { t: number; node: string; kind: 'stats'; messagesSent: Record<string, number>; bytesSent: number; messageEventsDropped: number }

/** Replicas report their applied-hash at least at every multiple of this index, so any two can be compared. */
export const applyHashEvery = 64

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
