/**
 * Messages on the control channel between the orchestrator and a replica process (Node's IPC pipe).
 * The channel doubles as the parent-liveness signal: when it closes, the replica exits.
 */
import type { TraceEvent } from '../api/trace.js'
import type { CoreStatus } from '../protocols/types.js'
import type { LinkRules, PeerAddress } from './transport.js'

export type ControlRequest =
  | { type: 'peers'; peers: PeerAddress[] }
  | { type: 'link-rules'; rules: LinkRules }
  | { type: 'final-state' }
  | { type: 'slow-disk'; ms: number }
  | { type: 'campaign' }
  | { type: 'clock-rate'; factor: number }
  | { type: 'byzantine'; behaviour: unknown }
  | { type: 'shutdown' }

export interface ReplicaStatus extends CoreStatus {
  walBytes: number
  framesRejected: number
  flushes: number
  proposalsBatched: number
  /** Counters since this process started (a restart starts them again). */
  messagesSent: number
  bytesSent: number
  sentByType: Record<string, number>
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
  | { type: 'events'; node: string; events: TraceEvent[]; status: ReplicaStatus }
  | { type: 'final-state'; state: FinalState }
  | { type: 'fatal'; node: string; message: string }

export const finalSampleKeysMax = 200

/** How often a replica ships its buffered trace events and status. */
export const eventBatchMs = 50
/** Events buffered between batches; beyond this the oldest message events are dropped and counted. */
export const eventBufferMax = 50_000
