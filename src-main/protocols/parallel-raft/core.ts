/**
 * ParallelRaft (PolarFS, VLDB 2018, §4.1): Raft's leader, terms and elections, without Raft's
 * rule that a log has no holes.
 *
 *   out-of-order ack     a follower makes an entry durable and acknowledges it at once, whatever
 *                        it lacks below it;
 *   out-of-order commit  the leader commits an entry once a majority holds it, before earlier
 *                        entries, when no unfinished entry in its look-behind buffer touches a key
 *                        it touches and everything beyond the buffer is committed;
 *   out-of-order apply   the same rule over what this node has applied;
 *   merge stage          a new leader fills its holes from its voters' slots (merge.ts) and serves
 *                        only once everything up to the highest merged index is committed;
 *   catch-up             the leader re-sends, on its heartbeat, what a follower has not
 *                        acknowledged in this term above what it knows committed.
 *
 * Pure: ticks and messages in, a Ready out (types.ts gives the order: persist, send, apply, read,
 * reject). Every record must be fsync'd before anything else of its Ready leaves (mustSync).
 */
import { appendBytesMax, encodedBytesMax, messageBytesMax } from '../common/wire-budget.js'
import type { CoreInput, CoreStatus, NodeId, ProposedCommand, ProtocolCore, Random, Ready, RequestTag } from '../types.js'
import { assertNever, emptyReady } from '../types.js'
import { keysOf, type TouchedKeys } from './keys.js'
import { SparseLog } from './log.js'
import { mergeSlots } from './merge.js'
import { packEntries, unpackEntries, type Packed } from './packing.js'
import type { Append, AppendAck, Entry, ParallelRaftMessage, ParallelRaftPersist, RequestVote, Slot, Vote } from './messages.js'

export type ParallelRaftRole = 'leader' | 'candidate' | 'follower'

export interface ParallelRaftMutations {
  /** Commit and apply past unfinished entries of the look-behind buffer whatever keys they touch. */
  ignoreLookBehindConflicts?: boolean
}

export interface ParallelRaftOptions {
  id: NodeId
  members: readonly NodeId[]
  electionTimeoutTicks: readonly [number, number]
  heartbeatTicks: number
  /** N: how many earlier entries each entry names the keys of (PolarFS uses 2). */
  lookBehindEntries: number
  random: Random
  persisted?: readonly ParallelRaftPersist[]
  mutations?: ParallelRaftMutations
}

/** Proposals a merging leader holds until it serves; more are refused (they never entered the log). */
export const heldProposalsMax = 4096
/** Reads waiting at a leader; more are refused. */
export const pendingReadsMax = 4096
/**
 * Indexes an acknowledgement names besides the message's own: entries held in this term that the
 * follower does not know committed, acknowledged again so a lost acknowledgement costs no resend.
 */
export const reackedIndexesMax = 1024
/** Heartbeats after which an unacknowledged entry is sent again. */
const resendHeartbeats = 2

type PrReady = Ready<ParallelRaftMessage, ParallelRaftPersist>

interface FollowerProgress {
  /** What it said it knows committed; undefined until it first answers (nothing is re-sent before). */
  commitIndex: number | undefined
  /** Indexes it acknowledged in this term above that. */
  acked: Set<number>
  /** Tick at which an index was last sent to it. */
  sentAtTick: Map<number, number>
}

interface PendingRead {
  readId: number
  keys: TouchedKeys
  /** Entries up to here (the log when the read arrived) touching its keys must be applied first. */
  index: number
  /** Broadcast round that confirms the leader still leads, once a quorum answered it. */
  round: number
}

interface LeaderState {
  progress: Map<NodeId, FollowerProgress>
  /** Who holds each uncommitted index with this term's ballot (the leader included). */
  holders: Map<number, Set<NodeId>>
  /** The highest merged index: the leader serves once everything up to it is committed. */
  mergedIndex: number
  held: ProposedCommand[]
  reads: PendingRead[]
  round: number
  /** The highest round each node answered (the leader's own: the current round). */
  answered: Map<NodeId, number>
  /** Tags of entries this leader proposed that are not applied yet: dropped (indefinite) if it steps down. */
  inflight: Map<number, RequestTag>
}

