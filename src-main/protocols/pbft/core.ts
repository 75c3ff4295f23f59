/**
 * PBFT replica (Castro & Liskov, OSDI 1999; TOCS 2002) as a pure core: a tick, a message or a
 * batch of client requests goes in, a PbftReady comes out. Section numbers refer to the OSDI paper.
 *
 * Normal case (§4.2): the primary of view v (members[v mod n]) assigns a sequence number to a
 * batch and multicasts a pre-prepare; backups accept it inside the water marks and multicast
 * prepares; prepared = pre-prepare + 2f matching prepares; then commits; committed-local =
 * prepared + 2f+1 matching commits; batches execute in sequence order.
 * Checkpoints (§4.3) every K sequence numbers; 2f+1 matching make one stable and move h.
 * View change (§4.4–4.5) when a backup's request timer expires.
 */
import { assertNever } from '../types.js'
import type { AppliedEntry, CommandResult, CoreInput, CoreStatus, NodeId, ProposedCommand, ProtocolCore, Random, RequestTag, SlotPhase } from '../types.js'
import { seededRandom, hashString } from '../common/random.js'
import { chunkByBytes, encodedBytesMax } from '../common/wire-budget.js'
import { verifyFor } from './auth.js'
import { batchDigest, chainNext, genesisChain, messageDigest, resultDigestOf } from './canonical.js'
import { designatedReplier } from './client.js'
import { lyingReply } from './byzantine.js'
import { CheckpointStore, isCheckpointProof } from './checkpoints.js'
import { ClientTable, requestKey } from './clients.js'
import { digestCharsMax, normalizeByzantine, pbftBounds, primaryOf, resolveConfig } from './config.js'
import type { PbftConfig } from './config.js'
import { MessageLog, addVote, hasCommitQuorum, hasPreparedQuorum, matchingPrepares, votesFor } from './log.js'
import type { Slot } from './log.js'
import { Outbox } from './outbox.js'
import { RequestBook } from './requests.js'
import { replayPersisted } from './recovery.js'
import type { ExecutedRecord, StableCheckpoint } from './recovery.js'
import type {
  ByzantineBehaviour,
  ByzantineKind,
  CatchUp,
  Checkpoint,
  ClientRequest,
  Commit,
  NewView,
  PbftCrypto,
  PbftMessage,
  PbftMutations,
  PbftOptions,
  PbftPersist,
  PbftReady,
  PrePrepare,
  Prepare,
  Reply,
  RequestMessage,
  Status,
  TentativeBatch,
  ViewChange,
  ViewChangeAck,
} from './types.js'
import { brokenInvariant } from './invariants.js'
import type { InvariantBaseline } from './invariants.js'
import { isClientRequest, shapeChecker } from './validate.js'
import { ViewChangeAckStore, ViewChangeStore, checkNewView, computeNewView, selectViewChanges, viewChangeError, vouchersAtPrimary } from './view-change.js'
import type { CertificateContext, NewViewPlan } from './view-change.js'

export type PbftRole = 'primary' | 'backup' | 'view-changing'

/** A batch digest in a slot event: enough characters to tell two batches apart in a picture. */
export const slotDigestCharsMax = 8

/** A fuller picture than CoreStatus, for tests and the UI. */
export interface PbftStatus extends CoreStatus {
  role: PbftRole
  view: number
  lowWaterMark: number
  highWaterMark: number
  lastExecuted: number
  checkpointDigest: string
  pendingRequests: number
  waitingRequests: number
  byzantine?: ByzantineKind
}

export class PbftCore implements ProtocolCore<PbftMessage, PbftPersist> {
  readonly id: NodeId
  private readonly config: PbftConfig
  private readonly crypto: PbftCrypto
  private readonly outbox: Outbox
  private readonly log: MessageLog
  private readonly checkpoints: CheckpointStore
  private readonly clients = new ClientTable(pbftBounds.clientsTrackedMax)
  private readonly certificates: CertificateContext
  private readonly checkShape: (value: unknown) => string | undefined
  private readonly genesis: string
  private byzantine: ByzantineBehaviour | undefined
  private readonly mutations: PbftMutations

  private view = 0
  private viewChanging = false
  private stable: StableCheckpoint
  private lastExecuted = 0
  /** The invariants have checked the whole window once (the first step, recovery included, gets a full scan). */
  private windowScanned = false
  private chain: string
  private requestsExecuted = 0
  /** Executed batches kept to serve state transfer (bounded by executedRetainMax). */
  private readonly retained = new Map<number, { digest: string; batch: ClientRequest[] }>()
  private readonly ownCheckpoints = new Map<number, Checkpoint>()

  /**
   * Tentative execution (TOCS §5.1.3): batches above lastExecuted run once prepared, in order, and
   * are answered at once; they are committed (or dropped) later. tentativeSeq >= lastExecuted.
   */
  private tentativeSeq = 0
  /** The digests of the tentatively executed batches not committed yet, by sequence number. */
  private readonly tentativeDigests = new Map<number, string>()
  /** Client timestamps executed tentatively and not committed yet: duplicates among them are skipped as at commit. */
  private readonly tentativeTimestamps = new Map<string, number>()
  /** Tentative replies sent, by request: the committed reply then goes out only when the client asked again. */
  private readonly tentativeAnswered = new Map<string, { view: number; askedAgain: boolean }>()

  /**
   * Read-only requests (TOCS §5.1.3) by read id, in arrival order, each with the highest sequence
   * number this replica had prepared when it arrived: it is answered from the committed state once
   * execution has reached that number (see onReadOnly).
   */
  private readonly readOnly: { readId: number; afterSeq: number }[] = []

  private readonly requests = new RequestBook()
  /** The backup's request timer (§4.5.2), as the tick at which it expires. */
  private requestDeadline: number | undefined
  /** Set when an awaited request executed or a view was installed this step: the timer restarts. */
  private progressed = false
  private seqNext = 1

  /** The latest valid view-change message per replica (a replica only moves to higher views). */
  private readonly viewChanges = new ViewChangeStore(pbftBounds.viewChangesPerReplicaMax)
  /** Acknowledgements of view-changes, for the views this replica is the primary of. */
  private readonly acks = new ViewChangeAckStore(pbftBounds.futureViewsMax + 1)
  private readonly viewChangeDigests = new WeakMap<ViewChange, string>()
  private viewChangeDeadline: number | undefined
  /** Consecutive view changes without executing a request; the timeout doubles with each. */
  private viewChangeAttempts = 0
  private newView: NewView | undefined
  /** Authenticated messages for a view not installed yet, replayed when it is. */
  private future: PbftMessage[] = []

  private ticks = 0
  private statusDueTick: number
  private phantomSeq = 0
  private startupPending = true
  private recoveredApplied: AppliedEntry[] = []
  private reportedExecuted = 0
  private queuedNotes: string[] = []

