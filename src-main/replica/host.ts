/**
 * Drives a pure protocol core with real I/O: TCP peers, the client port, the WAL and timers.
 *
 * Inputs (peer messages, ticks) are stepped as they arrive and their outputs accumulate; client
 * requests are queued and handed to the core in one batch. Once per event-loop turn `flush` runs the
 * Ready contract in order: persist (one write, one fdatasync for everything), send, apply and reply,
 * serve reads, answer rejections. Batching here is what makes group commit and batched
 * AppendEntries happen without any timer.
 */
import type { ReplicaConfig } from './config.js'
import { snapshotOf, WalClosedError, WriteAheadLog, type StartOverStep } from './wal.js'
import { encodeStoreSnapshot, KeyValueStore, type ChangeEvent, type StoreSnapshotCapture } from '../kv/store.js'
import { WatchHub } from './watches.js'
import { LeaseClock } from './lease-clock.js'
import { checkCommand } from '../protocols/common/command-check.js'
import { checkRequestBytes } from '../protocols/common/wire-budget.js'
import { PeerTransport, type LinkRules, type PeerAddress, type TransportEvent } from './transport.js'
import { ClientServer, type ClientConnection, type ClientRequest, type ClientResponse, type CommandRequest } from './client-server.js'
import type { ReplicaStatus } from './control.js'
import type { CoreEvent, CommandResult, ProposedCommand, ProtocolCore, Ready, AppliedEntry, Rejection, RequestTag } from '../protocols/types.js'
import { assertNever, type Command } from '../protocols/types.js'
import { commandLabel } from '../api/script.js'
import { seededRandom } from '../protocols/common/random.js'
import type { TraceEvent } from '../api/trace.js'
import type { AppendedEntries, MembershipChange, MembershipView, MessageFacts, ReadRoute } from '../protocols/descriptor.js'
import { appendOpsMax, applyHashEvery } from '../api/trace.js'
import { AnnouncedLog } from './announced-log.js'
import { PhaseProfile, type PhaseStamps } from './phase-profile.js'

/** Client requests waiting for their entry to apply; beyond this a new request is refused. */
export const pendingRequestsMax = 100_000
/** Per-message trace events per second; beyond it they are counted, not recorded. */
export const messageEventsPerSecondMax = 4000
/**
 * A gap between two ticks at least this long is traced as a stall of the event loop (a
 * synchronous snapshot, a slow fsync, a long GC): what followers see as a silent leader.
 */
export const tickGapNoteMsMin = 50

/**
 * The protocol as the host drives it, bound to this node (adapters.ts derives it from the
 * protocol's descriptor and the node's settings).
 */
export interface ProtocolAdapter<M extends { type: string }, P> {
  createCore(persisted: P[]): ProtocolCore<M, P>
  isMessage(value: unknown): value is M
  /**
   * The descriptor's appliedTermMatters: whether an applied entry's term is part of its identity;
   * where it is not (PBFT's view), the state machine's hash leaves it out.
   */
  appliedTermMatters: boolean
  /**
   * The descriptor's sim.appliesOutOfOrder (ParallelRaft): entries arrive by log index but not in
   * index order, so the state machine counts what it applied instead of checking the index.
   */
  appliesOutOfOrder?: boolean
  /** MultiRaft: which group owns a key (its state machine answers for the key). */
  groupOfKey?: (key: string) => number
  /** MultiRaft: how many groups (each with its state machine and its snapshot). */
  groups?: number
  /** How a get is served: through the core (a read input), ordered like a write, or from this node's copy at once. */
  readRoute: ReadRoute
  /** Role names in which this node answers clients as the one that orders requests (the descriptor's leaderRoles). */
  leaderRoles: readonly string[]
  /** Starts an election at this node now, where the protocol has elections; `nowMs` as in every input. */
  campaign?: (core: ProtocolCore<M, P>, nowMs: number) => Ready<M, P>
  /** The descriptor's HostHooks.settleUnpersistedPrefixFirst. */
  settleUnpersistedPrefixFirst: boolean
  /** Raft §7: the input that hands the state machine's snapshot back to the core (HostHooks.snapshotInput). */
  snapshotInput?: (index: number, data: Uint8Array, group?: number) => Parameters<ProtocolCore<M, P>['step']>[0]
  /** Raft membership changes (HostHooks.reconfigureInput and configuration). */
  reconfigureInput?: (change: MembershipChange) => { kind: string }
  /** Raft §3.10: the input that asks a leader to hand leadership to `target` (the descriptor's sim.transferInput). */
  transferInput?: (target: string) => { kind: string }
  configuration?: (core: ProtocolCore<M, P>) => MembershipView | undefined
  /** The snapshot the core rebuilt from its records (HostHooks.recoveredSnapshot). */
  recoveredSnapshot?: (core: ProtocolCore<M, P>, group?: number) => { index: number; data: Uint8Array } | undefined
  /** The largest client command this configuration takes (PBFT's is smaller: its certificates carry batches); default commandBytesMax. */
  commandBytesMax?: number
  /** Makes this node lie (or stop lying, with 'honest') from a spec as an experiment writes it. */
  setByzantine?: (core: ProtocolCore<M, P>, spec: unknown) => void
  describeMessage?: (message: M) => MessageFacts
  appendedEntries?: (record: P) => AppendedEntries | undefined
  /**
   * Protocols in which every replica answers every client (PBFT) reply through these instead of
   * answering the request that carried the command: after each tagged entry applies, and for
   * replies a Ready carries on its own (cached replies to retransmitted requests).
   */
  replies?: {
    afterApply(core: ProtocolCore<M, P>, entry: AppliedEntry, result: CommandResult): ClientPush | undefined
    fromReady(ready: Ready<M, P>): ClientPush[]
    /** Whether a Ready holds replies or reply work of its own, so the turn must handle it even with nothing else in it. */
    pending?(ready: Ready<M, P>): boolean
    /**
     * Replies to send once the turn's committed entries are applied to `store` (PBFT's tentative
     * replies, computed without changing the store); `readies` are the turn's, in order.
     */
    afterTurn?(core: ProtocolCore<M, P>, readies: readonly Ready<M, P>[], store: KeyValueStore): ClientPush[]
    /** The reply to a read the core released (PBFT's read-only requests), by the client's tag; undefined: none. */
    readOnly?(core: ProtocolCore<M, P>, tag: RequestTag, result: CommandResult): ClientPush | undefined
  }
}

