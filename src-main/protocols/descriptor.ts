/**
 * What the rest of the lab knows about a protocol, stated once, in the protocol's own folder: its
 * name and words, its experiment options (the one place their defaults live) and the rules between
 * them, how milliseconds become its tick-based settings, its roles and read paths, its Byzantine
 * behaviours and deliberate bugs, the invariants that hold for it, how clients talk to it, what the
 * fault injector may do to it, how to build its core, and the simulator's hooks. Validation, the
 * replica, the simulator, the workload, the checker and the renderer all read it from the registry
 * (registry.ts): a new protocol is its folder plus one registry line.
 *
 * Pure like the cores: zod for the options, nothing with I/O, so the renderer can bundle it.
 */
import type { z } from 'zod'
import type { AppliedEntry, Command, CommandResult, CoreStatus, NodeId, ProtocolCore, Random, Ready, RequestTag } from './types.js'

/** The one ms-to-ticks rule: protocol time in whole ticks, at least one. */
export function ticksOf(ms: number, tickMs: number): number {
  return Math.max(1, Math.round(ms / tickMs))
}

/** How the trace and the screens speak of the protocol. */
export interface Vocabulary {
  /** A leadership epoch: Raft's term, PBFT's view. */
  term: 'term' | 'view'
  /** The node that orders requests: Raft's leader, PBFT's and primary-backup's primary. */
  leader: 'leader' | 'primary'
}

/**
 * What a role looks like on a timeline: leading (it orders requests), electing (a candidate, a
 * replica changing views), pre-electing (asking whether it could win, Raft's pre-vote), following.
 */
export const roleKinds = ['leading', 'electing', 'pre-electing', 'following'] as const
export type RoleKind = (typeof roleKinds)[number]

export interface RoleSpec {
  /** As the core reports it in CoreStatus.role and role events. */
  name: string
  kind: RoleKind
}

/** Invariants the lab checks on a run's trace; each protocol lists those that hold for it. */
export const traceInvariantNames = [
  'election-safety',
  'state-machine-safety',
  'committed-never-lost',
  'commit-monotonic',
  'leader-append-only',
  'leader-completeness',
  'final-state-agreement',
] as const
export type TraceInvariantName = (typeof traceInvariantNames)[number]

/**
 * 'per-term': at most one leader per term/view, ever (Raft election safety, PBFT one primary per
 * view). 'at-once': the protocol has no terms, so the most one can ask is one leader at any instant
 * (primary-backup, whose point is that it cannot even promise that).
 */
export type Leadership = 'per-term' | 'at-once'

/**
 * A problem with an experiment for this protocol: the path of the field, what was expected (in
 * English), and a stable code with the values the message names, so the lab can say it in other
 * languages (api/validation-text.ts holds the texts by code).
 */
export interface OptionError {
  path: string
  message: string
  code?: string
  params?: Readonly<Record<string, string | number | boolean | undefined>>
}

/** A Byzantine behaviour as an experiment writes it: a kind, or a kind with its parameters. */
export type ByzantineSpec = string | { kind: string; forgedValue?: string; colluders?: string[]; delayMs?: number }

/** The cluster as the protocol's rules and settings see it (the experiment's common part, resolved). */
export interface ClusterFacts {
  nodes: readonly NodeId[]
  tickMs: number
  /** Nodes lying from the start, by name. */
  byzantine: Readonly<Record<NodeId, ByzantineSpec>>
  /** The workload keeps leases and watches (service discovery). */
  leasesAndWatches: boolean
}

/**
 * An option's words as its protocol's folder states them: English, and Korean if it has them. The
 * form uses them where the renderer's messages have none, so a new protocol's form reads well
 * without a renderer change (the renderer's messages, when present, win).
 */
export interface FormFieldText {
  label: string
  help?: string
  ko?: { label: string; help?: string }
}

/**
 * How the design form shows one option: its field, and the input that edits it. Bounds and
 * defaults are read from the field's schema (api/protocol-form.ts); labels and help text are the
 * renderer's messages `option.<field>` and `optionHelp.<field>`, else the field's own `text`, else
 * the field's name.
 */
export type FormField = { text?: FormFieldText } & (
  /** `absentMeans`: what an absent optional field stands for, where the schema can hold no default. */
  | { field: string; input: 'number'; unit?: 'ms'; absentMeans?: number }
  | { field: string; input: 'range'; unit: 'ms' }
  | { field: string; input: 'toggle' }
  | { field: string; input: 'choice'; choices: readonly string[] }
  /** PBFT's f: 'the most n tolerates' or a number, with the replicas it needs. */
  | { field: string; input: 'faults' }
)