export class ParallelRaftCore implements ProtocolCore<ParallelRaftMessage, ParallelRaftPersist> {
  readonly id: NodeId
  private term = 0
  private votedFor: NodeId | null = null
  private role: ParallelRaftRole = 'follower'
  private leader: NodeId | undefined
  private readonly log: SparseLog
  private ticks = 0
  private electionElapsed = 0
  private electionTimeout: number
  private heartbeatElapsed = 0
  /** A candidate's granted votes with the slots each voter sent. */
  private votes = new Map<NodeId, Slot[]>()
  private voteFromIndex = 1
  private leading: LeaderState | undefined
  private readonly quorum: number

  constructor(private readonly options: ParallelRaftOptions) {
    if (!options.members.includes(options.id)) throw new Error(`parallel-raft: members must include ${options.id}`)
    if (!(Number.isInteger(options.lookBehindEntries) && options.lookBehindEntries >= 1)) throw new Error('parallel-raft: lookBehindEntries must be a positive integer')
    this.id = options.id
    this.quorum = Math.floor(options.members.length / 2) + 1
    this.log = new SparseLog(options.lookBehindEntries, options.mutations?.ignoreLookBehindConflicts === true)
    for (const record of options.persisted ?? []) this.recover(record)
    this.electionTimeout = this.drawTimeout()
  }

