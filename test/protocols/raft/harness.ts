/**
 * A tiny deterministic cluster for driving RaftCore in tests: no timers, no sockets. Messages wait in
 * one in-flight list until a test delivers or drops them; ticks are explicit; each node's persisted
 * records are kept so a "restart" builds a new core from them, exactly as a replica would from its WAL.
 *
 * While it runs it checks the safety properties of Raft Figure 3 and records any breach in
 * `violations` (or throws, with `failFast`):
 *   election safety       at most one leader per term;
 *   leader completeness   a new leader holds every entry applied anywhere so far;
 *   state machine safety  no two nodes apply different entries at one index, each applies in order;
 *   log matching          checked on demand by checkLogMatching();
 *   linearizable reads    a served read reflects every entry applied anywhere before it was issued;
 *   configurations        (membership changes, thesis ch. 4) a new leader's configuration is the
 *                         newest committed one or a single change from it. Single-server changes
 *                         make any two configurations one change apart share a member in every
 *                         pair of majorities, so a leader so configured was elected by voters
 *                         overlapping every majority that committed anything: with election safety
 *                         per term, this is what rules out two leaders elected by disjoint majorities.
 * A core that throws (an invariant assertion) is recorded as a violation and taken down.
 *
 * Each node has a monotonic clock, carried as `nowMs` by every input it gets: a tick moves it on by
 * tickMs, and `elapse` moves it on without a tick (a node whose timers run late: a slow fsync, a
 * stalled event loop). A restart keeps it (the machine's clock does not restart with the process).
 */
import { leaderConfigurationProblem } from '../../../src-main/checker/configurations.js'
import { seededRandom } from '../../../src-main/protocols/common/random.js'
import { RaftCore } from '../../../src-main/protocols/raft/index.js'
import type { ConfigChange } from '../../../src-main/protocols/raft/config.js'
import type { LogEntry, RaftInput, RaftMessage, RaftOptions, RaftPersist } from '../../../src-main/protocols/raft/index.js'
import type { AppliedEntry, Command, CoreEvent, NodeId, Rejection } from '../../../src-main/protocols/types.js'

export interface Envelope {
  from: NodeId
  to: NodeId
  message: RaftMessage
}

export type TunableOptions = Partial<Omit<RaftOptions, 'id' | 'members' | 'random' | 'persisted'>>

export interface ClusterConfig {
  ids?: NodeId[]
  seed?: number
  options?: TunableOptions
  /** Per-node overrides, e.g. a mutation on one node only. */
  nodeOptions?: Record<NodeId, TunableOptions>
  /** Throw at the first violation (randomized tests) instead of collecting them (mutation tests). */
  failFast?: boolean
}

export const defaultOptions = {
  electionTimeoutTicks: [10, 20] as [number, number],
  heartbeatTicks: 2,
  preVote: false,
  checkQuorum: false,
  batchEntriesMax: 64,
  inflightAppendsMax: 4,
  tickMs: 10,
}

/** Bound on deliveries in one stabilize(), so a livelock fails the test instead of hanging it. */
const deliveriesPerStabilizeMax = 200_000

export function put(key: string, value: string): Command {
  return { op: 'put', key, value }
}

export class Cluster {
  readonly ids: NodeId[]
  readonly seed: number
  network: Envelope[] = []
  readonly violations: string[] = []
  readonly persisted = new Map<NodeId, RaftPersist[]>()
  /** Entries applied by the node's current incarnation, in order. */
  readonly applied = new Map<NodeId, AppliedEntry[]>()
  readonly servedReads = new Map<NodeId, number[]>()
  readonly rejections = new Map<NodeId, Rejection[]>()
  readonly events = new Map<NodeId, CoreEvent[]>()
  /** Every message ever sent, for assertions about what went out. */
  readonly sent: Envelope[] = []
  readonly snapshotsTaken: { id: NodeId; index: number }[] = []
  readonly snapshotsInstalled: { id: NodeId; index: number }[] = []
  private readonly cores = new Map<NodeId, RaftCore>()
  private readonly incarnations = new Map<NodeId, number>()
  /** index -> the entry applied there (by anyone): the state machine's history. */
  private readonly appliedAnywhere = new Map<number, { term: number; key: string }>()
  private readonly leaderOfTerm = new Map<number, NodeId>()
  /** The newest configuration any node has reported committed (remembered across crashes, as a checker would). */
  private committedConfig: { index: number; voters: readonly NodeId[]; learners: readonly NodeId[] } | undefined
  private readonly readIssuedAt = new Map<number, number>()
  private readonly cutLinks = new Set<string>()
  private readonly clocks = new Map<NodeId, number>()
  private appliedMax = 0

