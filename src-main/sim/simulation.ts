/**
 * The deterministic simulator: the same pure cores the replicas run, driven by one agenda of timed
 * events in virtual time (µs). Each step takes the earliest event (a node's tick, a message
 * arrival, a client request or reply, a fault) and handles it; the safety monitor checks after
 * every step. Nothing reads a clock or Math.random: every draw comes from generators seeded by
 * (seed, purpose), so a seed replays exactly.
 *
 * A run has two phases (TigerBeetle's VOPR):
 *   safety    faults at the seed's rates, clients writing and reading, for `stepsMax` steps;
 *   liveness  everything healed and restarted, loss off, nemesis quiet; within the protocol's
 *             bound the probe client's write must be acknowledged and the correct nodes must
 *             converge (a leader exists and every node applied its whole log, for Raft). Then
 *             nothing applied may be missing and the client history must be linearizable.
 *
 * Ready handling keeps the contract's order (persist, send, apply and reply, reads, rejections).
 * A crash may land inside a Ready: then only a prefix of those effects happens. Records are
 * written one by one, so the prefix may end between two records (a torn WAL tail), and nothing
 * that follows a record in that order has left the node before it: a crash never lets out a
 * message whose records were lost, apart from what the core marks as leaving before them
 * (OutboundMessage.leavesBefore): a 'write' message may be out while its records are lost; a
 * 'sync' one follows the records' write but not their fsync.
 */
import { randomInt, seededRandom } from '../protocols/common/random.js'
import { partitionCuts, resolveNodeTarget, type Fault, type FaultOf, type TimedFault } from '../faults/fault.js'
import type { AnyProtocol, MembershipChange } from '../protocols/descriptor.js'
import type { IndexedConfiguration } from '../checker/configurations.js'
import { descriptorOf, type ProtocolName } from '../protocols/registry.js'
import { assertNever } from '../protocols/types.js'
import type { AppliedEntry, Command, CommandResult, CoreInput, CoreStatus, NodeId, OutboundMessage, ProtocolCore, Random, Ready, Rejection, RequestTag } from '../protocols/types.js'
import { KeyValueStore } from '../kv/store.js'
import { Workload, type Outcome, type SimClient } from './clients.js'
import { commandText, DurableLog, type CommittedEntryAt } from './durable-log.js'
import { describeEvent, type SimEvent } from './events.js'
import { SafetyMonitor, type Violation } from './monitor.js'
import { Nemesis, nemesisActions, simFaultSupport, type ClusterView, type CrashLanding, type SimFault } from './nemesis.js'
import { SimNetwork } from './network.js'
import { EventQueue } from './queue.js'
import { checkHistory, replayCommand, type SimResult, type SimRunCounts } from './result.js'
import type { FaultReplay } from './replay.js'
import { describeScenario, drawScenario, shapedScenario, tickUs, type FaultProfile, type NodeClock, type Scenario, type SimShape } from './scenario.js'
import { TraceHasher } from './trace-hash.js'
import { simCrypto } from './auth.js'

export interface SimOptions {
  protocol: ProtocolName
  seed: number
  mutations?: readonly string[]
  /** Default 'all'. */
  faults?: FaultProfile
  /** Steps of the safety phase; default safetyStepsDefault. */
  stepsMax?: number
  /** Keep the line describing every step in the result (for --verbose). */
  recordSteps?: boolean
  /**
   * Do not stop at the first broken property: run both phases and the history check, and report
   * the first violation of every check (to see, say, that a split brain also shows in the history).
   */
  keepGoing?: boolean
  /**
   * A lab run's fault schedule to play instead of the nemesis (replay.ts planReplay): its cluster,
   * its faults at their virtual times, and a safety phase as long as its workload (stepsMax then
   * only bounds it).
   */
  replay?: FaultReplay
  /** A benchmark's workload and disks instead of the seed's (sim/bench.ts). */
  shape?: SimShape
  /**
   * The nemesis also changes the membership (protocols with membership changes: Raft): spare nodes
   * join as learners, learners are promoted, members (the leader too) are removed, at a rate drawn
   * per seed and, in half the seeds, at once when a leader is elected. Off by default, so every
   * other seed runs what it always ran.
   */
  membership?: boolean
}

/** Nodes that may join over a run with membership changes, beyond the seed's own. */
export const sparesMax = 3

export const safetyStepsDefault = 3_000
/** Seeds feed 32-bit generators; larger ones would alias smaller ones. */
export const seedMax = 0xffff_ffff
/** Upper bound for --steps, so a typo cannot run for hours. */
export const safetyStepsLimit = 10_000_000
/** Steps the liveness phase may take whatever its virtual-time bound (a livelock must end). */
export const livenessStepsMax = 200_000
/** A 'quorum' style client resends a request to every replica at most this often before giving up (info). */
export const clientRetransmitsMax = 8
/** Events a paused node holds for its resume; beyond it they are lost (a full socket buffer). */
export const deferredPerNodeMax = 10_000
/** How long a membership change may take from its fault to its commit before it failed (the lab's membershipChangeMaxMs). */
export const membershipChangeMaxUs = 20_000_000
/**
 * A leader that was asked for a change and has not committed it is asked again once its commit
 * index moved and this long passed: a refusal (its noop or a change still uncommitted) waits for a
 * commit, and asking again a leader that appended the change is refused harmlessly.
 */
const membershipRetryUs = 5 * tickUs
/** A proposal neither committed nor refused for this long is made again to the leader of the moment (the lab's membershipAttemptMs). */
const membershipAttemptUs = 3_000_000
/** Membership changes waiting their turn at most; past it a change is refused (a runaway schedule). */
export const membershipQueueMax = 64

/** A membership change under way: proposed to whoever leads until the newest committed configuration shows it. */
interface MembershipTask {
  change: MembershipChange
  deadlineUs: number
  proposals: number
  /** The leader it was last proposed to, in which term, at which commit index, when. */
  last?: { leader: NodeId; term: number; commitIndex: number; atUs: number }
  /** A removal asked of the node it removes, while it led (thesis §4.2.2). */
  proposedToItself?: boolean
}

type AnyMessage = { type: string }
type AnyCore = ProtocolCore<AnyMessage, unknown>
type AnyReady = Ready<AnyMessage, unknown>
type PendingRequest = { client: number; opId: number }

/** A replica's answer to a client in the quorum style: the request (client, seq), its result, and the replica's view. */
interface SimReply {
  clientId: string
  seq: number
  /** Absent in a digest reply (TOCS §5.1.1), which carries resultDigest. */
  result?: CommandResult
  resultDigest?: string
  view: number
  /** The command the replica executed under that tag, when it knows (not for cached replies). */
  command?: Command
  /** Executed before it committed: it counts only with tentativeReplyQuorum matching ones of the same view. */
  tentative?: boolean
  /** A read-only request's answer (TOCS §5.1.3): it counts only with readOnlyReplyQuorum matching ones. */
  readOnly?: boolean
}

export type Phase = 'safety' | 'liveness' | 'done'

/** Between a reply's kind and what it agrees on, in a quorum reply's result key. */
const resultKeySeparator = ' | '

/** A result key without its kind: what full replies of any kind supply the outcome for. */
function identityOfKey(resultKey: string): string {
  return resultKey.slice(resultKey.indexOf(resultKeySeparator) + resultKeySeparator.length)
}

/** One simulated replica: a core while it is up, and what survives it (its records). */
export interface SimNode {
  readonly id: NodeId
  readonly clock: NodeClock
  /** The members its core starts from: the cluster's, or for a node added later, the voters it joined (they do not list it). */
  readonly startMembers: readonly NodeId[]
  /** Taken out of the cluster by a membership change and stopped for good (never restarted). */
  removed: boolean
  core: AnyCore | undefined
  /** The core's status after its latest step (a core changes only when it steps, and some compute it dearly). */
  status: CoreStatus | undefined
  incarnation: number
  paused: boolean
  /** Events that reached the node while it was paused; handled on resume, in arrival order. */
  deferred: SimEvent[]
  /** Tick events from before a crash or pause carry an older token and are skipped. */
  tickToken: number
  readonly records: unknown[]
  readonly durable: DurableLog
  kv: KeyValueStore
  /** Client requests waiting for the core: proposals by tag "clientId#seq", reads by read id. */
  proposals: Map<string, PendingRequest>
  reads: Map<number, PendingRequest & { key: string; requiredIndex: number; tag: RequestTag }>
  /** A crash armed to land inside the node's next Ready. */
  crashArmed: { restartAfterUs: number | undefined } | undefined
  /** Its timers fire this many times late (the slow-timers fault; the seed's clock.timerFactor otherwise). */
  timerFactor: number
  /**
   * The lab's clockSkew: the node's clock, timers and `nowMs` alike, runs at this rate. `nowMs`
   * counts on from `clockBaseMs`, what it read when the rate last changed at `clockBaseUs`.
   */
  clockRate: number
  clockBaseUs: number
  clockBaseMs: number
  /** How long one fsync blocks the node: its disk's (clock.fsyncUs) plus a slowDisk fault's. */
  fsyncUs: number
  /** A jittery disk (slowDisk's jitterMs): each fsync blocks 0..this much longer, drawn per fsync. */
  fsyncJitterUs: number
  /** In a slow fsync: the rest of a Ready waits in afterSync, and events wait in `deferred`. */
  blocked: boolean
  afterSync: (() => void)[]
}