  status(): CoreStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leader,
      commitIndex: this.log.committed.index,
      lastIndex: this.log.lastIndex,
      appliedIndex: this.log.applied.index,
    }
  }

  /** The entry this node holds at `index` (tests and the simulator's leader-completeness check). */
  entryAt(index: number): Slot | undefined {
    return this.log.at(index)
  }

  step(input: CoreInput<ParallelRaftMessage>): PrReady {
    const ready = emptyReady<ParallelRaftMessage, ParallelRaftPersist>()
    switch (input.kind) {
      case 'tick':
        this.tick(ready)
        break
      case 'message':
        this.receive(input.from, input.message, ready)
        break
      case 'propose':
        this.propose(input.proposals, ready)
        break
      case 'read':
        this.read(input.readIds, input.keys, ready)
        break
      default:
        assertNever(input, 'input')
    }
    this.applyAndServe(ready)
    ready.mustSync = ready.persist.length > 0
    return ready
  }

  private recover(record: ParallelRaftPersist): void {
    switch (record.kind) {
      case 'state':
        this.term = record.term
        this.votedFor = record.votedFor
        return
      case 'slots':
        for (const slot of unpackEntries(record.slots)) this.log.put(slot)
        return
      default:
        assertNever(record, 'persisted record')
    }
  }

  private drawTimeout(): number {
    const [low, high] = this.options.electionTimeoutTicks
    return low + Math.floor(this.options.random() * (high - low + 1))
  }

  private get peers(): NodeId[] {
    return this.options.members.filter((member) => member !== this.id)
  }

  // ---- time ----

  private tick(ready: PrReady): void {
    this.ticks += 1
    if (this.role === 'leader') {
      this.heartbeatElapsed += 1
      if (this.heartbeatElapsed >= this.options.heartbeatTicks) this.heartbeat(ready)
      return
    }
    this.electionElapsed += 1
    if (this.electionElapsed >= this.electionTimeout) this.campaign(ready)
  }

  // ---- elections and the merge stage ----

  private campaign(ready: PrReady): void {
    this.becomeFollower(this.term + 1, undefined, ready)
    this.role = 'candidate'
    this.votedFor = this.id
    ready.persist.push({ kind: 'state', term: this.term, votedFor: this.id })
    ready.events.push({ kind: 'role', role: 'candidate', term: this.term })
    this.voteFromIndex = this.log.committed.index + 1
    this.votes = new Map([[this.id, this.log.slotsFrom(this.voteFromIndex)]])
    for (const peer of this.peers) ready.messages.push({ to: peer, message: { type: 'RequestVote', term: this.term, fromIndex: this.voteFromIndex } })
    this.winIfQuorum(ready)
  }

  private onRequestVote(from: NodeId, message: RequestVote, ready: PrReady): void {
    if (message.term > this.term) this.becomeFollower(message.term, undefined, ready)
    const slots = this.log.slotsFrom(message.fromIndex)
    // A vote must carry every slot the merge needs; one that cannot travel is no vote.
    const fits = encodedBytesMax(slots) <= messageBytesMax
    const grant = message.term === this.term && (this.votedFor === null || this.votedFor === from) && fits
    if (grant && this.votedFor === null) {
      this.votedFor = from
      ready.persist.push({ kind: 'state', term: this.term, votedFor: from })
    }
    if (grant) this.electionElapsed = 0
    if (!fits) ready.events.push({ kind: 'note', text: `vote for ${from} refused: the slots from ${message.fromIndex} exceed a message` })
    ready.messages.push({ to: from, message: { type: 'Vote', term: this.term, granted: grant, slots: grant ? slots : [] } })
  }

  private onVote(from: NodeId, message: Vote, ready: PrReady): void {
    if (message.term > this.term) return this.becomeFollower(message.term, undefined, ready)
    if (this.role !== 'candidate' || message.term !== this.term || !message.granted) return
    this.votes.set(from, message.slots)
    this.winIfQuorum(ready)
  }

  private winIfQuorum(ready: PrReady): void {
    if (this.votes.size < this.quorum) return
    const merged = mergeSlots({
      term: this.term,
      fromIndex: this.voteFromIndex,
      lookBehindEntries: this.options.lookBehindEntries,
      committedAt: (index) => this.log.at(index),
      reports: [...this.votes.values()],
    })
    this.votes = new Map()
    this.role = 'leader'
    this.leader = this.id
    const progress = new Map(this.peers.map((peer): [NodeId, FollowerProgress] => [peer, { commitIndex: undefined, acked: new Set(), sentAtTick: new Map() }]))
    this.leading = { progress, holders: new Map(), mergedIndex: this.log.committed.index, held: [], reads: [], round: 0, answered: new Map(), inflight: new Map() }
    ready.events.push({ kind: 'role', role: 'leader', term: this.term, leader: this.id })
    if (merged.length > 0) {
      this.leading.mergedIndex = merged[merged.length - 1]!.index
      ready.events.push({ kind: 'note', text: `merge stage: indexes ${merged[0]!.index}..${this.leading.mergedIndex} from ${this.quorum} logs` })
    }
    this.acceptOwn(merged, ready)
    this.heartbeat(ready)
  }

  /** Steps down to follow `leader` (or nobody yet) in `term`; a leader's unfinished requests end here. */
  private becomeFollower(term: number, leader: NodeId | undefined, ready: PrReady): void {
    if (term > this.term) {
      this.term = term
      this.votedFor = null
      ready.persist.push({ kind: 'state', term, votedFor: null })
    }
    const changed = this.role !== 'follower' || this.leader !== leader
    if (this.leading !== undefined) this.abandonLeadership(ready)
    this.role = 'follower'
    this.leader = leader
    this.votes = new Map()
    this.electionElapsed = 0
    this.electionTimeout = this.drawTimeout()
    if (changed) ready.events.push({ kind: 'role', role: 'follower', term: this.term, ...(leader === undefined ? {} : { leader }) })
  }

  private abandonLeadership(ready: PrReady): void {
    const leading = this.leading!
    this.leading = undefined
    // In the log, they may still commit under the next leader: the outcome is unknown.
    for (const tag of leading.inflight.values()) ready.rejections.push({ kind: 'proposal', tag, reason: 'dropped' })
    for (const proposal of leading.held) if (proposal.tag !== undefined) ready.rejections.push({ kind: 'proposal', tag: proposal.tag, reason: 'no-leader' })
    for (const pending of leading.reads) ready.rejections.push({ kind: 'read', readId: pending.readId, reason: 'no-leader' })
  }

  // ---- replication ----

  private receive(from: NodeId, message: ParallelRaftMessage, ready: PrReady): void {
    switch (message.type) {
      case 'RequestVote':
        return this.onRequestVote(from, message, ready)
      case 'Vote':
        return this.onVote(from, message, ready)
      case 'Append':
        return this.onAppend(from, message, ready)
      case 'AppendAck':
        return this.onAppendAck(from, message, ready)
      default:
        return assertNever(message, 'message')
    }
  }

  /** The leader takes entries of its own term: durable here before any copy leaves (mustSync), so it counts as a holder. */
  private acceptOwn(entries: readonly Entry[], ready: PrReady): void {
    const leading = this.leading!
    if (entries.length === 0) return
    const slots = entries.map((entry): Slot => ({ ...entry, ballot: this.term }))
    for (const slot of slots) {
      this.log.put(slot)
      if (!this.log.committed.has(slot.index)) leading.holders.set(slot.index, new Set([this.id]))
      if (slot.tag !== undefined) leading.inflight.set(slot.index, slot.tag)
    }
    ready.persist.push({ kind: 'slots', slots: packEntries(slots) })
    const packed = packEntries(entries.map(plainEntry))
    for (const peer of this.peers) this.sendEntries(peer, entries, packed, ready)
    this.commitReady(ready)
  }

  /** `packed`: packEntries of `entries`, computed once for every peer. */
  private sendEntries(peer: NodeId, entries: readonly Entry[], packed: readonly Packed<Entry>[], ready: PrReady): void {
    const progress = this.leading!.progress.get(peer)!
    let start = 0
    while (start < entries.length) {
      // The first entry of a message cannot chain to one before it: it goes in full.
      const batch: Packed<Entry>[] = [plainEntry(entries[start]!)]
      let bytes = encodedBytesMax(batch[0])
      for (let next = start + 1; next < entries.length; next += 1) {
        const size = encodedBytesMax(packed[next])
        if (bytes + size > appendBytesMax) break
        batch.push(packed[next]!)
        bytes += size
      }
      for (const entry of batch) progress.sentAtTick.set(entry.index, this.ticks)
      // In parallel with the leader's own write (Raft thesis §10.2.1): the leader counts itself a
      // holder at once, but a commit needs an ack, which comes in a later step, after its write.
      ready.messages.push({ to: peer, message: this.appendMessage(batch), leavesBefore: 'write' })
      start += batch.length
    }
  }

  private appendMessage(entries: Packed<Entry>[]): Append {
    const leading = this.leading!
    return { type: 'Append', term: this.term, entries, commitIndex: this.log.committed.index, committed: this.log.committed.list(), round: leading.round }
  }

  /** Heartbeat: a new round to every peer, carrying what each has not acknowledged (catch-up), or nothing. */
  private heartbeat(ready: PrReady): void {
    const leading = this.leading!
    this.heartbeatElapsed = 0
    leading.round += 1
    leading.answered.set(this.id, leading.round)
    for (const peer of this.peers) {
      const missing = this.missingAt(peer)
      if (missing.length === 0) ready.messages.push({ to: peer, message: this.appendMessage([]) })
      else this.sendEntries(peer, missing, packEntries(missing.map(plainEntry)), ready)
    }
  }

  /** Entries a follower has not acknowledged above what it knows committed, not sent to it lately. */
  private missingAt(peer: NodeId): Entry[] {
    const progress = this.leading!.progress.get(peer)!
    const resendTicks = resendHeartbeats * this.options.heartbeatTicks
    const missing: Entry[] = []
    if (progress.commitIndex === undefined) return missing
    let bytes = 0
    for (let index = progress.commitIndex + 1; index <= this.log.lastIndex && bytes <= appendBytesMax; index += 1) {
      if (progress.acked.has(index)) continue
      const sentAt = progress.sentAtTick.get(index)
      if (sentAt !== undefined && this.ticks - sentAt < resendTicks) continue
      const entry = this.log.at(index)!
      missing.push(entry)
      bytes += encodedBytesMax(entry)
    }
    return missing
  }

  private onAppend(from: NodeId, message: Append, ready: PrReady): void {
    if (message.term < this.term) {
      ready.messages.push({ to: from, message: { type: 'AppendAck', term: this.term, success: false, acked: [], commitIndex: 0, round: message.round } })
      return
    }
    if (message.term > this.term || this.role !== 'follower' || this.leader !== from) this.becomeFollower(message.term, from, ready)
    this.electionElapsed = 0
    const accepted: Slot[] = []
    const entries = unpackEntries(message.entries)
    for (const entry of entries) {
      const held = this.log.at(entry.index)
      if (held !== undefined && held.ballot === this.term) continue
      const slot: Slot = { ...entry, ballot: this.term }
      this.log.put(slot)
      accepted.push(slot)
    }
    if (accepted.length > 0) ready.persist.push({ kind: 'slots', slots: packEntries(accepted) })
    const before = this.log.committed.index
    this.learnCommitted(message)
    if (this.log.committed.index > before) ready.events.push({ kind: 'commit', index: this.log.committed.index })
    const acked = this.heldUncommitted(entries)
    ready.messages.push({ to: from, message: { type: 'AppendAck', term: this.term, success: true, acked, commitIndex: this.log.committed.index, round: message.round } })
  }

  /**
   * What an acknowledgement names: the message's entries and, again, every other entry held in this
   * term that this node does not know committed. Acknowledgements are not cumulative as Raft's
   * are (a hole below does not stop one), so one lost on the way left the leader blind to those
   * entries until it re-sent them two heartbeats later, and on a lossy link an entry no
   * acknowledgement reached held back every entry beyond its look-behind buffer that long.
   */
  private heldUncommitted(entries: readonly Entry[]): number[] {
    const acked = entries.map((entry) => entry.index)
    const named = new Set(acked)
    let again = 0
    for (let index = this.log.committed.index + 1; index <= this.log.lastIndex && again < reackedIndexesMax; index += 1) {
      if (named.has(index) || this.log.committed.has(index) || this.log.at(index)?.ballot !== this.term) continue
      acked.push(index)
      again += 1
    }
    return acked
  }

  /** Committed at the leader and held here as the leader's own (this term's ballot): the same entry. */
  private learnCommitted(message: Append): void {
    for (let index = this.log.committed.index + 1; index <= message.commitIndex; index += 1) {
      if (this.log.at(index)?.ballot === this.term) this.log.committed.add(index)
    }
    for (const index of message.committed) if (this.log.at(index)?.ballot === this.term) this.log.committed.add(index)
  }

  private onAppendAck(from: NodeId, message: AppendAck, ready: PrReady): void {
    if (message.term > this.term) return this.becomeFollower(message.term, undefined, ready)
    const leading = this.leading
    if (leading === undefined || message.term !== this.term || !message.success) return
    const progress = leading.progress.get(from)
    if (progress === undefined) return
    leading.answered.set(from, Math.max(leading.answered.get(from) ?? 0, message.round))
    // The latest word, not the highest: a follower that restarted knows nothing committed and needs it all again.
    const known = message.commitIndex
    progress.commitIndex = known
    for (const index of message.acked) {
      if (index <= known) continue
      progress.acked.add(index)
      leading.holders.get(index)?.add(from)
    }
    for (const index of progress.acked) if (index <= known) progress.acked.delete(index)
    // What a follower knows committed was chosen, and this leader's merged log holds the chosen entries.
    for (let index = this.log.committed.index + 1; index <= known; index += 1) {
      this.log.committed.add(index)
      leading.holders.delete(index)
    }
    this.commitReady(ready)
  }

  /** Commits, in index order, every entry a quorum holds that may overtake the unfinished ones before it. */
  private commitReady(ready: PrReady): void {
    const leading = this.leading!
    const before = this.log.committed.index
    for (let index = before + 1; index <= this.log.lastIndex; index += 1) {
      if (this.log.committed.has(index)) continue
      if ((leading.holders.get(index)?.size ?? 0) < this.quorum || !this.log.mayOvertake(index, this.log.committed)) continue
      this.log.committed.add(index)
      leading.holders.delete(index)
    }
    // The trace's commit index is the watermark (everything up to it), which never goes back.
    if (this.log.committed.index > before) ready.events.push({ kind: 'commit', index: this.log.committed.index })
  }

  // ---- clients ----

  private propose(proposals: readonly ProposedCommand[], ready: PrReady): void {
    const leading = this.leading
    if (leading === undefined) {
      const reason = this.leader === undefined ? 'no-leader' : 'not-leader'
      for (const proposal of proposals) ready.rejections.push({ kind: 'proposal', tag: proposal.tag, reason, leaderHint: this.leader })
      return
    }
    for (const proposal of proposals) {
      if (leading.held.length < heldProposalsMax) leading.held.push(proposal)
      else ready.rejections.push({ kind: 'proposal', tag: proposal.tag, reason: 'no-leader' })
    }
    if (this.serving) this.appendHeld(ready)
  }

  /** The merge stage is over: everything up to the highest merged index is committed. */
  private get serving(): boolean {
    return this.leading !== undefined && this.log.committed.index >= this.leading.mergedIndex
  }

  private appendHeld(ready: PrReady): void {
    const leading = this.leading!
    const entries: Entry[] = []
    for (const proposal of leading.held) {
      const index = this.log.lastIndex + 1 + entries.length
      const behind = this.log.behindOf(index)
      // behindOf reads the log, which does not hold this batch yet: patch in the batch's own keys.
      for (let back = 1; back <= behind.length && index - back > this.log.lastIndex; back += 1) behind[back - 1] = keysOfEntry(entries[entries.length - back]!)
      entries.push({ index, term: this.term, command: proposal.command, ...(proposal.tag === undefined ? {} : { tag: proposal.tag }), behind })
    }
    leading.held = []
    this.acceptOwn(entries, ready)
  }

  private read(readIds: readonly number[], keys: readonly string[] | undefined, ready: PrReady): void {
    const leading = this.leading
    for (const [position, readId] of readIds.entries()) {
      if (leading === undefined || leading.reads.length >= pendingReadsMax) {
        ready.rejections.push({ kind: 'read', readId, reason: this.leader === undefined || leading !== undefined ? 'no-leader' : 'not-leader', leaderHint: this.leader })
        continue
      }
      const key = keys?.[position]
      leading.reads.push({ readId, keys: key === undefined ? 'all' : [key], index: this.log.lastIndex, round: leading.round + 1 })
    }
    // A round that starts after the reads arrived confirms this node still leads when they are served.
    if (leading !== undefined && readIds.length > 0) this.heartbeat(ready)
  }

  /** After every input: apply what may go, append held proposals once serving, serve confirmed reads. */
  private applyAndServe(ready: PrReady): void {
    for (const slot of this.log.takeApplicable()) {
      ready.applied.push({ index: slot.index, term: slot.term, command: slot.command, ...(slot.tag === undefined ? {} : { tag: slot.tag }) })
      this.leading?.inflight.delete(slot.index)
    }
    const leading = this.leading
    if (leading === undefined || !this.serving) return
    if (leading.held.length > 0) this.appendHeld(ready)
    const confirmed = this.confirmedRound()
    leading.reads = leading.reads.filter((pending) => {
      if (pending.round > confirmed || this.log.pendingTouches(pending.keys, pending.index)) return true
      ready.reads.push({ readId: pending.readId })
      return false
    })
  }

  /** The highest round a quorum (the leader included) has answered. */
  private confirmedRound(): number {
    const rounds = this.options.members.map((member) => this.leading!.answered.get(member) ?? 0).sort((a, b) => b - a)
    return rounds[this.quorum - 1]!
  }
}

function plainEntry(slot: Entry): Entry {
  return { index: slot.index, term: slot.term, command: slot.command, ...(slot.tag === undefined ? {} : { tag: slot.tag }), behind: slot.behind }
}

function keysOfEntry(entry: Entry): TouchedKeys {
  return keysOf(entry.command)
}
