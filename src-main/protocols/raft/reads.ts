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

export class ReadTracker {
  /** Tick at which each unconfirmed round's requests went out, for the leader lease. */
  private sentTicks: { seq: number; tick: number }[] = []
  /**
   * The tick at which the requests of the latest confirmed round went out: a majority heard this
   * leader at or after it, so none of them can help elect another before it plus the election
   * timeout (followers ignore votes while they hear from a leader; Raft thesis §6.4.1).
   */
  leaseFromTick = -Infinity
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

  startRound(readIds: number[], readIndex: number, tick = 0): number {
    this.seq += 1
    this.unconfirmed.push({ seq: this.seq, readIndex, readIds })
    this.sentTicks.push({ seq: this.seq, tick })
    this.pendingCount += readIds.length
    return this.seq
  }

  /** Rounds sent before `tick` no longer renew the lease when confirmed (they may predate a pause). */
  dropLeaseRoundsBefore(tick: number): void {
    for (const sent of this.sentTicks) if (sent.tick < tick) sent.tick = -Infinity
  }

  /** Reads a valid lease lets the leader serve without a round; they still wait to be applied. */
  serveUnderLease(readIds: readonly number[], readIndex: number): void {
    const last = this.confirmed[this.confirmed.length - 1]
    const index = Math.max(readIndex, last?.readIndex ?? 0)
    this.confirmed.push({ seq: this.seq, readIndex: index, readIds: readIds.slice() })
    this.pendingCount += readIds.length
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
        if (this.leaseFromTick === -Infinity) {
          throw new Error(`reads: round ${round.seq} has readIndex ${round.readIndex} below an earlier ${last.readIndex}`)
        }
        round.readIndex = last.readIndex
      }
      this.confirmed.push(round)
    }
    if (taken > 0) this.unconfirmed.splice(0, taken)
    let sent = 0
    while (sent < this.sentTicks.length && this.sentTicks[sent].seq <= seq) {
      this.leaseFromTick = Math.max(this.leaseFromTick, this.sentTicks[sent].tick)
      sent += 1
    }
    if (sent > 0) this.sentTicks.splice(0, sent)
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
    this.sentTicks = []
    this.pendingCount = 0
    return readIds
  }
}

/** Appends without spreading (a spread of a large batch would overflow the call stack). */
function pushAll(target: number[], source: readonly number[]): void {
  for (const value of source) target.push(value)
}