export interface OptionsSpec<O> {
  /**
   * The protocol's fields of the experiment's `cluster`, each with its default. The experiment
   * keeps one flat `cluster`: these fields sit beside the common ones (nodes, durability, tickMs,
   * byzantine), and a field of another protocol is refused by name.
   */
  schema: z.ZodObject<z.ZodRawShape>
  /** Rules between fields (and with the cluster): what the schema cannot say field by field. */
  check(options: O, cluster: ClusterFacts): OptionError[]
  /** The options the design form shows, in order. */
  form: readonly FormField[]
}

/** How a get is served: through the core (a read input), ordered through the log like a write, or from any node's own copy at once. */
export type ReadRoute = 'core' | 'log' | 'local'

/**
 * How clients learn outcomes.
 *   leader: the node that took a request answers it when it applies it or refuses it, naming the
 *           leader it knows; a client follows the hints (Raft, primary-backup).
 *   quorum: every replica that executes a request answers its client, who accepts a result once
 *           replyQuorum replicas agree on it, and sends to every replica when it hears nothing
 *           (PBFT §4.1).
 */
export type ClientStyle<S, M, P> =
  | { kind: 'leader' }
  | {
      kind: 'quorum'
      /** `mutations`: the run's deliberate bugs (the simulator's); a client-side one may lower the count. */
      replyQuorum(settings: S, mutations: readonly string[]): number
      /** The reply a replica sends for an applied tagged entry; undefined when it sends none. */
      replyFor(core: ProtocolCore<M, P>, entry: AppliedEntry, result: CommandResult): QuorumReply | undefined
      /** Replies the core re-sends from its cache (for retransmitted requests). */
      cachedReplies(ready: Ready<M, P>): QuorumReply[]
      /** Where a client sends its first attempt, from the view its last accepted result named. */
      leaderOfView(members: readonly NodeId[], view: number): NodeId
      /**
       * Replies sent once a request runs tentatively, before it commits (PBFT's tentative
       * execution, TOCS §5.1.3): computed after the Ready's entries are applied to `committed`;
       * each counts only with `quorum` matching ones of its view.
       */
      tentative?: {
        /** Whether a Ready has tentative work (so Readies without any keep their crash points). */
        hasWork(ready: Ready<M, P>): boolean
        /**
         * `readies`: one I/O turn's, in order (the replica hands a whole turn; the simulator one
         * Ready at a time): tentative work a later Ready of the turn dropped gets no reply.
         */
        replies(core: ProtocolCore<M, P>, readies: readonly Ready<M, P>[], committed: CommittedState): (QuorumReply & { command: Command })[]
        quorum(settings: S): number
      }
      /**
       * Read-only requests (PBFT, TOCS §5.1.3), where reads.routeOf says 'core': the client sends a
       * get to every replica, each answers it through the core's read path without ordering it,
       * and the client needs `quorum` matching replies; lacking them it sends the get again to be
       * ordered (`ordered` on the request). `replyFor` builds the reply to a released read.
       */
      readOnly?: {
        replyFor(core: ProtocolCore<M, P>, tag: RequestTag, result: CommandResult): QuorumReply | undefined
        quorum(settings: S): number
      }
      /**
       * Digest replies (PBFT, TOCS §5.1.1): the digest a reply without its result carries for
       * `result`, with the cores' digest function; a client accepts a result only with matching
       * digests and the result in full from one replica at least.
       */
      resultDigest?(result: CommandResult, digest: (bytes: Uint8Array) => string): string
    }

/** What a tentative reply is computed over: the committed state machine, read only. */
export interface CommittedState {
  read(command: Command): CommandResult
  readonly revision: number
}

/** A replica's answer to a client in the quorum style. */
export interface QuorumReply {
  clientId: string
  seq: number
  /** Absent in a digest reply (PBFT, TOCS §5.1.1), which carries `resultDigest` instead. */
  result?: CommandResult
  resultDigest?: string
  view: number
  /** What travels to the client (the replica pushes it as is). */
  wire: unknown
}

/** What a core is built with besides its settings: everything it must not reach for itself. */
export interface CoreEnv<B> {
  id: NodeId
  members: readonly NodeId[]
  /** How long a tick is meant to last on the clock that stamps every input's `nowMs`. */
  tickMs: number
  /**
   * The node's seeded generator for a named stream: the replica derives it from the run's seed and
   * the name; the simulator hands each incarnation one generator, whatever the name.
   */
  random(stream: string): Random
  /** Digests and MACs (PBFT): node:crypto in the replica, a fast deterministic stand-in in the simulator. */
  auth: MessageAuth
  /** Names from the descriptor's `mutations`, already validated. */
  mutations: readonly string[]
  /** How this node lies from the start (the core's form), or undefined. */
  byzantine: B | undefined
}