  /** The cluster as created: every node, also one added later, starts from this configuration. */
  readonly bootstrap: readonly NodeId[]

  constructor(private readonly config: ClusterConfig = {}) {
    this.ids = config.ids ?? ['n1', 'n2', 'n3']
    this.bootstrap = [...this.ids]
    this.seed = config.seed ?? 1
    for (const id of this.ids) {
      this.persisted.set(id, [])
      this.incarnations.set(id, 0)
      this.start(id)
    }
  }

  // -- nodes ---------------------------------------------------------------------------------------

  core(id: NodeId): RaftCore {
    const core = this.cores.get(id)
    if (core === undefined) throw new Error(`${id} is down`)
    return core
  }

  isUp(id: NodeId): boolean {
    return this.cores.has(id)
  }

  upIds(): NodeId[] {
    return this.ids.filter((id) => this.cores.has(id))
  }

  /** The process dies: what was in flight to it is lost (what it sent may still arrive). */
  crash(id: NodeId): void {
    this.cores.delete(id)
    this.drop((envelope) => envelope.to === id)
  }

  /**
   * A brand-new node with an empty disk (thesis §4.1): it starts from the bootstrap configuration,
   * which does not list it, so it waits for a leader to add it.
   */
  addNode(id: NodeId): void {
    if (this.ids.includes(id)) throw new Error(`${id} already exists`)
    this.ids.push(id)
    this.persisted.set(id, [])
    this.start(id)
  }

  reconfigure(leader: NodeId, change: ConfigChange): void {
    this.step(leader, { kind: 'reconfigure', change })
  }

  /** A new incarnation built from the node's persisted records; volatile state starts over. */
  restart(id: NodeId): void {
    if (this.cores.has(id)) this.crash(id)
    this.start(id)
  }

  private start(id: NodeId): void {
    const incarnation = (this.incarnations.get(id) ?? 0) + 1
    this.incarnations.set(id, incarnation)
    const options: RaftOptions = {
      ...defaultOptions,
      ...this.config.options,
      ...this.config.nodeOptions?.[id],
      id,
      members: this.bootstrap,
      random: seededRandom(this.seed, `${id}#${incarnation}`),
      persisted: [...(this.persisted.get(id) ?? [])],
    }
    const core = new RaftCore(options)
    this.cores.set(id, core)
    // The state machine here is the list of applied entries; a snapshot is that list, encoded.
    const snapshot = core.latestSnapshot()
    this.applied.set(id, snapshot === undefined ? [] : decodeApplied(snapshot.data))
  }

  role(id: NodeId): string {
    return this.core(id).status().role
  }

  term(id: NodeId): number {
    return this.core(id).status().term
  }