  constructor(options: PbftOptions) {
    this.config = resolveConfig(options)
    this.id = this.config.id
    this.crypto = options.crypto
    this.genesis = genesisChain(this.crypto)
    // The byte budgets (batchBytesMax) assume digests and MACs of at most digestCharsMax characters.
    const macChars = this.crypto.mac(this.id, this.id, new Uint8Array(0)).length
    if (this.genesis.length > digestCharsMax || macChars > digestCharsMax) {
      throw new Error(`pbft: digests (${this.genesis.length}) and MACs (${macChars}) must have at most ${digestCharsMax} characters, as the byte budgets assume`)
    }
    this.chain = this.genesis
    this.stable = { seq: 0, digest: this.genesis, proof: [] }
    const random: Random = options.random ?? seededRandom(hashString(this.id), 'pbft')
    this.outbox = new Outbox({
      me: this.id,
      members: this.config.members,
      crypto: this.crypto,
      random,
      primaryOf: (view) => primaryOf(this.config.members, view),
      batchAt: (view, seq) => {
        const slot = this.log.get(seq)
        return slot && slot.view === view ? slot.prePrepare?.batch : undefined
      },
    })
    this.byzantine = normalizeByzantine(options.byzantine)
    this.mutations = options.mutations ?? {}
    this.outbox.byzantine = this.byzantine
    if (this.byzantine) this.queuedNotes.push(`byzantine ${this.byzantine.kind}`)
    this.log = new MessageLog(this.config.logWindowMax)
    this.checkpoints = new CheckpointStore(Math.ceil(this.config.logWindowMax / this.config.checkpointInterval) + 2)
    this.certificates = {
      members: this.config.members,
      f: this.config.f,
      logWindowMax: this.config.logWindowMax,
      genesis: this.genesis,
      verify: (message) => verifyFor(this.crypto, this.config.members, this.id, this.config.myIndex, message),
      digestOf: (batch) => batchDigest(this.crypto, batch),
      viewChangeDigest: (message) => this.viewChangeDigest(message),
    }
    this.checkShape = shapeChecker({
      n: this.config.n,
      batchMax: this.config.batchMax,
      batchBytesMax: this.config.batchBytesMax,
      logWindowMax: this.config.logWindowMax,
      forwardedRequestsMax: pbftBounds.forwardedRequestsMax,
      executedRetainMax: pbftBounds.executedRetainMax,
      viewChangesHeldMax: this.config.n * pbftBounds.viewChangesPerReplicaMax,
    })
    this.statusDueTick = this.config.statusIntervalTicks
    if (options.persisted && options.persisted.length > 0) this.recover(options.persisted)
  }

  // ---------------------------------------------------------------- public API

  step(input: CoreInput<PbftMessage>): PbftReady {
    const before = { view: this.view, viewChanging: this.viewChanging, lastExecuted: this.lastExecuted, chain: this.chain, stableSeq: this.stable.seq }
    if (this.startupPending) this.startup()
    for (const text of this.queuedNotes.splice(0)) this.outbox.note(text)
    switch (input.kind) {
      case 'tick':
        this.onTick()
        break
      case 'message':
        this.onMessage(input.from, input.message)
        break
      case 'propose':
        this.onPropose(input.proposals)
        break
      case 'read':
        this.onReadOnly(input.readIds)
        break
      default:
        assertNever(input, 'core input')
    }
    this.issuePrePrepares()
    this.executeTentatively()
    this.releaseReadOnly()
    this.refreshRequestTimer()
    if (this.lastExecuted !== this.reportedExecuted) {
      this.reportedExecuted = this.lastExecuted
      this.outbox.event({ kind: 'commit', index: this.lastExecuted })
    }
    this.assertInvariants(before, input.kind === 'tick')
    return this.outbox.take()
  }

  /**
   * The reply for an applied entry, built from the state machine's result and kept in the reply
   * cache for retransmissions. Call it for every tagged entry of `applied`, in order. Undefined for
   * an untagged entry, or when this replica is Byzantine-silent.
   */
  reply(entry: AppliedEntry, result: CommandResult): Reply | undefined {
    if (!entry.tag) return undefined
    const key = requestKey(entry.tag)
    const answered = this.tentativeAnswered.get(key)
    this.tentativeAnswered.delete(key)
    const reply: Reply = {
      type: 'Reply',
      view: this.view,
      timestamp: entry.tag.seq,
      clientId: entry.tag.clientId,
      replica: this.id,
      result,
      index: entry.index,
      ...(entry.seq === undefined ? {} : { seq: entry.seq }),
    }
    this.clients.recordReply(reply)
    if (this.byzantine?.kind === 'silent') return undefined
    // The client has 2f+1 tentative replies of this view coming, unless it asked again for lack of them.
    if (answered && answered.view === this.view && !answered.askedAgain) return undefined
    return this.digestUnlessDesignated(reply, answered?.askedAgain === true)
  }

  /**
   * Digest replies (TOCS §5.1.1): a replica the request does not designate sends the result's
   * digest, unless the client asked again (it may lack the full result: the designated replica may
   * be faulty). Replies from the reply cache, which answer retransmissions, always go in full.
   */
  private digestUnlessDesignated(reply: Reply, askedAgain: boolean): Reply {
    const result = reply.result
    if (result === undefined) return reply
    if (!this.config.digestReplies || askedAgain || designatedReplier(this.config.members, reply.clientId, reply.timestamp) === this.id) {
      return lyingReply(this.byzantine, reply, result, this.crypto)
    }
    const { result: _full, ...rest } = reply
    return lyingReply(this.byzantine, { ...rest, resultDigest: resultDigestOf(this.crypto.digest, result) }, result, this.crypto)
  }

  /**
   * The tentative reply for a request of a batch from `ready.tentative`, built from the result the
   * driver computed over its committed state and the tentative batches before this one. Undefined
   * when the batch has committed or been dropped since (the committed reply, if any, goes out with
   * `reply`), or when this replica is Byzantine-silent.
   */
  tentativeReply(batch: TentativeBatch, request: ClientRequest, result: CommandResult): Reply | undefined {
    if (this.byzantine?.kind === 'silent' || batch.view !== this.view || this.viewChanging) return undefined
    if (batch.seq <= this.lastExecuted || this.tentativeDigests.get(batch.seq) === undefined) return undefined
    this.tentativeAnswered.set(requestKey(request.tag), { view: batch.view, askedAgain: false })
    return this.digestUnlessDesignated({
      type: 'Reply',
      view: batch.view,
      timestamp: request.tag.seq,
      clientId: request.tag.clientId,
      replica: this.id,
      result,
      index: 0,
      seq: batch.seq,
      tentative: true,
    }, false)
  }

  /**
   * The reply to a read-only request (TOCS §5.1.3) released in `ready.reads`, from the result the
   * driver read off its committed state. It is never cached and never counts as an execution of
   * the client's timestamp: the client may still send the same request to be ordered. Undefined
   * when this replica is Byzantine-silent.
   */
  readOnlyReply(tag: RequestTag, result: CommandResult): Reply | undefined {
    if (this.byzantine?.kind === 'silent') return undefined
    const reply: Reply = { type: 'Reply', view: this.view, timestamp: tag.seq, clientId: tag.clientId, replica: this.id, result, index: this.lastExecuted, readOnly: true }
    return this.digestUnlessDesignated(reply, false)
  }

  setByzantine(behaviour: ByzantineBehaviour | ByzantineKind | undefined): void {
    this.byzantine = normalizeByzantine(behaviour)
    this.outbox.byzantine = this.byzantine
    this.queuedNotes.push(`byzantine ${this.byzantine ? this.byzantine.kind : 'off'}`)
  }

  /** The highest sequence number executed (committed and applied): status().lastExecuted without building a status, which scans the log. */
  get lastExecutedSeq(): number {
    return this.lastExecuted
  }

  status(): PbftStatus {
    const role = this.role()
    return {
      id: this.id,
      role,
      term: this.view,
      ...(role === 'view-changing' ? {} : { leader: this.primary() }),
      commitIndex: this.lastExecuted,
      lastIndex: Math.max(this.log.highestPrePrepared(), this.lastExecuted),
      appliedIndex: this.requestsExecuted,
      view: this.view,
      lowWaterMark: this.stable.seq,
      highWaterMark: this.stable.seq + this.config.logWindowMax,
      lastExecuted: this.lastExecuted,
      checkpointDigest: this.chain,
      pendingRequests: this.requests.pendingCount,
      waitingRequests: this.requests.awaitedCount,
      ...(this.byzantine ? { byzantine: this.byzantine.kind } : {}),
    }
  }