/** Injected so a core stays pure. */
export interface MessageAuth {
  digest(bytes: Uint8Array): string
  mac(from: NodeId, to: NodeId, bytes: Uint8Array): string
  verify(from: NodeId, to: NodeId, bytes: Uint8Array, mac: string): boolean
}

/** A sharded protocol (MultiRaft): how many groups, and how keys map to them. */
export interface Sharding {
  groups: number
  groupOf(key: string): number
}

/** What the replica process needs beyond the core. */
export interface HostHooks<S, M, P, B> {
  /** Shape check of a decoded peer message before the core sees it. */
  isMessage(value: unknown, settings: S): value is M
  /**
   * The largest client command this configuration takes, and why; default commandBytesMax of
   * wire-budget.ts. `whyParams`: the values `why` names, so a validation error can say the reason
   * in another language (api/validation-text.ts, code commandLimitWhy).
   */
  commandLimit?(settings: S, members: readonly NodeId[]): { bytesMax: number; why: string; whyParams?: Readonly<Record<string, number>> }
  /** Several state machines, one per group (MultiRaft); undefined: one. */
  sharding?(settings: S): Sharding | undefined
  /** The input that fires this node's election timer now (the campaign fault); absent where there are no elections. */
  campaignInput?: { kind: string }
  /**
   * Raft §7: the input that hands the state machine's snapshot through `index` back to the core,
   * after a Ready asked for it (takeSnapshot); absent where the core never asks.
   */
  snapshotInput?(index: number, data: Uint8Array, group?: number): { kind: string }
  /** The snapshot a core rebuilt from its records: the driver restores its state machine from it first. */
  recoveredSnapshot?(core: ProtocolCore<M, P>, group?: number): { index: number; data: Uint8Array } | undefined
  /**
   * Thesis ch. 4: the input that asks this node (the leader) to append a single-server
   * configuration change; absent where the membership is fixed. A node that is not the leader, or
   * cannot change the configuration now, refuses it (a note in its trace says why).
   */
  reconfigureInput?(change: MembershipChange): { kind: string }
  /** The configuration in force at this node (the latest in its log) and whether it is committed; with reconfigureInput. */
  configuration?(core: ProtocolCore<M, P>): MembershipView | undefined
  /** Makes this node lie (or, with undefined, stop lying). */
  setByzantine?(core: ProtocolCore<M, P>, behaviour: B | undefined): void
  /**
   * For a traced send: the log positions the message is about (Raft: the entries an AppendEntries
   * carries, the index a response acknowledges; PBFT: the sequence number), and whether it is a
   * heartbeat (it carries nothing but liveness). Lets a diagram follow one request's messages.
   */
  describeMessage?(message: M): MessageFacts
  /** The log entries a persisted record appends (Raft, MultiRaft), for the trace's append events. */
  appendedEntries?(record: P): AppendedEntries | undefined
  /**
   * Whether the Readies of a flush that come before its first Ready with records to persist may be
   * sent, applied and answered before that persist (and its fdatasync) instead of after. Their own
   * records, if any, went to disk in an earlier flush, so nothing they apply or say depends on the
   * later write. Raft opts in: a leader answers the writes an acknowledgement just committed without
   * first waiting for the fdatasync of the next batch of proposals (the profile's "apply wait").
   */
  settleUnpersistedPrefixFirst?: boolean
}

/** One single-server membership change (HostHooks.reconfigureInput): join as a learner, become a voter, leave. */
export interface MembershipChange {
  kind: 'addLearner' | 'promote' | 'remove'
  node: NodeId
}

/** A node's view of the configuration (HostHooks.configuration): `index` is the entry that made it (0: the bootstrap members). */
export interface MembershipView {
  voters: readonly NodeId[]
  learners: readonly NodeId[]
  index: number
  committed: boolean
}

/** What a traced message is about (HostHooks.describeMessage). */
export interface MessageFacts {
  /** First and last log index (or sequence number) the message carries or acknowledges. */
  range?: [number, number]
  heartbeat?: boolean
}

/** The entries one persisted record appends (HostHooks.appendedEntries); `group` for MultiRaft. */
export interface AppendedEntries {
  group?: number
  fromIndex: number
  /** `label`: what the log grid shows for an entry that is more than its command (a configuration entry's command is a noop). */
  entries: readonly { term: number; command: Command; label?: string }[]
}