/** What one step did, for replays and the UI. */
export interface SimStep {
  step: number
  timeUs: number
  phase: Phase
  event: SimEvent
  /** What came of it when the event alone does not say ("lost: link cut", "deferred: paused"). */
  note: string
  /** The line folded into the trace hash (and printed by --verbose). */
  line: string
  violation?: Violation
}

export class Simulation {
  readonly scenario: Scenario
  readonly protocol: AnyProtocol
  readonly nodes: SimNode[]
  readonly network: SimNetwork
  readonly workload: Workload
  readonly monitor: SafetyMonitor
  readonly clock = { step: 0, timeUs: 0 }
  readonly counts: SimRunCounts = {
    crashes: 0, crashesMidReady: 0, restarts: 0, cuts: 0, pauses: 0, coreSteps: 0, transfers: 0, slowSyncs: 0, staleReadsAllowed: 0, followerReads: 0,
    snapshotsTaken: 0, snapshotsInstalled: 0,
  }
  /** The applied-sequence hash of the first node to apply each index: what a snapshot through it must hold. */
  private readonly applyHashAt = new Map<number, string>()
  phase: Phase = 'safety'
  result: SimResult | undefined
  private readonly hasher = new TraceHasher()
  private readonly lines: string[] = []
  private readonly queue = new EventQueue<SimEvent>()
  private readonly nemesis: Nemesis
  /** Draws where a mid-Ready crash lands. */
  private readonly random: Random
  private readonly mutations: readonly string[]
  private readonly stepsMax: number
  private readonly faulty: ReadonlySet<NodeId>
  private readonly clientTimeoutUs: number
  /** Matching replies a client needs ('quorum' style); 1 for 'leader'. */
  private readonly replyQuorum: number
  /** Matching tentative replies of one view a client needs ('quorum' style with tentative execution). */
  private readonly tentativeReplyQuorum: number
  /** Matching read-only replies a client needs ('quorum' style with read-only requests, reads routed through the core). */
  private readonly readOnlyReplyQuorum: number
  /** The cores' digest function, as a client uses it to match digest replies with a full one. */
  private readonly clientDigest: (bytes: Uint8Array) => string
  private readIdNext = 1
  /** What correct nodes executed under each tag (first execution), for validity and forged replies. */
  private readonly executedCommands = new Map<string, string>()
  private livenessDeadlineUs = 0
  private livenessStartStep = 0
  private probeAcked = false
  /** Where gets go in this seed (the descriptor's reads.routeOf). */
  private readonly readRoute: 'core' | 'log' | 'local'
  /** Slow disks and slow timers are in force (the safety phase; the liveness phase heals them). */
  private slowNodes = true
  /** Draws random fault targets (follower, random, minority); made on first use. */
  private faultTargetRandom: Random | undefined
  /** Draws of the jittery disk, a stream of their own: a run without one draws nothing else differently. */
  private diskJitterRandom: Random | undefined
  /** Membership changes in fault order, one at a time (as the lab queues them), and whether a poll is queued. */
  private readonly membershipTasks: MembershipTask[] = []
  private membershipPolling = false
  /** A membership fault happened: the liveness phase converges on the final configuration. */
  private membershipUsed = false

  constructor(readonly options: SimOptions) {
    if (!Number.isSafeInteger(options.seed) || options.seed < 0 || options.seed > seedMax) {
      throw new Error(`seed must be a whole number in [0, ${seedMax}], got ${options.seed}`)
    }
    this.protocol = descriptorOf(options.protocol)
    this.mutations = validateMutations(this.protocol, options.mutations ?? [])
    this.stepsMax = validateSteps(options.stepsMax ?? (options.replay === undefined ? safetyStepsDefault : safetyStepsLimit))
    this.scenario = shapedScenario(drawScenario(options.seed, this.protocol, options.faults ?? 'all', options.replay, options.membership === true), options.shape)
    const { seed, members, settings } = this.scenario
    this.random = seededRandom(seed, 'sim:crash-points')
    this.network = new SimNetwork(this.scenario.network, seededRandom(seed, 'sim:network'))
    this.nemesis = new Nemesis(this.scenario.nemesis, () => this.memberIds(), seededRandom(seed, 'sim:nemesis'), seededRandom(seed, 'sim:nemesis-membership'))
    this.readRoute = this.protocol.reads.routeOf(settings)
    this.workload = new Workload(this.scenario.workload, members, seededRandom(seed, 'sim:workload'), this.readRoute === 'local')
    this.faulty = new Set(this.protocol.sim.faultyNodes?.(settings) ?? [])
    this.clientTimeoutUs = this.protocol.sim.clientTimeoutTicks(settings) * tickUs
    this.replyQuorum = this.protocol.clients.kind === 'quorum' ? this.protocol.clients.replyQuorum(settings, this.mutations) : 1
    this.tentativeReplyQuorum = this.protocol.clients.kind === 'quorum' && this.protocol.clients.tentative !== undefined ? this.protocol.clients.tentative.quorum(settings) : Number.POSITIVE_INFINITY
    this.clientDigest = simCrypto(members).digest
    this.readOnlyReplyQuorum = this.protocol.clients.kind === 'quorum' && this.protocol.clients.readOnly !== undefined ? this.protocol.clients.readOnly.quorum(settings) : Number.POSITIVE_INFINITY
    // A snapshot that replaces a durable log stands for the committed entries the monitor has seen.
    this.nodes = members.map((id, index) => newNode(id, members, this.scenario.clocks[index], (at) => this.monitor.committedEntryAt(at)))
    const durable = new Map(this.nodes.map((node) => [node.id, node.durable]))
    this.monitor = new SafetyMonitor(this.protocol, [...members], this.faulty, durable, this.clock)
    for (const node of this.nodes) this.start(node, node.clock.phaseUs)
    for (const client of this.workload.clients) if (!client.isProbe) this.schedule((options.shape?.workloadStartUs ?? 0) + this.workload.thinkUs(), { kind: 'invoke', client: client.process })
    for (const action of nemesisActions) {
      const afterUs = this.nemesis.nextUs(action)
      if (afterUs !== undefined) this.schedule(afterUs, { kind: 'nemesis', action })
    }
    for (const { atUs, fault } of options.replay?.faults ?? []) this.schedule(atUs, { kind: 'fault', fault })
  }

  // ---------------------------------------------------------------------------------------------
  // The loop

  /** Runs one step; undefined once the run is over (then `result` is set). */
  step(): SimStep | undefined {
    if (this.phase === 'done') return undefined
    let event: SimEvent
    let note: string
    if (this.phase === 'safety' && (this.clock.step >= this.stepsMax || this.replayedRunOver())) {
      event = { kind: 'phase', phase: 'liveness' }
      this.clock.step += 1
      note = this.startLiveness()
    } else {
      const next = this.popLive()
      this.clock.step += 1
      this.clock.timeUs = next.timeUs
      event = next.event
      note = this.handle(event)
    }
    return this.afterStep(event, note)
  }

  /** A replayed run's safety phase lasts as long as the run's workload did, in virtual time. */
  private replayedRunOver(): boolean {
    const replay = this.options.replay
    if (replay === undefined) return false
    return (this.queue.peek()?.timeUs ?? Number.POSITIVE_INFINITY) > replay.durationUs
  }

  run(): SimResult {
    while (this.step() !== undefined) {
      // Each step checks the invariants itself; the run ends at a violation or after liveness.
    }
    return this.result!
  }

  /** Every node as it is now, for step-by-step views. */
  nodeViews(): NodeView[] {
    return this.nodes.map((node) => {
      const view: NodeView = {
        id: node.id, up: node.core !== undefined, paused: node.paused, incarnation: node.incarnation,
        records: node.records.length, durableLastIndex: node.durable.lastIndex, appliedIndex: node.kv.appliedIndex,
      }
      if (node.status !== undefined) view.status = node.status
      return view
    })
  }

  private popLive(): { timeUs: number; event: SimEvent } {
    for (;;) {
      const next = this.queue.pop()
      if (next === undefined) throw new Error('sim: the agenda ran dry, but live nodes always have a tick queued')
      if (next.event.kind !== 'tick' || !this.isStaleTick(next.event)) return next
    }
  }