  // ---------------------------------------------------------------- small helpers

  /**
   * After every step; a broken invariant is a bug here, and the replica must stop. The slots checked
   * are the whole window after a tick, the first step, and any step that moved the view or the
   * water marks; after any other step the slots it reached through the log, the only ones it can
   * have changed. A full scan after every message cost O(window) per message; a slot broken behind
   * the log's back is still caught, at the next tick.
   */
  private assertInvariants(before: InvariantBaseline, tick: boolean): void {
    const touched = this.log.takeTouched()
    const windowMoved = before.view !== this.view || before.viewChanging !== this.viewChanging || before.stableSeq !== this.stable.seq
    const fullScan = tick || windowMoved || !this.windowScanned
    this.windowScanned = true
    const broken = brokenInvariant(
      {
        config: this.config,
        view: this.view,
        viewChanging: this.viewChanging,
        primary: this.primary(),
        stable: this.stable,
        lastExecuted: this.lastExecuted,
        chain: this.chain,
        newView: this.newView,
        ownViewChange: this.viewChanges.get(this.id, this.view),
        slots: fullScan ? this.log.values() : touched,
        seqNext: this.seqNext,
        retainedLastExecuted: this.retained.has(this.lastExecuted),
        ownCheckpointSeqs: this.ownCheckpoints.keys(),
        requestTimerRunning: this.requestDeadline !== undefined,
        viewChangeTimerRunning: this.viewChangeDeadline !== undefined,
        futureMessages: this.future.length,
        pendingRequests: this.requests.pendingCount,
        awaitedRequests: this.requests.awaitedCount,
      },
      before,
    )
    const tentativeBroken = this.tentativeSeq < this.lastExecuted ? `tentative execution (${this.tentativeSeq}) behind committed execution (${this.lastExecuted})` : undefined
    const found = broken ?? tentativeBroken
    if (found) throw new Error(`pbft invariant broken on ${this.id} (view ${this.view}${this.viewChanging ? ', changing' : ''}): ${found}`)
  }

  private role(): PbftRole {
    if (this.viewChanging) return 'view-changing'
    return this.isPrimary() ? 'primary' : 'backup'
  }

  private primary(view = this.view): NodeId {
    return primaryOf(this.config.members, view)
  }

  private isPrimary(): boolean {
    return this.primary() === this.id
  }

  private inWindow(seq: number): boolean {
    return seq > this.stable.seq && seq <= this.stable.seq + this.config.logWindowMax
  }

  private timeoutTicks(): number {
    return this.config.requestTimeoutTicks * 2 ** Math.min(this.viewChangeAttempts, pbftBounds.backoffExponentMax)
  }

  private digestOf(batch: ClientRequest[]): string {
    return batchDigest(this.crypto, batch)
  }

  private emitRole(): void {
    const role = this.role()
    this.outbox.event({ kind: 'role', role, term: this.view, ...(role === 'view-changing' ? {} : { leader: this.primary() }) })
  }

  private startup(): void {
    this.startupPending = false
    this.outbox.ready.applied.push(...this.recoveredApplied.splice(0))
    for (const checkpoint of this.ownCheckpoints.values()) this.outbox.broadcast(checkpoint)
    if (this.viewChanging) {
      const own = this.viewChanges.get(this.id, this.view)
      if (own) this.announceViewChange(own, 'resumed after restart')
      else this.sendViewChange('resumed after restart')
    } else {
      this.emitRole()
    }
    // The persisted view-changes may already make f+1 for a higher view (a crash can tear off the
    // join they caused): they will not arrive again as new messages, so decide now.
    this.joinHigherView()
  }

  // ---------------------------------------------------------------- inputs

  private onTick(): void {
    this.ticks += 1
    this.outbox.tick = this.ticks
    this.outbox.releaseDelayed()
    if (this.requestDeadline !== undefined && this.ticks >= this.requestDeadline) {
      this.requestDeadline = undefined
      if (!this.viewChanging && !this.isPrimary()) this.startViewChange(this.view + 1, 'request timer expired')
    }
    if (this.viewChangeDeadline !== undefined && this.ticks >= this.viewChangeDeadline) {
      this.viewChangeDeadline = undefined
      if (this.viewChanging) this.startViewChange(this.view + 1, `no new-view for view ${this.view} in time`)
    }
    if (this.ticks >= this.statusDueTick) {
      this.statusDueTick = this.ticks + this.config.statusIntervalTicks
      this.broadcastStatus()
    }
    if (this.byzantine?.kind === 'phantom') this.sendPhantoms()
  }

  private onMessage(from: NodeId, raw: PbftMessage): void {
    const malformed = this.checkShape(raw)
    if (malformed) {
      this.outbox.note(`malformed message from=${from}: ${malformed}`)
      return
    }
    if (raw.replica === this.id) return
    if (!this.config.members.includes(raw.replica)) {
      this.outbox.note(`message from non-member ${raw.replica} via=${from} dropped`)
      return
    }
    if (!this.certificates.verify(raw)) {
      this.outbox.note(`auth-failed from=${raw.replica} via=${from} type=${raw.type}`)
      return
    }
    this.dispatch(raw)
  }

  /** For authenticated, well-formed messages (also those replayed from the future buffer). */
  private dispatch(message: PbftMessage): void {
    switch (message.type) {
      case 'Request':
        return this.onForwardedRequests(message)
      case 'PrePrepare':
        return this.onPrePrepare(message)
      case 'Prepare':
        return this.onPrepare(message)
      case 'Commit':
        return this.onCommit(message)
      case 'Checkpoint':
        return this.onCheckpoint(message)
      case 'ViewChange':
        return this.onViewChange(message)
      case 'ViewChangeAck':
        return this.onViewChangeAck(message)
      case 'NewView':
        return this.onNewView(message)
      case 'Status':
        return this.onStatus(message)
      case 'CatchUp':
        return this.onCatchUp(message)
      default:
        return assertNever(message, 'PBFT message')
    }
  }

  // ---------------------------------------------------------------- client requests

  /**
   * Read-only requests (TOCS §5.1.3): no ordering, each replica answers from its own state and the
   * client needs 2f+1 matching replies. The paper answers from the tentative state once every
   * request reflected in it has committed; here a read waits until execution reaches the highest
   * sequence number this replica had *prepared* when the read arrived, prepared-but-not-yet-
   * tentatively-executed ones (behind a gap) included, and is answered from the committed state.
   * Why that suffices: a write that completed before the read began was prepared by 2f+1 replicas
   * (its 2f+1 tentative replies, or the commit certificate behind f+1 committed ones), which share
   * an honest replica with the read's 2f+1 repliers; that replica's answer reflects the write, and
   * the others' match it. The paper's rule alone misses a write this replica prepared behind a gap.
   */
  private onReadOnly(readIds: readonly number[]): void {
    const afterSeq = this.mutations.readOnlyBeforeExecuted === true ? 0 : this.preparedSeqMax()
    for (const readId of readIds) {
      if (this.readOnly.length >= pbftBounds.readOnlyPendingMax) this.outbox.ready.rejections.push({ kind: 'read', readId, reason: 'dropped' })
      else this.readOnly.push({ readId, afterSeq })
    }
  }

  /** The highest sequence number prepared here in any view (a certificate kept across view changes counts), or executed. */
  private preparedSeqMax(): number {
    let highest = this.lastExecuted
    for (const slot of this.log.values()) if ((slot.prepared || slot.preparedCert !== undefined) && slot.seq > highest) highest = slot.seq
    return highest
  }