/** What a node's disk holds, as the simulator folds persisted records into it. */
export interface DurableLogWriter {
  readonly lastIndex: number
  append(term: number, key: string): void
  /** Drops every entry at index >= fromIndex. */
  truncateFrom(fromIndex: number): void
  /**
   * Writes the entry at `index`, leaving holes below it if the log is shorter and replacing what was
   * there (ParallelRaft's logs have holes; a Raft log only appends and truncates).
   */
  place?(index: number, term: number, key: string): void
  /**
   * Raft §7: a snapshot through (index, term) became durable. A log holding that entry keeps
   * everything (the simulator's view of a disk still knows what the snapshot covers); any other log
   * is replaced by the committed entries through `index`, which the snapshot stands for.
   */
  installSnapshot?(index: number, term: number): void
}

/** An entry as the simulator's checks compare it; `key` is entryKey(term, command, tag). */
export interface LogEntryView {
  term: number
  key: string
}

/**
 * What a protocol opts into beyond the common faults (so other protocols' seeds draw exactly what
 * they drew before): 'slow-nodes' (slow disks: each Ready that must sync blocks the node for a drawn
 * fsync time; slow timers: a node's ticks come late while its clock runs true), 'big-values' (some
 * writes carry values of kilobytes), 'read-heavy' (some seeds mostly read).
 */
export type SimExercise = 'slow-nodes' | 'big-values' | 'read-heavy'

/** The seeded simulator's hooks; `D` is the settings a seed draws (the protocol's settings and more). */
export interface SimHooks<S, M, P, B, D extends S & { clusterSize: number }> {
  /**
   * Protocol knobs drawn per seed (cluster size included), so seeds explore configurations.
   * `laterRandom`: a stream of its own for knobs added later, so that drawing them does not
   * reshuffle every existing seed's scenario (the mutation hunts' seed bounds were measured on them).
   */
  drawSettings(random: Random, laterRandom: Random): D
  describeSettings(settings: D): string
  /** A node's Byzantine behaviour in this seed. */
  byzantineOf?(settings: D, id: NodeId): B | undefined
  /** Byzantine nodes of this seed: left out of every safety check. */
  faultyNodes?(settings: D): NodeId[]
  /**
   * Requests are unsigned, so a Byzantine leader can get a command of its own making executed under
   * a client's tag (PBFT here): the simulator records it as a foreign write, not a validity breach.
   */
  unsignedRequests?: boolean
  exercises?: readonly SimExercise[]
  /** The input that asks a leader to hand leadership to `target`, where the protocol has transfers. */
  transferInput?(target: NodeId): { kind: string }
  /**
   * Entries reach the state machine by log index but not in index order (ParallelRaft): each index
   * once per incarnation, and two entries touching a common key (`keysOf`; 'all': every key) in
   * index order. The simulator then checks that order per key instead of applied-in-order, keeps
   * the state machine's own count of applied entries, leaves log matching out (logs have holes),
   * and leaves read freshness to the linearizability check.
   */
  appliesOutOfOrder?: { keysOf(command: Command): readonly string[] | 'all' }
  /** A committed entry lives on at least this many durable logs, forever (Raft: a majority); undefined: no such promise. */
  durableQuorum?(clusterSize: number): number | undefined
  /** Folds one durable record into the node's durable log view. */
  foldDurable(log: DurableLogWriter, record: P): void
  /** The log's base (Raft §7): entries at or below it are compacted into a snapshot, whose state the simulation checks instead. */
  logBaseIndex?(core: ProtocolCore<M, P>): number
  /** The in-memory log entry at `index`, for leader completeness; undefined when not derivable. */
  logEntryAt?(core: ProtocolCore<M, P>, index: number): LogEntryView | undefined
  /**
   * Whether the correct nodes (all up, none paused) have converged. Default: one of them leads and
   * every one has committed that leader's whole log and applied as much as it.
   */
  converged?(statuses: readonly CoreStatus[]): boolean
  /** Ticks the healed cluster gets to elect a leader and converge in the liveness phase. */
  livenessTicksMax(settings: D): number
  /** Ticks after which a client gives up on a request and records it as indefinite (info). */
  clientTimeoutTicks(settings: D): number
}

/**
 * One protocol. `O`: its experiment options (ms, as written); `S`: its settings in ticks, for the
 * whole cluster (what the simulator draws per seed, too); `M`, `P`: its messages and persisted
 * records; `B`: a Byzantine behaviour as its core takes it.
 */