  private afterStep(event: SimEvent, note: string): SimStep {
    const line = `${this.clock.step} ${this.clock.timeUs} ${describeEvent(event)}${note === '' ? '' : ` (${note})`}${this.statusSuffix(event)}`
    this.hasher.add(line)
    if (this.options.recordSteps) this.lines.push(line)
    if (this.phase === 'liveness') this.checkLiveness()
    if (this.monitor.violation !== undefined && this.phase !== 'done' && !this.options.keepGoing) this.finish(false)
    const step: SimStep = { step: this.clock.step, timeUs: this.clock.timeUs, phase: this.phase, event, note, line }
    if (this.monitor.violation !== undefined) step.violation = this.monitor.violation
    return step
  }

  private handle(event: SimEvent): string {
    switch (event.kind) {
      case 'tick': {
        const node = this.node(event.node)
        return node.blocked ? this.defer(node, event) : this.onTick(node)
      }
      case 'synced':
        return this.onSynced(event)
      case 'snapshot': {
        const node = this.node(event.node)
        if (node.core === undefined || node.incarnation !== event.incarnation) return 'stale: the node crashed meanwhile'
        if (node.blocked) return this.defer(node, event)
        this.stepCore(node, this.protocol.host.snapshotInput!(event.index, event.data) as CoreInput<AnyMessage>)
        return ''
      }
      case 'deliver':
        return this.onDeliver(event)
      case 'request':
        return this.onRequest(event)
      case 'reply':
        return this.onReply(event)
      case 'invoke':
        return this.onInvoke(this.workload.clients[event.client])
      case 'timeout':
        return this.onTimeout(this.workload.clients[event.client], event.opId)
      case 'nemesis':
        return this.onNemesis(event.action)
      case 'fault':
        return this.applyFault(event.fault, event.landing)
      case 'membership':
        return this.onMembership()
      case 'phase':
        throw new Error('sim: phase events are never queued')
      default:
        return assertNever(event, 'sim event')
    }
  }

  private schedule(afterUs: number, event: SimEvent): void {
    this.queue.push(this.clock.timeUs + afterUs, event)
  }

  private node(id: NodeId): SimNode {
    const node = this.nodes.find((candidate) => candidate.id === id)
    if (node === undefined) throw new Error(`sim: no node ${id}`)
    return node
  }

  // ---------------------------------------------------------------------------------------------
  // Node lifecycle

  /** A fresh incarnation from the node's records; the state machine starts empty (the core replays). */
  private start(node: SimNode, firstTickAfterUs: number): void {
    node.incarnation += 1
    node.tickToken += 1
    node.paused = false
    node.deferred = []
    node.kv = new KeyValueStore()
    node.proposals = new Map()
    node.reads = new Map()
    this.monitor.restarted(node.id)
    const random = seededRandom(this.scenario.seed, `sim:core:${node.id}#${node.incarnation}`)
    const { members, settings } = this.scenario
    try {
      node.core = this.protocol.createCore(settings, [...node.records], {
        id: node.id, members: node.startMembers, tickMs: tickUs / 1000, random: () => random, auth: simCrypto(members), mutations: this.mutations, byzantine: this.protocol.sim.byzantineOf?.(settings, node.id),
      })
      node.status = node.core.status()
    } catch (error) {
      this.monitor.fail('core-assertion', `${node.id} could not start from its ${node.records.length} records: ${(error as Error).message}`)
      return
    }
    const snapshot = this.protocol.host.recoveredSnapshot?.(node.core)
    if (snapshot !== undefined) this.restoreSnapshot(node, snapshot, 'restored on restart')
    this.schedule(firstTickAfterUs, { kind: 'tick', node: node.id, token: node.tickToken })
  }

  /** The process dies: volatile state and pending requests go; records stay. `counted`: a crash (not a removal). */
  private crash(node: SimNode, restartAfterUs: number | undefined, counted = true): void {
    node.core = undefined
    node.status = undefined
    node.tickToken += 1
    node.paused = false
    node.deferred = []
    node.proposals = new Map()
    node.reads = new Map()
    node.crashArmed = undefined
    node.blocked = false
    node.afterSync = []
    this.monitor.crashed(node.id)
    if (counted) this.counts.crashes += 1
    if (restartAfterUs !== undefined) this.schedule(restartAfterUs, { kind: 'fault', fault: { kind: 'restart', target: node.id } })
  }

  private resume(node: SimNode): void {
    node.paused = false
    node.tickToken += 1
    this.schedule(this.tickPeriodUs(node), { kind: 'tick', node: node.id, token: node.tickToken })
    for (const event of node.deferred) this.schedule(0, event)
    node.deferred = []
  }

  /** Until its next tick: the clock's period, stretched while the node's timers run late. */
  private tickPeriodUs(node: SimNode): number {
    return this.slowNodes ? Math.round((node.clock.periodUs * node.timerFactor) / node.clockRate) : Math.round(node.clock.periodUs / node.clockRate)
  }

  /**
   * The node's monotonic clock in ms, as every input carries it: virtual time at the rate of its
   * crystal (its drift), whatever its timers do.
   */
  private nodeNowMs(node: SimNode): number {
    return node.clockBaseMs + (((this.clock.timeUs - node.clockBaseUs) * tickUs) / node.clock.periodUs / 1000) * node.clockRate
  }

  /** A new clock rate from now on; what the node's clock read so far stays (it never goes back). */
  private setClockRate(node: SimNode, rate: number): void {
    node.clockBaseMs = this.nodeNowMs(node)
    node.clockBaseUs = this.clock.timeUs
    node.clockRate = rate
  }

  /** A slow fsync finished: the rest of the Ready goes out, then what waited for the node. */
  private onSynced(event: Extract<SimEvent, { kind: 'synced' }>): string {
    const node = this.node(event.node)
    if (node.core === undefined || node.incarnation !== event.incarnation || !node.blocked) return 'stale: the node crashed meanwhile'
    const actions = node.afterSync
    node.blocked = false
    node.afterSync = []
    for (const action of actions) action()
    const waited = node.deferred.length
    for (const deferred of node.deferred) this.schedule(0, deferred)
    node.deferred = []
    if (node.core !== undefined) this.monitor.afterStep(node.id, node.core, node.status)
    return `${waited} events waited`
  }

  private isStaleTick(event: Extract<SimEvent, { kind: 'tick' }>): boolean {
    const node = this.node(event.node)
    return node.core === undefined || node.paused || event.token !== node.tickToken
  }

