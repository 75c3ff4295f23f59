/**
 * The message log between the water marks (§4.2–4.3): one slot per sequence number in (h, h+L].
 * Slots hold the current view's pre-prepare, prepares and commits; the prepared certificate
 * survives view changes (it is what a view-change message reports) until garbage collection.
 */
import type { NodeId } from '../types.js'
import type { Commit, PrePrepare, Prepare, PreparedProof } from './types.js'

export interface Slot {
  seq: number
  /** The view the pre-prepare, votes and flags below belong to. */
  view: number
  prePrepare?: PrePrepare
  /** Tick at which the pre-prepare was accepted; retransmission skips slots younger than one status interval. */
  acceptedTick: number
  /**
   * Votes per replica. An honest replica sends one per (view, seq); a faulty one may send several
   * digests, and keeping the one that matches the pre-prepare (see addVote) is what lets a relayed
   * copy of its matching vote count after a conflicting one arrived first.
   */
  prepares: Map<NodeId, Prepare[]>
  commits: Map<NodeId, Commit[]>
  prepared: boolean
  committed: boolean
  /** The certificate from the highest view in which this replica prepared `seq`. */
  preparedCert?: PreparedProof
}

export class MessageLog {
  private readonly slots = new Map<number, Slot>()
  /** Sequence numbers of the slots handed out since takeTouched: the only slots a step can have changed through the log. */
  private touched = new Set<number>()

  constructor(private readonly logWindowMax: number) {}

  get(seq: number): Slot | undefined {
    const slot = this.slots.get(seq)
    if (slot) this.touched.add(seq)
    return slot
  }

  /** The slots handed out by get and getOrCreate since the last call (those still in the log). */
  takeTouched(): Slot[] {
    const slots: Slot[] = []
    for (const seq of this.touched) {
      const slot = this.slots.get(seq)
      if (slot) slots.push(slot)
    }
    this.touched = new Set()
    return slots
  }

  /** Callers check the water marks first; the assertion catches one that did not. */
  getOrCreate(seq: number, view: number, lowWaterMark: number): Slot {
    if (!(seq > lowWaterMark && seq <= lowWaterMark + this.logWindowMax)) {
      throw new Error(`pbft invariant: slot ${seq} outside the window (${lowWaterMark}, ${lowWaterMark + this.logWindowMax}]`)
    }
    let slot = this.slots.get(seq)
    if (!slot) {
      slot = emptySlot(seq, view)
      this.slots.set(seq, slot)
    }
    this.touched.add(seq)
    if (slot.view !== view) throw new Error(`pbft invariant: slot ${seq} is for view ${slot.view}, not ${view}`)
    return slot
  }

  /** Entering a view forgets the old view's votes; only prepared certificates carry over. */
  resetForView(view: number): void {
    for (const [seq, slot] of this.slots) {
      if (!slot.preparedCert) {
        this.slots.delete(seq)
        continue
      }
      this.slots.set(seq, { ...emptySlot(seq, view), preparedCert: slot.preparedCert })
    }
  }

  /** Garbage collection below a stable checkpoint (§4.3). */
  discardUpTo(seq: number): void {
    for (const key of this.slots.keys()) if (key <= seq) this.slots.delete(key)
  }

  /** The P set of a view-change message: certificates above the stable checkpoint, by sequence number. */
  preparedProofs(stableSeq: number): PreparedProof[] {
    const proofs: PreparedProof[] = []
    for (const slot of this.slots.values()) {
      if (slot.preparedCert && slot.seq > stableSeq) proofs.push(slot.preparedCert)
    }
    return proofs.sort((a, b) => a.prePrepare.seq - b.prePrepare.seq)
  }

  /** Slots of the current view with a pre-prepare but no commit certificate, ascending. */
  uncommitted(): number[] {
    const seqs: number[] = []
    for (const slot of this.slots.values()) if (slot.prePrepare && !slot.committed) seqs.push(slot.seq)
    return seqs.sort((a, b) => a - b)
  }

  hasUncommitted(): boolean {
    for (const slot of this.slots.values()) if (slot.prePrepare && !slot.committed) return true
    return false
  }

  highestPrePrepared(): number {
    let highest = 0
    for (const slot of this.slots.values()) if (slot.prePrepare && slot.seq > highest) highest = slot.seq
    return highest
  }

  values(): IterableIterator<Slot> {
    return this.slots.values()
  }

  get size(): number {
    return this.slots.size
  }
}

export function emptySlot(seq: number, view: number): Slot {
  return { seq, view, acceptedTick: 0, prepares: new Map(), commits: new Map(), prepared: false, committed: false }
}

/** Digests kept per replica and slot: enough for a conflicting one and the one that matches. */
export const votesPerReplicaMax = 2

export type VoteResult = 'added' | 'duplicate' | 'conflict' | 'dropped'

/**
 * Records a vote. Each replica's list holds distinct digests, at most votesPerReplicaMax; when it
 * is full only a vote matching the pre-prepare gets in, replacing one that does not match.
 */
export function addVote<V extends Prepare | Commit>(votes: Map<NodeId, V[]>, vote: V, prePrepareDigest: string | undefined): VoteResult {
  const list = votes.get(vote.replica) ?? []
  if (list.some((existing) => existing.digest === vote.digest)) return 'duplicate'
  if (list.length >= votesPerReplicaMax) {
    const replaceable = list.findIndex((existing) => existing.digest !== prePrepareDigest)
    if (vote.digest !== prePrepareDigest || replaceable < 0) return 'dropped'
    list.splice(replaceable, 1)
  }
  list.push(vote)
  votes.set(vote.replica, list)
  return list.length > 1 ? 'conflict' : 'added'
}

/** Votes matching `digest`, at most one per replica (each replica's digests are distinct). */
export function votesFor<V extends Prepare | Commit>(votes: Map<NodeId, V[]>, digest: string | undefined): V[] {
  if (digest === undefined) return []
  const found: V[] = []
  for (const list of votes.values()) for (const vote of list) if (vote.digest === digest) found.push(vote)
  return found
}

/** Prepares from distinct backups (never the primary) matching the slot's pre-prepare. */
export function matchingPrepares(slot: Slot, primary: NodeId): Prepare[] {
  return votesFor(slot.prepares, slot.prePrepare?.digest).filter((prepare) => prepare.replica !== primary)
}

export function matchingCommitCount(slot: Slot): number {
  return votesFor(slot.commits, slot.prePrepare?.digest).length
}

/** prepared(m, v, n, i): the pre-prepare plus 2f matching prepares from different backups. */
export function hasPreparedQuorum(slot: Slot, primary: NodeId, f: number): boolean {
  return slot.prePrepare !== undefined && matchingPrepares(slot, primary).length >= 2 * f
}

/** committed-local(m, v, n, i): prepared plus 2f+1 matching commits (its own included). */
export function hasCommitQuorum(slot: Slot, f: number): boolean {
  return slot.prepared && matchingCommitCount(slot) >= 2 * f + 1
}
