/**
 * How the simulator drives one protocol: the protocol adapter. Everything protocol-specific the
 * simulator needs is here, so a new core (PBFT) plugs in by writing one adapter and adding it to
 * the registry in protocols.ts; the event loop, network, clients and checks stay as they are.
 *
 * Message validation is not part of it: in the simulator messages come straight from other cores,
 * never from the wire.
 */
import type { AppliedEntry, Command, CommandResult, CoreStatus, NodeId, ProtocolCore, Random, Ready } from '../protocols/types.js'
import type { DurableLog } from './durable-log.js'

export const simProtocolNames = ['raft', 'primary-backup', 'pbft'] as const
export type SimProtocolName = (typeof simProtocolNames)[number]

/** What a core is built from: a fresh start (no records) or a restart from what the disk kept. */
export interface CoreSpec<P, S> {
  id: NodeId
  members: readonly NodeId[]
  /** The node's own generator, derived from the seed and the node's incarnation. */
  random: Random
  persisted: readonly P[]
  settings: S
  /** Names from `SimProtocol.mutations`, already validated. */
  mutations: readonly string[]
}

/** An entry as the checks compare it; `key` is entryKey(term, command, tag). */
export interface LogEntryView {
  term: number
  key: string
}

export interface SimProtocol<M extends { type: string }, P, S> {
  readonly name: SimProtocolName
  /** Deliberate bugs the core can be built with (each must break a checked property). */
  readonly mutations: readonly string[]
  /** Protocol knobs drawn per seed (cluster size included), so seeds explore configurations. */
  drawSettings(random: Random): S & { clusterSize: number }
  describeSettings(settings: S): string
  createCore(spec: CoreSpec<P, S>): ProtocolCore<M, P>
  /** Roles in which a node orders requests (Raft 'leader', primary-backup 'primary', PBFT primary). */
  readonly leaderRoles: readonly string[]
  /**
   * 'per-term': at most one leader per term/view, ever (Raft election safety, PBFT one primary per
   * view). 'at-once': the protocol has no terms, so the most one can ask is one leader at any
   * instant (primary-backup, whose point is that it cannot even promise that).
   */
  readonly leadership: 'per-term' | 'at-once'
  /**
   * Requests are unsigned, so a Byzantine leader can get a command of its own making executed
   * under a client's tag (PBFT here). The simulator then records it as a foreign write instead of
   * a validity violation, and the client whose request it replaced learns nothing definite (info).
   */
  readonly unsignedRequests?: boolean
  /** Reads go to the core as `read` inputs (ReadIndex); otherwise a get is proposed like a write. */
  readonly readsThroughCore: boolean
  /**
   * Where a get goes in this configuration, when it depends on the drawn settings (Raft's read
   * mode): 'core' (a read input: ReadIndex or lease), 'log' (proposed like a write) or 'local' (any
   * node answers from its own state at once: follower reads, allowed to be stale, so they are kept
   * out of the linearizability check and the freshness check). Default: readsThroughCore.
   */
  readRoute?(settings: S): 'core' | 'log' | 'local'
  /**
   * What this protocol opts into beyond the common faults (so other protocols' seeds draw exactly
   * what they drew before): 'slow-nodes' (slow disks: each Ready with records blocks the node for a
   * drawn fsync time; slow timers: a node's ticks come late while its clock runs true) and
   * 'big-values' (some writes carry values of kilobytes), 'read-heavy' (some seeds mostly read).
   */
  readonly exercises?: readonly ('slow-nodes' | 'big-values' | 'read-heavy')[]
  /** The input that asks a leader to hand leadership to `target`, where the protocol has transfers. */
  transferInput?(target: NodeId): { kind: string }
  /** The input that fires a node's election timer now (the lab's campaign fault), where there is one. */
  campaignInput?(): { kind: string }
  /** Whether an applied entry's `term` is part of its identity (Raft: yes; primary-backup: always 0). */
  readonly appliedTermMatters: boolean
  /**
   * Nodes whose disks must hold every committed entry: a committed entry lives on at least this
   * many durable logs, forever (Raft: a majority). Undefined: the protocol promises no such thing.
   */
  durableQuorum?(clusterSize: number): number | undefined
  /** Folds one durable record into the node's durable log view. */
  foldDurable(log: DurableLog, record: P): void
  /** The in-memory log entry at `index`, for leader completeness; undefined when not derivable. */
  logEntryAt?(core: ProtocolCore<M, P>, index: number): LogEntryView | undefined
  /**
   * Messages that the replica lets leave before the Ready's records are durable (the replica
   * adapter's rule, mirrored so a crash in the middle of a Ready is modelled as the replica does it).
   */
  sendBeforePersist?(message: M, persist: readonly P[]): boolean
  /** Byzantine nodes of this configuration: excluded from every safety check. */
  faultyNodes?(settings: S, members: readonly NodeId[]): NodeId[]
  /**
   * How clients learn outcomes.
   *   origin: the node that took a request answers it when it applies it or refuses it (Raft,
   *           primary-backup); a refusal is final, silence ends in a timeout (info).
   *   quorum: every replica that executes a request answers its client, who accepts a result once
   *           replyQuorum replicas agree on it and retransmits to every replica when it hears
   *           nothing (PBFT §4.1); refusals are not answered (the client retries).
   */
  readonly clientReplies: 'origin' | 'quorum'
  replyQuorum?(settings: S): number
  /** quorum: the reply a replica sends for an applied tagged entry; undefined when it sends none. */
  replyFor?(core: ProtocolCore<M, P>, entry: AppliedEntry, result: CommandResult): SimReply | undefined
  /** quorum: replies the core re-sends from its cache (for retransmitted requests). */
  cachedReplies?(ready: Ready<M, P>): SimReply[]
  /** quorum: where a client sends its first attempt, from the view its last accepted result named. */
  leaderOfView?(members: readonly NodeId[], view: number): NodeId
  /**
   * Whether the correct nodes (all up, none paused) have converged. Default: one of them leads and
   * every one has committed that leader's whole log and applied as much as it.
   */
  converged?(statuses: readonly CoreStatus[]): boolean
  /** Ticks the healed cluster gets to elect a leader and converge in the liveness phase. */
  livenessTicksMax(settings: S): number
  /** Ticks after which a client gives up on a request and records it as indefinite (info). */
  clientTimeoutTicks(settings: S): number
}

/** A replica's answer to a client in the 'quorum' style: the request (client, seq), its result, and the replica's view. */
export interface SimReply {
  clientId: string
  seq: number
  result: CommandResult
  view: number
  /** The command the replica executed under that tag, when it knows (not for cached replies). */
  command?: Command
}

/** The adapter with its type parameters erased, as the registry and the simulator hold it. */
export type AnySimProtocol = SimProtocol<{ type: string }, unknown, unknown>