export type { AppendedEntries, MessageFacts }

/** A reply for a client addressed by its id, wherever it connected from. */
export interface ClientPush {
  clientId: string
  pbft: unknown
}

/** Longest wait for the peer connections before a replica reports itself connected anyway (a paused peer never answers). */
export const peersConnectWaitMsMax = 2000

/** Client ids remembered with their connection (PBFT replies); the oldest are forgotten beyond it. */
export const clientRoutesMax = 100_000

export interface HostHooks {
  /** Trace events, in the order they happened. */
  emit(event: TraceEvent): void
  /**
   * Tests: awaited once the first piece of the snapshot through `index` went to its file; the rest
   * of the snapshot waits for it (a snapshot held mid-write, to show that the node goes on meanwhile).
   */
  snapshotWriting?: (index: number) => Promise<void>
}

interface PendingReply {
  connection: ClientConnection
  requestId: number
  /** Only when phases are profiled (phase-profile.ts). */
  stamps?: PhaseStamps
}

interface PendingRead extends PendingReply {
  request: CommandRequest
}

type AnyReady = Ready<{ type: string }, unknown>

export class ReplicaHost<M extends { type: string }, P> {
  /** One state machine per group (MultiRaft); every other protocol has just group 0. */
  private readonly stores: KeyValueStore[]
  readonly core: ProtocolCore<M, P>
  private readonly wal: WriteAheadLog<P>
  private readonly transport: PeerTransport
  private readonly clients: ClientServer
  private readonly pendingProposals = new Map<string, PendingReply>()
  private readonly clientRoutes = new Map<string, ClientConnection>()
  private readonly pendingReads = new Map<number, PendingRead>()
  private queuedProposals: ProposedCommand[] = []
  private queuedReads: number[] = []
  private nextReadId = 1
  private accumulated: AnyReady[] = []
  private flushScheduled = false
  private tickTimer?: NodeJS.Timeout
  /** Snapshots being written, one after another (takeSnapshot). */
  private snapshotWrites: Promise<void> = Promise.resolve()
  /** Real time (performance.now) of the last tick, for the stall notes (tickGapNoteMsMin). */
  private lastTickRealMs: number | undefined
  /** The node's clock (see nodeClockMs) reads clockBaseMs at real time clockBaseRealMs, and runs at clockRate. */
  private clockRate = 1
  private clockBaseMs = 0
  private clockBaseRealMs = performance.now()
  /** Turns that ran the Ready pipeline, and proposals handed to the core: their ratio is the batch size. */
  private flushes = 0
  private proposalsBatched = 0
  /** The newest commit index per group (-1: no group) this turn, with when the core reported it. */
  private readonly commitsToTrace = new Map<number, { index: number; t: number }>()
  /** MultiRaft: this node's role in each group (its entries are its own where it leads). */
  private readonly groupRoles = new Map<number, string>()
  private readonly watches: WatchHub
  private readonly leaseClock = new LeaseClock()
  private role = ''
  private readonly epochNs: bigint
  /** Messages this node sends in answer to a heartbeat (their receipt is liveness, too). */
  private readonly heartbeatReplies = new WeakSet<object>()
  private readonly profile: PhaseProfile | undefined
  /** The jittery disk's draws: the run's seed, this node, this incarnation (a restart draws anew). */
  private readonly diskRandom: () => number
  private messageEventsThisSecond = 0
  private messageEventsSecond = 0
  messageEventsDropped = 0
  readonly recoveredRecords: number
  snapshotsTaken = 0
  snapshotsInstalled = 0
  readonly truncatedBytes: number
  /** The entries the trace has announced as appended, so a new segment's rewrite of them is not (announced-log.ts). */
  private readonly announced = new AnnouncedLog()

  constructor(
    readonly config: ReplicaConfig,
    private readonly adapter: ProtocolAdapter<M, P>,
    private readonly hooks: HostHooks,
  ) {
    this.epochNs = config.epochNs ? BigInt(config.epochNs) : process.hrtime.bigint()
    this.profile = PhaseProfile.fromEnvironment(config.id)
    this.diskRandom = seededRandom(config.seed, `disk:${config.id}:${config.incarnation}`)
    this.stores = [new KeyValueStore(config.watchHistoryMax)]
    const { wal, recovery } = WriteAheadLog.open<P>(config.dataDir, config.durability)
    this.wal = wal
    this.recoveredRecords = recovery.records.length
    this.truncatedBytes = recovery.truncatedBytes
    this.wal.onStartOverStep = killAtStartOverStep(config.id)
    this.core = adapter.createCore(recovery.records)
    // What the disk held at start was announced by this node's earlier incarnations (or is before the trace).
    if (config.traceLog && adapter.appendedEntries) {
      for (const record of recovery.records) {
        const appended = adapter.appendedEntries(record)
        if (appended) this.announced.announce(appended.group, appended.fromIndex, appended.entries.map((entry) => entry.term))
      }
    }
    // A restart loads the snapshot the log starts from (MultiRaft: each group's), and the core replays only the entries after it.
    if (adapter.groups === undefined) {
      const snapshot = adapter.recoveredSnapshot?.(this.core)
      if (snapshot !== undefined) this.stores[0] = KeyValueStore.restore(snapshot.data, config.watchHistoryMax)
    } else {
      for (let group = 0; group < adapter.groups; group += 1) {
        const snapshot = adapter.recoveredSnapshot?.(this.core, group)
        if (snapshot === undefined) continue
        this.storeOf(group) // the groups' stores before it exist too
        this.stores[group] = KeyValueStore.restore(snapshot.data, config.watchHistoryMax)
      }
    }
    this.transport = new PeerTransport({
      self: config.id,
      members: config.members,
      secret: config.secret,
      port: config.peerPort,
      random: seededRandom(config.seed, `links:${config.id}`),
      incarnation: config.incarnation,
      admitTrace: (kind) => this.admitMessageEvent(kind),
      onMessage: (from, message) => this.onPeerMessage(from, message),
      onEvent: (event) => this.onTransportEvent(event),
    })
    this.watches = new WatchHub(config.id)
    this.clients = new ClientServer({
      port: config.clientPort,
      onRequest: (connection, request) => this.onClientRequest(connection, request),
      onRejectedFrame: (peer, reason) => this.trace({ kind: 'frame-error', peer, reason }),
    })
  }