  private defer(node: SimNode, event: SimEvent): string {
    const why = node.paused ? 'paused' : 'in a slow fsync'
    if (node.deferred.length >= deferredPerNodeMax) return `lost: ${node.id} ${why} with a full buffer`
    node.deferred.push(event)
    return `deferred: ${node.id} ${why}`
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  private onTick(node: SimNode): string {
    this.schedule(this.tickPeriodUs(node), { kind: 'tick', node: node.id, token: node.tickToken })
    this.stepCore(node, { kind: 'tick' })
    return ''
  }

  private onDeliver(event: Extract<SimEvent, { kind: 'deliver' }>): string {
    const node = this.node(event.to)
    if (event.received === undefined) {
      this.network.landed()
      if (node.core === undefined) return `lost: ${node.id} is down`
      if (this.network.isCut(event.from, event.to)) return 'lost: link cut'
    }
    if (node.core === undefined) return `lost: ${node.id} is down`
    if (node.paused || node.blocked) return this.defer(node, { ...event, received: true })
    this.stepCore(node, { kind: 'message', from: event.from, message: event.message })
    return ''
  }

  private onRequest(event: Extract<SimEvent, { kind: 'request' }>): string {
    const node = this.node(event.node)
    if (node.core === undefined) return `lost: ${node.id} is down`
    if (node.paused || node.blocked) return this.defer(node, event)
    const pending = { client: event.client, opId: event.opId }
    if (event.command.op === 'get' && this.readRoute === 'local') return this.serveLocalRead(node, event, pending)
    if (event.command.op === 'get' && this.readRoute === 'core' && event.ordered !== true) {
      const readId = this.readIdNext
      this.readIdNext += 1
      node.reads.set(readId, { ...pending, key: event.command.key, requiredIndex: event.requiredIndex, tag: event.tag })
      this.stepCore(node, { kind: 'read', readIds: [readId], keys: [event.command.key] })
      return `read ${readId}`
    }
    // 'quorum' style: every replica answers whoever the tag names, so nothing waits here.
    if (this.protocol.clients.kind === 'leader') node.proposals.set(tagKey(event.tag), pending)
    this.stepCore(node, { kind: 'propose', proposals: [{ command: event.command, tag: event.tag }] })
    return ''
  }

  /**
   * A follower read: this node answers from its own state at once, caught up or not. Such reads may
   * be stale by design, so they stay out of the history's linearizability check and the freshness
   * check; the ones that were stale are counted, to show the mode was exercised.
   */
  private serveLocalRead(node: SimNode, event: Extract<SimEvent, { kind: 'request' }>, pending: PendingRequest): string {
    const key = event.command.op === 'get' ? event.command.key : ''
    const result = node.kv.read({ op: 'get', key })
    const stale = node.kv.appliedIndex < event.requiredIndex
    if (stale) this.counts.staleReadsAllowed += 1
    this.reply(node, pending, { type: 'ok', value: result.ok ? (result.value ?? null) : null })
    return `follower read at index ${node.kv.appliedIndex}${stale ? ` (stale: ${event.requiredIndex} was applied)` : ''}`
  }

  private onReply(event: Extract<SimEvent, { kind: 'reply' }>): string {
    const client = this.workload.clients[event.client]
    const op = client.op
    if (op?.opId !== event.opId) return 'stale: the client is past that operation'
    let outcome = event.outcome
    if (event.resultKey !== undefined) {
      const replicas = op.replies.get(event.resultKey) ?? new Set<NodeId>()
      replicas.add(event.node)
      op.replies.set(event.resultKey, replicas)
      const quorum = event.quorum ?? this.replyQuorum
      op.replyQuorums.set(event.resultKey, quorum)
      const identity = identityOfKey(event.resultKey)
      if (outcome !== undefined) op.fullOutcomes.set(identity, outcome)
      outcome = op.fullOutcomes.get(identity)
      // A full reply may complete the count of another kind (the designated replica committed while
      // the others answered tentatively, by digest); a digest reply only its own.
      const counted = event.outcome !== undefined ? [...op.replies.keys()].filter((key) => identityOfKey(key) === identity) : [event.resultKey]
      const complete = counted.some((key) => op.replies.get(key)!.size >= op.replyQuorums.get(key)!)
      if (!complete) return `${replicas.size} of ${quorum} matching replies`
      // Matching digests without the result in full: the client waits (and retransmits) for it.
      if (outcome === undefined) return `${replicas.size} matching digests, no full reply yet`
    }
    if (outcome === undefined) return 'no outcome'
    this.workload.complete(client, outcome, this.clock.timeUs, event.node)
    if (event.view !== undefined && this.protocol.clients.kind === 'quorum') client.leaderHint = this.protocol.clients.leaderOfView(this.scenario.members, event.view)
    if (client.isProbe && outcome.type === 'ok') this.probeAcked = true
    this.scheduleNextInvoke(client)
    return ''
  }

  private onInvoke(client: SimClient): string {
    const active = client.isProbe ? this.phase === 'liveness' && !this.probeAcked : this.phase === 'safety' && !this.workload.atCapacity
    if (!active || client.op !== undefined) return 'idle'
    const op = this.workload.invoke(client, this.clock.timeUs)
    // A quorum client's read-only request (TOCS §5.1.3) goes to every replica; anything else to one node.
    const readOnly = op.command.op === 'get' && this.readRoute === 'core' && this.readOnlyReplyQuorum !== Number.POSITIVE_INFINITY
    for (const node of readOnly ? this.scenario.members : [op.node]) {
      const request: SimEvent = {
        kind: 'request', client: client.process, opId: op.opId, node, command: op.command, tag: op.tag, requiredIndex: this.monitor.committedIndex,
      }
      this.schedule(this.network.clientDelayUs(), request)
    }
    this.schedule(this.clientTimeoutUs, { kind: 'timeout', client: client.process, opId: op.opId })
    return `op${op.opId} ${op.f} ${op.key} -> ${op.node}`
  }

  private onTimeout(client: SimClient, opId: number): string {
    const op = client.op
    if (op?.opId !== opId) return 'stale'
    if (this.protocol.clients.kind === 'quorum' && op.retransmits < clientRetransmitsMax) {
      // PBFT §4.1: the same request (same timestamp) to every replica; backups relay it and start their
      // timers. A read-only request that got no 2f+1 matching replies is now ordered (TOCS §5.1.3).
      op.retransmits += 1
      for (const node of this.scenario.members) {
        const request: SimEvent = { kind: 'request', client: client.process, opId, node, command: op.command, tag: op.tag, requiredIndex: this.monitor.committedIndex, ordered: true }
        this.schedule(this.network.clientDelayUs(), request)
      }
      this.schedule(this.clientTimeoutUs, { kind: 'timeout', client: client.process, opId })
      return `retransmit ${op.retransmits} to every replica`
    }
    this.workload.complete(client, { type: 'info', error: 'timeout' }, this.clock.timeUs, undefined)
    this.scheduleNextInvoke(client)
    return ''
  }

  private scheduleNextInvoke(client: SimClient): void {
    if (client.isProbe && this.probeAcked) return
    this.schedule(client.isProbe ? tickUs : this.workload.thinkUs(), { kind: 'invoke', client: client.process })
  }

  private onNemesis(action: (typeof nemesisActions)[number]): string {
    const afterUs = this.nemesis.nextUs(action)
    if (afterUs !== undefined) this.schedule(afterUs, { kind: 'nemesis', action })
    for (const scheduled of this.nemesis.strike(action, this.clusterView())) this.scheduleFault(scheduled.afterUs, scheduled.fault, scheduled.landing)
    return ''
  }

  private scheduleFault(afterUs: number, fault: SimFault, landing: CrashLanding | undefined): void {
    this.schedule(afterUs, landing === undefined ? { kind: 'fault', fault } : { kind: 'fault', fault, landing })
  }

  /**
   * Every fault of the lab's union and the simulator's own. A lab fault with a node target
   * (leader, random, crashed, ...) is resolved here, when it fires, by the runner's own rule.
   */
  private applyFault(fault: SimFault, landing: CrashLanding | undefined): string {
    switch (fault.kind) {
      case 'crash':
        return this.onTargets(fault.target, (node) => this.crashFault(node, landing?.midReady ?? false, landing?.restartAfterUs))
      case 'restart':
        return this.onTargets(fault.target, (node) => this.restartFault(node))
      case 'pause':
        return this.onTargets(fault.target, (node) => this.pauseFault(node))
      case 'resume':
        return this.onTargets(fault.target, (node) => this.resumeFault(node))
      case 'isolate':
        return this.onTargets(fault.target, (node) => this.isolateFault(node))
      case 'campaign':
        return this.onTargets(fault.target, (node) => this.inputFault(node, this.protocol.host.campaignInput, `${this.protocol.name} has no elections to start`))
      case 'partition':
        return this.partitionFault(fault)
      case 'cut':
        this.network.cut([fault.between[0]], [fault.between[1]])
        this.network.cut([fault.between[1]], [fault.between[0]])
        this.counts.cuts += 1
        return ''
      case 'cutOneWay':
        this.network.cut([fault.from], [fault.to])
        this.counts.cuts += 1
        return ''
      case 'heal':
        this.network.heal()
        return ''
      case 'network':
        return this.network.changeConditions(fault.conditions)
      case 'link':
        return this.network.changeLinkConditions(fault.from, fault.to, fault.conditions)
      case 'clockSkew':
        return this.onTargets(fault.target, (node) => {
          this.setClockRate(node, fault.factor)
          return ''
        })
      case 'slowDisk':
        // A persist delay in virtual time: each Ready with records blocks the node this much longer.
        return this.onTargets(fault.target, (node) => {
          node.fsyncUs = node.clock.fsyncUs + Math.round(fault.ms * 1000)
          node.fsyncJitterUs = Math.round((fault.jitterMs ?? 0) * 1000)
          return ''
        })
      case 'byzantine':
        return `not modelled: ${simFaultSupport(fault, this.protocol).reason}`
      case 'addNode':
      case 'promote':
      case 'removeNode':
        return this.membershipFault(fault)
      case 'transfer': {
        const node = this.node(fault.node)
        const transferInput = this.protocol.sim.transferInput
        if (node.core === undefined || node.paused || node.blocked || transferInput === undefined) return 'not running'
        this.counts.transfers += 1
        this.stepCore(node, transferInput(fault.target) as CoreInput<AnyMessage>)
        return ''
      }
      case 'reconfigure': {
        const node = this.node(fault.node)
        const reconfigureInput = this.protocol.host.reconfigureInput
        if (node.core === undefined || node.paused || node.blocked || reconfigureInput === undefined) return 'not running'
        // Convergence is on the final configuration from now on; a node this removes runs on, outside it.
        this.membershipUsed = true
        this.counts.changesAskedDirectly = (this.counts.changesAskedDirectly ?? 0) + 1
        this.stepCore(node, reconfigureInput(fault.change) as CoreInput<AnyMessage>)
        return ''
      }
      case 'slow-timers': {
        // The timer already set keeps its time; the ones after it stretch (or stop stretching).
        const node = this.node(fault.node)
        node.timerFactor = fault.timerFactor === 1 ? node.clock.timerFactor : fault.timerFactor
        return ''
      }
      default:
        return assertNever(fault, 'fault')
    }
  }

  /** Applies a node fault to every node its target names now; the note says which. */
  private onTargets(target: string, apply: (node: SimNode) => string): string {
    const nodes = resolveNodeTarget(target, this.targetView(), this.targetRandom())
    if (nodes.length === 0) return 'no node matched the target at that moment'
    const notes = nodes.map((id) => {
      const note = apply(this.node(id))
      return id === target ? note : `${id}${note === '' ? '' : `: ${note}`}`
    })
    return notes.filter((note) => note !== '').join('; ')
  }

  private targetView() {
    const nodes = this.nodes
    return {
      // Every node there is (a removed one too, so that a fault naming it finds it down).
      members: nodes.map((node) => node.id),
      up: nodes.filter((node) => node.core !== undefined && !node.paused).map((node) => node.id),
      crashed: nodes.filter((node) => node.core === undefined).map((node) => node.id),
      paused: nodes.filter((node) => node.core !== undefined && node.paused).map((node) => node.id),
      leader: this.leader()?.id,
    }
  }

  /** A jittery disk's extra block for one fsync, in 0..fsyncJitterUs. */
  private fsyncJitterOf(node: SimNode): number {
    if (node.fsyncJitterUs <= 0) return 0
    this.diskJitterRandom ??= seededRandom(this.scenario.seed, 'sim:disk-jitter')
    return randomInt(this.diskJitterRandom, 0, node.fsyncJitterUs)
  }

  /** The runner's stream name: a replayed run picks random targets from the same numbers. */
  private targetRandom(): Random {
    this.faultTargetRandom ??= seededRandom(this.scenario.seed, 'faults')
    return this.faultTargetRandom
  }

  /** A fault that is an input to the core (a campaign, a transfer), through its one input door. */
  private inputFault(node: SimNode, input: { kind: string } | undefined, missing: string): string {
    if (input === undefined) return missing
    if (node.core === undefined || node.paused || node.blocked) return 'not running'
    this.stepCore(node, input as CoreInput<AnyMessage>)
    return ''
  }

  /** A new cut replaces the one before (a pending heal may end it early): one shape at a time. */
  private partitionFault(fault: FaultOf<'partition'>): string {
    this.network.heal()
    for (const [from, to] of partitionCuts(fault, this.memberIds())) this.network.cut([from], [to])
    this.counts.cuts += 1
    return ''
  }

  /** The lab's isolate: on top of the cuts in force. */
  private isolateFault(node: SimNode): string {
    const others = this.memberIds().filter((member) => member !== node.id)
    this.network.cut([node.id], others)
    this.network.cut(others, [node.id])
    this.counts.cuts += 1
    return ''
  }

  private restartFault(node: SimNode): string {
    if (node.removed) return 'removed from the cluster: never restarted'
    if (node.core !== undefined) return 'already up'
    this.counts.restarts += 1
    this.start(node, node.clock.periodUs)
    return `incarnation ${node.incarnation} from ${node.records.length} records`
  }

  private resumeFault(node: SimNode): string {
    if (!node.paused) return 'not paused'
    const deferred = node.deferred.length
    this.resume(node)
    return `${deferred} deferred events`
  }

  /** `restartAfterUs` undefined: the node stays down until a restart fault. */
  private crashFault(node: SimNode, midReady: boolean, restartAfterUs: number | undefined): string {
    if (node.core === undefined) return 'already down'
    if (midReady) {
      node.crashArmed = { restartAfterUs }
      return 'armed'
    }
    this.crash(node, restartAfterUs)
    return restartAfterUs === undefined ? '' : `restart in ${restartAfterUs} µs`
  }

  private pauseFault(node: SimNode): string {
    if (node.core === undefined || node.paused || node.blocked) return 'not running'
    node.paused = true
    node.tickToken += 1
    this.counts.pauses += 1
    return ''
  }

  // ---------------------------------------------------------------------------------------------
  // Driving a core: one input, one Ready, handled in the contract's order

  private stepCore(node: SimNode, input: CoreInput<AnyMessage>): void {
    const core = node.core!
    let ready: AnyReady
    try {
      ready = core.step({ ...input, nowMs: this.nodeNowMs(node) })
    } catch (error) {
      // The core's own assertions: in a replica they stop the process, here they end the run.
      this.monitor.fail('core-assertion', `${node.id} stopped on a ${input.kind} input: ${(error as Error).message}`)
      this.crash(node, undefined)
      return
    }
    this.counts.coreSteps += 1
    node.status = core.status()
    const armed = node.crashArmed
    const { actions, syncedFrom } = this.readyActions(node, ready)
    const slowSync = armed === undefined && this.slowNodes && (node.fsyncUs > 0 || node.fsyncJitterUs > 0) && ready.mustSync
    const done = armed !== undefined ? randomInt(this.random, 0, actions.length) : slowSync ? syncedFrom : actions.length
    for (let index = 0; index < done; index += 1) actions[index]()
    if (slowSync) {
      // The fsync blocks the node as a synchronous disk does: the rest waits, and so does every input.
      node.blocked = true
      node.afterSync = actions.slice(syncedFrom)
      this.counts.slowSyncs += 1
      this.schedule(node.fsyncUs + this.fsyncJitterOf(node), { kind: 'synced', node: node.id, incarnation: node.incarnation })
    }
    if (armed !== undefined) {
      this.counts.crashesMidReady += 1
      this.crash(node, armed.restartAfterUs)
    } else if (this.phase === 'safety') {
      this.react(node, ready, input.kind === 'propose')
    }
    this.monitor.afterStep(node.id, node.core, node.core === undefined ? undefined : node.status)
  }

  /**
   * The Ready's effects as separate actions, in the order the contract demands (see types.ts);
   * `syncedFrom`: the first action that waits for the fsync (everything after the records).
   */
  private readyActions(node: SimNode, ready: AnyReady): { actions: (() => void)[]; syncedFrom: number } {
    const actions: (() => void)[] = []
    // Marks matter only where there are records to be ahead of (a Ready without any sends in order).
    const leaves = (outbound: OutboundMessage<AnyMessage>, before: 'write' | 'sync' | undefined): boolean =>
      (ready.persist.length > 0 ? outbound.leavesBefore : undefined) === before
    for (const outbound of ready.messages) if (leaves(outbound, 'write')) actions.push(() => this.send(node, outbound))
    for (const record of ready.persist) actions.push(() => this.persist(node, record))
    // Once a snapshot's Ready is written, the records before it are obsolete: drop them, as the WAL drops its segments.
    const snapshotAt = ready.persist.findIndex((record) => (record as { kind?: string }).kind === 'snapshot')
    if (snapshotAt >= 0) actions.push(() => this.dropRecordsBefore(node, ready.persist[snapshotAt]))
    for (const outbound of ready.messages) if (leaves(outbound, 'sync')) actions.push(() => this.send(node, outbound))
    const syncedFrom = actions.length
    for (const outbound of ready.messages) if (leaves(outbound, undefined)) actions.push(() => this.send(node, outbound))
    const install = ready.installSnapshot
    if (install !== undefined) actions.push(() => this.restoreSnapshot(node, install, 'installed'))
    for (const entry of ready.applied) actions.push(() => this.apply(node, entry))
    const take = ready.takeSnapshot
    if (take !== undefined) actions.push(() => this.takeSnapshot(node, take.index))
    const clients = this.protocol.clients
    if (clients.kind === 'quorum') for (const reply of clients.cachedReplies(ready)) actions.push(() => this.replyAsReplica(node, reply))
    const tentative = clients.kind === 'quorum' ? clients.tentative : undefined
    if (tentative !== undefined && tentative.hasWork(ready)) actions.push(() => {
      if (node.core !== undefined) for (const reply of tentative.replies(node.core, [ready], node.kv)) this.replyAsReplica(node, { ...reply, tentative: true })
    })
    for (const read of ready.reads) actions.push(() => this.serveRead(node, read.readId))
    for (const rejection of ready.rejections) actions.push(() => this.answerRejection(node, rejection))
    return { actions, syncedFrom }
  }

  private dropRecordsBefore(node: SimNode, snapshotRecord: unknown): void {
    const at = node.records.lastIndexOf(snapshotRecord)
    if (at > 0) node.records.splice(0, at)
  }

  /** The state machine as the core asked, handed back in a step of its own. */
  private takeSnapshot(node: SimNode, index: number): void {
    if (node.kv.appliedIndex !== index) {
      this.monitor.fail('core-assertion', `${node.id} asked for a snapshot through ${index}, but its state machine applied ${node.kv.appliedIndex}`)
      return
    }
    this.counts.snapshotsTaken += 1
    this.schedule(0, { kind: 'snapshot', node: node.id, incarnation: node.incarnation, index, data: node.kv.serialize() })
  }

  /**
   * A snapshot replaces the state machine. Its state must be exactly the committed prefix through
   * its index: the chained hash of the applied sequence (KeyValueStore.applyHash) must equal the
   * one a node had right after applying that index itself.
   */
  private restoreSnapshot(node: SimNode, snapshot: { index: number; data: Uint8Array }, how: string): void {
    try {
      node.kv = KeyValueStore.restore(snapshot.data)
    } catch (error) {
      this.monitor.fail('core-assertion', `${node.id}: snapshot through ${snapshot.index} ${how} cannot be read: ${(error as Error).message}`)
      return
    }
    if (how === 'installed') this.counts.snapshotsInstalled += 1
    this.monitor.restoredSnapshot(node.id, snapshot.index)
    if (this.faulty.has(node.id)) return
    const expected = this.applyHashAt.get(snapshot.index)
    if (node.kv.appliedIndex !== snapshot.index || expected !== node.kv.applyHash) {
      const what = expected === undefined ? 'an index no node applied' : `the state after applying index ${snapshot.index} was ${expected}`
      this.monitor.fail('state-machine-safety', `${node.id} ${how} a snapshot through ${snapshot.index} whose state is index ${node.kv.appliedIndex}, hash ${node.kv.applyHash}; ${what}`)
    }
  }

  private persist(node: SimNode, record: unknown): void {
    node.records.push(record)
    try {
      this.protocol.sim.foldDurable(node.durable, record)
    } catch (error) {
      this.monitor.fail('core-assertion', `${node.id} persisted an inconsistent record: ${(error as Error).message}`)
    }
  }

  private send(node: SimNode, outbound: OutboundMessage<AnyMessage>): void {
    for (const arrivalUs of this.network.send(node.id, outbound.to, this.clock.timeUs)) {
      this.queue.push(arrivalUs, { kind: 'deliver', from: node.id, to: outbound.to, message: outbound.message })
    }
  }

  private apply(node: SimNode, entry: AppliedEntry): void {
    // The configuration this node commits under, before the committed-on-quorum check counts copies.
    if (this.membershipUsed && node.core !== undefined) this.monitor.noteConfiguration(node.id, node.core)
    this.monitor.onApplied(node.id, entry, node.status?.term ?? 0)
    // Out of order (ParallelRaft): the store counts the entries it applied; the monitor checks their order per key.
    const outOfOrder = this.protocol.sim.appliesOutOfOrder !== undefined
    if (!outOfOrder && entry.index !== node.kv.appliedIndex + 1) return // out of order: the monitor has flagged it
    const result = node.kv.apply(outOfOrder ? node.kv.appliedIndex + 1 : entry.index, entry.term, entry.command)
    if (!outOfOrder && !this.faulty.has(node.id) && !this.applyHashAt.has(entry.index)) this.applyHashAt.set(entry.index, node.kv.applyHash)
    if (entry.tag === undefined) return
    if (!this.faulty.has(node.id)) this.checkValidity(entry.tag, entry.command)
    const clients = this.protocol.clients
    if (clients.kind === 'quorum') {
      const reply = node.core === undefined ? undefined : clients.replyFor(node.core, entry, result)
      if (reply !== undefined) this.replyAsReplica(node, { ...reply, command: entry.command })
      return
    }
    const key = tagKey(entry.tag)
    const pending = node.proposals.get(key)
    if (pending === undefined) return
    node.proposals.delete(key)
    const outcome: Outcome = !result.ok
      ? { type: 'fail', error: result.error }
      : entry.command.op === 'get' ? { type: 'ok', value: result.value ?? null } : { type: 'ok' }
    this.reply(node, pending, outcome)
  }

  /** Validity: the request under this tag is the one its client issued (once per tag). */
  private checkValidity(tag: RequestTag, command: Command): void {
    const key = tagKey(tag)
    if (this.executedCommands.has(key)) return
    const executed = commandText(command)
    this.executedCommands.set(key, executed)
    const issued = this.workload.issued.get(key)
    if (issued !== undefined && commandText(issued.command) === executed) return
    if (this.protocol.sim.unsignedRequests === true && issued !== undefined) {
      this.workload.recordForeignWrite(command, issued.invokeUs, this.clock.timeUs)
      return
    }
    const what = issued === undefined ? 'no client issued that tag' : `the client issued [${commandText(issued.command)}]`
    this.monitor.fail('validity', `a correct node applied [${executed}] under tag ${key}, but ${what}`)
  }

  private serveRead(node: SimNode, readId: number): void {
    const pending = node.reads.get(readId)
    if (pending === undefined) return
    node.reads.delete(readId)
    const result = node.kv.read({ op: 'get', key: pending.key })
    const clients = this.protocol.clients
    if (clients.kind === 'quorum' && clients.readOnly !== undefined) {
      // A read-only reply owes nothing to what some replica applied: only to the writes that
      // completed before the read began, which the history's linearizability check judges.
      const reply = node.core === undefined ? undefined : clients.readOnly.replyFor(node.core, pending.tag, result)
      if (reply !== undefined) this.replyAsReplica(node, { ...reply, command: { op: 'get', key: pending.key }, readOnly: true })
      return
    }
    // Out of order, the store's count is no index to compare: the history check judges the read.
    if (this.protocol.sim.appliesOutOfOrder === undefined) this.monitor.readServed(node.id, node.kv.appliedIndex, pending.requiredIndex, `read ${readId} of ${pending.key} (op${pending.opId})`)
    this.reply(node, pending, { type: 'ok', value: result.ok ? (result.value ?? null) : null })
  }

  /** A refused request: definite (fail) unless the core dropped a proposal it may still commit (info). */
  private answerRejection(node: SimNode, rejection: Rejection): void {
    if (this.protocol.clients.kind === 'quorum') return // the client retransmits instead
    const pending = rejection.kind === 'read'
      ? takeFrom(node.reads, rejection.readId)
      : rejection.tag === undefined ? undefined : takeFrom(node.proposals, tagKey(rejection.tag))
    if (pending === undefined) return
    const outcome: Outcome = rejection.kind === 'proposal' && rejection.reason === 'dropped'
      ? { type: 'info', error: 'dropped' }
      : { type: 'fail', error: rejection.reason, leaderHint: rejection.leaderHint }
    this.reply(node, pending, outcome)
  }

  private reply(node: SimNode, pending: PendingRequest, outcome: Outcome): void {
    this.schedule(this.network.clientDelayUs(), { kind: 'reply', client: pending.client, opId: pending.opId, node: node.id, outcome })
  }

  /** 'quorum' style: a replica's answer to whichever client the request named (stale if it moved on). */
  private replyAsReplica(node: SimNode, reply: SimReply): void {
    const client = this.workload.clientById(reply.clientId)
    if (client === undefined) return // a Byzantine replica's invention
    const op = client.op?.tag.seq === reply.seq ? client.op : undefined
    const result = reply.result
    const clients = this.protocol.clients
    // A full result is matched by its digest where replies may be digests (TOCS §5.1.1).
    const identity =
      result === undefined
        ? reply.resultDigest
        : clients.kind === 'quorum' && clients.resultDigest !== undefined ? clients.resultDigest(result, this.clientDigest) : JSON.stringify(result)
    if (identity === undefined) return
    // The command behind the result: a forged request answers under the client's tag, and its
    // replies must neither count with the real ones nor pass for the client's own result.
    const executed = reply.command !== undefined ? commandText(reply.command) : this.executedCommands.get(`${reply.clientId}#${reply.seq}`)
    const forged = op !== undefined && executed !== undefined && executed !== commandText(op.command)
    const outcome: Outcome | undefined = result === undefined
      ? undefined
      : forged
        ? { type: 'info', error: `answered for a command it did not issue: ${executed}` }
        : !result.ok ? { type: 'fail', error: result.error } : op?.f === 'get' ? { type: 'ok', value: result.value ?? null } : { type: 'ok' }
    const kind = reply.readOnly === true ? 'read-only' : reply.tentative === true ? `tentative@${reply.view}` : 'committed'
    const resultKey = `${kind}${resultKeySeparator}${executed ?? '?'} => ${identity}`
    const quorum = reply.readOnly === true ? this.readOnlyReplyQuorum : reply.tentative === true ? this.tentativeReplyQuorum : undefined
    const event: SimEvent = {
      kind: 'reply', client: client.process, opId: op?.opId ?? -1, node: node.id, ...(outcome === undefined ? {} : { outcome }), resultKey, view: reply.view,
      ...(quorum === undefined ? {} : { quorum }),
    }
    this.schedule(this.network.clientDelayUs(), event)
  }

  /** Reactive faults: the nemesis looks at what the step did. */
  private react(node: SimNode, ready: AnyReady, proposed: boolean): void {
    const role = node.status?.role
    const leading = role !== undefined && this.protocol.leaderRoles.includes(role)
    const appendedAsLeader = leading && proposed && ready.persist.length > 0
    for (const scheduled of this.nemesis.react(node.id, ready.events, leading, appendedAsLeader, () => this.clusterView())) {
      this.scheduleFault(scheduled.afterUs, scheduled.fault, scheduled.landing)
    }
  }

  private clusterView(): ClusterView {
    const up = this.nodes.filter((node) => node.core !== undefined).map((node) => node.id)
    const view: ClusterView = { members: this.memberIds(), up, leader: this.leader()?.id }
    if (this.scenario.nemesis.membershipEveryUs === undefined) return view
    // One change at a time, as the lab's schedules make them: no new one while one is under way.
    const configuration = this.newestCommittedConfiguration()
    if (configuration !== undefined) view.configuration = configuration
    view.changing = this.membershipTasks.length > 0
    const joined = this.nodes.length - this.scenario.members.length
    if (joined < sparesMax) view.spare = `n${this.nodes.length + 1}`
    return view
  }

  /** The up, correct node in a leader role with the highest term. */
  private leader(): { id: NodeId; status: CoreStatus } | undefined {
    let best: { id: NodeId; status: CoreStatus } | undefined
    for (const node of this.nodes) {
      if (node.core === undefined || this.faulty.has(node.id)) continue
      const status = node.status!
      if (!this.protocol.leaderRoles.includes(status.role)) continue
      if (best === undefined || status.term > best.status.term) best = { id: node.id, status }
    }
    return best
  }

  // ---------------------------------------------------------------------------------------------
  // Membership changes (Raft thesis ch. 4), carried out as the lab's injector does (lab/faults.ts)

  /** The nodes in the cluster now: every node there is, but those removed. */
  private memberIds(): NodeId[] {
    return this.nodes.filter((node) => !node.removed).map((node) => node.id)
  }

  /** addNode starts a fresh node and queues its addLearner; promote and removeNode queue their change. */
  private membershipFault(fault: FaultOf<'addNode' | 'promote' | 'removeNode'>): string {
    const support = simFaultSupport(fault, this.protocol)
    if (!support.modelled) return `not modelled: ${support.reason}`
    switch (fault.kind) {
      case 'addNode':
        return this.addNode(fault.node)
      case 'promote': {
        const node = this.nodes.find((candidate) => candidate.id === fault.node)
        if (node === undefined || node.removed) return `failed: ${fault.node} is not in the cluster (add it before promoting it)`
        return this.queueChange({ kind: 'promote', node: fault.node })
      }
      case 'removeNode':
        return this.onTargets(fault.target, (node) => node.removed ? 'already removed' : this.queueChange({ kind: 'remove', node: node.id }))
      default:
        return assertNever(fault, 'membership fault')
    }
  }

  /**
   * A new node with an empty disk starts from the newest committed configuration's voters (which do
   * not list it, so it waits to be added, thesis §4.1), and its addLearner is queued.
   */
  private addNode(id: NodeId): string {
    if (this.nodes.some((node) => node.id === id)) return `failed: the cluster already has a node ${id}`
    const voters = this.newestCommittedConfiguration()?.voters ?? this.scenario.members
    // A stream of its own per joining node: no other draw of the seed moves.
    const random = seededRandom(this.scenario.seed, `sim:join:${id}`)
    const clock: NodeClock = { phaseUs: randomInt(random, 0, tickUs - 1), periodUs: tickUs, timerFactor: 1, fsyncUs: 0 }
    const node = newNode(id, [...voters], clock, (at) => this.monitor.committedEntryAt(at))
    this.nodes.push(node)
    this.counts.joins = (this.counts.joins ?? 0) + 1
    this.monitor.addNode(id, node.durable)
    this.workload.setMembers(this.memberIds())
    this.start(node, clock.phaseUs)
    return `started from voters ${voters.join(', ')}; ${this.queueChange({ kind: 'addLearner', node: id })}`
  }

  private queueChange(change: MembershipChange): string {
    if (this.membershipTasks.length >= membershipQueueMax) return `failed: ${membershipQueueMax} membership changes already wait`
    this.membershipUsed = true
    this.membershipTasks.push({ change, deadlineUs: this.clock.timeUs + membershipChangeMaxUs, proposals: 0 })
    if (!this.membershipPolling) {
      this.membershipPolling = true
      this.schedule(0, { kind: 'membership' })
    }
    return `${describeMembershipChange(change)} queued (${this.membershipTasks.length} waiting)`
  }

  /** The change at the head of the queue: done once committed, else proposed (again) to the leader, or given up past its time. */
  private onMembership(): string {
    const task = this.membershipTasks[0]
    let note: string
    if (task === undefined) {
      note = 'nothing to change'
    } else if (this.changeCommitted(task.change)) {
      this.membershipTasks.shift()
      note = `${describeMembershipChange(task.change)} committed after ${task.proposals} proposal(s)`
      this.counts.changesCommitted = (this.counts.changesCommitted ?? 0) + 1
      if (task.change.kind === 'remove') {
        this.counts.removals = (this.counts.removals ?? 0) + 1
        if (task.proposedToItself === true) this.counts.leaderRemovals = (this.counts.leaderRemovals ?? 0) + 1
        note += `; ${this.retire(this.node(task.change.node))}`
      }
    } else if (this.clock.timeUs > task.deadlineUs) {
      this.membershipTasks.shift()
      note = `failed: ${describeMembershipChange(task.change)} not committed within ${membershipChangeMaxUs / 1000} ms (${task.proposals} proposals to the leader of the moment)`
    } else {
      note = this.proposeChange(task)
    }
    this.membershipPolling = this.membershipTasks.length > 0
    if (this.membershipPolling) this.schedule(tickUs, { kind: 'membership' })
    return note
  }

  private proposeChange(task: MembershipTask): string {
    const leader = this.leader()
    if (leader === undefined) return 'no leader to propose it to'
    const node = this.node(leader.id)
    if (node.paused || node.blocked) return `${leader.id} leads but cannot take it now`
    const { term, commitIndex } = leader.status
    const last = task.last
    const sinceUs = last === undefined ? 0 : this.clock.timeUs - last.atUs
    const sameLeader = last !== undefined && last.leader === leader.id && last.term === term
    if (sameLeader && sinceUs < membershipAttemptUs && (last.commitIndex === commitIndex || sinceUs < membershipRetryUs)) return `waiting on ${leader.id}`
    task.last = { leader: leader.id, term, commitIndex, atUs: this.clock.timeUs }
    task.proposals += 1
    if (task.change.kind === 'remove' && task.change.node === leader.id) task.proposedToItself = true
    this.stepCore(node, this.protocol.host.reconfigureInput!(task.change) as CoreInput<AnyMessage>)
    return `proposed to ${leader.id} (term ${term}), proposal ${task.proposals}`
  }

  /**
   * The configuration with the highest index any correct node has known committed, over the whole
   * run (the monitor remembers it across crashes): a committed configuration is never undone, so a
   * node still up with an older one cannot make a change look done.
   */
  private newestCommittedConfiguration(): IndexedConfiguration | undefined {
    return this.monitor.newestCommittedConfiguration
  }

  /** Whether the newest committed configuration shows the change (the lab asks the leader's). */
  private changeCommitted(change: MembershipChange): boolean {
    const view = this.newestCommittedConfiguration()
    if (view === undefined) return false
    switch (change.kind) {
      case 'addLearner':
        return view.learners.includes(change.node) || view.voters.includes(change.node)
      case 'promote':
        return view.voters.includes(change.node)
      case 'remove':
        return !view.voters.includes(change.node) && !view.learners.includes(change.node)
      default:
        return assertNever(change.kind, 'membership change')
    }
  }

  /** A node whose removal committed stops for good (the lab stops its process); its disk stays for the checks. */
  private retire(node: SimNode): string {
    node.removed = true
    if (node.core !== undefined) this.crash(node, undefined, false)
    this.workload.setMembers(this.memberIds())
    return `${node.id} stopped for good`
  }

  /**
   * Convergence after membership changes: no change still under way, and the leader's committed
   * configuration is the final one; every member of it (voters and learners) is up, has committed
   * the leader's whole log and applied as much as it. A removed node need not converge.
   */
  private convergedInFinalConfiguration(): boolean {
    if (this.membershipTasks.length > 0) return false
    const leader = this.leader()
    if (leader === undefined) return false
    const view = this.protocol.host.configuration?.(this.node(leader.id).core!)
    if (view === undefined || !view.committed) return false
    return [...view.voters, ...view.learners].every((id) => {
      const node = this.nodes.find((candidate) => candidate.id === id)
      if (node === undefined || node.core === undefined || node.paused || node.removed) return false
      return node.status!.commitIndex === leader.status.lastIndex && node.status!.appliedIndex === leader.status.appliedIndex
    })
  }

  // ---------------------------------------------------------------------------------------------
  // Phases

  /** Heal everything, restart and resume every node, quiet the nemesis; the probe client starts. */
  private startLiveness(): string {
    this.phase = 'liveness'
    this.livenessStartStep = this.clock.step
    this.livenessDeadlineUs = this.clock.timeUs + this.protocol.sim.livenessTicksMax(this.scenario.settings) * tickUs
    this.queue.removeWhere((event) => event.kind === 'nemesis' || event.kind === 'fault')
    // As when a lab run ends: a change not committed by now is not carried out (one appended may still commit).
    const abandoned = this.membershipTasks.splice(0).map((task) => describeMembershipChange(task.change))
    this.slowNodes = false
    this.network.heal()
    this.network.calm()
    for (const node of this.nodes) {
      node.crashArmed = undefined
      if (node.clockRate !== 1) this.setClockRate(node, 1)
      if (node.removed) continue
      if (node.core === undefined) {
        this.counts.restarts += 1
        this.start(node, node.clock.periodUs)
      } else if (node.paused) {
        this.resume(node)
      }
    }
    const probe = this.workload.clients.find((client) => client.isProbe)!
    this.schedule(0, { kind: 'invoke', client: probe.process })
    const notCarriedOut = abandoned.length === 0 ? '' : `; membership changes not carried out: ${abandoned.join(', ')}`
    return `bound ${this.protocol.sim.livenessTicksMax(this.scenario.settings)} ticks${notCarriedOut}`
  }

  private checkLiveness(): void {
    if (this.monitor.violations.some((violation) => violation.check === 'liveness')) return
    if (this.converged()) {
      this.finish(true)
      return
    }
    const overTime = this.clock.timeUs > this.livenessDeadlineUs
    if (!overTime && this.clock.step - this.livenessStartStep <= livenessStepsMax) return
    const states = this.nodes.map((node) => describeStatus(node)).join('; ')
    const bound = overTime ? `${this.protocol.sim.livenessTicksMax(this.scenario.settings)} ticks` : `${livenessStepsMax} steps`
    const probe = this.probeAcked ? 'the probe write was acknowledged' : 'the probe write was never acknowledged'
    const pending = this.membershipTasks.map((task) => `${describeMembershipChange(task.change)} (${task.proposals} proposals)`)
    const changing = pending.length === 0 ? '' : `; membership changes not committed: ${pending.join(', ')}`
    this.monitor.fail('liveness', `no convergence within ${bound} of healing: ${probe}; ${states}${changing}`)
    this.finish(false)
  }

  /** The probe write is acknowledged, and the correct nodes, all up and running, agree (the descriptor's sim.converged). */
  private converged(): boolean {
    if (!this.probeAcked) return false
    if (this.membershipUsed) return this.convergedInFinalConfiguration()
    const statuses: CoreStatus[] = []
    for (const node of this.nodes) {
      if (this.faulty.has(node.id)) continue
      if (node.core === undefined || node.paused) return false
      statuses.push(node.status!)
    }
    return (this.protocol.sim.converged ?? convergedOnLeader)(statuses)
  }

  /**
   * End of run. A converged cluster gets the final checks; so does any run with keepGoing (whose
   * history may then hold operations still in flight: the checker takes them as indefinite).
   */
  private finish(converged: boolean): void {
    let linearizable: boolean | 'unknown' | undefined
    if (converged) {
      const finalIndex = Math.max(0, ...this.nodes.filter((node) => !this.faulty.has(node.id)).map((node) => node.kv.appliedIndex))
      // Out of order, each node counts its applied entries, and the monitor has checked each is the one applied everywhere.
      if (finalIndex < this.monitor.committedEntries) {
        this.monitor.fail('committed-never-lost', `the converged cluster's correct nodes end at ${finalIndex} applied entries at most, but ${this.monitor.committedEntries} (up to index ${this.monitor.committedIndex}) were applied during the run`)
      }
    }
    if (converged || this.options.keepGoing) {
      this.monitor.checkLogMatching()
      if (this.monitor.violation === undefined || this.options.keepGoing) {
        const history = checkHistory(this.workload.history)
        linearizable = history.linearizable
        if (history.violation !== undefined) this.monitor.fail(history.violation.check, history.violation.detail)
      }
    }
    this.phase = 'done'
    this.result = this.buildResult(linearizable)
  }

  private buildResult(linearizable: boolean | 'unknown' | undefined): SimResult {
    const violation = this.monitor.violation
    const result: SimResult = {
      protocol: this.options.protocol,
      seed: this.options.seed,
      mutations: this.mutations,
      faults: this.scenario.profile,
      ok: violation === undefined,
      steps: this.clock.step,
      timeUs: this.clock.timeUs,
      traceHash: this.hasher.digest(),
      committedIndex: this.monitor.committedIndex,
      settings: { ...this.scenario.settings },
      focus: this.scenario.nemesis.focus,
      scenario: describeScenario(this.scenario),
      network: { ...this.network.stats },
      clients: { ...this.workload.stats },
      counts: { ...this.counts, followerReads: this.workload.followerReads },
      replay: this.options.replay?.command ?? replayCommand(this.options, safetyStepsDefault),
    }
    if (violation !== undefined) {
      result.violation = violation
      result.violations = [...this.monitor.violations]
    }
    if (this.livenessStartStep > 0) result.livenessSteps = this.clock.step - this.livenessStartStep
    if (linearizable !== undefined) result.linearizable = linearizable
    if (this.options.recordSteps) result.lines = this.lines
    return result
  }

  /** The stepped node's state after the step, so the hash covers what the cores did, not only what happened to them. */
  private statusSuffix(event: SimEvent): string {
    const id = event.kind === 'tick' ? event.node : event.kind === 'deliver' ? event.to : event.kind === 'request' ? event.node : undefined
    return id === undefined ? '' : ` | ${describeStatus(this.node(id))}`
  }
}

/** The state of every node, for step-by-step views. */
export interface NodeView {
  id: NodeId
  up: boolean
  paused: boolean
  incarnation: number
  status?: CoreStatus
  /** Persisted records on its disk, and the last index of the log they describe. */
  records: number
  durableLastIndex: number
  /** What its state machine has applied in this incarnation. */
  appliedIndex: number
}

/** The default convergence: one node leads, and every node committed its whole log and applied as much as it. */
function convergedOnLeader(statuses: readonly CoreStatus[]): boolean {
  let leader: CoreStatus | undefined
  for (const status of statuses) if (status.leader === status.id && (leader === undefined || status.term > leader.term)) leader = status
  if (leader === undefined) return false
  return statuses.every((status) => status.commitIndex === leader.lastIndex && status.appliedIndex === leader.appliedIndex)
}

function newNode(id: NodeId, startMembers: readonly NodeId[], clock: NodeClock, committedAt: CommittedEntryAt): SimNode {
  return {
    id, clock, startMembers, removed: false, core: undefined, status: undefined, incarnation: 0, paused: false, deferred: [], tickToken: 0, records: [],
    durable: new DurableLog(committedAt), kv: new KeyValueStore(), proposals: new Map(), reads: new Map(), crashArmed: undefined,
    timerFactor: clock.timerFactor, clockRate: 1, clockBaseUs: 0, clockBaseMs: 0, fsyncUs: clock.fsyncUs, fsyncJitterUs: 0, blocked: false, afterSync: [],
  }
}

export function describeStatus(node: SimNode): string {
  if (node.removed) return `${node.id} removed`
  if (node.core === undefined) return `${node.id} down`
  const status = node.status!
  const leader = status.leader === undefined ? '' : ` leader=${status.leader}`
  return `${node.id}${node.paused ? ' paused' : ''} ${status.role} t${status.term}${leader} commit ${status.commitIndex}/${status.lastIndex} applied ${status.appliedIndex}`
}

function describeMembershipChange(change: MembershipChange): string {
  switch (change.kind) {
    case 'addLearner':
      return `add ${change.node} as a learner`
    case 'promote':
      return `promote ${change.node}`
    case 'remove':
      return `remove ${change.node}`
    default:
      return assertNever(change.kind, 'membership change')
  }
}

function tagKey(tag: { clientId: string; seq: number }): string {
  return `${tag.clientId}#${tag.seq}`
}

function takeFrom<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key)
  if (value !== undefined) map.delete(key)
  return value
}