  /** Hands the driver every read-only request whose prepared prefix has executed. */
  private releaseReadOnly(): void {
    if (!this.readOnly.some((read) => read.afterSeq <= this.lastExecuted)) return
    const waiting = this.readOnly.filter((read) => read.afterSeq > this.lastExecuted)
    for (const read of this.readOnly) if (read.afterSeq <= this.lastExecuted) this.outbox.ready.reads.push({ readId: read.readId })
    this.readOnly.splice(0, this.readOnly.length, ...waiting)
  }

  private onPropose(proposals: ProposedCommand[]): void {
    const forward: ClientRequest[] = []
    for (const proposal of proposals) {
      if (!proposal.tag) {
        // Exactly-once needs (clientId, timestamp); an untagged command cannot be deduplicated.
        this.outbox.ready.rejections.push({ kind: 'proposal', reason: 'dropped' })
        this.outbox.note('untagged proposal dropped: PBFT requests need a tag (clientId, seq)')
        continue
      }
      const request = { command: proposal.command, tag: proposal.tag }
      // Peers would drop a pre-prepare carrying it as malformed (a batch of it alone would be over
      // batchBytesMax too); refuse it here instead. A replica's client port refuses it first.
      if (!isClientRequest(request) || encodedBytesMax([request]) > this.config.batchBytesMax) {
        this.outbox.ready.rejections.push({ kind: 'proposal', tag: proposal.tag, reason: 'dropped' })
        continue
      }
      this.admitClientRequest(request, forward)
    }
    this.forwardToPrimary(forward)
  }

  private admitClientRequest(request: ClientRequest, forward: ClientRequest[]): void {
    const freshness = this.clients.freshness(request.tag)
    switch (freshness) {
      case 'last': {
        const cached = this.clients.cachedReply(request.tag)
        if (cached) this.outbox.ready.replies.push(cached.result === undefined ? { ...cached, view: this.view } : lyingReply(this.byzantine, { ...cached, view: this.view }, cached.result, this.crypto))
        return
      }
      case 'stale':
        return
      case 'new':
        break
      default:
        assertNever(freshness, 'freshness')
    }
    const answered = this.tentativeAnswered.get(requestKey(request.tag))
    if (answered) answered.askedAgain = true
    if (this.isPrimary() && !this.viewChanging) {
      this.noteRequest(request, true)
      if (!this.requests.enqueue(request)) this.outbox.ready.rejections.push({ kind: 'proposal', tag: request.tag, reason: 'dropped' })
      return
    }
    // §4.2: a backup relays the request to the primary and waits for it, timer running.
    if (this.noteRequest(request, true) && !this.viewChanging) forward.push(request)
  }

  /** Remembers a request to be executed (the backup's timer starts at the end of the step). */
  private noteRequest(request: ClientRequest, fromClient: boolean): boolean {
    return this.clients.freshness(request.tag) === 'new' && this.requests.await(request, fromClient)
  }

  /**
   * §4.5.2: a backup's timer runs while it awaits a request, and restarts when an awaited one
   * executes. It also runs while the view holds a pre-prepare that has not committed here: a backup
   * that executed everything in an earlier view must still notice that the new view makes no
   * progress without a replica that left it, or it would never join that replica's view change.
   */
  private refreshRequestTimer(): void {
    const progressed = this.progressed
    this.progressed = false
    // The log scan last: the primary and a replica changing views run no request timer whatever the log holds.
    if (this.viewChanging || this.isPrimary() || !(this.requests.awaitedCount > 0 || this.log.hasUncommitted())) {
      this.requestDeadline = undefined
    } else if (this.requestDeadline === undefined || progressed) {
      this.requestDeadline = this.ticks + this.timeoutTicks()
    }
  }

  /** In messages of at most forwardedRequestsMax requests and batchBytesMax bytes (at least one request each). */
  private forwardToPrimary(requests: ClientRequest[]): void {
    for (let start = 0; start < requests.length; start += pbftBounds.forwardedRequestsMax) {
      const counted = requests.slice(start, start + pbftBounds.forwardedRequestsMax)
      for (const chunk of chunkByBytes(counted, this.config.batchBytesMax, encodedBytesMax)) {
        const message = this.outbox.sign<RequestMessage>({ type: 'Request', view: this.view, requests: chunk, replica: this.id })
        this.outbox.send([this.primary()], message)
      }
    }
  }

  private onForwardedRequests(message: RequestMessage): void {
    if (!this.isPrimary() || this.viewChanging) return
    for (const request of message.requests) {
      if (this.clients.freshness(request.tag) !== 'new') continue
      this.noteRequest(request, true)
      this.requests.enqueue(request)
    }
  }

  // ---------------------------------------------------------------- normal case (§4.2)

  /** The primary turns pending requests into pre-prepares while the window has room: one batch per batchMax. */
  private issuePrePrepares(): void {
    if (!this.isPrimary() || this.viewChanging) return
    this.seqNext = Math.max(this.seqNext, this.stable.seq + 1)
    const isNew = (tag: RequestTag): boolean => this.clients.freshness(tag) === 'new'
    while (this.requests.hasPending() && this.inWindow(this.seqNext)) {
      const batch = this.requests.takeBatch(this.config.batchMax, this.config.batchBytesMax, isNew)
      if (batch.length === 0) continue
      const seq = this.seqNext
      this.seqNext += 1
      const prePrepare = this.outbox.sign<PrePrepare>({
        type: 'PrePrepare', view: this.view, seq, digest: this.digestOf(batch), batch, replica: this.id,
      })
      const slot = this.log.getOrCreate(seq, this.view, this.stable.seq)
      if (slot.prePrepare) throw new Error(`pbft invariant: primary ${this.id} assigned seq ${seq} twice in view ${this.view}`)
      this.acceptPrePrepare(slot, prePrepare)
      this.outbox.broadcast(prePrepare)
    }
  }

  /** True when a view-bound message belongs to the installed view; buffers it when it is for a later one. */
  private acceptsView(message: PrePrepare | Prepare | Commit): boolean {
    if (message.view === this.view && !this.viewChanging) return true
    const later = message.view > this.view || (message.view === this.view && this.viewChanging)
    if (later && message.view <= this.view + pbftBounds.futureViewsMax) {
      if (this.future.length >= pbftBounds.futureMessagesMax) this.future.shift()
      this.future.push(message)
    }
    return false
  }

  private onPrePrepare(message: PrePrepare): void {
    if (!this.acceptsView(message) || this.isPrimary() || !this.inWindow(message.seq)) return
    if (message.replica !== this.primary()) {
      this.outbox.note(`pre-prepare from ${message.replica}, who is not the primary of view ${this.view}`)
      return
    }
    if (this.digestOf(message.batch) !== message.digest) {
      this.outbox.note(`pre-prepare ${message.view}/${message.seq} from ${message.replica}: batch does not match its digest`)
      return
    }
    const slot = this.log.getOrCreate(message.seq, this.view, this.stable.seq)
    if (slot.prePrepare) {
      if (slot.prePrepare.digest !== message.digest) {
        this.outbox.note(`conflicting pre-prepares from primary ${message.replica} for ${message.view}/${message.seq}`)
        this.outbox.event({ kind: 'conflict', seq: message.seq, view: message.view, from: message.replica, type: 'PrePrepare' })
      }
      return
    }
    this.acceptPrePrepare(slot, message)
  }

