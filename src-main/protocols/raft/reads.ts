/**
 * The leader's ReadIndex bookkeeping (Raft thesis §6.4). A read is linearizable once the leader
 *   1. has committed an entry of its own term (so its commitIndex covers every earlier commit),
 *   2. records readIndex = commitIndex,
 *   3. hears from a majority, in its term, answering a message sent after step 2 (no newer leader
 *      can have committed anything before the read arrived), and
 *   4. has applied through readIndex.
 * Reads handed over together share one round. Rounds are numbered by `seq`; every AppendEntries
 * carries the latest seq and its response echoes it, so one answer confirms all rounds up to it.
 */
export interface ReadRound {
  seq: number
  readIndex: number
  readIds: number[]
}

/** When a round's requests left the leader: its tick count and its monotonic clock (undefined: not known). */
interface RoundSent {
  seq: number
  tick: number
  atMs: number | undefined
}

export class ReadTracker {
  /** When each unconfirmed round's requests went out, for the leader lease. */
  private sent: RoundSent[] = []
  /**
   * When the requests of the latest confirmed round went out, on the leader's monotonic clock: a
   * majority heard this leader at or after it, so none of them helps elect another before it plus
   * the (minimum) election timeout (followers ignore votes while they hear from a leader; Raft
   * thesis §6.4.1). The send time, not the answer's arrival: a follower's timer started when the
   * request reached it, which may be long before its answer gets back.
   */
  leaseFromMs = -Infinity
  /** The same in ticks; read only by the leaseFromTicks mutation. */
  leaseFromTick = -Infinity
  /** Whether any read was served under the lease in this leadership (they may run ahead of rounds). */
  private servedUnderLease = false
  /** Reads that arrived before the leader committed an entry of its term (step 1 pending). */
  private awaitingCommit: number[] = []
  /** Rounds in increasing seq, waiting for a majority (step 3). */
  private unconfirmed: ReadRound[] = []
  /** Confirmed rounds in increasing readIndex, waiting for apply (step 4). */
  private confirmed: ReadRound[] = []
  private pendingCount = 0
  /** Latest round started in this leadership; 0 = none. */
  seq = 0

  get pending(): number {
    return this.pendingCount
  }

  awaitCommit(readIds: readonly number[]): void {
    pushAll(this.awaitingCommit, readIds)
    this.pendingCount += readIds.length
  }

  /** The reads that waited for step 1; the caller starts a round for them. */
  takeAwaitingCommit(): number[] {
    const readIds = this.awaitingCommit
    this.awaitingCommit = []
    this.pendingCount -= readIds.length
    return readIds
  }

  /**
   * A new round whose requests leave now. `atMs` undefined (time unknown, or a round that must not
   * renew the lease) means its confirmation proves leadership for ReadIndex but starts no lease.
   */
  startRound(readIds: number[], readIndex: number, tick: number, atMs: number | undefined): number {
    this.seq += 1
    this.unconfirmed.push({ seq: this.seq, readIndex, readIds })
    this.sent.push({ seq: this.seq, tick, atMs })
    this.pendingCount += readIds.length
    return this.seq
  }

  /** Reads a valid lease lets the leader serve without a round; they still wait to be applied. */
  serveUnderLease(readIds: readonly number[], readIndex: number): void {
    const last = this.confirmed[this.confirmed.length - 1]
    const index = Math.max(readIndex, last?.readIndex ?? 0)
    this.confirmed.push({ seq: this.seq, readIndex: index, readIds: readIds.slice() })
    this.pendingCount += readIds.length
    this.servedUnderLease = true
  }

  /** A majority has answered messages carrying `seq`: that round and all earlier ones are confirmed. */
  confirmThrough(seq: number): void {
    let taken = 0
    while (taken < this.unconfirmed.length && this.unconfirmed[taken].seq <= seq) {
      const round = this.unconfirmed[taken]
      taken += 1
      // A round without reads only renewed the lease.
      if (round.readIds.length === 0) continue
      const last = this.confirmed[this.confirmed.length - 1]
      if (last !== undefined && last.readIndex > round.readIndex) {
        // Only lease reads, served meanwhile at a later commit index, can be ahead; waiting for that
        // later index is still linearizable (it was committed before these reads are answered).
        if (!this.servedUnderLease) {
          throw new Error(`reads: round ${round.seq} has readIndex ${round.readIndex} below an earlier ${last.readIndex}`)
        }
        round.readIndex = last.readIndex
      }
      this.confirmed.push(round)
    }
    if (taken > 0) this.unconfirmed.splice(0, taken)
    let sent = 0
    while (sent < this.sent.length && this.sent[sent].seq <= seq) {
      const { tick, atMs } = this.sent[sent]
      this.leaseFromTick = Math.max(this.leaseFromTick, tick)
      if (atMs !== undefined) this.leaseFromMs = Math.max(this.leaseFromMs, atMs)
      sent += 1
    }
    if (sent > 0) this.sent.splice(0, sent)
  }

  /** Read ids whose round is confirmed and whose readIndex is applied, in arrival order. */
  takeServable(appliedIndex: number): number[] {
    const readIds: number[] = []
    let taken = 0
    while (taken < this.confirmed.length && this.confirmed[taken].readIndex <= appliedIndex) {
      pushAll(readIds, this.confirmed[taken].readIds)
      taken += 1
    }
    if (taken > 0) this.confirmed.splice(0, taken)
    this.pendingCount -= readIds.length
    return readIds
  }

  /** Every read still pending, for rejection when leadership ends. */
  takeAll(): number[] {
    const readIds = [...this.awaitingCommit]
    for (const round of this.unconfirmed) pushAll(readIds, round.readIds)
    for (const round of this.confirmed) pushAll(readIds, round.readIds)
    this.awaitingCommit = []
    this.unconfirmed = []
    this.confirmed = []
    this.sent = []
    this.pendingCount = 0
    return readIds
  }
}

/** Appends without spreading (a spread of a large batch would overflow the call stack). */
function pushAll(target: number[], source: readonly number[]): void {
  for (const value of source) target.push(value)
}
