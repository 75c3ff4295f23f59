import { assertNever } from '../types.js'
import type { RaftSnapshot } from './messages.js'

/**
 * The leader's view of one follower (etcd's tracker.Progress, simplified).
 *
 *   probe:     the leader does not know where the follower's log matches; it sends one AppendEntries
 *              and waits (a heartbeat may resend it). A rejection moves nextIndex back.
 *   replicate: the follower's log is known to match through matchIndex; the leader streams entries,
 *              advancing nextIndex optimistically as it sends, up to inflightAppendsMax unacknowledged
 *              AppendEntries. Any rejection drops back to probe.
 *   snapshot:  the entries the follower needs are compacted away (nextIndex - 1 < the log's base);
 *              the leader sends its snapshot in chunks, up to snapshotChunksInflightMax of them
 *              unacknowledged (pipelined, as etcd and the thesis §5.4.1 suggest), and no
 *              AppendEntries with entries. A follower takes chunks in order and answers each with
 *              the bytes it holds; an answer to a chunk it could not take (one before it was lost)
 *              sends the leader back to those bytes, as do heartbeats without answers. Done, the
 *              follower matches through the snapshot's index and goes to replicate.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot'

/**
 * A bounded FIFO of the in-flight AppendEntries (a ring buffer): the last index each carried and
 * its entry bytes. Full at `capacity` requests or at `bytesMax` bytes (etcd's MaxInflightBytes);
 * the request that crosses the byte bound still goes, so one large entry cannot stall a follower.
 */
export class Inflights {
  private readonly lastIndexes: number[]
  private readonly entryBytes: number[]
  private start = 0
  private size = 0
  private bytes = 0

  constructor(
    readonly capacity: number,
    readonly bytesMax = Number.MAX_SAFE_INTEGER,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`inflights: capacity ${capacity} must be >= 1`)
    if (!Number.isInteger(bytesMax) || bytesMax < 1) throw new Error(`inflights: bytesMax ${bytesMax} must be >= 1`)
    this.lastIndexes = new Array<number>(capacity).fill(0)
    this.entryBytes = new Array<number>(capacity).fill(0)
  }

  get count(): number {
    return this.size
  }

  get inflightBytes(): number {
    return this.bytes
  }

  get full(): boolean {
    return this.size === this.capacity || this.bytes >= this.bytesMax
  }

  add(lastIndex: number, bytes = 0): void {
    if (this.full) throw new Error('inflights: add while full')
    if (this.size > 0 && lastIndex <= this.lastIndexes[(this.start + this.size - 1) % this.capacity]) {
      throw new Error(`inflights: last index ${lastIndex} does not increase`)
    }
    const slot = (this.start + this.size) % this.capacity
    this.lastIndexes[slot] = lastIndex
    this.entryBytes[slot] = bytes
    this.size += 1
    this.bytes += bytes
  }

  /** An acknowledgement through `index` frees every AppendEntries that ended at or before it. */
  freeThrough(index: number): void {
    while (this.size > 0 && this.lastIndexes[this.start] <= index) {
      this.bytes -= this.entryBytes[this.start]
      this.start = (this.start + 1) % this.capacity
      this.size -= 1
    }
  }

  reset(): void {
    this.start = 0
    this.size = 0
    this.bytes = 0
  }
}

/**
 * A chunk that went unanswered is sent again after this many heartbeats (the heartbeats between
 * are empty AppendEntries): a follower that is down does not get a chunk, up to appendBytesMax,
 * at every heartbeat.
 */
export const snapshotResendHeartbeats = 4
/** InstallSnapshot chunks a leader has out to one follower at most, unacknowledged. */
export const snapshotChunksInflightMax = 4

export class Progress {
  matchIndex = 0
  state: ProgressState = 'probe'
  /** In probe state: one AppendEntries is out; wait for its answer or the next heartbeat. */
  probeSent = false
  /** Heard from in the current checkQuorum window. */
  recentActive = false
  /** Highest ReadIndex round this follower has answered in the current term. */
  readAckSeq = 0
  /** leaderCommit of the latest AppendEntries sent. */
  sentCommit = 0
  readonly inflights: Inflights
  /**
   * In snapshot state: the snapshot being sent (kept even if the leader compacts again meanwhile,
   * so a slow transfer still finishes), the bytes the follower acknowledged holding, and where the
   * chunks sent end (the next new chunk starts there).
   */
  snapshot: RaftSnapshot | undefined
  snapshotAckedBytes = 0
  snapshotSentBytes = 0
  /**
   * Where an answer about a lost chunk last sent the transfer back to: the other answers of the
   * same window say the same and must not send it back again (only a heartbeat timeout does).
   */
  snapshotResentFrom: number | undefined
  /** Heartbeats since the follower last answered a chunk: a chunk is resent only every snapshotResendHeartbeats. */
  snapshotHeartbeatsUnanswered = 0