  /** Records a pre-prepare (persisted before anything is sent) and, as a backup, prepares it. */
  private acceptPrePrepare(slot: Slot, prePrepare: PrePrepare): void {
    slot.prePrepare = prePrepare
    slot.acceptedTick = this.ticks
    this.outbox.persist({ type: 'pre-prepare', message: prePrepare })
    this.slotEvent(slot.seq, 'pre-prepared', prePrepare.digest)
    for (const request of prePrepare.batch) {
      this.noteRequest(request, false)
      if (this.isPrimary()) this.requests.assign(request.tag)
    }
    if (!this.isPrimary()) {
      const prepare = this.outbox.sign<Prepare>({
        type: 'Prepare', view: this.view, seq: slot.seq, digest: prePrepare.digest, replica: this.id,
      })
      addVote(slot.prepares, prepare, prePrepare.digest)
      this.outbox.persist({ type: 'prepare', message: prepare })
      this.outbox.broadcast(prepare)
    }
    this.checkPrepared(slot)
  }

  private onPrepare(message: Prepare): void {
    if (!this.acceptsView(message) || !this.inWindow(message.seq)) return
    if (message.replica === this.primary()) return // the primary's pre-prepare is its vote
    const slot = this.log.getOrCreate(message.seq, this.view, this.stable.seq)
    if (this.recordVote(slot.prepares, message, slot)) this.checkPrepared(slot)
  }

  private onCommit(message: Commit): void {
    if (!this.acceptsView(message) || !this.inWindow(message.seq)) return
    const slot = this.log.getOrCreate(message.seq, this.view, this.stable.seq)
    if (this.recordVote(slot.commits, message, slot)) this.checkCommitted(slot)
  }

  /** Adds a prepare or commit; true when it is new. Conflicting votes prove their sender faulty. */
  private recordVote<V extends Prepare | Commit>(votes: Map<NodeId, V[]>, vote: V, slot: Slot): boolean {
    const result = addVote(votes, vote, slot.prePrepare?.digest)
    if (result === 'conflict') {
      this.outbox.note(`conflicting ${vote.type === 'Prepare' ? 'prepares' : 'commits'} from ${vote.replica} for ${vote.view}/${vote.seq}`)
      this.outbox.event({ kind: 'conflict', seq: vote.seq, view: vote.view, from: vote.replica, type: vote.type })
    }
    return result === 'added' || result === 'conflict'
  }

  private checkPrepared(slot: Slot): void {
    if (slot.prepared || !hasPreparedQuorum(slot, this.primary(), this.config.f)) return
    const prePrepare = slot.prePrepare as PrePrepare
    const prepares = matchingPrepares(slot, this.primary())
    slot.prepared = true
    slot.preparedCert = { prePrepare, prepares }
    this.outbox.persist({ type: 'prepared', view: this.view, seq: slot.seq, prepares })
    this.slotEvent(slot.seq, 'prepared', prePrepare.digest)
    const commit = this.outbox.sign<Commit>({ type: 'Commit', view: this.view, seq: slot.seq, digest: prePrepare.digest, replica: this.id })
    addVote(slot.commits, commit, prePrepare.digest)
    this.outbox.persist({ type: 'commit', message: commit })
    this.outbox.broadcast(commit)
    this.checkCommitted(slot)
  }

  private checkCommitted(slot: Slot): void {
    if (slot.committed || !hasCommitQuorum(slot, this.config.f)) return
    slot.committed = true
    this.slotEvent(slot.seq, 'committed', slot.prePrepare?.digest)
    this.executeCommitted()
  }

  /** For the trace's slot grid: where this sequence number got to here (digests shortened). */
  private slotEvent(seq: number, phase: SlotPhase, digest: string | undefined): void {
    this.outbox.event({ kind: 'slot', seq, view: this.view, phase, ...(digest ? { digest: digest.slice(0, slotDigestCharsMax) } : {}) })
  }

  // ---------------------------------------------------------------- execution and checkpoints (§4.3)

  private executeCommitted(): void {
    for (;;) {
      const slot = this.log.get(this.lastExecuted + 1)
      if (!slot || !slot.committed || !slot.prePrepare) return
      this.executeBatch(slot.seq, slot.prePrepare.digest, slot.prePrepare.batch)
    }
  }

  /** Runs one batch in order: duplicates (by client timestamp) are skipped, never re-executed. */
  private executeBatch(seq: number, digest: string, batch: ClientRequest[]): void {
    if (seq !== this.lastExecuted + 1) throw new Error(`pbft invariant: executing seq ${seq} after ${this.lastExecuted}`)
    this.reconcileTentative(seq, digest)
    this.chain = chainNext(this.crypto, this.chain, seq, digest)
    this.lastExecuted = seq
    this.tentativeSeq = Math.max(this.tentativeSeq, seq)
    this.retain(seq, digest, batch)
    for (const request of batch) {
      if (this.requests.executed(request.tag)) this.progressed = true
      if (this.clients.freshness(request.tag) !== 'new') continue
      this.clients.markExecuted(request.tag)
      if (this.tentativeTimestamps.get(request.tag.clientId) === request.tag.seq) this.tentativeTimestamps.delete(request.tag.clientId)
      this.requestsExecuted += 1
      this.outbox.ready.applied.push({ index: this.requestsExecuted, term: this.view, command: request.command, tag: request.tag, seq })
      if (!this.viewChanging) this.viewChangeAttempts = 0
    }
    this.outbox.persist({ type: 'executed', seq, view: this.view, digest, chain: this.chain, batch })
    this.slotEvent(seq, 'executed', digest)
    if (seq % this.config.checkpointInterval === 0) this.sendCheckpoint(seq)
  }

  /**
   * TOCS §5.1.3: runs the prepared batches after the last executed one (committed or tentative), in
   * order, and hands them to the driver, which answers their clients at once. Only in a normal view:
   * a view change drops them all (dropTentative).
   */
  private executeTentatively(): void {
    if (this.viewChanging) return
    for (;;) {
      const seq = this.tentativeSeq + 1
      const slot = this.log.get(seq)
      const ready = slot?.prePrepare !== undefined && slot.view === this.view && (slot.prepared || this.mutations.tentativeBeforePrepared === true)
      if (!slot?.prePrepare || !ready) return
      const requests: ClientRequest[] = []
      for (const request of slot.prePrepare.batch) {
        const { clientId, seq: timestamp } = request.tag
        if (this.clients.freshness(request.tag) !== 'new' || (this.tentativeTimestamps.get(clientId) ?? -Infinity) >= timestamp) continue
        this.tentativeTimestamps.set(clientId, timestamp)
        requests.push(request)
      }
      this.tentativeSeq = seq
      this.tentativeDigests.set(seq, slot.prePrepare.digest)
      this.outbox.ready.tentative.push({ seq, view: this.view, requests })
    }
  }

  /** A batch commits where one may have run tentatively: the same batch confirms it, another voids every tentative one. */
  private reconcileTentative(seq: number, digest: string): void {
    const tentative = this.tentativeDigests.get(seq)
    this.tentativeDigests.delete(seq)
    if (seq > this.tentativeSeq || tentative === digest) return
    this.dropTentative(`seq ${seq} committed ${digest}, not the batch executed tentatively`)
  }

  /** Voids every tentative execution not committed yet (the driver drops their effects: PbftReady.tentativeDropped). */
  private dropTentative(reason: string): void {
    if (this.tentativeSeq === this.lastExecuted && this.tentativeDigests.size === 0) return
    this.outbox.note(`tentative-dropped seq=${this.lastExecuted + 1}..${this.tentativeSeq}: ${reason}`)
    this.tentativeSeq = this.lastExecuted
    this.tentativeDigests.clear()
    this.tentativeTimestamps.clear()
    this.tentativeAnswered.clear()
    this.outbox.ready.tentativeDropped = true
    this.outbox.ready.tentative = []
  }

  private retain(seq: number, digest: string, batch: ClientRequest[]): void {
    this.retained.set(seq, { digest, batch })
    this.retained.delete(seq - pbftBounds.executedRetainMax)
  }