export interface ProtocolDescriptor<N extends string, O, S, M extends { type: string }, P, B, D extends S & { clusterSize: number } = S & { clusterSize: number }> {
  readonly name: N
  /** For menus and reports. */
  readonly label: string
  readonly vocabulary: Vocabulary
  /** Every role the core reports, in the order a legend lists them. */
  readonly roles: readonly RoleSpec[]
  /** Roles in which a node orders requests. */
  readonly leaderRoles: readonly string[]
  readonly options: OptionsSpec<O>
  /** The options (ms) as the cores' settings (ticks), with ticksOf. */
  settingsOf(options: O, cluster: Pick<ClusterFacts, 'nodes' | 'tickMs'>): S
  readonly reads: {
    /** Every read mode the protocol knows, as the summary names them. */
    modes: readonly string[]
    modeOf(settings: S): string
    routeOf(settings: S): ReadRoute
  }
  /** Its Byzantine behaviours; undefined: it has none. */
  readonly byzantine?: {
    kinds: readonly string[]
    /** An experiment's spec as the core's behaviour; `liars`: the nodes lying from the start (colluders by default). */
    behaviourOf(spec: ByzantineSpec, context: { tickMs: number; liars: readonly NodeId[] }): B
  }
  /** Deliberate bugs its core can be built with, each caught by the simulator. */
  readonly mutations: readonly string[]
  readonly invariants: readonly TraceInvariantName[]
  readonly leadership: Leadership
  /**
   * Which of its trace events cut an operation into phases (api/latency-breakdown.ts): a leader's
   * log (append, commit, apply by index: Raft) or a replica's slots (pre-prepared ... executed:
   * PBFT). Absent: its runs record no step inside an operation, only its whole latency.
   */
  readonly operationSteps?: 'log' | 'slots'
  /**
   * Whether an applied entry's term is part of its identity (Raft: the term is part of the entry).
   * PBFT reports the view it executed in, which may differ between honest replicas for the same
   * request at the same sequence number; primary-backup has no terms.
   */
  readonly appliedTermMatters: boolean
  readonly clients: ClientStyle<S, M, P>
  createCore(settings: S, persisted: readonly P[], env: CoreEnv<B>): ProtocolCore<M, P>
  readonly host: HostHooks<S, M, P, B>
  readonly sim: SimHooks<S, M, P, B, D>
}

/**
 * A descriptor with its types erased, as the registry holds it (every function is declared with
 * method syntax, whose parameters TypeScript checks both ways, so each protocol's descriptor fits).
 */
export type AnyProtocol = ProtocolDescriptor<string, unknown, unknown, { type: string }, unknown, unknown, { clusterSize: number }>

/** The fault injector's protocol-specific actions, derived from what the descriptor states. */
export type InjectorAction = 'campaign' | 'byzantine'

export function injectorActionsOf(protocol: Pick<AnyProtocol, 'host' | 'byzantine'>): InjectorAction[] {
  const actions: InjectorAction[] = []
  if (protocol.host.campaignInput !== undefined) actions.push('campaign')
  if ((protocol.byzantine?.kinds.length ?? 0) > 0) actions.push('byzantine')
  return actions
}

/**
 * How a node lies, as its core takes it: undefined for none or 'honest' (a live fault that ends the
 * lie). The replica (at start and for a live fault) and the simulator's replay both read it here.
 */
export function behaviourOfSpec(protocol: Pick<AnyProtocol, 'byzantine' | 'label'>, spec: ByzantineSpec | undefined, context: { tickMs: number; liars: readonly NodeId[] }): unknown {
  if (spec === undefined || spec === 'honest') return undefined
  if (protocol.byzantine === undefined) throw new Error(`${protocol.label} has no Byzantine behaviours`)
  return protocol.byzantine.behaviourOf(spec, context)
}

/**
 * A node's settings as a replica starts from them (resolveNode in api/experiment.ts): JSON, so the
 * orchestrator can hand it over on the command line.
 */
export interface NodeSettings {
  protocol: string
  id: NodeId
  members: NodeId[]
  seed: number
  durability: 'fsync' | 'none'
  tickMs: number
  /** The protocol's settings, in ticks (its descriptor's settingsOf). */
  settings: unknown
  /** How this node lies from the start, as the experiment wrote it. */
  byzantine?: ByzantineSpec
  /** Every node lying from the start (PBFT's equivocators collude with them unless told otherwise). */
  liars: NodeId[]
}
