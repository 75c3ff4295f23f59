/**
 * Messages on the control channel between the orchestrator and a replica process (Node's IPC pipe).
 * The channel doubles as the parent-liveness signal: when it closes, the replica exits.
 */
import type { TraceEvent } from '../api/trace.js'
import type { CoreStatus } from '../protocols/types.js'
import type { MembershipChange, MembershipView } from '../protocols/descriptor.js'
import type { LinkRules, PeerAddress } from './transport.js'

export type ControlRequest =
  /** The first message to a replica, before it opens its WAL or any port: the run's secret (never on argv). */
  | { type: 'secret'; secret: string }
  /** Connect to these peers (handshakes included) and report 'connected'; protocol time does not start yet. */
  | { type: 'connect'; peers: PeerAddress[] }
  /** The peer list; also starts protocol time (at once: the clocks of a cluster start together). */
  | { type: 'peers'; peers: PeerAddress[] }
  | { type: 'link-rules'; rules: LinkRules }
  | { type: 'final-state' }
  | { type: 'slow-disk'; ms: number; jitterMs?: number }
  | { type: 'campaign' }
  /** Raft membership: propose this single-server change at this node (the leader appends it; others refuse, with a note). */
  | { type: 'reconfigure'; change: MembershipChange }
  /** Raft §3.10: this node, if it leads, hands leadership to `target` (others ignore it, with a note). */
  | { type: 'transfer-leader'; target: string }
  /** A node removed from the cluster: stop dialling it and refuse its connections. */
  | { type: 'remove-peer'; node: string }
  | { type: 'clock-rate'; factor: number }
  | { type: 'byzantine'; behaviour: unknown }
  | { type: 'shutdown' }

export interface ReplicaStatus extends CoreStatus {
  walBytes: number
  framesRejected: number
  flushes: number
  proposalsBatched: number
  /** WAL writes and fdatasyncs since this process started: per operation, what persisting costs. */
  walWrites: number
  walSyncs: number
  /** Counters since this process started (a restart starts them again). */
  messagesSent: number
  bytesSent: number
  sentByType: Record<string, number>
  /** Raft §7, since this process started: snapshots its state machine took, and ones it installed from a leader. */
  snapshotsTaken: number
  snapshotsInstalled: number
  /** The index its latest snapshot covers (0: none): its log holds only what follows. */
  snapshotIndex: number
  /** MultiRaft: the index each group's latest snapshot covers (snapshotIndex is group 0's). */
  groupSnapshotIndexes?: number[]
  /** process.cpuUsage() user + system, ms since this process started (set where the status is shipped). */
  cpuMs?: number
  /** Raft: the configuration in force at this node (membership changes); absent where the membership is fixed. */
  configuration?: MembershipView
}

export interface FinalState {
  node: string
  appliedIndex: number
  hash: string
  kvDigest: string
  keys: number
  /** The first keys in order with their values (at most finalSampleKeysMax), to show what a replica holds. */
  sample: [string, string][]
  /** MultiRaft: the same per group (the fields above are group 0's). */
  groups?: { group: number; appliedIndex: number; hash: string; kvDigest: string; keys: number }[]
  status: ReplicaStatus
  messages: { messagesSent: Record<string, number>; bytesSent: number; messageEventsDropped: number }
}

export type ControlReport =
  | { type: 'listening'; node: string; peerPort: number; clientPort: number; recoveredRecords: number; truncatedBytes: number; pid: number }
  | { type: 'connected'; node: string }
  | { type: 'events'; node: string; events: TraceEvent[]; status: ReplicaStatus }
  | { type: 'final-state'; state: FinalState }
  | { type: 'fatal'; node: string; message: string }

/** How a replica process ends when it cannot go on (each also sends a 'fatal' report first, when it can). */
export const replicaExitCodes = {
  /** Bad arguments, a missing or bad secret. */
  usage: 2,
  /** A port could not be bound. */
  cannotListen: 1,
  /** The WAL is damaged somewhere other than its tail (EX_DATAERR): the replica refuses to start from it. */
  corruptLog: 65,
  /** A broken invariant stopped the replica (EX_SOFTWARE). */
  brokenInvariant: 70,
} as const

export const finalSampleKeysMax = 200

/** How often a replica ships its buffered trace events and status. */
export const eventBatchMs = 50
/** Events buffered between batches; beyond this the oldest message events are dropped and counted. */
export const eventBufferMax = 50_000