  private sendCheckpoint(seq: number): void {
    if (seq <= this.stable.seq) return
    const checkpoint = this.outbox.sign<Checkpoint>({ type: 'Checkpoint', seq, digest: this.chain, replica: this.id })
    this.ownCheckpoints.set(seq, checkpoint)
    this.checkpoints.add(checkpoint)
    this.outbox.broadcast(checkpoint)
    this.checkStable(seq, this.chain)
  }

  private onCheckpoint(message: Checkpoint): void {
    if (message.seq <= this.stable.seq || message.seq % this.config.checkpointInterval !== 0) return
    const { conflict } = this.checkpoints.add(message)
    if (conflict) {
      this.outbox.note(`conflicting checkpoints from ${message.replica} for seq ${message.seq}`)
      this.outbox.event({ kind: 'conflict', seq: message.seq, view: this.view, from: message.replica, type: 'Checkpoint' })
    }
    const own = this.ownCheckpoints.get(message.seq)
    if (own && own.digest !== message.digest) {
      this.outbox.note(`checkpoint-mismatch from=${message.replica} seq=${message.seq}: its digest differs from ours`)
    }
    this.checkStable(message.seq, message.digest)
  }

  private checkStable(seq: number, digest: string): void {
    const matching = this.checkpoints.matching(seq, digest)
    const quorum = 2 * this.config.f + 1
    if (matching.length < quorum) return
    const rank = (message: Checkpoint): number => this.config.members.indexOf(message.replica)
    this.adoptStableCheckpoint({ seq, digest, proof: matching.sort((a, b) => rank(a) - rank(b)).slice(0, quorum) })
  }

  /** Moves h to a proven checkpoint and garbage-collects below it (§4.3). */
  private adoptStableCheckpoint(checkpoint: StableCheckpoint): void {
    if (checkpoint.seq <= this.stable.seq) return
    const own = this.ownCheckpoints.get(checkpoint.seq)
    if (own && own.digest !== checkpoint.digest) {
      this.outbox.note(`checkpoint-diverged seq=${checkpoint.seq}: this replica executed a different history than 2f+1 others`)
    }
    this.stable = checkpoint
    this.outbox.persist({ type: 'stable-checkpoint', seq: checkpoint.seq, digest: checkpoint.digest, proof: checkpoint.proof })
    this.log.discardUpTo(checkpoint.seq)
    this.checkpoints.discardUpTo(checkpoint.seq)
    for (const seq of this.ownCheckpoints.keys()) if (seq <= checkpoint.seq) this.ownCheckpoints.delete(seq)
    this.outbox.note(`checkpoint-stable seq=${checkpoint.seq}`)
    this.outbox.event({ kind: 'checkpoint', seq: checkpoint.seq })
    if (this.lastExecuted < checkpoint.seq) {
      // Behind the stable checkpoint: the log below it is gone, so ask for the batches (state transfer).
      this.outbox.note(`state-transfer-needed executed=${this.lastExecuted} stable=${checkpoint.seq}`)
      this.broadcastStatus()
    }
  }

  // ---------------------------------------------------------------- view change (§4.4, §4.5.2)

  private startViewChange(target: number, reason: string): void {
    if (target <= this.view && !(target === this.view && this.viewChanging)) {
      throw new Error(`pbft invariant: view change to ${target} from view ${this.view}`)
    }
    this.dropTentative(`view change to ${target}`)
    this.view = target
    this.viewChanging = true
    this.viewChangeAttempts += 1
    this.log.resetForView(target)
    this.future = this.future.filter((message) => messageView(message) >= target)
    this.sendViewChange(reason)
  }

  /** Builds, persists and multicasts this replica's view-change for the current (target) view. */
  private sendViewChange(reason: string): void {
    this.requestDeadline = undefined
    this.viewChangeDeadline = undefined
    const viewChange = this.outbox.sign<ViewChange>({
      type: 'ViewChange',
      view: this.view,
      stableSeq: this.stable.seq,
      stableDigest: this.stable.digest,
      checkpointProof: this.stable.proof,
      prepared: this.log.preparedProofs(this.stable.seq),
      replica: this.id,
    })
    this.viewChanges.add(viewChange)
    // The message itself is kept too: after a restart the replica hands out the very same one (a
    // second, different view-change for one view would be a contradiction) and relays it.
    this.outbox.persist({ type: 'view', view: this.view, viewChanging: true })
    this.outbox.persist({ type: 'view-change', message: viewChange })
    this.announceViewChange(viewChange, reason)
  }

  private announceViewChange(viewChange: ViewChange, reason: string): void {
    this.emitRole()
    this.outbox.note(`view-change-start view=${this.view} reason=${reason}`)
    this.outbox.broadcast(viewChange)
    this.onViewChangeQuorum()
  }

  /** The view of the last new-view installed (0 before any): view-changes at or below it are settled. */
  private installedView(): number {
    return this.newView?.view ?? 0
  }

  /**
   * Valid view-changes for views not installed yet are kept (and persisted, up to futureViewsMax
   * views ahead, so a Byzantine replica cannot grow the WAL without bound): those for our target
   * count toward its quorum, higher ones toward joining (f+1), and lower ones are relayed to the
   * replicas still waiting in those views.
   */
  private onViewChange(message: ViewChange): void {
    if (message.view <= this.installedView()) {
      this.handOverNewView(message.replica, message.view, true)
      return
    }
    if (this.viewChanges.has(message.replica, message.view)) return
    const error = viewChangeError(message, this.certificates)
    if (error) {
      this.outbox.note(`invalid view-change from=${message.replica} view=${message.view}: ${error}`)
      return
    }
    this.viewChanges.add(message)
    if (message.view <= this.view + pbftBounds.futureViewsMax) this.outbox.persist({ type: 'view-change', message })
    this.acknowledge(message)
    if (message.view < this.view) return
    this.joinHigherView()
    this.onViewChangeQuorum()
  }

  /** A peer in (or changing to) `peerView` gets the last new-view we installed when it settles that view. */
  private handOverNewView(peer: NodeId, peerView: number, peerChanging: boolean): boolean {
    const newView = this.newView
    if (!newView || newView.view < peerView || (newView.view === peerView && !peerChanging)) return false
    this.outbox.send([peer], newView)
    return true
  }

  /** §4.5.2: f+1 replicas in views above ours include an honest one, so join the smallest such view. */
  private joinHigherView(): void {
    const higher = this.viewChanges.lowestViewsAbove(this.view, this.id)
    if (higher.length < this.config.f + 1) return
    const target = Math.min(...higher)
    this.startViewChange(target, `f+1 view-changes for view ${target} or above`)
  }

  private viewChangeDigest(message: ViewChange): string {
    let digest = this.viewChangeDigests.get(message)
    if (digest === undefined) {
      digest = messageDigest(this.crypto, message)
      this.viewChangeDigests.set(message, digest)
    }
    return digest
  }

  /** TOCS §4.5: tell the new primary that this view-change checked out here (it counts it only then). */
  private acknowledge(message: ViewChange): void {
    const primary = this.primary(message.view)
    if (primary === this.id || message.replica === this.id) return
    const ack = this.outbox.sign<ViewChangeAck>({
      type: 'ViewChangeAck', view: message.view, subject: message.replica, digest: this.viewChangeDigest(message), replica: this.id,
    })
    this.outbox.send([primary], ack)
  }

  /** Kept for the views this replica is the primary of, from its current view to futureViewsMax ahead. */
  private onViewChangeAck(ack: ViewChangeAck): void {
    if (this.primary(ack.view) !== this.id || ack.view <= this.installedView() || ack.view < this.view || ack.view > this.view + pbftBounds.futureViewsMax) return
    if (ack.subject === ack.replica || !this.config.members.includes(ack.subject)) return
    this.acks.discardUpTo(this.view - 1)
    if (this.acks.add(ack) && ack.view === this.view) this.onViewChangeQuorum()
  }