  async start(): Promise<{ peerPort: number; clientPort: number }> {
    const peerPort = await this.transport.listen()
    const clientPort = await this.clients.listen()
    this.transport.setPeers(this.config.peers)
    this.role = this.core.status().role
    this.trace({ kind: 'role', role: this.role, term: this.core.status().term })
    return { peerPort, clientPort }
  }

  /**
   * Starts protocol time. The orchestrator starts every replica's clock with the same control
   * message (the peer list), so "A times out first" means the same thing on every run.
   */
  startClock(): void {
    if (this.tickTimer) return
    this.tickTimer = setInterval(() => this.onTick(), this.config.tickMs / this.clockRate)
  }

  setPeers(peers: PeerAddress[]): void {
    this.transport.setPeers(peers)
    this.startClock()
  }

  /**
   * Connects to the peers without starting protocol time; resolves once every peer's handshake is
   * done (or its connection failed), at most peersConnectWaitMsMax later. The orchestrator starts
   * the clocks after this, so the first election does not race the handshakes.
   */
  connectPeers(peers: PeerAddress[]): Promise<void> {
    this.transport.setPeers(peers)
    return this.transport.settled(peersConnectWaitMsMax)
  }

  setLinkRules(rules: LinkRules): void {
    this.transport.setRules(rules)
  }

  /** Returns false when the protocol has no Byzantine behaviours. */
  setByzantine(behaviour: unknown): boolean {
    if (!this.adapter.setByzantine) return false
    this.adapter.setByzantine(this.core, behaviour)
    this.scheduleFlush()
    return true
  }

  /** Returns false when the protocol has no elections to start. */
  campaign(): boolean {
    if (!this.adapter.campaign) return false
    this.absorb(this.adapter.campaign(this.core, this.nodeClockMs()) as AnyReady)
    this.scheduleFlush()
    return true
  }

  /**
   * Proposes a single-server membership change at this node; returns false when the protocol (or
   * this configuration of it: MultiRaft) has no membership changes. A node that is not the leader,
   * or cannot change the configuration now, refuses it: its trace says why.
   */
  reconfigure(change: MembershipChange): boolean {
    const input = this.adapter.reconfigureInput
    if (input === undefined || this.adapter.configuration?.(this.core) === undefined) return false
    this.trace({ kind: 'note', text: `asked to change the configuration: ${change.kind} ${change.node}` })
    this.stepAndSchedule(input(change) as Parameters<ProtocolCore<M, P>['step']>[0])
    return true
  }

  /**
   * Asks this node to hand leadership to `target` (a graceful removal of the leader); returns false
   * when the protocol has no transfers. A node that does not lead, or a target that is no voter,
   * ignores it: its trace says why.
   */
  transferLeadership(target: string): boolean {
    const input = this.adapter.transferInput
    // A MultiRaft core has no configuration, and no single leader to transfer.
    if (input === undefined || this.adapter.configuration?.(this.core) === undefined) return false
    this.stepAndSchedule(input(target) as Parameters<ProtocolCore<M, P>['step']>[0])
    return true
  }

  /** A node removed from the cluster: no longer dialled, its connections refused. */
  removePeer(node: string): void {
    this.transport.removePeer(node)
    this.trace({ kind: 'note', text: `peer ${node} removed: no longer connected` })
  }

  /** Protocol time runs at `factor` times real time on this node (the clock-skew fault). */
  setClockRate(factor: number): void {
    if (this.tickTimer) clearInterval(this.tickTimer)
    this.tickTimer = undefined
    this.lastTickRealMs = undefined
    this.clockBaseMs = this.nodeClockMs()
    this.clockBaseRealMs = performance.now()
    this.clockRate = factor
    this.startClock()
    this.trace({ kind: 'note', text: `clock runs at ${factor}x` })
  }

  /**
   * Every later fsync takes `ms` longer, and up to `jitterMs` more drawn per fsync from the run's
   * seed, blocking the replica as a slow (or jittery) synchronous disk would.
   */
  setSlowDisk(ms: number, jitterMs = 0): void {
    this.wal.slowDown({ extraMs: ms, jitterMs, random: this.diskRandom })
    const jitter = jitterMs > 0 ? ` and 0..${jitterMs} ms more at random` : ''
    this.trace({ kind: 'note', text: ms > 0 || jitterMs > 0 ? `slow disk: +${ms} ms per fsync${jitter}` : 'disk speed restored' })
  }

  stop(): void {
    if (this.tickTimer) clearInterval(this.tickTimer)
    this.transport.close()
    this.clients.close()
    this.wal.close()
  }

  /** MultiRaft: each group's snapshot index (`snapshotIndex` alone is group 0's). */
  private groupSnapshotStatus(): { groupSnapshotIndexes?: number[] } {
    const groups = this.adapter.groups
    if (groups === undefined) return {}
    return { groupSnapshotIndexes: Array.from({ length: groups }, (_, group) => this.adapter.recoveredSnapshot?.(this.core, group)?.index ?? 0) }
  }

  status(): ReplicaStatus {
    return {
      ...this.core.status(),
      walBytes: this.wal.bytes,
      snapshotsTaken: this.snapshotsTaken,
      snapshotsInstalled: this.snapshotsInstalled,
      snapshotIndex: this.adapter.recoveredSnapshot?.(this.core)?.index ?? 0,
      ...this.groupSnapshotStatus(),
      ...this.configurationStatus(),
      flushes: this.flushes,
      proposalsBatched: this.proposalsBatched,
      walWrites: this.wal.writes,
      walSyncs: this.wal.syncs,
      framesRejected: this.transport.framesRejected + this.clients.framesRejected,
      messagesSent: this.transport.messagesSent,
      bytesSent: this.transport.bytesSent,
      sentByType: { ...this.transport.sentByType },
    }
  }