  constructor(
    public nextIndex: number,
    inflightAppendsMax: number,
    inflightBytesMax?: number,
  ) {
    this.inflights = new Inflights(inflightAppendsMax, inflightBytesMax)
  }

  /** Whether an AppendEntries carrying entries may be sent now. */
  get paused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent
      case 'replicate':
        return this.inflights.full
      case 'snapshot':
        return true
      default:
        return assertNever(this.state, 'progress state')
    }
  }

  /** Whether chunks are out that the follower has not acknowledged. */
  get snapshotInflight(): boolean {
    return this.snapshotSentBytes > this.snapshotAckedBytes
  }

  /** The follower holds `receivedBytes` of the snapshot: the transfer goes on from there. */
  snapshotAcknowledged(receivedBytes: number): void {
    this.snapshotHeartbeatsUnanswered = 0
    this.snapshotAckedBytes = Math.max(this.snapshotAckedBytes, receivedBytes)
    this.snapshotSentBytes = Math.max(this.snapshotSentBytes, this.snapshotAckedBytes)
  }

  /**
   * The follower answered a chunk it could not take, holding `receivedBytes` (a chunk before it was
   * lost, or the follower restarted): send again from there, once per such point.
   */
  snapshotGap(receivedBytes: number): void {
    this.snapshotHeartbeatsUnanswered = 0
    if (this.snapshotResentFrom === receivedBytes) return
    this.snapshotResentFrom = receivedBytes
    this.snapshotAckedBytes = receivedBytes
    this.snapshotSentBytes = receivedBytes
  }

  /** No answer for snapshotResendHeartbeats heartbeats: everything unacknowledged goes again. */
  snapshotResendUnacknowledged(): void {
    this.snapshotSentBytes = this.snapshotAckedBytes
    this.snapshotResentFrom = undefined
  }

  /** At a heartbeat in snapshot state: whether the chunk out has waited long enough to be sent again. */
  snapshotResendDue(): boolean {
    this.snapshotHeartbeatsUnanswered += 1
    if (this.snapshotHeartbeatsUnanswered < snapshotResendHeartbeats) return false
    this.snapshotHeartbeatsUnanswered = 0
    return true
  }

  becomeSnapshot(snapshot: RaftSnapshot): void {
    this.state = 'snapshot'
    this.snapshot = snapshot
    this.snapshotAckedBytes = 0
    this.snapshotSentBytes = 0
    this.snapshotResentFrom = undefined
    this.snapshotHeartbeatsUnanswered = 0
    this.probeSent = false
    this.inflights.reset()
  }

  becomeProbe(nextIndex: number): void {
    if (nextIndex <= this.matchIndex) {
      throw new Error(`progress: probe at ${nextIndex} would resend the matched prefix (match ${this.matchIndex})`)
    }
    this.state = 'probe'
    this.nextIndex = nextIndex
    this.probeSent = false
    this.snapshot = undefined
    this.inflights.reset()
  }

  becomeReplicate(): void {
    this.state = 'replicate'
    this.nextIndex = this.matchIndex + 1
    this.probeSent = false
    this.snapshot = undefined
    this.inflights.reset()
  }

  /** Records an AppendEntries carrying entries through `lastIndex`, `bytes` of them. */
  sentEntries(lastIndex: number, bytes = 0): void {
    if (this.state === 'replicate') {
      this.nextIndex = lastIndex + 1
      this.inflights.add(lastIndex, bytes)
    } else {
      this.probeSent = true
    }
  }

  /**
   * Whether an empty AppendEntries would let the follower commit more: it can commit up to what the
   * request proves matching (nextIndex - 1 in replicate state), and it was last told sentCommit.
   * Not while requests are in flight: the answer to the last one asks again, so under load the next
   * entries carry the commit index and no extra message is needed.
   */
  canBumpCommit(commitIndex: number): boolean {
    if (this.state !== 'replicate' || this.inflights.count > 0) return false
    return this.sentCommit < Math.min(commitIndex, this.nextIndex - 1)
  }

  /** A success through `matchIndex`; false if it tells nothing new (a duplicate or reordered answer). */
  acknowledge(matchIndex: number): boolean {
    if (matchIndex <= this.matchIndex) return false
    this.matchIndex = matchIndex
    if (this.nextIndex <= matchIndex) this.nextIndex = matchIndex + 1
    this.probeSent = false
    this.inflights.freeThrough(matchIndex)
    return true
  }

  /**
   * Whether a rejection of the AppendEntries whose prevLogIndex was `rejectedIndex` is out of date:
   * a prefix already known to match cannot be rejected now (a reordered answer from before the
   * follower caught up), and in probe state only the answer to the current probe
   * (prevLogIndex = nextIndex - 1) counts. While a snapshot is on its way, the follower is known
   * to lack the entries: a rejection (of a heartbeat) tells nothing.
   */
  isStaleRejection(rejectedIndex: number): boolean {
    if (rejectedIndex <= this.matchIndex || this.state === 'snapshot') return true
    return this.state === 'probe' && rejectedIndex !== this.nextIndex - 1
  }
}