  /** With 2f+1 view-changes for our target view the new-view timer runs, and the new primary acts. */
  private onViewChangeQuorum(): void {
    if (!this.viewChanging) return
    const quorum = 2 * this.config.f + 1
    if (this.viewChanges.forView(this.view).length < quorum) return
    if (this.viewChangeDeadline === undefined) this.viewChangeDeadline = this.ticks + this.timeoutTicks()
    if (this.primary() !== this.id) return
    const vouched = this.viewChanges.forView(this.view).filter((message) => this.vouchers(message).length >= quorum)
    const chosen = selectViewChanges(vouched, this.view, this.id, this.config.members, quorum)
    if (!chosen) return
    const plan = computeNewView(chosen, this.certificates)
    const prePrepares = plan.entries.map((entry) =>
      this.outbox.sign<PrePrepare>({ type: 'PrePrepare', view: this.view, ...entry, replica: this.id }),
    )
    const acks = chosen.flatMap((message) => this.matchingAcks(message))
    const newView = this.outbox.sign<NewView>({ type: 'NewView', view: this.view, viewChanges: chosen, acks, prePrepares, replica: this.id })
    this.installNewView(newView, plan)
    this.outbox.broadcast(newView)
  }

  /** Acks for exactly this message (a faulty sender may have sent others a different one). */
  private matchingAcks(message: ViewChange): ViewChangeAck[] {
    const digest = this.viewChangeDigest(message)
    return this.acks.for(message.view, message.replica).filter((ack) => ack.digest === digest)
  }

  private vouchers(message: ViewChange): NodeId[] {
    return [...vouchersAtPrimary(message, this.id, this.matchingAcks(message), this.viewChangeDigest(message))]
  }

  private onNewView(message: NewView): void {
    if (message.view < this.view || (message.view === this.view && !this.viewChanging)) return
    const checked = checkNewView(message, this.certificates)
    if ('error' in checked) {
      this.outbox.note(`invalid new-view from=${message.replica} view=${message.view}: ${checked.error}`)
      return
    }
    this.installNewView(message, checked.plan)
  }

  private installNewView(message: NewView, plan: NewViewPlan): void {
    if (message.view !== this.view) {
      // Joining from a lower view: the 2f+1 view-changes in V prove the view change happened.
      this.dropTentative(`joined view ${message.view}`)
      this.view = message.view
      this.log.resetForView(message.view)
    }
    if (plan.stableSeq > this.stable.seq) {
      this.adoptStableCheckpoint({ seq: plan.stableSeq, digest: plan.stableDigest, proof: plan.stableProof })
    }
    this.viewChanging = false
    this.newView = message
    this.viewChangeDeadline = undefined
    this.viewChanges.discardUpTo(this.view)
    this.acks.discardUpTo(this.view)
    // The new-view record alone installs the view on replay, so a torn tail cannot leave the view
    // installed without the message that proves it.
    this.outbox.persist({ type: 'new-view', message })
    this.outbox.persist({ type: 'view', view: this.view, viewChanging: false })
    this.emitRole()
    this.outbox.note(`new-view-installed view=${this.view} primary=${this.primary()} reproposed=${message.prePrepares.length}`)
    const fromClients = this.requests.resetForView()
    this.seqNext = this.stable.seq + 1
    for (const prePrepare of message.prePrepares) this.installReproposal(prePrepare)
    this.rehomeRequests(fromClients)
    const buffered = this.future
    this.future = []
    for (const buffer of buffered) this.dispatch(buffer)
  }

  /** A pre-prepare from O: a request prepared in an earlier view keeps its sequence number here. */
  private installReproposal(prePrepare: PrePrepare): void {
    if (prePrepare.seq <= this.stable.seq) return
    const executed = this.retained.get(prePrepare.seq)
    if (prePrepare.seq <= this.lastExecuted && executed && executed.digest !== prePrepare.digest) {
      this.outbox.note(`conflict seq=${prePrepare.seq}: executed ${executed.digest}, view ${this.view} re-proposes ${prePrepare.digest}`)
    }
    this.seqNext = Math.max(this.seqNext, prePrepare.seq + 1)
    this.acceptPrePrepare(this.log.getOrCreate(prePrepare.seq, this.view, this.stable.seq), prePrepare)
  }

  /** Requests not yet executed move to the new primary (a backup forwards them and restarts its timer). */
  private rehomeRequests(fromClients: ClientRequest[]): void {
    this.progressed = true
    if (this.isPrimary()) {
      for (const request of fromClients) this.requests.enqueue(request)
      return
    }
    this.forwardToPrimary(fromClients)
  }

  // ---------------------------------------------------------------- status, retransmission, state transfer

  private broadcastStatus(): void {
    const status = this.outbox.sign<Status>({
      type: 'Status',
      view: this.view,
      viewChanging: this.viewChanging,
      stableSeq: this.stable.seq,
      executedSeq: this.lastExecuted,
      uncommitted: this.viewChanging ? [] : this.log.uncommitted(),
      viewChangesHeld: this.viewChanges
        .from(relayThreshold(this.view, this.viewChanging))
        .map((message) => ({ replica: message.replica, view: message.view })),
      replica: this.id,
    })
    this.outbox.broadcast(status)
  }

  /** Answers a peer's status with what it is missing; all answers are bounded. */
  private onStatus(message: Status): void {
    if (!this.handOverNewView(message.replica, message.view, message.viewChanging)) {
      this.relayViewChanges(message)
      // A new primary that restarted lost the acks it had collected: acknowledge again.
      if (message.viewChanging && this.primary(message.view) === message.replica) {
        for (const viewChange of this.viewChanges.forView(message.view)) this.acknowledge(viewChange)
      }
    }
    if (message.stableSeq < this.stable.seq || message.executedSeq < this.stable.seq) this.sendCatchUp(message.replica, message.executedSeq)
    if (message.view === this.view && !message.viewChanging && !this.viewChanging) this.retransmit(message)
  }

  /**
   * A peer gets the view-change messages we hold for its target view and above that it does not
   * list as held: they complete its 2f+1 (the new primary's too), or make the f+1 that pull it along
   * to a higher view. Our own are among them, kept across restarts.
   */
  private relayViewChanges(status: Status): void {
    const held = new Set(status.viewChangesHeld.map((entry) => `${entry.replica}@${entry.view}`))
    for (const message of this.viewChanges.from(relayThreshold(status.view, status.viewChanging))) {
      if (message.replica !== status.replica && !held.has(`${message.replica}@${message.view}`)) this.outbox.send([status.replica], message)
    }
  }

  /**
   * The batches the peer lacks up to the stable checkpoint, as many as catchUpBytesMax allows (at
   * least one), and the digests of the rest, so the peer can check the whole chain now and get the
   * rest with its next status.
   */
  private sendCatchUp(peer: NodeId, peerExecuted: number): void {
    let fromSeq = peerExecuted + 1
    const batches: ClientRequest[][] = []
    const digests: string[] = []
    let bytes = 0
    for (let seq = fromSeq; seq <= this.stable.seq; seq += 1) {
      const retained = this.retained.get(seq)
      if (!retained) {
        // Too far behind for what we keep: send the proof alone so the peer at least moves its window.
        batches.length = 0
        digests.length = 0
        fromSeq = this.stable.seq + 1
        break
      }
      const batchBytes = encodedBytesMax(retained.batch)
      if (digests.length === 0 && (batches.length === 0 || bytes + batchBytes <= this.config.catchUpBytesMax)) {
        batches.push(retained.batch)
        bytes += batchBytes
      } else digests.push(retained.digest)
    }
    const message = this.outbox.sign<CatchUp>({
      type: 'CatchUp',
      fromSeq: Math.min(fromSeq, this.stable.seq + 1),
      toSeq: this.stable.seq,
      toDigest: this.stable.digest,
      proof: this.stable.proof,
      batches,
      digests,
      replica: this.id,
    })
    this.outbox.send([peer], message)
  }