  private configurationStatus(): { configuration?: MembershipView } {
    const view = this.adapter.configuration?.(this.core)
    return view === undefined ? {} : { configuration: { voters: [...view.voters], learners: [...view.learners], index: view.index, committed: view.committed } }
  }

  messageStats() {
    return {
      messagesSent: { ...this.transport.sentByType },
      bytesSent: this.transport.bytesSent,
      messageEventsDropped: this.messageEventsDropped,
    }
  }

  now(): number {
    return Number(process.hrtime.bigint() - this.epochNs) / 1e6
  }

  private onPeerMessage(from: string, message: { type: string }): boolean {
    // The transport admits the members at start and every peer learned since (membership changes);
    // the core decides what a message from outside its configuration means (thesis §4.1).
    if (!this.transport.admits(from) || !this.adapter.isMessage(message)) return false
    this.stepAndSchedule({ kind: 'message', from, message })
    return true
  }

  /**
   * One protocol tick per timer callback: a starved replica's timers stretch rather than all firing
   * at once. Nothing safety-critical counts ticks: the leader lease is measured on nodeClockMs,
   * which every input carries, so a pause, a slow fsync or starved timers cannot stretch it.
   */
  private onTick(): void {
    this.noteTickGap()
    this.stepAndSchedule({ kind: 'tick' })
    if (!this.adapter.leaderRoles.includes(this.role)) return
    for (const lease of this.leaseClock.expired(this.nodeClockMs())) {
      this.queuedProposals.push({ command: { op: 'lease-revoke', lease, expired: true } })
      this.trace({ kind: 'note', text: `lease ${lease} expired: revoking it` })
    }
  }

  private noteTickGap(): void {
    const nowMs = performance.now()
    const gapMs = this.lastTickRealMs === undefined ? 0 : nowMs - this.lastTickRealMs
    this.lastTickRealMs = nowMs
    if (gapMs >= tickGapNoteMsMin) this.trace({ kind: 'note', text: `${round3(gapMs)} ms without a tick (the event loop was busy, or the process paused)` })
  }

  /**
   * This node's monotonic clock in ms: real time (performance.now) at the clock-skew fault's rate,
   * so a skewed node's leader lease and etcd-style leases run at its rate too (deliberately unsafe).
   */
  private nodeClockMs(): number {
    return this.clockBaseMs + (performance.now() - this.clockBaseRealMs) * this.clockRate
  }

  /** Group 0's state machine: the only one outside MultiRaft, and the one leases and watches use. */
  get kv(): KeyValueStore {
    return this.stores[0]!
  }

  storeOf(group: number): KeyValueStore {
    while (this.stores.length <= group) this.stores.push(new KeyValueStore(this.config.watchHistoryMax))
    return this.stores[group]!
  }

  /** Every group's store, for final states. */
  get allStores(): readonly KeyValueStore[] {
    return this.stores
  }

  private storeForKey(command: AppliedEntry['command']): KeyValueStore {
    if (!this.adapter.groupOfKey) return this.kv
    const key = command.op === 'range' ? command.prefix : 'key' in command ? command.key : ''
    return this.storeOf(this.adapter.groupOfKey(key))
  }

  private onClientRequest(connection: ClientConnection, request: ClientRequest): void {
    if ('register' in request) return this.route(request.register, connection)
    if ('watch' in request) return this.watches.open(connection, request.id, request.watch.prefix, request.watch.fromRevision, this.kv)
    if ('cancelWatch' in request) return this.watches.cancel(connection, request.cancelWatch)
    const invalid =
      checkCommand(request.cmd) ?? checkRequestBytes(request, this.adapter.commandBytesMax) ?? (request.cmd.op === 'noop' ? 'noop is not a client command' : null)
    if (this.adapter.replies) this.route(request.clientId, connection)
    if (invalid) return connection.send({ id: request.id, ok: false, node: this.config.id, error: 'invalid', message: invalid })
    if (this.pendingProposals.size + this.pendingReads.size >= pendingRequestsMax) {
      return connection.send({ id: request.id, ok: false, node: this.config.id, error: 'rejected' })
    }
    const isRead = request.cmd.op === 'get' || request.cmd.op === 'range'
    if (isRead && this.adapter.readRoute === 'local') {
      // Any node answers from its own copy, leader or not, caught up or not: fast and maybe stale.
      return connection.send(readReply({ id: request.id, node: this.config.id }, this.storeForKey(request.cmd).read(request.cmd)))
    }
    if (isRead && this.adapter.readRoute === 'core' && request.ordered !== true) {
      const readId = this.nextReadId++
      this.pendingReads.set(readId, { connection, requestId: request.id, request })
      this.queuedReads.push(readId)
    } else {
      const tag = { clientId: request.clientId, seq: request.seq }
      this.pendingProposals.set(tagKey(tag), { connection, requestId: request.id, stamps: this.profile ? { receivedMs: this.now() } : undefined })
      this.queuedProposals.push({ command: request.cmd, tag })
    }
    this.scheduleFlush()
  }

  private stepAndSchedule(input: Parameters<ProtocolCore<M, P>['step']>[0]): void {
    const ready = this.core.step({ ...input, nowMs: this.nodeClockMs() }) as AnyReady
    if (input.kind === 'message' && this.config.traceMessages && this.adapter.describeMessage?.(input.message).heartbeat) {
      for (const outbound of ready.messages) this.heartbeatReplies.add(outbound.message)
    }
    this.absorb(ready)
    this.scheduleFlush()
  }

  private absorb(ready: AnyReady): void {
    for (const event of ready.events) this.onCoreEvent(event)
    const replyWork = this.adapter.replies?.pending?.(ready as Ready<M, P>) ?? false
    if (ready.persist.length || ready.messages.length || ready.applied.length || ready.reads.length || ready.rejections.length || replyWork) {
      this.accumulated.push(ready)
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => this.flush())
  }