  /** The live leader with the highest term, if any. */
  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined
    for (const [id, core] of this.cores) {
      const status = core.status()
      if (status.role === 'leader' && (best === undefined || status.term > best.term)) best = { id, term: status.term }
    }
    return best?.id
  }

  followerProgressOf(leader: NodeId, follower: NodeId) {
    return this.core(leader).followerProgress(follower)
  }

  leadersByTerm(): ReadonlyMap<number, NodeId> {
    return this.leaderOfTerm
  }

  log(id: NodeId): LogEntry[] {
    const core = this.core(id)
    const entries: LogEntry[] = []
    for (let index = core.logBaseIndex() + 1; index <= core.status().lastIndex; index += 1) entries.push(core.entryAt(index)!)
    return entries
  }

  logTerms(id: NodeId): number[] {
    return this.log(id).map((entry) => entry.term)
  }

  // -- inputs --------------------------------------------------------------------------------------

  /** The node's monotonic clock, in ms. */
  clockMs(id: NodeId): number {
    return this.clocks.get(id) ?? 0
  }

  /** Time passes on `id`'s clock without its timer firing (its event loop is blocked or starved). */
  elapse(id: NodeId, ms: number): void {
    this.clocks.set(id, this.clockMs(id) + ms)
  }

  step(id: NodeId, input: RaftInput): void {
    const core = this.cores.get(id)
    if (core === undefined) return
    if (input.kind === 'tick') this.elapse(id, this.tickMs(id))
    input = { ...input, nowMs: this.clockMs(id) }
    if (input.kind === 'read') for (const readId of input.readIds) this.readIssuedAt.set(readId, this.appliedMax)
    let ready
    try {
      ready = core.step(input)
    } catch (error) {
      this.violation(`${id} stopped: ${(error as Error).message}`)
      this.crash(id)
      return
    }
    this.absorb(id, core, ready)
  }

  transfer(from: NodeId, to: NodeId): void {
    this.step(from, { kind: 'transfer', target: to })
  }

  private tickMs(id: NodeId): number {
    return this.config.nodeOptions?.[id]?.tickMs ?? this.config.options?.tickMs ?? defaultOptions.tickMs
  }

  tick(id: NodeId, times = 1): void {
    for (let count = 0; count < times; count += 1) this.step(id, { kind: 'tick' })
  }

  tickAll(times = 1): void {
    for (let count = 0; count < times; count += 1) for (const id of this.upIds()) this.step(id, { kind: 'tick' })
  }

  propose(id: NodeId, ...commands: Command[]): void {
    this.step(id, { kind: 'propose', proposals: commands.map((command) => ({ command })) })
  }

  read(id: NodeId, ...readIds: number[]): void {
    this.step(id, { kind: 'read', readIds })
  }

  /** Ticks `id` alone until its election timer fires and it asks for (pre-)votes. */
  campaign(id: NodeId): void {
    const ticksMax = (this.config.options?.electionTimeoutTicks ?? defaultOptions.electionTimeoutTicks)[1] + 1
    const asks = (): number => this.sent.filter((envelope) => envelope.from === id && isVoteRequest(envelope)).length
    const before = asks()
    for (let count = 0; count < ticksMax && asks() === before && this.role(id) !== 'leader'; count += 1) this.tick(id)
    if (asks() === before && this.role(id) !== 'leader') throw new Error(`${id} did not campaign within ${ticksMax} ticks`)
  }

  /**
   * `candidate` campaigns, with vote traffic delivered only among itself and `voters`, until it wins
   * (a few attempts: voters that already voted in a term refuse, so the next term may be needed).
   * Everything else stays in flight.
   */
  electWith(candidate: NodeId, voters: NodeId[], attemptsMax = 4): void {
    const group = new Set([candidate, ...voters])
    const voteTraffic = (envelope: Envelope): boolean =>
      isVoteMessage(envelope) && group.has(envelope.from) && group.has(envelope.to)
    for (let attempt = 0; attempt < attemptsMax && this.role(candidate) !== 'leader'; attempt += 1) {
      this.campaign(candidate)
      this.stabilize(voteTraffic)
      this.drop(isVoteMessage)
    }
    if (this.role(candidate) !== 'leader') throw new Error(`${candidate} did not win with ${voters.join(', ')}`)
  }

  /** `id` campaigns and every message is delivered until the network is quiet. */
  elect(id: NodeId): void {
    this.campaign(id)
    this.stabilize()
    if (this.role(id) !== 'leader') throw new Error(`${id} did not win: it is ${this.role(id)}`)
  }

  // -- network -------------------------------------------------------------------------------------

  /** Delivers the first in-flight message matching `filter` (FIFO); false if none. */
  deliverOne(filter: (envelope: Envelope) => boolean = () => true): boolean {
    const position = this.network.findIndex(filter)
    if (position < 0) return false
    this.deliverAt(position)
    return true
  }

  deliverAt(position: number, keepCopy = false): void {
    const envelope = this.network[position]
    if (!keepCopy) this.network.splice(position, 1)
    if (this.cutLinks.has(linkKey(envelope.from, envelope.to))) return
    this.step(envelope.to, { kind: 'message', from: envelope.from, message: envelope.message })
  }

  /** Delivers matching messages (including those they cause) until none is in flight. */
  stabilize(filter: (envelope: Envelope) => boolean = () => true): void {
    for (let count = 0; count < deliveriesPerStabilizeMax; count += 1) {
      if (!this.deliverOne(filter)) return
    }
    throw new Error(`network did not quiet down within ${deliveriesPerStabilizeMax} deliveries`)
  }

  /** Removes matching in-flight messages; returns them (so a test can re-inject one later). */
  drop(filter: (envelope: Envelope) => boolean = () => true): Envelope[] {
    const dropped = this.network.filter(filter)
    this.network = this.network.filter((envelope) => !filter(envelope))
    return dropped
  }

  inject(envelope: Envelope): void {
    this.network.push(envelope)
  }

  inFlight(filter: (envelope: Envelope) => boolean = () => true): Envelope[] {
    return this.network.filter(filter)
  }

  /** Cuts every link between the groups (messages already in flight across them are lost too). */
  partition(...groups: NodeId[][]): void {
    this.heal()
    for (const group of groups) {
      for (const other of groups) {
        if (other === group) continue
        for (const a of group) for (const b of other) this.cutLinks.add(linkKey(a, b))
      }
    }
  }

  isolate(id: NodeId): void {
    this.partition([id], this.ids.filter((other) => other !== id))
  }

  heal(): void {
    this.cutLinks.clear()
  }

  // -- checks --------------------------------------------------------------------------------------

  /**
   * Log matching (§5.3): if two logs hold an entry with the same index and term, the logs are
   * identical in all entries up through that index.
   */
  checkLogMatching(): void {
    const ids = this.upIds()
    for (let first = 0; first < ids.length; first += 1) {
      for (let second = first + 1; second < ids.length; second += 1) this.checkPair(ids[first], ids[second])
    }
  }

  private checkPair(a: NodeId, b: NodeId): void {
    const logA = this.core(a)
    const logB = this.core(b)
    // Below either base the entries are compacted: the snapshots' contents are checked as applied entries.
    const base = Math.max(logA.logBaseIndex(), logB.logBaseIndex())
    let index = Math.min(logA.status().lastIndex, logB.status().lastIndex)
    while (index > base && logA.termAt(index) !== logB.termAt(index)) index -= 1
    for (; index > base; index -= 1) {
      const entryA = logA.entryAt(index)!
      const entryB = logB.entryAt(index)!
      if (entryA.term !== entryB.term || entryKey(entryA) !== entryKey(entryB)) {
        this.violation(`log matching: ${a} and ${b} differ at index ${index} below a common (index, term)`)
        return
      }
    }
  }

  private absorb(id: NodeId, core: RaftCore, ready: ReturnType<RaftCore['step']>): void {
    this.persisted.get(id)!.push(...ready.persist)
    const config = core.configuration()
    if (config.committed && config.index > (this.committedConfig?.index ?? -1)) this.committedConfig = config
    for (const { to, message } of ready.messages) {
      const envelope = { from: id, to, message }
      this.network.push(envelope)
      this.sent.push(envelope)
    }
    for (const event of ready.events) this.onEvent(id, core, event)
    if (ready.installSnapshot !== undefined) this.onInstall(id, ready.installSnapshot)
    for (const entry of ready.applied) this.onApplied(id, entry)
    if (ready.takeSnapshot !== undefined) {
      const applied = this.applied.get(id)!
      if (applied.length !== ready.takeSnapshot.index) this.violation(`${id} asked for a snapshot through ${ready.takeSnapshot.index} having applied ${applied.length}`)
      this.snapshotsTaken.push({ id, index: ready.takeSnapshot.index })
      this.step(id, { kind: 'snapshot', index: ready.takeSnapshot.index, data: encodeApplied(applied) })
    }
    for (const { readId } of ready.reads) this.onRead(id, core, readId)
    for (const rejection of ready.rejections) listOf(this.rejections, id).push(rejection)
  }

  private onEvent(id: NodeId, core: RaftCore, event: CoreEvent): void {
    listOf(this.events, id).push(event)
    if (event.kind !== 'role' || event.role !== 'leader') return
    const previous = this.leaderOfTerm.get(event.term)
    if (previous !== undefined && previous !== id) {
      this.violation(`election safety: ${previous} and ${id} both lead term ${event.term}`)
    }
    this.leaderOfTerm.set(event.term, id)
    this.checkLeaderConfig(id, core, event.term)
    for (const [index, applied] of this.appliedAnywhere) {
      if (index < core.logBaseIndex()) continue // compacted: its snapshot was checked when installed or taken
      if (core.termAt(index) !== applied.term) {
        this.violation(`leader completeness: ${id}, leader of term ${event.term}, lacks applied index ${index}`)
        return
      }
    }
  }

  private checkLeaderConfig(id: NodeId, core: RaftCore, term: number): void {
    const problem = leaderConfigurationProblem(id, core.configuration(), this.committedConfig)
    if (problem !== undefined) this.violation(`configurations: leader of term ${term}: ${problem}`)
  }

  /** A snapshot replaces the state machine: every entry it holds must be what was applied anywhere at its index. */
  private onInstall(id: NodeId, snapshot: { index: number; data: Uint8Array }): void {
    const entries = decodeApplied(snapshot.data)
    if (entries.length !== snapshot.index) this.violation(`${id} installed a snapshot through ${snapshot.index} holding ${entries.length} entries`)
    for (const entry of entries) {
      const earlier = this.appliedAnywhere.get(entry.index)
      if (earlier === undefined || earlier.term !== entry.term || earlier.key !== entryKey(entry)) {
        this.violation(`state machine safety: ${id} installed a snapshot holding term ${entry.term} at index ${entry.index}, never applied so anywhere`)
        break
      }
    }
    this.applied.set(id, entries)
    this.snapshotsInstalled.push({ id, index: snapshot.index })
  }

  private onApplied(id: NodeId, entry: AppliedEntry): void {
    const applied = this.applied.get(id)!
    if (entry.index !== applied.length + 1) {
      this.violation(`${id} applied index ${entry.index} after ${applied.length}`)
    }
    applied.push(entry)
    const key = entryKey(entry)
    const earlier = this.appliedAnywhere.get(entry.index)
    if (earlier === undefined) {
      this.appliedAnywhere.set(entry.index, { term: entry.term, key })
    } else if (earlier.term !== entry.term || earlier.key !== key) {
      this.violation(
        `state machine safety: ${id} applied term ${entry.term} at index ${entry.index}, already applied with term ${earlier.term}`,
      )
    }
    this.appliedMax = Math.max(this.appliedMax, entry.index)
  }

  private onRead(id: NodeId, core: RaftCore, readId: number): void {
    listOf(this.servedReads, id).push(readId)
    const issuedAt = this.readIssuedAt.get(readId)
    const appliedIndex = core.status().appliedIndex
    if (issuedAt !== undefined && appliedIndex < issuedAt) {
      this.violation(`stale read: ${id} served read ${readId} at applied ${appliedIndex}; ${issuedAt} was applied before it was issued`)
    }
  }

  private violation(text: string): void {
    this.violations.push(text)
    if (this.config.failFast) throw new Error(`violation: ${text}`)
  }
}