  private onCatchUp(message: CatchUp): void {
    if (message.toSeq > this.stable.seq) {
      const quorum = 2 * this.config.f + 1
      if (message.toSeq % this.config.checkpointInterval !== 0) return
      if (!isCheckpointProof(message.proof, message.toSeq, message.toDigest, quorum, this.certificates.verify)) {
        this.outbox.note(`catch-up from=${message.replica}: invalid checkpoint proof for seq ${message.toSeq}`)
        return
      }
      this.adoptStableCheckpoint({ seq: message.toSeq, digest: message.toDigest, proof: message.proof })
    }
    if (message.toSeq !== this.stable.seq || message.toDigest !== this.stable.digest || this.lastExecuted >= this.stable.seq) return
    if (message.fromSeq > this.lastExecuted + 1 || message.fromSeq + message.batches.length + message.digests.length - 1 !== message.toSeq) return
    const batches = message.batches.slice(this.lastExecuted + 1 - message.fromSeq)
    if (batches.length === 0) return
    const digests = batches.map((batch) => this.digestOf(batch))
    // The carried batches and the digests of the rest: the whole chain up to the proven checkpoint.
    let chain = this.chain
    for (const [index, digest] of [...digests, ...message.digests].entries()) {
      chain = chainNext(this.crypto, chain, this.lastExecuted + 1 + index, digest)
    }
    if (chain !== this.stable.digest) {
      this.outbox.note(`catch-up from=${message.replica} rejected: batches do not hash to the checkpoint digest`)
      return
    }
    const from = this.lastExecuted + 1
    batches.forEach((batch, index) => this.executeBatch(this.lastExecuted + 1, digests[index], batch))
    this.outbox.note(`state-transfer seq=${from}..${this.lastExecuted} from=${message.replica}`)
    this.executeCommitted()
  }

  /**
   * Resends what a peer in our view seems to lack: for slots above its execution and the ones it
   * reports uncommitted, the pre-prepare and the matching prepares and commits we hold (relayed
   * messages keep their creators' MACs). Slots younger than one status interval are still in flight.
   */
  private retransmit(status: Status): void {
    const peer = [status.replica]
    const from = Math.max(status.executedSeq, this.stable.seq) + 1
    const to = Math.min(from + pbftBounds.retransmitSeqsMax - 1, this.stable.seq + this.config.logWindowMax)
    const seqs = new Set(status.uncommitted.filter((seq) => seq < from && this.inWindow(seq)))
    for (let seq = from; seq <= to; seq += 1) seqs.add(seq)
    for (const seq of seqs) {
      const slot = this.log.get(seq)
      if (!slot?.prePrepare || this.ticks - slot.acceptedTick < this.config.statusIntervalTicks) continue
      this.outbox.send(peer, slot.prePrepare)
      // Our own votes, and the others' we hold: a replica that left the view cannot resend its own.
      const digest = slot.prePrepare.digest
      for (const prepare of votesFor(slot.prepares, digest)) if (prepare.replica !== status.replica) this.outbox.send(peer, prepare)
      for (const commit of votesFor(slot.commits, digest)) if (commit.replica !== status.replica) this.outbox.send(peer, commit)
    }
    for (const checkpoint of this.ownCheckpoints.values()) {
      if (checkpoint.seq > status.stableSeq) this.outbox.send(peer, checkpoint)
    }
  }

  // ---------------------------------------------------------------- Byzantine: phantom

  /** Prepares and commits for sequence numbers no primary assigned, for a batch no client sent. */
  private sendPhantoms(): void {
    if (this.viewChanging || this.isPrimary()) return
    for (let count = 0; count < pbftBounds.phantomSeqsPerTick; count += 1) {
      const seq = Math.max(this.phantomSeq, this.log.highestPrePrepared(), this.lastExecuted) + 1
      if (!this.inWindow(seq)) return
      this.phantomSeq = seq
      const command = { op: 'put', key: 'phantom', value: `${this.id}/${seq}` } as const
      const batch: ClientRequest[] = [{ command, tag: { clientId: `phantom-${this.id}`, seq } }]
      const digest = this.digestOf(batch)
      this.outbox.broadcast(this.outbox.sign<Prepare>({ type: 'Prepare', view: this.view, seq, digest, replica: this.id }))
      this.outbox.broadcast(this.outbox.sign<Commit>({ type: 'Commit', view: this.view, seq, digest, replica: this.id }))
    }
  }

  // ---------------------------------------------------------------- recovery

  private recover(records: readonly PbftPersist[]): void {
    const recovered = replayPersisted(records, this.genesis)
    this.view = recovered.view
    this.viewChanging = recovered.viewChanging
    this.newView = recovered.newView
    for (const message of recovered.viewChanges) this.viewChanges.add(message)
    this.stable = recovered.stable
    for (const record of recovered.executed) {
      this.lastExecuted = record.seq
      this.chain = record.chain
      this.retain(record.seq, record.digest, record.batch)
      for (const request of record.batch) {
        if (this.clients.freshness(request.tag) !== 'new') continue
        this.clients.markExecuted(request.tag)
        this.requestsExecuted += 1
        this.recoveredApplied.push({ index: this.requestsExecuted, term: record.view, command: request.command, tag: request.tag })
      }
    }
    this.reportedExecuted = this.lastExecuted
    this.tentativeSeq = this.lastExecuted
    this.recoverOwnCheckpoints(recovered.executed)
    for (const cert of recovered.preparedCerts) {
      this.log.getOrCreate(cert.prePrepare.seq, this.view, this.stable.seq).preparedCert = cert
    }
    if (this.viewChanging) return
    for (const prePrepare of recovered.prePrepares) {
      const slot = this.log.getOrCreate(prePrepare.seq, this.view, this.stable.seq)
      slot.prePrepare = prePrepare
      slot.prepared = slot.preparedCert?.prePrepare.view === this.view
      for (const request of prePrepare.batch) {
        if (this.clients.freshness(request.tag) === 'new') this.requests.await(request, false)
      }
    }
    for (const prepare of recovered.prepares) this.log.get(prepare.seq)?.prepares.set(this.id, [prepare])
    for (const commit of recovered.commits) this.log.get(commit.seq)?.commits.set(this.id, [commit])
    this.seqNext = Math.max(this.log.highestPrePrepared(), this.stable.seq) + 1
  }

  /**
   * The checkpoint messages this replica sent before it crashed, rebuilt from the executed records
   * (the chain at a checkpoint's sequence number is its digest). Without them a checkpoint that
   * only the restarted replicas could complete would never become stable, and h would never move.
   */
  private recoverOwnCheckpoints(executed: readonly ExecutedRecord[]): void {
    for (const record of executed) {
      if (record.seq <= this.stable.seq || record.seq % this.config.checkpointInterval !== 0) continue
      const checkpoint = this.outbox.sign<Checkpoint>({ type: 'Checkpoint', seq: record.seq, digest: record.chain, replica: this.id })
      this.ownCheckpoints.set(record.seq, checkpoint)
      this.checkpoints.add(checkpoint)
    }
  }
}

/** The lowest view whose view-changes a replica in `view` can still use. */
function relayThreshold(view: number, viewChanging: boolean): number {
  return viewChanging ? view : view + 1
}

function messageView(message: PbftMessage): number {
  return 'view' in message ? message.view : 0
}
