import { randomInt } from '../common/random.js'
import { assertNever, emptyReady } from '../types.js'
import type {
  AppliedEntry,
  CoreEvent,
  CoreInput,
  CoreStatus,
  NodeId,
  ProposedCommand,
  ProtocolCore,
  Ready,
  Rejection,
  RequestTag,
} from '../types.js'
import { installIntoLog, RaftLog, recoverState } from './log.js'
import { applyChange, checkConfig, ConfigHistory, describeChange, describeConfig, isMember, isVoter, replicasOf } from './config.js'
import type { ConfigChange, RaftConfig } from './config.js'
import type {
  AppendEntries,
  AppendEntriesResponse,
  InstallSnapshot,
  InstallSnapshotResponse,
  LogEntry,
  PreVoteResponse,
  RaftMessage,
  RaftPersist,
  RaftSnapshot,
  RequestVote,
} from './messages.js'
import { byteBudgets, readsPendingMaxDefault, snapshotBytesMax, validateOptions } from './options.js'
import type { RaftByzantine, RaftMutations, RaftOptions } from './options.js'
import { Progress, snapshotChunksInflightMax } from './progress.js'
import type { ProgressState } from './progress.js'
import { ReadTracker } from './reads.js'
import { appendRange, conflictHint, entryBytes, nextIndexAfterRejection, quorumOf, quorumValue } from './replication.js'
import { chunkByBytes } from '../common/wire-budget.js'

/** What a rejection echoes back: the proposal's tag or the read's id. */
type RejectedRequest = { kind: 'proposal'; tag: RequestTag | undefined } | { kind: 'read'; readId: number }

export type RaftRole = 'follower' | 'precandidate' | 'candidate' | 'leader'
export type RaftReady = Ready<RaftMessage, RaftPersist>

/**
 * Everything that can happen to a Raft node comes through `step` (etcd's one door): the common
 * inputs, plus the two that only Raft has. `transfer`: thesis §3.10, hand leadership to `target`
 * (a non-leader notes it and ignores it). `campaign`: the election timer fires now (the lab's
 * campaign fault); a leader ignores it. `snapshot`: the state machine's serialized state after
 * applying `index`, the answer to a Ready's takeSnapshot (Raft §7). `reconfigure`: the leader appends
 * a single-server configuration change (thesis §4.1); a refusal is a 'dropped' rejection with `tag`
 * and a note saying why.
 */
export type RaftInput =
  | CoreInput<RaftMessage>
  | { kind: 'transfer'; target: NodeId; nowMs?: number }
  | { kind: 'campaign'; nowMs?: number }
  | { kind: 'snapshot'; index: number; data: Uint8Array; nowMs?: number }
  | { kind: 'reconfigure'; change: ConfigChange; tag?: RequestTag; nowMs?: number }

/** A follower assembling a leader's snapshot from its chunks (Raft §7): installed only once whole. */
interface IncomingSnapshot {
  term: number
  index: number
  snapshotTerm: number
  members: NodeId[]
  learners: NodeId[]
  totalBytes: number
  chunks: Uint8Array[]
  bytes: number
}

/** A follower as the leader sees it; for tests, the simulator and traces. */
export interface FollowerProgressView {
  state: ProgressState
  matchIndex: number
  nextIndex: number
  inflightAppends: number
}

/**
 * Raft as in the extended paper (Ongaro & Ousterhout 2014) and the thesis (pre-vote §9.6, leadership
 * transfer §3.10, ReadIndex §6.4, check-quorum §6.2), as a pure state machine: `step` takes a tick,
 * a message, proposals or reads and returns a Ready (see types.ts for the order a driver must keep:
 * persist, then send, then apply, then serve reads, then answer rejections).
 *
 * Persist-before-send is what makes the eager choices here safe: a vote or an AppendEntries success
 * leaves only after the hardState / entries record of the same Ready is durable, and the leader
 * counts its own log in the commit quorum at once because anything that could make it commit (a
 * follower's answer) arrives in a later step, after this Ready's records are on disk.
 */
export class RaftCore implements ProtocolCore<RaftMessage, RaftPersist> {
  readonly id: NodeId
  private readonly options: RaftOptions
  private readonly mutations: RaftMutations
  /** The configuration in force (the latest in the log, thesis §4.1) and those before it in the log. */
  private readonly configs: ConfigHistory
  /** What the last config event described (traceConfiguration); undefined before the first step. */
  private configTraced: { config: RaftConfig; index: number; committed: boolean } | undefined
  private readonly electionTimeoutMin: number
  private readonly readsPendingMax: number
  private readonly budgets: ReturnType<typeof byteBudgets>
  private readonly snapshotChunkBytesMax: number

  // Durable state (Figure 2); every change goes out as a persist record in the same Ready.
  private term: number
  private votedFor: NodeId | null
  private readonly log: RaftLog
  /** The latest snapshot (taken here or installed from a leader); the log's base is at or below its index. */
  private snapshot: RaftSnapshot | undefined

  // Volatile state.
  private role: RaftRole = 'follower'
  private leader: NodeId | undefined
  private commitIndex = 0
  /** Everything through here has been emitted in `applied`; the driver applies synchronously. */
  private appliedIndex = 0
  private electionElapsed = 0
  private heartbeatElapsed = 0
  private electionTimeout = 0
  /** Votes (or pre-votes) received in the current campaign: granted or refused, per node. */
  private votes = new Map<NodeId, boolean>()
  /** Leader only: one entry per peer. */
  private progress = new Map<NodeId, Progress>()
  private reads = new ReadTracker()
  /** Ticks since this core was built (the leaseFromTicks mutation's clock). */
  private ticks = 0
  /** The driver's monotonic clock as the input being handled carried it; undefined when it did not. */
  private nowMs: number | undefined
  private byzantine: RaftByzantine | undefined
  private transfer: { target: NodeId; elapsedTicks: number } | undefined
  /**
   * Set once this leader sent TimeoutNow in its term: the target's election ignores the followers'
   * lease check, and a TimeoutNow may arrive late, even after the transfer was abandoned here, so
   * no lease read is safe again in this term.
   */
  private leaseForfeited = false
  /**
   * A restarted node may have acknowledged a leader just before it went down, and that leader may
   * still be serving reads under the lease this helped grant; having forgotten it heard from a
   * leader, it would grant votes at once. So it grants none (and does not campaign) for one minimum
   * election timeout, measured on the driver's clock from the first input that carried it (counted
   * in ticks by a driver without a clock, i.e. without tickMs). Undefined once over, or on a first
   * start (term 0: nothing was ever acknowledged), or without checkQuorum (then a follower votes
   * even while it hears a leader, so forgetting it changes nothing, and there are no lease reads).
   * The Raft thesis §6.4.1 and etcd's lease reads rest on voters that remember hearing a leader;
   * this keeps a restart from forgetting it (as braft's follower lease does, brand-new nodes exempt).
   */
  private voteHold: { ticksLeft: number; sinceMs: number | undefined } | undefined
  private ready: RaftReady = emptyReady()
  /** The index of the snapshot asked of the driver and not yet handed back. */
  private snapshotRequested: number | undefined
  /** Entry bytes applied since the latest snapshot (for the snapshotBytes threshold). */
  private appliedBytesSinceSnapshot = 0
  private incomingSnapshot: IncomingSnapshot | undefined

  constructor(options: RaftOptions) {
    validateOptions(options)
    this.options = options
    this.id = options.id
    this.mutations = options.mutations ?? {}
    this.electionTimeoutMin = options.electionTimeoutTicks[0]
    this.readsPendingMax = options.readsPendingMax ?? readsPendingMaxDefault
    this.budgets = byteBudgets(options)
    this.snapshotChunkBytesMax = options.snapshotChunkBytesMax ?? this.budgets.appendBytesMax
    const recovered = recoverState(options.persisted ?? [])
    this.term = recovered.term
    // MUTATION forgetVoteOnRestart: the vote is durable state (Figure 2); dropping it lets this node
    // vote twice in one term, once before and once after a restart.
    this.votedFor = this.mutations.forgetVoteOnRestart ? null : recovered.votedFor
    this.log = recovered.log
    this.snapshot = recovered.snapshot
    const bootstrap: RaftConfig = { voters: [...options.members], learners: [] }
    this.configs = new ConfigHistory(this.snapshot === undefined ? bootstrap : snapshotConfig(this.snapshot), this.log.baseIndex)
    for (let index = this.log.baseIndex + 1; index <= this.log.lastIndex; index += 1) {
      const config = this.log.entry(index).config
      if (config !== undefined) this.configs.appended(index, config)
    }
    if (this.snapshot !== undefined) {
      // A snapshot holds only committed state, and the driver restores its state machine from it.
      this.commitIndex = this.snapshot.index
      this.appliedIndex = this.snapshot.index
    }
    this.byzantine = options.byzantine
    if (this.term > 0 && options.checkQuorum) this.voteHold = { ticksLeft: this.electionTimeoutMin, sinceMs: undefined }
    this.resetElectionTimer()
    // A scripted first timeout makes "A times out first" reproducible; later ones are random again.
    if (options.firstElectionTimeoutTicks !== undefined) this.electionTimeout = options.firstElectionTimeoutTicks
  }