function listOf<T>(map: Map<NodeId, T[]>, id: NodeId): T[] {
  let list = map.get(id)
  if (list === undefined) {
    list = []
    map.set(id, list)
  }
  return list
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}->${to}`
}

function entryKey(entry: { command: Command; tag?: unknown }): string {
  return JSON.stringify([entry.command, entry.tag ?? null])
}

function isVoteRequest(envelope: Envelope): boolean {
  return envelope.message.type === 'RequestVote' || envelope.message.type === 'PreVote'
}

export function isVoteMessage(envelope: Envelope): boolean {
  const type = envelope.message.type
  return type === 'RequestVote' || type === 'RequestVoteResponse' || type === 'PreVote' || type === 'PreVoteResponse'
}

/** Message type predicates for delivery filters. */
export function ofType(type: RaftMessage['type'], from?: NodeId, to?: NodeId): (envelope: Envelope) => boolean {
  return (envelope) =>
    envelope.message.type === type && (from === undefined || envelope.from === from) && (to === undefined || envelope.to === to)
}

export function between(from: NodeId | undefined, to: NodeId | undefined): (envelope: Envelope) => boolean {
  return (envelope) => (from === undefined || envelope.from === from) && (to === undefined || envelope.to === to)
}

/** The test state machine's snapshot format: its applied entries as JSON. */
export function encodeApplied(entries: readonly AppliedEntry[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(entries))
}

export function decodeApplied(data: Uint8Array): AppliedEntry[] {
  return JSON.parse(new TextDecoder().decode(data)) as AppliedEntry[]
}