  private flush(): void {
    this.flushScheduled = false
    this.flushes += 1
    let proposed: ProposedCommand[] = []
    if (this.queuedProposals.length > 0) {
      const proposals = (proposed = this.queuedProposals)
      this.proposalsBatched += proposals.length
      this.queuedProposals = []
      this.stampProposals(proposals, 'proposedMs')
      this.absorb(this.core.step({ kind: 'propose', proposals, nowMs: this.nodeClockMs() }) as AnyReady)
    }
    if (this.queuedReads.length > 0) {
      const readIds = this.queuedReads
      this.queuedReads = []
      const keys = this.adapter.groupOfKey ? readIds.map((readId) => readKey(this.pendingReads.get(readId)?.request.cmd)) : undefined
      // The clock is read here, after every earlier input of this turn: a read is judged at the latest time.
      this.absorb(this.core.step({ kind: 'read', readIds, keys, nowMs: this.nodeClockMs() }) as AnyReady)
    }
    const accumulated = this.accumulated
    if (accumulated.length === 0) return
    this.accumulated = []
    const firstPersisting = this.adapter.settleUnpersistedPrefixFirst ? accumulated.findIndex((ready) => ready.persist.length > 0) : 0
    const persisted = () => this.stampProposals(proposed, 'persistedMs')
    if (firstPersisting > 0) {
      this.settle(accumulated.slice(0, firstPersisting))
      this.settle(accumulated.slice(firstPersisting), persisted)
    } else this.settle(accumulated, persisted)
    for (const [group, { index, t }] of this.commitsToTrace) this.traceAt(t, withGroup({ kind: 'commit', index }, group < 0 ? undefined : group))
    this.commitsToTrace.clear()
  }

  /** The Ready contract for a batch of Readies, in order: persist, send, apply and reply, reads, rejections. */
  private settle(batch: AnyReady[], afterPersist?: () => void): void {
    if (batch.length === 0) return
    const persist: P[] = []
    let mustSync = false
    // Where the turn's last new segment starts: its Ready's first snapshot record (MultiRaft's segment holds one per group).
    let segmentAt = -1
    for (const ready of batch) {
      const first = ready.persist.findIndex((record) => snapshotOf(record) !== undefined)
      if (first >= 0) segmentAt = persist.length + first
      for (const record of ready.persist) persist.push(record as P)
      mustSync ||= ready.mustSync
    }
    // Records are written first, so whatever leaves early is at least in the kernel's hands (a
    // killed replica finds it); messages the core marks (leavesBefore) go before the fsync, the
    // rest after. One write and one fsync serve every Ready of the turn (group commit).
    const writeStartMs = this.now()
    this.writeRecords(persist, segmentAt)
    const early = persist.length > 0
    if (early) {
      for (const ready of batch) for (const outbound of ready.messages) if (outbound.leavesBefore !== undefined) this.transport.send(outbound.to, outbound.message)
      this.transport.flushWrites()
    }
    if (mustSync) this.wal.sync()
    afterPersist?.()
    if (persist.length > 0 && this.config.traceLog && this.adapter.appendedEntries) this.traceAppends(persist, writeStartMs)
    for (const ready of batch) for (const outbound of ready.messages) if (!early || outbound.leavesBefore === undefined) this.transport.send(outbound.to, outbound.message)
    this.transport.flushWrites()
    for (const ready of batch) {
      if (ready.installSnapshot !== undefined) this.installSnapshot(ready.installSnapshot, 0)
      for (const { group, ...snapshot } of ready.installSnapshots ?? []) this.installSnapshot(snapshot, group)
      this.applyEntries(ready.applied)
      if (ready.takeSnapshot !== undefined) this.takeSnapshot(ready.takeSnapshot.index)
      for (const { group, index } of ready.takeSnapshots ?? []) this.takeSnapshot(index, group)
    }
    if (this.adapter.replies) for (const ready of batch) for (const push of this.adapter.replies.fromReady(ready as Ready<M, P>)) this.push(push)
    if (this.adapter.replies?.afterTurn) for (const push of this.adapter.replies.afterTurn(this.core, batch as Ready<M, P>[], this.kv)) this.push(push)
    for (const ready of batch) for (const read of ready.reads) this.serveRead(read.readId)
    for (const ready of batch) for (const rejection of ready.rejections) this.answerRejection(rejection)
  }

  /**
   * The turn's records: appended, except that a snapshot record starts a new segment holding it and
   * the records after it (the core follows it with everything its state needs), and the segment
   * before it goes (wal.ts startOver). Records of the turn before the snapshot are written first.
   * This node's own snapshot (its file already written) changes segment in the background: the live
   * segment takes every record meanwhile, those after the snapshot record included (they rewrite
   * what it holds, or are new), so it stays whole and current until the swap. A leader's snapshot
   * installed here changes segment at once: the answer to the leader must not leave before it.
   */
  private writeRecords(persist: readonly P[], snapshotAt: number): void {
    if (snapshotAt < 0) {
      this.wal.write(persist)
      return
    }
    const { snapshot, group } = snapshotOf(persist[snapshotAt])!
    const index = snapshot.index
    const startMs = this.now()
    const which = group === undefined ? `the snapshot through ${index}` : `group ${group}'s snapshot through ${index}`
    const traceDone = (bytes: number, onLoopMs: number) =>
      this.trace({ kind: 'note', text: `WAL: new segment from ${which} (${bytes} bytes of records) in ${round3(this.now() - startMs)} ms, ${round3(onLoopMs)} ms of it on the event loop` })
    const notSnapshot = (record: P) => snapshotOf(record) === undefined
    const before = persist.slice(0, snapshotAt).filter(notSnapshot)
    if (this.wal.canStartOverInBackground(index, group)) {
      // Into the live segment first, so that only later turns' records are copied behind the new one's.
      // (MultiRaft's other snapshot records are the groups' unchanged snapshots, which the live segment holds.)
      this.wal.write([...before, ...persist.slice(snapshotAt + 1).filter(notSnapshot)])
      const beginStartMs = this.now()
      this.wal.startOverInBackground(persist.slice(snapshotAt), (bytes, finishMs) => traceDone(bytes, beginMs + finishMs))
      // Encoding the new segment's records and opening its file happen here, on the event loop, too.
      const beginMs = this.now() - beginStartMs
      return
    }
    this.wal.write(before)
    this.wal.sync()
    const bytes = this.wal.startOver(persist.slice(snapshotAt))
    traceDone(bytes, this.now() - startMs)
  }