  step(input: RaftInput): RaftReady {
    return this.run(() => {
      this.nowMs = input.nowMs
      if (this.voteHold !== undefined && this.voteHold.sinceMs === undefined) this.voteHold.sinceMs = input.nowMs
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
          this.onRead(input.readIds)
          break
        case 'transfer':
          this.startTransfer(input.target)
          break
        case 'campaign':
          this.onCampaign()
          break
        case 'snapshot':
          this.onSnapshotTaken(input.index, input.data)
          break
        case 'reconfigure':
          this.onReconfigure(input.change, input.tag)
          break
        default:
          assertNever(input, 'raft core input')
      }
    })
  }

  /** `step({kind: 'transfer', target})`, for callers without a clock. */
  transferLeadership(target: NodeId): RaftReady {
    return this.step({ kind: 'transfer', target })
  }

  /** Starts (or, with undefined, stops) lying: see RaftByzantine. */
  setByzantine(behaviour: RaftByzantine | undefined): void {
    this.byzantine = behaviour
  }

  /** `step({kind: 'campaign'})`, for callers without a clock. */
  campaign(): RaftReady {
    return this.step({ kind: 'campaign' })
  }

  status(): CoreStatus {
    const status: CoreStatus = {
      id: this.id,
      role: this.role,
      term: this.term,
      commitIndex: this.commitIndex,
      lastIndex: this.log.lastIndex,
      appliedIndex: this.appliedIndex,
    }
    if (this.leader !== undefined) status.leader = this.leader
    return status
  }

  /**
   * The snapshot recovered from the persisted records (or the latest since): a driver that builds a
   * core from records restores its state machine from this before handling any Ready.
   */
  latestSnapshot(): RaftSnapshot | undefined {
    return this.snapshot
  }

  /**
   * The configuration in force here (the latest in the log, committed or not), the index of the
   * entry that made it (the snapshot's index once that entry is compacted, 0 for the bootstrap
   * configuration), and whether that entry is committed.
   */
  configuration(): { voters: readonly NodeId[]; learners: readonly NodeId[]; index: number; committed: boolean } {
    const { voters, learners } = this.configs.latest
    const index = this.configs.latestIndex
    return { voters, learners, index, committed: index <= this.commitIndex }
  }

  /** The log's base: entries at or below it are compacted into the snapshot. */
  logBaseIndex(): number {
    return this.log.baseIndex
  }

  /** The durable part of the state, as recovery would rebuild it. */
  hardState(): { term: number; votedFor: NodeId | null } {
    return { term: this.term, votedFor: this.votedFor }
  }

  /** The entry at `index` (above the log's base, up to lastIndex), or undefined; for checkers. Do not mutate it. */
  entryAt(index: number): LogEntry | undefined {
    return index > this.log.baseIndex && index <= this.log.lastIndex ? this.log.entry(index) : undefined
  }

  /** The term at `index` (the base's included), or undefined when compacted or past the end. */
  termAt(index: number): number | undefined {
    return index >= this.log.baseIndex && index <= this.log.lastIndex ? this.log.term(index) : undefined
  }

  /** A follower's replication state, on the leader only. */
  followerProgress(peer: NodeId): FollowerProgressView | undefined {
    const progress = this.progress.get(peer)
    if (progress === undefined) return undefined
    const { state, matchIndex, nextIndex } = progress
    return { state, matchIndex, nextIndex, inflightAppends: progress.inflights.count }
  }

  // ---------------------------------------------------------------------------------------------
  // Step plumbing and invariants

  private run(action: () => void): RaftReady {
    const termBefore = this.term
    action()
    this.maybeRequestSnapshot()
    this.traceConfiguration()
    this.assertInvariants(termBefore)
    const ready = this.ready
    this.ready = emptyReady()
    markDurability(ready)
    return ready
  }

  /** Cheap checks after every step; a failure means a bug, and the node must stop. */
  private assertInvariants(termBefore: number): void {
    const fail = (what: string): never => {
      throw new Error(`raft invariant broken on ${this.id} (term ${this.term}, ${this.role}): ${what}`)
    }
    if (this.term < termBefore) fail(`term went from ${termBefore} down to ${this.term}`)
    if (this.commitIndex > this.log.lastIndex) fail(`commitIndex ${this.commitIndex} > lastIndex ${this.log.lastIndex}`)
    if (this.appliedIndex !== this.commitIndex) fail(`appliedIndex ${this.appliedIndex} != commitIndex ${this.commitIndex}`)
    if (this.log.baseIndex > this.commitIndex) fail(`log compacted through ${this.log.baseIndex}, past commitIndex ${this.commitIndex}`)
    if (this.log.lastTerm > this.term) fail(`log holds term ${this.log.lastTerm} beyond the current term`)
    if (this.role === 'leader' && this.leader !== this.id) fail(`leader but leader field is ${this.leader}`)
    if (this.role === 'candidate' && this.votedFor !== this.id) fail(`candidate that voted for ${this.votedFor}`)
    if (this.role !== 'leader' && this.progress.size > 0) fail(`progress tracked by a ${this.role}`)
    if (this.role === 'leader' && this.replicas().some((node) => !this.progress.has(node))) {
      fail(`progress for ${[...this.progress.keys()].join(', ')}, replicas ${this.replicas().join(', ')}`)
    }
    if (this.role !== 'follower' && !this.mayCampaign()) {
      fail(`a ${this.role} that may not campaign: neither a voter nor removed by a change still uncommitted (${describeConfig(this.config)})`)
    }
  }

  private send(to: NodeId, message: RaftMessage): void {
    this.ready.messages.push({ to, message })
  }

  /** A config event when the configuration in force (or whether it is committed) differs from the one last traced. */
  private traceConfiguration(): void {
    // By reference: every change of configuration (an append, a truncation, a snapshot) is a new object.
    const config = this.configs.latest
    const index = this.configs.latestIndex
    const committed = index <= this.commitIndex
    const traced = this.configTraced
    if (traced !== undefined && traced.config === config && traced.index === index && traced.committed === committed) return
    this.configTraced = { config, index, committed }
    this.ready.events.push({ kind: 'config', voters: [...config.voters], learners: [...config.learners], index, committed })
  }

  private note(text: string): void {
    this.ready.events.push({ kind: 'note', text })
  }

  private emitRole(): void {
    const event: { kind: 'role'; role: string; term: number; leader?: NodeId } = {
      kind: 'role',
      role: this.role,
      term: this.term,
    }
    if (this.leader !== undefined) event.leader = this.leader
    this.ready.events.push(event)
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration (thesis §4.1): the latest in the log is in force, committed or not

  private get config(): RaftConfig {
    return this.configs.latest
  }

  /** A majority of the current configuration's voters. */
  private get quorum(): number {
    return quorumOf(this.config.voters.length)
  }

  /** Voters other than this node: the ones asked for votes. */
  private voterPeers(): NodeId[] {
    return this.config.voters.filter((voter) => voter !== this.id)
  }

  /**
   * Everyone a leader replicates to: the current configuration's members and, until the change that
   * removed them commits, the committed configuration's. A removed server thus receives the entry
   * that removes it (so it knows not to campaign, thesis §4.2.3) without counting in any majority.
   */
  private replicas(): NodeId[] {
    const nodes = new Set(replicasOf(this.config, this.id))
    for (const node of replicasOf(this.configs.at(this.commitIndex), this.id)) nodes.add(node)
    return [...nodes]
  }

  /**
   * A voter campaigns; so does a voter removed by a change not known to be committed (thesis §4.2.2:
   * it may still be needed, e.g. a leader that removed itself and restarted holds the only copy of
   * the entries the rest need; it does not count its own vote). A learner, a removed server that
   * knows its removal committed, and a node not yet told it joined wait.
   */
  private mayCampaign(): boolean {
    if (isVoter(this.config, this.id)) return true
    const index = this.configs.latestIndex
    return index > this.commitIndex && isVoter(this.configs.at(index - 1), this.id)
  }

  /**
   * Leader: one progress per replica, new ones probing from `nextIndex` (a new leader's noop, a
   * change's entry). A server the configuration no longer lists keeps its progress until it holds
   * the latest configuration entry and was sent a commit index covering it: it then knows it is out
   * and does not campaign (§4.2.3). One that never answers again is kept (heartbeats only).
   */
  private syncProgress(nextIndex = this.log.lastIndex + 1): void {
    const replicas = this.replicas()
    for (const node of replicas) {
      if (!this.progress.has(node)) this.progress.set(node, new Progress(nextIndex, this.options.inflightAppendsMax, this.budgets.inflightBytesMax))
    }
    const latest = this.configs.latestIndex
    for (const [node, progress] of this.progress) {
      if (!replicas.includes(node) && progress.matchIndex >= latest && progress.sentCommit >= latest) this.progress.delete(node)
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Durable state changes

  /** Moves to a higher term (with a vote, for a candidate); the term never decreases. */
  private enterTerm(term: number, votedFor: NodeId | null): void {
    if (term <= this.term) throw new Error(`raft ${this.id}: entering term ${term} from term ${this.term}`)
    this.term = term
    this.votedFor = votedFor
    this.ready.persist.push({ kind: 'hardState', term, votedFor })
    this.ready.events.push({ kind: 'term', term })
    if (votedFor !== null) this.ready.events.push({ kind: 'vote', term, votedFor })
  }

  /** At most one vote per term (§5.2), durable before the response leaves (Ready order). */
  private recordVote(candidate: NodeId): void {
    if (this.votedFor === candidate) return
    if (this.votedFor !== null) {
      throw new Error(`raft ${this.id}: second vote in term ${this.term} (${this.votedFor}, then ${candidate})`)
    }
    this.votedFor = candidate
    this.ready.persist.push({ kind: 'hardState', term: this.term, votedFor: candidate })
    this.ready.events.push({ kind: 'vote', term: this.term, votedFor: candidate })
  }

  /**
   * Appends at the end of the log. The first record rewrites from the first new index; a large
   * append is split into records of at most entriesRecordBytesMax, consecutive, so replaying them in
   * order (or a prefix of them, after a torn write) gives the same log or a prefix of it.
   */
  private appendToLog(entries: LogEntry[]): void {
    let fromIndex = this.log.lastIndex + 1
    this.log.append(entries)
    for (let position = 0; position < entries.length; position += 1) {
      const config = entries[position].config
      if (config !== undefined) this.adoptConfig(fromIndex + position, config)
    }
    for (const chunk of chunkByBytes(entries, this.budgets.entriesRecordBytesMax, entryBytes)) {
      this.ready.persist.push({ kind: 'entries', fromIndex, entries: chunk })
      fromIndex += chunk.length
    }
  }

  /**
   * Drops a conflicting suffix. Its record is the append that follows (fromIndex = this index), so a
   * crash between the two cannot happen: they are one record.
   */
  private truncateLog(fromIndex: number): void {
    if (fromIndex <= this.commitIndex) {
      throw new Error(`raft ${this.id}: truncating committed index ${fromIndex} (commitIndex ${this.commitIndex})`)
    }
    const toIndex = this.log.lastIndex
    // The dropped entries' terms as runs (terms never decrease along a log, so there are few).
    const runs: [number, number][] = []
    for (let index = fromIndex; index <= toIndex; index += 1) {
      const term = this.log.term(index)
      if (runs.length === 0 || runs[runs.length - 1]![1] !== term) runs.push([index, term])
    }
    this.log.truncateFrom(fromIndex)
    const configBefore = this.configs.latestIndex
    this.configs.truncatedFrom(fromIndex)
    if (this.configs.latestIndex !== configBefore) this.note(`configuration entry at ${configBefore} truncated: back to ${describeConfig(this.config)}`)
    const event: CoreEvent = { kind: 'truncate', fromIndex, term: this.term, toIndex, runs }
    if (this.leader !== undefined) event.leader = this.leader
    this.ready.events.push(event)
  }

  /** A configuration entry is in the log at `index`: it is in force from now on (thesis §4.1). */
  private adoptConfig(index: number, config: RaftConfig): void {
    this.configs.appended(index, config)
    this.note(`configuration at ${index}: ${describeConfig(config)}`)
  }

  // ---------------------------------------------------------------------------------------------
  // Roles

  private resetElectionTimer(): void {
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    const [timeoutMin, timeoutMax] = this.options.electionTimeoutTicks
    this.electionTimeout = randomInt(this.options.random, timeoutMin, timeoutMax)
  }

  private becomeFollower(term: number, leader: NodeId | undefined): void {
    if (term > this.term) this.enterTerm(term, null)
    if (term !== this.term) throw new Error(`raft ${this.id}: following term ${term} while in term ${this.term}`)
    if (this.role === 'leader') this.endLeadership(leader)
    this.role = 'follower'
    this.leader = leader
    this.votes.clear()
    this.resetElectionTimer()
    this.emitRole()
  }

  /** Thesis §9.6: poll at term + 1 without touching the durable term, so a loser disrupts no one. */
  private becomePreCandidate(): void {
    this.role = 'precandidate'
    this.leader = undefined
    this.votes = new Map([[this.id, true]])
    this.resetElectionTimer()
    this.emitRole()
    if (this.votesGranted() >= this.quorum) {
      this.becomeCandidate(false)
      return
    }
    const lastLogIndex = this.log.lastIndex
    const lastLogTerm = this.log.lastTerm
    for (const peer of this.voterPeers()) this.send(peer, { type: 'PreVote', term: this.term + 1, lastLogIndex, lastLogTerm })
  }

  private becomeCandidate(transfer: boolean): void {
    if (this.role === 'leader') throw new Error(`raft ${this.id}: a leader cannot campaign`)
    this.enterTerm(this.term + 1, this.id)
    this.role = 'candidate'
    this.leader = undefined
    this.votes = new Map([[this.id, true]])
    this.resetElectionTimer()
    this.emitRole()
    if (this.votesGranted() >= this.quorum) {
      this.becomeLeader()
      return
    }
    const request: RequestVote = {
      type: 'RequestVote',
      term: this.term,
      lastLogIndex: this.log.lastIndex,
      lastLogTerm: this.log.lastTerm,
      transfer,
    }
    for (const peer of this.voterPeers()) this.send(peer, request)
  }

  private becomeLeader(): void {
    if (this.role !== 'candidate') throw new Error(`raft ${this.id}: becoming leader from ${this.role}`)
    // Election safety from this node's viewpoint: had it heard of another leader in this term, it
    // would have become that leader's follower.
    if (this.leader !== undefined) throw new Error(`raft ${this.id}: term ${this.term} already has leader ${this.leader}`)
    this.role = 'leader'
    this.leader = this.id
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.votes.clear()
    this.reads = new ReadTracker()
    this.transfer = undefined
    this.leaseForfeited = false
    this.progress = new Map()
    this.syncProgress()
    this.emitRole()
    // §5.4.2 and §8: only an entry of its own term lets a new leader commit what earlier terms left
    // uncommitted, and ReadIndex needs one committed before it can serve reads.
    this.appendToLog([{ term: this.term, command: { op: 'noop' } }])
    this.broadcastAppend()
    if (this.maybeCommit()) this.broadcastAppend()
  }

  /** Rejects what only a leader could have served; uncommitted entries stay (they may yet commit). */
  private endLeadership(newLeader: NodeId | undefined): void {
    for (const readId of this.reads.takeAll()) {
      this.reject({ kind: 'read', readId }, newLeader)
    }
    if (this.transfer !== undefined) this.note(`leadership transfer to ${this.transfer.target} ended: stepped down`)
    this.transfer = undefined
    this.progress = new Map()
  }

  /** Grants from voters of the current configuration (this node's own only while it is one). */
  private votesGranted(): number {
    let granted = 0
    for (const [node, vote] of this.votes) if (vote && isVoter(this.config, node)) granted += 1
    return granted
  }

  private votesRefused(): number {
    let refused = 0
    for (const vote of this.votes.values()) if (!vote) refused += 1
    return refused
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  private onTick(): void {
    this.ticks += 1
    this.electionElapsed += 1
    if (this.voteHold !== undefined && this.voteHold.ticksLeft > 0) this.voteHold.ticksLeft -= 1
    if (this.role === 'leader') this.tickLeader()
    else if (this.electionElapsed >= this.electionTimeout && this.mayCampaign() && !this.holdsVotes()) this.startElection()
  }

  private onCampaign(): void {
    if (this.role === 'leader') return
    if (!this.mayCampaign()) return this.note(`campaign ignored: not a voter (${describeConfig(this.config)})`)
    if (this.holdsVotes()) {
      this.note('campaign postponed: restarted less than an election timeout ago, a lease granted before may still run')
      return
    }
    this.startElection()
  }

  /** Whether the restart hold (see voteHold) still stands; ends it once it has passed. */
  private holdsVotes(): boolean {
    const hold = this.voteHold
    if (hold === undefined) return false
    const tickMs = this.options.tickMs
    if (tickMs === undefined) {
      // A driver without a clock: count ticks (they only ever run late, which makes the hold longer).
      if (hold.ticksLeft > 0) return true
    } else {
      // A driver that feeds its clock: an input without time, or too little time passed, keeps it.
      if (this.nowMs === undefined || hold.sinceMs === undefined) return true
      if (this.nowMs < hold.sinceMs + this.electionTimeoutMin * tickMs) return true
    }
    this.voteHold = undefined
    return false
  }

  private startElection(): void {
    if (this.options.preVote) this.becomePreCandidate()
    else this.becomeCandidate(false)
  }

  private tickLeader(): void {
    this.heartbeatElapsed += 1
    if (this.transfer !== undefined) {
      this.transfer.elapsedTicks += 1
      if (this.transfer.elapsedTicks >= this.electionTimeoutMin) {
        this.note(`leadership transfer to ${this.transfer.target} abandoned after ${this.transfer.elapsedTicks} ticks`)
        this.transfer = undefined
      }
    }
    if (this.electionElapsed >= this.electionTimeoutMin) {
      this.electionElapsed = 0
      if (this.options.checkQuorum && !this.takeQuorumActive()) {
        this.note(`checkQuorum: no majority heard from in ${this.electionTimeoutMin} ticks, stepping down`)
        this.becomeFollower(this.term, undefined)
        return
      }
    }
    if (this.heartbeatElapsed >= this.options.heartbeatTicks) {
      this.heartbeatElapsed = 0
      this.broadcastHeartbeat()
    }
  }

  /** Whether a majority (this node included) answered during the window now ending; starts a new window. */
  private takeQuorumActive(): boolean {
    let active = isVoter(this.config, this.id) ? 1 : 0
    for (const [node, progress] of this.progress) {
      if (progress.recentActive && isVoter(this.config, node)) active += 1
      progress.recentActive = false
    }
    return active >= this.quorum
  }

  // ---------------------------------------------------------------------------------------------
  // Messages: term rules first (Figure 2 "all servers"), then per type

  private onMessage(from: NodeId, message: RaftMessage): void {
    // Thesis §4.1: requests are processed whatever this node's configuration says (a leader may know
    // of a configuration this node has not seen yet); only votes are counted by configuration.
    if (from === this.id) {
      this.note(`ignored ${message.type} from itself`)
      return
    }
    // A pre-vote and a granted pre-vote answer carry a term nobody has entered yet: never adopt it.
    const termNeutral = message.type === 'PreVote' || (message.type === 'PreVoteResponse' && message.voteGranted)
    if (!termNeutral && message.term > this.term) {
      if (message.type === 'RequestVote' && this.ignoresVoteInLease(message)) {
        this.note(`ignored RequestVote from ${from} for term ${message.term}: a leader was heard from recently`)
        return
      }
      if (message.type === 'RequestVote' && this.byzantine !== 'vote-twice' && this.holdsVotes()) {
        this.note(`ignored RequestVote from ${from} for term ${message.term}: restarted less than an election timeout ago`)
        return
      }
      const leader = message.type === 'AppendEntries' || message.type === 'InstallSnapshot' ? from : undefined
      this.becomeFollower(message.term, leader)
    } else if (!termNeutral && message.term < this.term) {
      this.answerStaleTerm(from, message)
      return
    }
    this.dispatch(from, message)
  }

  private dispatch(from: NodeId, message: RaftMessage): void {
    switch (message.type) {
      case 'RequestVote':
        this.onRequestVote(from, message)
        break
      case 'RequestVoteResponse':
        if (this.role === 'candidate') this.onVoteAnswer(from, message.voteGranted)
        break
      case 'PreVote':
        this.onPreVote(from, message.term, message.lastLogIndex, message.lastLogTerm)
        break
      case 'PreVoteResponse':
        this.onPreVoteResponse(from, message)
        break
      case 'AppendEntries':
        this.onAppendEntries(from, message)
        break
      case 'AppendEntriesResponse':
        if (this.role === 'leader') this.onAppendEntriesResponse(from, message)
        break
      case 'TimeoutNow':
        this.onTimeoutNow(from)
        break
      case 'InstallSnapshot':
        this.onInstallSnapshot(from, message)
        break
      case 'InstallSnapshotResponse':
        if (this.role === 'leader') this.onInstallSnapshotResponse(from, message)
        break
      default:
        assertNever(message, 'raft message')
    }
  }

  /**
   * A request from an older term gets our term back, so its sender steps down; old answers are
   * dropped. The answer carries nothing else (rejectedIndex 0, readSeq 0): its sender may meanwhile
   * lead exactly our term, and must not take it for an answer to a request of that term.
   */
  private answerStaleTerm(from: NodeId, message: RaftMessage): void {
    if (message.type === 'AppendEntries') {
      this.send(from, {
        type: 'AppendEntriesResponse',
        term: this.term,
        success: false,
        matchIndex: 0,
        rejectedIndex: 0,
        conflictIndex: 0,
        conflictTerm: 0,
        readSeq: 0,
      })
    } else if (message.type === 'RequestVote') {
      this.send(from, { type: 'RequestVoteResponse', term: this.term, voteGranted: false })
    } else if (message.type === 'InstallSnapshot') {
      this.send(from, { type: 'InstallSnapshotResponse', term: this.term, snapshotIndex: 0, offset: 0, receivedBytes: 0, done: false, readSeq: 0 })
    }
  }

  /**
   * Thesis §4.2.3 (with checkQuorum, as etcd): a server that heard from a leader within the minimum
   * election timeout ignores a RequestVote for a higher term, so a node returning from a partition
   * cannot depose a healthy leader. A leadership transfer is exempt: the leader asked for it.
   */
  private ignoresVoteInLease(request: RequestVote): boolean {
    return this.options.checkQuorum && !request.transfer && this.inLeaderLease()
  }

  private inLeaderLease(): boolean {
    return this.leader !== undefined && this.electionElapsed < this.electionTimeoutMin
  }

  /** §5.4.1: vote only for a candidate whose log is at least as up-to-date as ours. */
  private logAllowsVote(lastLogIndex: number, lastLogTerm: number): boolean {
    // MUTATION voteWithoutLogCheck: without this check a candidate missing committed entries can win.
    if (this.mutations.voteWithoutLogCheck) return true
    return this.log.isUpToDate(lastLogIndex, lastLogTerm)
  }

  // ---------------------------------------------------------------------------------------------
  // Elections

  /** Here request.term === this.term (older ones were answered as stale, newer ones adopted). */
  private onRequestVote(from: NodeId, request: RequestVote): void {
    if (this.byzantine === 'vote-twice') {
      // LIAR: a second vote in the same term, for whoever asks (the first one stays on disk).
      if (this.votedFor === null) this.recordVote(from)
      this.electionElapsed = 0
      return this.send(from, { type: 'RequestVoteResponse', term: this.term, voteGranted: true })
    }
    // First come, first served: one vote per term; a repeated request from our choice is re-granted.
    // A node that already follows a leader in this term has nothing to vote for.
    const free = this.votedFor === from || (this.votedFor === null && this.leader === undefined)
    const granted = free && !this.holdsVotes() && this.logAllowsVote(request.lastLogIndex, request.lastLogTerm)
    if (granted) {
      this.recordVote(from)
      this.electionElapsed = 0
    }
    this.send(from, { type: 'RequestVoteResponse', term: this.term, voteGranted: granted })
  }

  /**
   * Thesis §9.6: grant if the asker could win: its term would be newer, its log is up to date, and
   * we have not heard from a leader within the minimum election timeout. Changes nothing here.
   */
  private onPreVote(from: NodeId, term: number, lastLogIndex: number, lastLogTerm: number): void {
    const granted =
      term > this.term &&
      this.role !== 'leader' &&
      !this.inLeaderLease() &&
      !this.holdsVotes() &&
      this.logAllowsVote(lastLogIndex, lastLogTerm)
    this.send(from, { type: 'PreVoteResponse', term: granted ? term : this.term, voteGranted: granted })
  }

  private onPreVoteResponse(from: NodeId, response: PreVoteResponse): void {
    if (this.role !== 'precandidate') return
    // A grant names the term we asked for; a refusal that did not make us step down names ours.
    const expectedTerm = response.voteGranted ? this.term + 1 : this.term
    if (response.term !== expectedTerm) return
    this.onVoteAnswer(from, response.voteGranted)
  }

  /** Counts an answer in the current campaign (pre-vote or vote). */
  private onVoteAnswer(from: NodeId, granted: boolean): void {
    if (!isVoter(this.config, from)) return this.note(`ignored a vote answer from ${from}: not a voter (${describeConfig(this.config)})`)
    // A grant is never taken back within a campaign; a later refusal is an answer to an older request.
    if (this.votes.get(from) === true) return
    this.votes.set(from, granted)
    const grantedCount = this.votesGranted()
    if (grantedCount >= this.quorum) {
      if (this.role === 'precandidate') this.becomeCandidate(false)
      else this.becomeLeader()
    } else if (this.votesRefused() >= this.quorum) {
      // A majority said no: this campaign cannot win; wait as a follower for someone who can.
      this.becomeFollower(this.term, undefined)
    }
  }

  private onTimeoutNow(from: NodeId): void {
    if (!this.mayCampaign()) return this.note(`ignored TimeoutNow from ${from}: not a voter (${describeConfig(this.config)})`)
    if (this.role !== 'follower' || this.leader !== from) {
      // Only this term's leader may send it; anyone else (a liar, a confused peer) is ignored.
      this.note(`ignored TimeoutNow from ${from}: not the leader this ${this.role} follows in term ${this.term}`)
      return
    }
    this.note(`TimeoutNow from leader ${from}: campaigning now`)
    this.becomeCandidate(true)
  }

  // ---------------------------------------------------------------------------------------------
  // Replication: follower side

  /** Here request.term === this.term. */
  private onAppendEntries(from: NodeId, received: AppendEntries): void {
    const request = this.trimToBase(received)
    if (typeof request === 'string') return this.note(`ignored AppendEntries from ${from}: ${request}`)
    this.acceptAppend(from, request)
  }

  /**
   * A request reaching below the log's base (Raft §7): the entries there are compacted, and
   * committed (a snapshot holds only committed state), so every later leader holds the same ones
   * (Leader Completeness). The request is cut to start at the base, whose term the log kept; the
   * one check left is that the request's entry at the base, if it has one, has that term.
   */
  private trimToBase(request: AppendEntries): AppendEntries | string {
    const base = this.log.baseIndex
    if (request.prevLogIndex >= base) return request
    const below = base - request.prevLogIndex
    if (request.entries.length >= below && request.entries[below - 1].term !== this.log.baseTerm) {
      return `its entry at ${base} has term ${request.entries[below - 1].term}, the snapshot's has term ${this.log.baseTerm}`
    }
    return { ...request, prevLogIndex: base, prevLogTerm: this.log.baseTerm, entries: request.entries.slice(below) }
  }

  private acceptAppend(from: NodeId, request: AppendEntries): void {
    const impossible = this.impossibleAppend(from, request)
    if (impossible !== undefined) {
      this.note(`ignored AppendEntries from ${from}: ${impossible}`)
      return
    }
    if (this.role !== 'follower') this.becomeFollower(this.term, from)
    else this.learnLeader(from)
    this.electionElapsed = 0
    const { prevLogIndex, prevLogTerm } = request
    if (this.byzantine === 'fake-ack') {
      // LIAR: claims to hold entries it never stored, so a leader counts it toward a majority.
      return this.send(from, {
        type: 'AppendEntriesResponse',
        term: this.term,
        success: true,
        matchIndex: prevLogIndex + request.entries.length,
        rejectedIndex: 0,
        conflictIndex: 0,
        conflictTerm: 0,
        readSeq: request.readSeq,
      })
    }
    if (prevLogIndex > this.log.lastIndex || this.log.term(prevLogIndex) !== prevLogTerm) {
      const hint = conflictHint(this.log, prevLogIndex)
      this.send(from, {
        type: 'AppendEntriesResponse',
        term: this.term,
        success: false,
        matchIndex: 0,
        rejectedIndex: prevLogIndex,
        ...hint,
        readSeq: request.readSeq,
      })
      return
    }
    const lastNewIndex = this.storeEntries(request)
    // Figure 2: commit up to the leader's commit index, but only as far as this request proved we match.
    const commitTarget = Math.min(request.leaderCommit, lastNewIndex)
    if (commitTarget > this.commitIndex) this.commitTo(commitTarget)
    this.send(from, {
      type: 'AppendEntriesResponse',
      term: this.term,
      success: true,
      matchIndex: lastNewIndex,
      rejectedIndex: 0,
      conflictIndex: 0,
      conflictTerm: 0,
      readSeq: request.readSeq,
    })
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots (Raft §7)

  /** Here request.term === this.term. Chunks are taken in order; the snapshot is installed whole. */
  private onInstallSnapshot(from: NodeId, request: InstallSnapshot): void {
    const impossible = this.impossibleSnapshot(from, request)
    if (impossible !== undefined) return this.note(`ignored InstallSnapshot from ${from}: ${impossible}`)
    if (this.role !== 'follower') this.becomeFollower(this.term, from)
    else this.learnLeader(from)
    this.electionElapsed = 0
    const answer = (receivedBytes: number, done: boolean): void => this.send(from, {
      type: 'InstallSnapshotResponse',
      term: this.term,
      snapshotIndex: request.snapshotIndex,
      offset: request.offset,
      receivedBytes,
      done,
      readSeq: request.readSeq,
    })
    // Everything it covers is committed here already: nothing to install, the leader may go on.
    if (request.snapshotIndex <= this.commitIndex) return answer(request.totalBytes, true)
    let incoming = this.incomingSnapshot
    let same = incoming !== undefined && incoming.term === this.term && incoming.index === request.snapshotIndex &&
      incoming.snapshotTerm === request.snapshotTerm && incoming.totalBytes === request.totalBytes
    if (request.offset === 0 && !(same && incoming!.bytes > 0)) {
      incoming = { term: this.term, index: request.snapshotIndex, snapshotTerm: request.snapshotTerm, members: request.members, learners: request.learners, totalBytes: request.totalBytes, chunks: [], bytes: 0 }
      this.incomingSnapshot = incoming
      same = true
    }
    if (!same || request.offset !== incoming!.bytes) return answer(same ? incoming!.bytes : 0, false)
    incoming!.chunks.push(request.data)
    incoming!.bytes += request.data.length
    if (incoming!.bytes < incoming!.totalBytes) return answer(incoming!.bytes, false)
    this.incomingSnapshot = undefined
    const { index, snapshotTerm, members, learners, chunks, totalBytes } = incoming!
    this.installSnapshot({ index, term: snapshotTerm, members, learners, data: concatBytes(chunks, totalBytes) }, from)
    answer(totalBytes, true)
  }

  /** What no honest leader of this term sends; see impossibleAppend. */
  private impossibleSnapshot(from: NodeId, request: InstallSnapshot): string | undefined {
    if (this.role === 'leader') return `a second leader in term ${this.term} (this node leads it)`
    if (this.leader !== undefined && this.leader !== from) return `a second leader in term ${this.term} (${this.leader} leads it)`
    if (request.snapshotTerm > request.term) return `snapshotTerm ${request.snapshotTerm} beyond its term ${request.term}`
    if (request.snapshotIndex < 1) return 'a snapshot through index 0'
    if (request.totalBytes > snapshotBytesMax) return `a snapshot of ${request.totalBytes} bytes, more than snapshotBytesMax ${snapshotBytesMax}`
    if (request.offset + request.data.length > request.totalBytes) return `chunk [${request.offset}, ${request.offset + request.data.length}) beyond ${request.totalBytes} bytes`
    const configError = checkConfig({ voters: request.members, learners: request.learners })
    if (configError !== null) return `its configuration: ${configError}`
    if (request.snapshotIndex <= this.commitIndex && this.termAt(request.snapshotIndex) !== undefined && this.termAt(request.snapshotIndex) !== request.snapshotTerm) {
      return `it contradicts committed index ${request.snapshotIndex}`
    }
    return undefined
  }

  /**
   * Raft §7: a log holding the snapshot's last entry keeps what follows it; any other log is
   * discarded. The state machine is replaced (installSnapshot in the Ready, after the record is
   * durable) and everything through the snapshot counts as committed and applied.
   */
  private installSnapshot(snapshot: RaftSnapshot, leader: NodeId): void {
    const lastIndexBefore = this.log.lastIndex
    const kept = installIntoLog(this.log, snapshot.index, snapshot.term)
    if (!kept) this.configs.truncatedFrom(snapshot.index + 1)
    this.configs.reset(snapshot.index, snapshotConfig(snapshot))
    // MUTATION installSnapshotUnpersisted: the answer below leaves with nothing on disk to back it.
    if (!this.mutations.installSnapshotUnpersisted) this.persistSnapshot(snapshot)
    this.snapshot = snapshot
    this.snapshotRequested = undefined
    this.appliedBytesSinceSnapshot = 0
    this.commitIndex = snapshot.index
    this.appliedIndex = snapshot.index
    this.ready.installSnapshot = { index: snapshot.index, term: snapshot.term, data: snapshot.data }
    this.ready.events.push({ kind: 'commit', index: snapshot.index })
    const what = kept ? `kept the log after it (through ${this.log.lastIndex})` : `discarded the log (through ${lastIndexBefore})`
    this.note(`installed snapshot through ${snapshot.index} (term ${snapshot.term}, ${snapshot.data.length} bytes) from ${leader}; ${what}`)
  }

  /** After each step: asks the driver for a snapshot once a threshold of applied entries or bytes is reached. */
  private maybeRequestSnapshot(): void {
    if (this.snapshotRequested !== undefined) return
    const entriesMax = this.options.snapshotEntries ?? 0
    const bytesMax = this.options.snapshotBytes ?? 0
    const byEntries = entriesMax > 0 && this.appliedIndex - (this.snapshot?.index ?? 0) >= entriesMax
    const byBytes = bytesMax > 0 && this.appliedBytesSinceSnapshot >= bytesMax
    if (!byEntries && !byBytes) return
    // MUTATION snapshotPastCommit: snapshots the whole log, its uncommitted tail counted as committed
    // (and applied) so the state machine can include it.
    if (this.mutations.snapshotPastCommit && this.log.lastIndex > this.commitIndex) this.commitTo(this.log.lastIndex)
    this.snapshotRequested = this.appliedIndex
    this.ready.takeSnapshot = { index: this.appliedIndex }
  }

  /** The driver's answer to takeSnapshot: record the snapshot, then drop the log through it. */
  private onSnapshotTaken(index: number, data: Uint8Array): void {
    if (index !== this.snapshotRequested) {
      // An installed snapshot overtook the request (it cleared it), or the driver is confused.
      return this.note(`ignored a snapshot through ${index}: the snapshot asked for is ${this.snapshotRequested ?? 'none'}`)
    }
    this.snapshotRequested = undefined
    if (index <= this.log.baseIndex) return
    if (index > this.appliedIndex) throw new Error(`raft ${this.id}: a snapshot through ${index}, past appliedIndex ${this.appliedIndex}`)
    const { voters, learners } = this.configs.at(index)
    const snapshot: RaftSnapshot = { index, term: this.log.term(index), members: [...voters], learners: [...learners], data }
    // etcd's SnapshotCatchUpEntries: entries just below the snapshot stay in memory, so a follower
    // a little behind gets AppendEntries rather than the whole snapshot. The persisted log still
    // starts after the snapshot (persistSnapshot): a restart needs none of them.
    const compactThrough = this.catchUpStart(index)
    if (compactThrough > this.log.baseIndex) {
      this.log.compactThrough(compactThrough)
      this.configs.compactedThrough(compactThrough)
    }
    this.persistSnapshot(snapshot)
    this.snapshot = snapshot
    this.appliedBytesSinceSnapshot = 0
    this.note(`snapshot through ${index} (term ${snapshot.term}, ${data.length} bytes): log compacted through ${this.log.baseIndex}, ${this.log.lastIndex - this.log.baseIndex} entries kept`)
  }

  /**
   * Where to compact a log snapshotted through `index`: snapshotCatchUpEntries below it stay, but no
   * more than half of snapshotBytes of them (big values would otherwise keep gigabytes in memory).
   */
  private catchUpStart(index: number): number {
    const through = Math.max(this.log.baseIndex, index - (this.options.snapshotCatchUpEntries ?? 0))
    const keptBytesMax = Math.floor((this.options.snapshotBytes ?? 0) / 2)
    if (keptBytesMax === 0) return through
    let bytes = 0
    for (let at = index; at > through; at -= 1) {
      bytes += entryBytes(this.log.entry(at))
      if (bytes > keptBytesMax) return at
    }
    return through
  }

  /**
   * The snapshot record, then the hard state and the log after the snapshot's index written again
   * (the log must already be compacted or reset to it): with those three durable, every record
   * before the snapshot is obsolete, and a driver may drop them (WAL segments, simulator records).
   */
  private persistSnapshot(snapshot: RaftSnapshot): void {
    this.ready.persist.push({ kind: 'snapshot', ...snapshot })
    this.ready.persist.push({ kind: 'hardState', term: this.term, votedFor: this.votedFor })
    this.ready.persist.push(...this.entryRecordsAfter(snapshot.index))
  }

  /**
   * Records that alone rebuild this node as it stands after the current step: its latest snapshot
   * (if any), its hard state and its log after the snapshot. MultiRaft writes them for every group
   * when one group snapshots, so that its one WAL can start a new segment (multiraft/core.ts).
   */
  durableState(): RaftPersist[] {
    const records: RaftPersist[] = []
    if (this.snapshot !== undefined) records.push({ kind: 'snapshot', ...this.snapshot })
    records.push({ kind: 'hardState', term: this.term, votedFor: this.votedFor })
    records.push(...this.entryRecordsAfter(this.snapshot?.index ?? 0))
    return records
  }

  /** The log after `index` as entries records of at most entriesRecordBytesMax each. */
  private entryRecordsAfter(index: number): RaftPersist[] {
    const records: RaftPersist[] = []
    if (this.log.lastIndex <= index) return records
    let fromIndex = index + 1
    for (const chunk of chunkByBytes(this.log.slice(fromIndex, this.log.lastIndex), this.budgets.entriesRecordBytesMax, entryBytes)) {
      records.push({ kind: 'entries', fromIndex, entries: chunk })
      fromIndex += chunk.length
    }
    return records
  }

  private learnLeader(from: NodeId): void {
    if (this.leader === from) return
    this.leader = from
    this.emitRole()
  }

  /**
   * What no honest leader of this term can send (here request.term === this.term): a reason, or
   * undefined. Election safety gives a term one leader, entries never carry a term beyond their
   * leader's, and Leader Completeness means a leader never contradicts what this node committed.
   * A peer that sends one of these is lying or broken; it is noted and ignored, never obeyed, and
   * never allowed to stop this node.
   */
  private impossibleAppend(from: NodeId, request: AppendEntries): string | undefined {
    if (this.role === 'leader') return `a second leader in term ${this.term} (this node leads it)`
    if (this.leader !== undefined && this.leader !== from) return `a second leader in term ${this.term} (${this.leader} leads it)`
    if (request.prevLogTerm > request.term) return `prevLogTerm ${request.prevLogTerm} beyond its term ${request.term}`
    let previousTerm = request.prevLogTerm
    for (const entry of request.entries) {
      if (entry.term < previousTerm || entry.term > request.term) return `entry terms out of order or beyond term ${request.term}`
      previousTerm = entry.term
    }
    const conflict = this.firstConflict(request)
    if (conflict !== undefined && conflict <= this.commitIndex) return `it contradicts committed index ${conflict}`
    return undefined
  }

  /** The first index where the request's entries disagree with this log, if it matches at prevLogIndex. */
  private firstConflict(request: AppendEntries): number | undefined {
    const { prevLogIndex, entries } = request
    if (prevLogIndex > this.log.lastIndex || this.log.term(prevLogIndex) !== request.prevLogTerm) {
      // A mismatch at or below the commit index contradicts a committed entry.
      return prevLogIndex <= this.log.lastIndex && prevLogIndex > 0 ? prevLogIndex : undefined
    }
    for (let position = 0; position < entries.length; position += 1) {
      const index = prevLogIndex + 1 + position
      if (index > this.log.lastIndex) return undefined
      if (this.log.term(index) !== entries[position].term) return index
    }
    return undefined
  }

  /**
   * Stores the entries after a matching prevLogIndex; returns the last index they cover. Entries we
   * already hold are skipped: a duplicate or reordered request must never truncate, because what
   * follows may be entries this node has since acknowledged and the leader has counted (§5.3:
   * delete only "if an existing entry conflicts with a new one").
   */
  private storeEntries(request: AppendEntries): number {
    const entries = request.entries
    let index = request.prevLogIndex + 1
    let position = 0
    while (position < entries.length && index <= this.log.lastIndex && this.log.term(index) === entries[position].term) {
      position += 1
      index += 1
    }
    if (position < entries.length) {
      if (index <= this.log.lastIndex) this.truncateLog(index)
      this.appendToLog(position === 0 ? entries : entries.slice(position))
    } else if (this.mutations.truncateOnStaleAppend && index <= this.log.lastIndex) {
      // MUTATION truncateOnStaleAppend: treats the request as the whole log, dropping entries that
      // did not conflict, possibly ones already counted toward a commit.
      this.truncateLog(index)
      this.ready.persist.push({ kind: 'entries', fromIndex: index, entries: [] })
    }
    return request.prevLogIndex + entries.length
  }

  // ---------------------------------------------------------------------------------------------
  // Replication: leader side

  private onPropose(proposals: readonly ProposedCommand[]): void {
    if (this.role !== 'leader' || this.transfer !== undefined) {
      for (const proposal of proposals) this.reject({ kind: 'proposal', tag: proposal.tag }, this.transfer?.target)
      return
    }
    if (proposals.length === 0) return
    const entries = proposals.map((proposal): LogEntry => {
      const entry: LogEntry = { term: this.term, command: proposal.command }
      if (proposal.tag !== undefined) entry.tag = proposal.tag
      return entry
    })
    this.appendToLog(entries)
    for (const [peer, progress] of this.progress) this.sendAppends(peer, progress)
    // Only a single-node cluster can commit here; anyone else waits for answers.
    if (this.maybeCommit()) this.broadcastAppend()
  }

  /**
   * Thesis §4.1, single-server changes: the entry takes effect here (and on each follower) as soon as
   * it is in the log. Two rules keep every two configurations in force at once a single change
   * apart, so their majorities overlap: at most one change is uncommitted at a time, and a new leader
   * first commits an entry of its own term (its noop), which proves that no change left by an earlier
   * leader can still commit beside its own (the bug found in 2015).
   */
  private onReconfigure(change: ConfigChange, tag: RequestTag | undefined): void {
    const refusal = this.reconfigureRefusal(change)
    if (typeof refusal === 'string') {
      this.note(`configuration change (${describeChange(change)}) refused: ${refusal}`)
      return this.reject({ kind: 'proposal', tag }, this.transfer?.target)
    }
    const entry: LogEntry = { term: this.term, command: { op: 'noop' }, config: refusal }
    if (tag !== undefined) entry.tag = tag
    this.appendToLog([entry])
    this.syncProgress(this.log.lastIndex)
    for (const [peer, progress] of this.progress) this.sendAppends(peer, progress)
    if (this.maybeCommit()) this.broadcastAppend()
  }

  /** The configuration after `change`, or why this node does not append it now. */
  private reconfigureRefusal(change: ConfigChange): RaftConfig | string {
    if (this.role !== 'leader') return 'not the leader'
    if (this.transfer !== undefined) return `transferring leadership to ${this.transfer.target}`
    // MUTATION configChangeWithoutNoop: a change before this term's first commit (the 2015 bug).
    if (this.log.term(this.commitIndex) !== this.term && !this.mutations.configChangeWithoutNoop) {
      return `no entry of term ${this.term} committed yet (thesis §4.1: the leader's noop comes first)`
    }
    // MUTATION twoChangesPending: a second change while one is uncommitted.
    if (this.configs.latestIndex > this.commitIndex && !this.mutations.twoChangesPending) {
      return `the change at index ${this.configs.latestIndex} is not committed yet`
    }
    return applyChange(this.config, change)
  }

  /**
   * A leader that refuses (stepping down, transferring, overloaded) answers 'dropped', hinting at
   * its successor when it knows one; anyone else answers 'not-leader' with the leader it follows,
   * or 'no-leader'.
   */
  private reject(request: RejectedRequest, successor: NodeId | undefined): void {
    const rejection: Rejection = { kind: request.kind, reason: 'dropped' }
    if (request.kind === 'proposal') {
      if (request.tag !== undefined) rejection.tag = request.tag
    } else {
      rejection.readId = request.readId
    }
    const hint = this.role === 'leader' ? successor : this.leader
    if (this.role !== 'leader') rejection.reason = hint === undefined ? 'no-leader' : 'not-leader'
    if (hint !== undefined) rejection.leaderHint = hint
    this.ready.rejections.push(rejection)
  }

  private onAppendEntriesResponse(from: NodeId, response: AppendEntriesResponse): void {
    const progress = this.progress.get(from)
    // Members other than this node always have progress on a leader; the note guards a broken caller.
    if (progress === undefined) return this.note(`ignored AppendEntriesResponse from ${from}: no progress kept for it`)
    const impossible = this.impossibleAppendResponse(response)
    if (impossible !== undefined) return this.note(`ignored AppendEntriesResponse from ${from}: ${impossible}`)
    progress.recentActive = true
    // An answer to a request of an older term (see answerStaleTerm): only its term meant anything.
    if (!response.success && response.rejectedIndex === 0) return
    if (response.readSeq > progress.readAckSeq) {
      progress.readAckSeq = response.readSeq
      this.confirmReads()
    }
    if (response.success) this.onAppendAccepted(from, progress, response.matchIndex)
    else this.onAppendRejected(from, progress, response)
    if (this.role === 'leader' && !isMember(this.config, from)) this.syncProgress()
  }

  /**
   * What no answer to a request of this leader can say: a reason, or undefined. It echoes only
   * read rounds already started, and matches or rejects only indexes this log has (requests never
   * reach beyond lastIndex, which does not shrink while this node leads).
   */
  private impossibleAppendResponse(response: AppendEntriesResponse): string | undefined {
    if (response.readSeq > this.reads.seq) return `echoes read round ${response.readSeq}, but the latest is ${this.reads.seq}`
    if (response.success && response.matchIndex > this.log.lastIndex) {
      return `matched through ${response.matchIndex}, beyond lastIndex ${this.log.lastIndex}`
    }
    if (!response.success && response.rejectedIndex > this.log.lastIndex) {
      return `rejected index ${response.rejectedIndex}, beyond lastIndex ${this.log.lastIndex}`
    }
    return undefined
  }

  private onAppendAccepted(from: NodeId, progress: Progress, matchIndex: number): void {
    const advanced = progress.acknowledge(matchIndex)
    // A probe answered at the known match proves the match just as well: start streaming.
    const probeConfirmed = progress.state === 'probe' && matchIndex === progress.matchIndex
    if (!advanced && !probeConfirmed) return
    if (progress.state === 'probe') progress.becomeReplicate()
    else if (progress.state === 'snapshot' && progress.matchIndex >= progress.snapshot!.index) progress.becomeReplicate()
    if (this.maybeCommit()) this.broadcastAppend()
    else this.sendAppendsOrCommit(from, progress)
    if (this.transfer?.target === from && progress.matchIndex === this.log.lastIndex) this.sendTimeoutNow(from)
  }

  private sendTimeoutNow(target: NodeId): void {
    this.leaseForfeited = true
    this.send(target, { type: 'TimeoutNow', term: this.term })
  }

  private onInstallSnapshotResponse(from: NodeId, response: InstallSnapshotResponse): void {
    const progress = this.progress.get(from)
    if (progress === undefined) return this.note(`ignored InstallSnapshotResponse from ${from}: no progress kept for it`)
    if (response.readSeq > this.reads.seq || response.snapshotIndex > this.log.lastIndex) {
      return this.note(`ignored InstallSnapshotResponse from ${from}: read round ${response.readSeq} or index ${response.snapshotIndex} never sent`)
    }
    progress.recentActive = true
    if (response.snapshotIndex === 0) return // an answer to a request of an older term
    if (response.readSeq > progress.readAckSeq) {
      progress.readAckSeq = response.readSeq
      this.confirmReads()
    }
    // Installed (or not needed): the follower's log matches through the snapshot's index.
    if (response.done) return this.onAppendAccepted(from, progress, response.snapshotIndex)
    const snapshot = progress.snapshot
    if (progress.state !== 'snapshot' || snapshot === undefined || snapshot.index !== response.snapshotIndex) return
    if (response.receivedBytes > snapshot.data.length) return this.note(`ignored InstallSnapshotResponse from ${from}: ${response.receivedBytes} bytes of ${snapshot.data.length}`)
    // A chunk past the bytes the follower holds was not taken: one before it was lost (or the
    // follower restarted and holds nothing). Otherwise the chunk was taken, or was a duplicate.
    if (response.offset > response.receivedBytes) progress.snapshotGap(response.receivedBytes)
    else progress.snapshotAcknowledged(response.receivedBytes)
    this.sendSnapshotChunks(from, progress)
  }

  private onAppendRejected(from: NodeId, progress: Progress, response: AppendEntriesResponse): void {
    if (progress.isStaleRejection(response.rejectedIndex)) return
    progress.becomeProbe(nextIndexAfterRejection(this.log, progress.matchIndex, response))
    this.sendAppends(from, progress)
  }

  /**
   * Commits the highest index a majority stores, if it is of the current term (§5.4.2, Figure 8):
   * an entry of an earlier term on a majority can still be overwritten by a leader that never
   * saw it, so it is committed only indirectly, by a later entry of the leader's own term.
   */
  private maybeCommit(): boolean {
    const config = this.config
    // Only voters count, this leader included only while it is one (thesis §4.2.2: a leader that is
    // removing itself replicates its removal without counting itself).
    const matches = config.voters.map((voter) => voter === this.id ? this.log.lastIndex : this.progress.get(voter)?.matchIndex ?? 0)
    const index = quorumValue(matches, quorumOf(config.voters.length))
    if (index <= this.commitIndex) return false
    // MUTATION commitPreviousTermByCounting: skipping the term check is exactly the Figure 8 bug.
    if (this.log.term(index) !== this.term && !this.mutations.commitPreviousTermByCounting) return false
    this.commitTo(index)
    return true
  }

  private commitTo(index: number): void {
    if (index <= this.commitIndex || index > this.log.lastIndex) {
      throw new Error(`raft ${this.id}: commit to ${index} (commitIndex ${this.commitIndex}, lastIndex ${this.log.lastIndex})`)
    }
    this.commitIndex = index
    this.ready.events.push({ kind: 'commit', index })
    this.applyCommitted()
    if (this.role === 'leader') this.afterLeaderCommit()
  }

  /** Hands every newly committed entry to the state machine, in order (noops included). */
  private applyCommitted(): void {
    for (let index = this.appliedIndex + 1; index <= this.commitIndex; index += 1) {
      const entry = this.log.entry(index)
      const applied: AppliedEntry = { index, term: entry.term, command: entry.command }
      if (entry.tag !== undefined) applied.tag = entry.tag
      this.ready.applied.push(applied)
      this.appliedBytesSinceSnapshot += entryBytes(entry)
    }
    this.appliedIndex = this.commitIndex
  }

  /** After the commit index moved: every follower gets what it lacks, or at least the new commit index. */
  private broadcastAppend(): void {
    for (const [peer, progress] of this.progress) this.sendAppendsOrCommit(peer, progress)
  }

  private sendAppendsOrCommit(peer: NodeId, progress: Progress): void {
    if (this.sendAppends(peer, progress) === 0 && progress.canBumpCommit(this.commitIndex)) {
      this.sendEmptyAppend(peer, progress)
    }
  }

  /** Heartbeat (§5.2): also the retry of a lost probe, and detects lost pipelined requests. */
  private broadcastHeartbeat(): void {
    // Under leases every heartbeat is also an empty read round: its acknowledgements renew the lease.
    if (this.options.readMode === 'lease') this.reads.startRound([], this.commitIndex, this.ticks, this.nowMs)
    for (const [peer, progress] of this.progress) {
      progress.probeSent = false
      // Chunks still unanswered wait a few heartbeats before they go again (the follower may be down).
      if (progress.state === 'snapshot' && progress.snapshotInflight) {
        if (!progress.snapshotResendDue()) {
          this.sendEmptyAppend(peer, progress)
          continue
        }
        progress.snapshotResendUnacknowledged()
      }
      if (this.sendAppends(peer, progress) === 0) this.sendEmptyAppend(peer, progress)
    }
  }

  /**
   * Streams entries from nextIndex: one request in probe state, up to the free window (requests and
   * bytes) in replicate state, each carrying at most batchEntriesMax entries and appendBytesMax
   * bytes, but at least one entry. Returns how many requests went out.
   */
  private sendAppends(peer: NodeId, progress: Progress): number {
    // The follower needs entries at or below the base (prevLogIndex < base): only the snapshot has them.
    if (progress.state === 'snapshot' || progress.nextIndex <= this.log.baseIndex) return this.sendSnapshotChunks(peer, progress)
    let sent = 0
    while (sent < this.options.inflightAppendsMax && !progress.paused && progress.nextIndex <= this.log.lastIndex) {
      const fromIndex = progress.nextIndex
      const { toIndex, bytes } = appendRange(this.log, fromIndex, this.options.batchEntriesMax, this.budgets.appendBytesMax)
      this.sendAppend(peer, progress, fromIndex, this.log.slice(fromIndex, toIndex))
      progress.sentEntries(toIndex, bytes)
      sent += 1
    }
    return sent
  }

  /**
   * An AppendEntries without entries at nextIndex - 1: not counted in the window. One to a follower
   * that needs the snapshot is at the log's base instead (the entries below it are gone): it still
   * carries the read round and the leader's authority, and a follower it matches says so.
   */
  private sendEmptyAppend(peer: NodeId, progress: Progress): void {
    this.sendAppend(peer, progress, Math.max(progress.nextIndex, this.log.baseIndex + 1), [])
  }

  /**
   * The next chunks of the snapshot (entering snapshot state first), while fewer than
   * snapshotChunksInflightMax chunks' bytes are unacknowledged; returns how many went out.
   */
  private sendSnapshotChunks(peer: NodeId, progress: Progress): number {
    if (progress.state !== 'snapshot') {
      const snapshot = this.snapshot
      if (snapshot === undefined) throw new Error(`raft ${this.id}: log compacted through ${this.log.baseIndex} without a snapshot`)
      this.note(`sending the snapshot through ${snapshot.index} to ${peer}: it needs index ${progress.nextIndex}, compacted`)
      progress.becomeSnapshot(snapshot)
    }
    const snapshot = progress.snapshot!
    const windowBytes = snapshotChunksInflightMax * this.snapshotChunkBytesMax
    let sent = 0
    // An empty snapshot still goes, as one empty chunk per call.
    while (progress.snapshotSentBytes < snapshot.data.length || (snapshot.data.length === 0 && sent === 0)) {
      if (progress.snapshotSentBytes - progress.snapshotAckedBytes >= windowBytes) break
      const offset = progress.snapshotSentBytes
      const end = Math.min(snapshot.data.length, offset + this.snapshotChunkBytesMax)
      this.send(peer, {
        type: 'InstallSnapshot',
        term: this.term,
        snapshotIndex: snapshot.index,
        snapshotTerm: snapshot.term,
        members: snapshot.members,
        learners: snapshot.learners ?? [],
        offset,
        totalBytes: snapshot.data.length,
        data: snapshot.data.subarray(offset, end),
        readSeq: this.reads.seq,
      })
      progress.snapshotSentBytes = end
      sent += 1
    }
    return sent
  }

  private sendAppend(peer: NodeId, progress: Progress, fromIndex: number, entries: LogEntry[]): void {
    const prevLogIndex = fromIndex - 1
    progress.sentCommit = this.commitIndex
    this.send(peer, {
      type: 'AppendEntries',
      term: this.term,
      prevLogIndex,
      prevLogTerm: this.log.term(prevLogIndex),
      entries,
      leaderCommit: this.commitIndex,
      readSeq: this.reads.seq,
    })
  }

  /**
   * Thesis §3.10: the leader stops taking proposals (they are rejected as 'dropped'), brings the
   * target's log up to date, then sends it TimeoutNow so it campaigns at once. Abandoned after
   * electionTimeoutTicks[0] ticks. No lease reads meanwhile, nor after a TimeoutNow (see holdsLease).
   */
  private startTransfer(target: NodeId): void {
    if (this.role !== 'leader' || target === this.id || !isVoter(this.config, target)) {
      const why = !isVoter(this.config, target) ? 'not a voter' : this.role === 'leader' ? 'already leader' : 'not the leader'
      this.note(`leadership transfer to ${target} ignored: ${why}`)
      return
    }
    if (this.transfer?.target === target) return
    this.transfer = { target, elapsedTicks: 0 }
    this.note(`transferring leadership to ${target}`)
    const progress = this.progress.get(target)!
    if (progress.matchIndex === this.log.lastIndex) {
      this.sendTimeoutNow(target)
      return
    }
    progress.probeSent = false // probe now rather than at the next heartbeat
    this.sendAppends(target, progress)
  }

  // ---------------------------------------------------------------------------------------------
  // Reads (ReadIndex, thesis §6.4)

  private onRead(readIds: readonly number[]): void {
    if (readIds.length === 0) return
    if (this.role !== 'leader') {
      for (const readId of readIds) this.reject({ kind: 'read', readId }, undefined)
      return
    }
    if (this.reads.pending + readIds.length > this.readsPendingMax) {
      for (const readId of readIds) this.reject({ kind: 'read', readId }, undefined)
      return
    }
    if (this.mutations.readWithoutQuorumCheck) {
      // MUTATION readWithoutQuorumCheck: serves from local state with no proof that this node is still
      // the leader; a deposed leader answers without the writes of its successor.
      for (const readId of readIds) this.ready.reads.push({ readId })
      return
    }
    if (this.log.term(this.commitIndex) !== this.term) {
      this.reads.awaitCommit(readIds)
      return
    }
    if (this.holdsLease()) {
      this.reads.serveUnderLease(readIds, this.commitIndex)
      this.serveReads()
      return
    }
    this.startReadRound(readIds.slice())
  }

  /**
   * Thesis §6.4.1, measured on the driver's monotonic clock at the moment the read is served: the
   * lease runs from when the latest acknowledged round was sent, for the minimum election timeout
   * less one tick and less the drift allowance. Less one tick because a follower counts whole ticks
   * from whenever it heard the leader, so its first may come at once: it ignores votes for at least
   * electionTimeoutMin - 1 tick periods. A stalled event loop, a slow disk or starved timers only
   * make `nowMs` later, so none of them can stretch the lease. Not while a leadership transfer is
   * in flight or after a TimeoutNow in this term (the target's election skips the lease check);
   * reads then take a ReadIndex round.
   */
  private holdsLease(): boolean {
    if (this.options.readMode !== 'lease' || this.transfer !== undefined || this.leaseForfeited) return false
    const leaseTicks = this.electionTimeoutMin - 1 - (this.options.leaseDriftTicks ?? 0)
    // MUTATION leaseFromTicks: ticks are timer callbacks; a leader whose timers run late counts too few.
    if (this.mutations.leaseFromTicks) return this.ticks < this.reads.leaseFromTick + leaseTicks
    if (this.nowMs === undefined || this.options.tickMs === undefined) return false
    return this.nowMs < this.reads.leaseFromMs + leaseTicks * this.options.tickMs
  }

  private startReadRound(readIds: number[]): void {
    this.reads.startRound(readIds, this.commitIndex, this.ticks, this.nowMs)
    for (const [peer, progress] of this.progress) this.sendEmptyAppend(peer, progress)
    this.confirmReads()
  }

  private afterLeaderCommit(): void {
    if (this.configs.latestIndex > 0 && this.configs.latestIndex <= this.commitIndex) this.afterConfigCommit()
    if (this.role !== 'leader') return
    if (this.log.term(this.commitIndex) === this.term) {
      const waiting = this.reads.takeAwaitingCommit()
      if (waiting.length > 0) this.startReadRound(waiting)
    }
    this.serveReads()
  }

  /**
   * The latest configuration is committed: servers it removed no longer get entries, and a leader it
   * removed steps down (thesis §4.2.2), once it has told the others the new commit index. Not being a
   * voter, it never campaigns again.
   */
  private afterConfigCommit(): void {
    if (isVoter(this.config, this.id)) {
      if (this.progress.size === this.replicas().length) return // nobody removed is still tracked
      // The commit index first reaches the servers this change removed, so they know not to campaign.
      this.broadcastAppend()
      this.syncProgress()
      return
    }
    this.broadcastAppend()
    this.note(`removed from the configuration (${describeConfig(this.config)}), now committed: stepping down`)
    this.becomeFollower(this.term, undefined)
  }

  /** A round is confirmed once a majority (this leader included) answered a request carrying its seq. */
  private confirmReads(): void {
    const acknowledged = this.config.voters.map((voter) => voter === this.id ? this.reads.seq : this.progress.get(voter)?.readAckSeq ?? 0)
    this.reads.confirmThrough(quorumValue(acknowledged, this.quorum))
    this.serveReads()
  }

  private serveReads(): void {
    for (const readId of this.reads.takeServable(this.appliedIndex)) this.ready.reads.push({ readId })
  }
}

/**
 * What must be durable before what leaves (see Ready). Every Raft record is fsync'd before the rest
 * of the Ready. A term or a vote must be durable before any message: a node that forgot its vote
 * could vote twice. AppendEntries of a Ready that changed neither may leave in parallel with the
 * disk write (thesis §10.2.1): the leader counts its own entries only once they are durable, and an
 * acknowledgement arrives in a later step, after this Ready's fsync.
 */
function markDurability(ready: RaftReady): void {
  ready.mustSync = ready.persist.length > 0
  if (!ready.persist.every((record) => record.kind === 'entries')) return
  for (const outbound of ready.messages) if (outbound.message.type === 'AppendEntries') outbound.leavesBefore = 'write'
}

/** The chunks of a snapshot, in order, as one array of `totalBytes`. */
function concatBytes(chunks: readonly Uint8Array[], totalBytes: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]
  const data = new Uint8Array(totalBytes)
  let offset = 0
  for (const chunk of chunks) {
    data.set(chunk, offset)
    offset += chunk.length
  }
  return data
}

/** The configuration a snapshot was taken under (records from before membership changes have no learners). */
function snapshotConfig(snapshot: RaftSnapshot): RaftConfig {
  return { voters: snapshot.members, learners: snapshot.learners ?? [] }
}