function validateMutations(protocol: AnyProtocol, mutations: readonly string[]): readonly string[] {
  for (const mutation of mutations) {
    if (!protocol.mutations.includes(mutation)) {
      const known = protocol.mutations.length > 0 ? protocol.mutations.join(', ') : 'none'
      throw new Error(`unknown mutation ${JSON.stringify(mutation)} for ${protocol.name} (known: ${known})`)
    }
  }
  return [...mutations]
}

function validateSteps(steps: number): number {
  if (!Number.isSafeInteger(steps) || steps < 0 || steps > safetyStepsLimit) {
    throw new Error(`steps must be a whole number in [0, ${safetyStepsLimit}], got ${steps}`)
  }
  return steps
}

/** Runs one seed to the end. */
export function simulate(options: SimOptions): SimResult {
  return new Simulation(options).run()
}

/** A step with every node's state after it: what a step-by-step replay view shows. */
export interface SimStepView extends SimStep {
  nodes: NodeView[]
}

/**
 * Step-by-step replay for a UI: yields every step with the nodes' state after it; the generator's
 * return value is the run's result. Same options ⇒ same steps.
 */
export function* simulateSteps(options: SimOptions): Generator<SimStepView, SimResult> {
  const simulation = new Simulation(options)
  for (let step = simulation.step(); step !== undefined; step = simulation.step()) {
    yield { ...step, nodes: simulation.nodeViews() }
  }
  return simulation.result!
}