  /** Raft §7: a leader's snapshot replaces the state machine (MultiRaft: its group's; its record is durable by now). */
  private installSnapshot(snapshot: { index: number; data: Uint8Array }, group: number): void {
    this.storeOf(group) // the groups' stores before it exist too
    this.stores[group] = KeyValueStore.restore(snapshot.data, this.config.watchHistoryMax)
    this.snapshotsInstalled += 1
    this.traceApply(group)
  }

  /**
   * Raft §7 without stalling: the state machine as it stands now (it applied exactly `index`) is
   * captured at once (references, not copies), then encoded slice by slice into its snapshot file
   * with asynchronous writes while this node goes on ticking, appending and applying; only once
   * that file is durable does the core get the snapshot (a step of its own), and the segment change
   * that follows finds the file written. Snapshots are written one after another.
   */
  private takeSnapshot(index: number, group?: number): void {
    const store = this.storeOf(group ?? 0)
    if (this.adapter.snapshotInput === undefined || store.appliedIndex !== index) {
      const which = group === undefined ? '' : ` of group ${group}`
      throw new Error(`replica ${this.config.id}: the core asked for a snapshot${which} through ${index}, the state machine applied ${store.appliedIndex}`)
    }
    const startMs = this.now()
    const capture = store.captureSnapshot()
    const captureMs = this.now() - startMs
    this.snapshotWrites = this.snapshotWrites.then(() => this.writeSnapshot(index, capture, captureMs, group))
  }

  private async writeSnapshot(index: number, capture: StoreSnapshotCapture, captureMs: number, group: number | undefined): Promise<void> {
    const startMs = this.now()
    const slices = { count: 0, msMax: 0, msTotal: 0 }
    let data: Uint8Array
    try {
      data = await this.wal.writeSnapshotFile(index, this.snapshotPieces(index, timedSlices(encodeStoreSnapshot(capture), slices)), group)
    } catch (error) {
      if (error instanceof WalClosedError) return // stopped meanwhile: nothing to hand over
      // A disk that fails a snapshot is a disk the replica cannot trust: stop loudly, as a failed sync write would.
      process.nextTick(() => {
        throw error
      })
      return
    }
    const onLoop = `captured in ${round3(captureMs)} ms, encoded in ${slices.count} slices of at most ${round3(slices.msMax)} ms (${round3(slices.msTotal)} ms in all)`
    const which = group === undefined ? '' : `group ${group}: `
    this.trace({ kind: 'note', text: `${which}state machine serialized through ${index}: ${data.length} bytes, ${onLoop}; its file durable after ${round3(this.now() - startMs)} ms` })
    this.snapshotsTaken += 1
    this.stepAndSchedule(this.adapter.snapshotInput!(index, data, group))
  }

  /** The snapshot's pieces, held after the first one while the hooks' snapshotWriting says so (tests). */
  private snapshotPieces(index: number, pieces: Iterable<Uint8Array>): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
    const hold = this.hooks.snapshotWriting
    if (hold === undefined) return pieces
    return (async function* () {
      let first = true
      for (const piece of pieces) {
        yield piece
        if (first) await hold(index)
        first = false
      }
    })()
  }

  private stampProposals(proposals: readonly ProposedCommand[], phase: 'proposedMs' | 'persistedMs'): void {
    if (!this.profile) return
    const nowMs = this.now()
    for (const proposal of proposals) {
      const stamps = proposal.tag && this.pendingProposals.get(tagKey(proposal.tag))?.stamps
      if (stamps) stamps[phase] = nowMs
    }
  }

  /** Writes the phase records buffered so far (phase-profile.ts); nothing when not profiling. */
  writeProfile(): void {
    this.profile?.write()
  }

  /**
   * One append event per group and contiguous range of this turn's records, once they are durable.
   * Where this node leads, the entries are its own (the term's leader authors them): their commands
   * go along as short labels, so a log picture can show what any entry of that term holds.
   */
  private traceAppends(persist: readonly P[], writeStartMs: number): void {
    const t = this.now()
    let open: { group?: number; fromIndex: number; toIndex: number; runs: [number, number][]; ops?: string[]; opsOmitted: number } | undefined
    const close = () => {
      if (!open) return
      const { opsOmitted, ops, ...range } = open
      const event = { kind: 'append' as const, ...range, persistMs: round3(t - writeStartMs), ...(ops ? { ops } : {}), ...(opsOmitted > 0 ? { opsOmitted } : {}) }
      this.traceAt(t, event)
      open = undefined
    }
    for (const record of persist) {
      const appended = this.adapter.appendedEntries!(record)
      if (!appended || appended.entries.length === 0) continue
      const { group, fromIndex } = appended
      // A snapshot's new segment writes the log after it again: entries already announced are not news.
      const firstNew = appended.entries.findIndex((entry, position) => !this.announced.holds(group, fromIndex + position, entry.term))
      if (firstNew < 0) continue
      const entries = appended.entries.slice(firstNew)
      const from = fromIndex + firstNew
      this.announced.announce(group, from, entries.map((entry) => entry.term))
      if (!open || open.group !== group || from !== open.toIndex + 1) {
        close()
        const leading = this.adapter.leaderRoles.includes(group === undefined ? this.role : (this.groupRoles.get(group) ?? ''))
        open = { ...(group === undefined ? {} : { group }), fromIndex: from, toIndex: from - 1, runs: [], ...(leading ? { ops: [] } : {}), opsOmitted: 0 }
      }
      const current = open
      entries.forEach((entry, position) => {
        const runs = current.runs
        if (runs.length === 0 || runs[runs.length - 1]![1] !== entry.term) runs.push([from + position, entry.term])
        if (!current.ops) return
        if (current.ops.length < appendOpsMax) current.ops.push(entry.label ?? commandLabel(entry.command))
        else current.opsOmitted += 1
      })
      current.toIndex = from + entries.length - 1
    }
    close()
  }

  private route(clientId: string, connection: ClientConnection): void {
    if (this.clientRoutes.size >= clientRoutesMax && !this.clientRoutes.has(clientId)) {
      this.clientRoutes.delete(this.clientRoutes.keys().next().value!)
    }
    this.clientRoutes.set(clientId, connection)
  }

  private push(push: ClientPush | undefined): void {
    if (!push) return
    const connection = this.clientRoutes.get(push.clientId)
    if (connection && !connection.closed) connection.send({ id: 0, ok: true, node: this.config.id, pbft: push.pbft })
  }

  private applyEntries(entries: AppliedEntry[]): void {
    if (entries.length === 0) return
    const changes: ChangeEvent[] = []
    const touched = new Set<number>()
    for (const entry of entries) {
      const group = entry.group ?? 0
      const store = this.storeOf(group)
      const applyStartMs = this.profile ? this.now() : 0
      const applyIndex = this.adapter.appliesOutOfOrder === true ? store.appliedIndex + 1 : entry.index
      const result = store.apply(applyIndex, this.adapter.appliedTermMatters ? entry.term : 0, entry.command)
      if (group === 0) for (const change of store.lastChanges) changes.push(change)
      if (result.ok && group === 0) this.noteLease(entry.command)
      if (applyIndex % applyHashEvery === 0) this.traceApply(group)
      touched.add(group)
      if (!entry.tag) continue
      if (this.adapter.replies) {
        this.pendingProposals.delete(tagKey(entry.tag))
        this.push(this.adapter.replies.afterApply(this.core, entry, result))
        continue
      }
      const key = tagKey(entry.tag)
      const pending = this.pendingProposals.get(key)
      if (!pending) continue
      this.pendingProposals.delete(key)
      const base = { id: pending.requestId, node: this.config.id }
      // Where the operation sits in the log: the history keeps it, and a trace reader follows it there.
      const position = entry.group === undefined ? { index: entry.index } : { index: entry.index, group: entry.group }
      pending.connection.send(
        result.ok
          ? { ...base, ok: true, value: result.value, entries: result.entries, revision: result.revision, ...position }
          : result.error === 'cas-mismatch'
            ? { ...base, ok: false, error: 'cas-mismatch', value: result.value }
            : { ...base, ok: false, error: 'invalid', message: result.message },
      )
      const stamps = pending.stamps
      if (this.profile && stamps?.proposedMs !== undefined && stamps.persistedMs !== undefined) {
        const committedMs = this.profile.commitMsOf(group, entry.index) ?? applyStartMs
        this.profile.record([entry.tag.clientId, entry.tag.seq, stamps.receivedMs, stamps.proposedMs, stamps.persistedMs, committedMs, applyStartMs, this.now()])
      }
    }
    for (const group of touched) if (this.storeOf(group).appliedIndex % applyHashEvery !== 0) this.traceApply(group)
    this.watches.publish(changes)
  }

  private noteLease(command: AppliedEntry['command']): void {
    const now = this.nodeClockMs()
    if (command.op === 'lease-grant') this.leaseClock.touched(command.lease, command.ttlMs, now)
    else if (command.op === 'lease-keepalive') this.leaseClock.touched(command.lease, this.kv.leases.get(command.lease)!.ttlMs, now)
    else if (command.op === 'lease-revoke') {
      this.leaseClock.revoked(command.lease)
      if (command.expired) this.trace({ kind: 'note', text: `lease ${command.lease} expired and was revoked` })
    }
  }

  private serveRead(readId: number): void {
    const pending = this.pendingReads.get(readId)
    if (!pending) return
    this.pendingReads.delete(readId)
    const result = this.storeForKey(pending.request.cmd).read(pending.request.cmd)
    const readOnly = this.adapter.replies?.readOnly
    if (readOnly) return this.push(readOnly(this.core, { clientId: pending.request.clientId, seq: pending.request.seq }, result))
    pending.connection.send(readReply({ id: pending.requestId, node: this.config.id }, result))
  }

  private answerRejection(rejection: Rejection): void {
    const pending =
      rejection.kind === 'read'
        ? this.takePendingRead(rejection.readId)
        : rejection.tag
          ? this.takePendingProposal(tagKey(rejection.tag))
          : undefined
    if (!pending) return
    // A dropped proposal may already sit in other logs and commit later: its outcome is unknown.
    const error: ClientResponse & { ok: false } = {
      id: pending.requestId,
      ok: false,
      node: this.config.id,
      error:
        rejection.reason === 'dropped'
          ? rejection.kind === 'read'
            ? 'rejected'
            : 'unknown-outcome'
          : rejection.reason,
      leader: rejection.leaderHint,
    }
    pending.connection.send(error)
  }

  private takePendingRead(readId: number | undefined): PendingReply | undefined {
    if (readId === undefined) return undefined
    const pending = this.pendingReads.get(readId)
    this.pendingReads.delete(readId)
    return pending
  }

  private takePendingProposal(key: string): PendingReply | undefined {
    const pending = this.pendingProposals.get(key)
    this.pendingProposals.delete(key)
    return pending
  }

  private onCoreEvent(event: CoreEvent): void {
    switch (event.kind) {
      case 'role': {
        if (event.group !== undefined) {
          this.groupRoles.set(event.group, event.role)
          return this.trace({ kind: 'role', role: event.role, term: event.term, leader: event.leader, group: event.group })
        }
        const wasLeader = this.adapter.leaderRoles.includes(this.role)
        const isLeader = this.adapter.leaderRoles.includes(event.role)
        this.role = event.role
        if (wasLeader && !isLeader) {
          this.abandonPendingProposals()
          this.leaseClock.stepDown()
        }
        if (!wasLeader && isLeader) this.leaseClock.restartAll(this.kv, this.nodeClockMs())
        return this.trace({ kind: 'role', role: event.role, term: event.term, leader: event.leader })
      }
      case 'term':
        return this.trace(withGroup({ kind: 'term', term: event.term }, event.group))
      case 'vote':
        return this.trace(withGroup({ kind: 'vote', term: event.term, votedFor: event.votedFor }, event.group))
      case 'commit': {
        // One commit event per flush and group is enough for the timelines and the checker, at any
        // load; it keeps the time the core reported it (a latency breakdown measures to it).
        const t = this.now()
        this.commitsToTrace.set(event.group ?? -1, { index: event.index, t })
        this.profile?.committed(event.group ?? 0, event.index, t)
        return
      }
      case 'truncate': {
        const { kind, fromIndex, toIndex, term, runs, leader } = event
        return this.trace(withGroup({ kind, fromIndex, toIndex, term, runs, ...(leader === undefined ? {} : { leader }) }, event.group))
      }
      case 'slot':
        if (!this.config.traceLog) return
        return this.trace({ kind: 'slot', seq: event.seq, view: event.view, phase: event.phase, ...(event.digest ? { digest: event.digest } : {}) })
      case 'checkpoint':
        return this.trace({ kind: 'checkpoint', seq: event.seq })
      case 'conflict':
        return this.trace({ kind: 'conflict', seq: event.seq, view: event.view, from: event.from, type: event.type })
      case 'config': {
        const { voters, learners, index, committed } = event
        return this.trace(withGroup({ kind: 'config', voters, learners, index, committed }, event.group))
      }
      case 'note':
        // A trace note has no group field: a MultiRaft group's note says its group first.
        return this.trace({ kind: 'note', text: event.group === undefined ? event.text : `group ${event.group}: ${event.text}` })
      default:
        return assertNever(event, 'core event')
    }
  }

  /** A deposed leader cannot know whether its uncommitted entries will survive: say so, indefinitely. */
  private abandonPendingProposals(): void {
    for (const pending of this.pendingProposals.values()) {
      pending.connection.send({ id: pending.requestId, ok: false, node: this.config.id, error: 'unknown-outcome' })
    }
    this.pendingProposals.clear()
  }

  /**
   * Whether the next message (or drop) is traced: drops always within the per-second budget, sends
   * only when the experiment asks for messages. A traced send's receipt and fate are traced by
   * whoever sees them (the envelope says so), so a message is either followed whole or not at all.
   */
  private admitMessageEvent(kind: 'send' | 'drop'): boolean {
    if (kind === 'send' && !this.config.traceMessages) return false
    const second = Math.floor(this.now() / 1000)
    if (second !== this.messageEventsSecond) {
      this.messageEventsSecond = second
      this.messageEventsThisSecond = 0
    }
    if (this.messageEventsThisSecond >= messageEventsPerSecondMax) {
      this.messageEventsDropped += 1
      return false
    }
    this.messageEventsThisSecond += 1
    return true
  }

  private onTransportEvent(event: TransportEvent): void {
    switch (event.kind) {
      case 'frame-error':
      case 'recv':
      case 'drop':
        return this.trace(event)
      case 'send': {
        const { message, ...fields } = event
        const facts = this.adapter.describeMessage?.(message as M)
        const heartbeat = facts?.heartbeat || this.heartbeatReplies.has(message)
        return this.trace({ ...fields, ...(facts?.range ? { range: facts.range } : {}), ...(heartbeat ? { heartbeat: true } : {}) })
      }
      default:
        return assertNever(event, 'transport event')
    }
  }

  private traceApply(group: number): void {
    const store = this.storeOf(group)
    const event = { kind: 'apply' as const, index: store.appliedIndex, term: store.appliedTerm, hash: store.applyHash }
    this.trace(this.adapter.groupOfKey ? { ...event, group } : event)
  }

  trace(event: DistributiveOmit<TraceEvent, 't' | 'node'>): void {
    this.traceAt(this.now(), event)
  }

  private traceAt(t: number, event: DistributiveOmit<TraceEvent, 't' | 'node'>): void {
    this.hooks.emit({ ...event, t, node: this.config.id } as TraceEvent)
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function withGroup<E extends object>(event: E, group: number | undefined): E & { group?: number } {
  return group === undefined ? event : { ...event, group }
}

/** A read's answer; a refused read (a range too large for a reply) says why. */
function readReply(base: { id: number; node: string }, result: CommandResult): ClientResponse {
  if (result.ok) return { ...base, ok: true, value: result.value, entries: result.entries, revision: result.revision }
  return result.error === 'invalid' ? { ...base, ok: false, error: 'invalid', message: result.message } : { ...base, ok: false, error: 'rejected' }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

function readKey(command: AppliedEntry['command'] | undefined): string {
  if (!command) return ''
  if (command.op === 'range') return command.prefix
  return 'key' in command ? command.key : ''
}

function tagKey(tag: { clientId: string; seq: number }): string {
  return `${tag.clientId}:${tag.seq}`
}

/** The pieces as they come, counting them and timing each one's production (the event loop's share of a snapshot). */
function* timedSlices(pieces: Iterator<Uint8Array, void, void>, slices: { count: number; msMax: number; msTotal: number }): Generator<Uint8Array, void, void> {
  for (;;) {
    const startMs = performance.now()
    const next = pieces.next()
    const sliceMs = performance.now() - startMs
    slices.msMax = Math.max(slices.msMax, sliceMs)
    slices.msTotal += sliceMs
    if (next.done === true) return
    slices.count += 1
    yield next.value
  }
}

/**
 * Crash tests (test/replica/snapshot-crash.test.ts): CONSENSUS_LAB_KILL_AT_WAL_STEP=<node>:<step>
 * makes that replica SIGKILL itself at that step of a WAL segment change (wal.ts StartOverStep),
 * where no fault schedule could aim: between the snapshot file and the segment swap.
 */
function killAtStartOverStep(id: string): ((step: StartOverStep) => void) | undefined {
  const spec = process.env.CONSENSUS_LAB_KILL_AT_WAL_STEP
  if (spec === undefined || !spec.startsWith(`${id}:`)) return undefined
  const wanted = spec.slice(id.length + 1)
  return (step) => {
    if (step === wanted) process.kill(process.pid, 'SIGKILL')
  }
}
