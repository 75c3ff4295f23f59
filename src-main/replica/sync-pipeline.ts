/**
 * Group commit across turns: a turn's records are written at once, but what must wait for them to
 * be durable (the messages that are not allowed to leave earlier, applying, replies, reads) waits
 * for an fdatasync that runs off the event loop, in libuv's thread pool. Meanwhile the replica goes
 * on reading its sockets and stepping its core; the turns that arrive while a sync is in flight
 * write their records and are covered together by the next one. At most one sync is in flight.
 *
 * A turn's after-durable work runs only after every earlier turn's (first in, first out), whether
 * or not it needed a sync itself: applying stays in log order, and a reply never overtakes the
 * durability of anything its turn followed. Before this, every turn that wrote records waited on a
 * synchronous fdatasync with the event loop stopped, so a MultiRaft node whose groups' turns fell
 * apart paid one fdatasync per turn (README, MultiRaft bench).
 */

/** What the pipeline needs of a log: an fdatasync in the background, and one now. */
export interface SyncTarget {
  /** Makes every record written before the call durable; `done` once it is (an error: the disk failed). */
  syncInBackground(done: (error: Error | null) => void): void
  /** The same, before returning (the event loop stops meanwhile). */
  syncNow(): void
}

interface Waiting {
  /** The write (by its number) that must be durable first; 0: none, only the turns before. */
  needsWrite: number
  run: () => void
}

export class SyncPipeline {
  private writesDone = 0
  private writesDurable = 0
  private inFlight = false
  private closed = false
  private readonly waiting: Waiting[] = []
  /** Background syncs started (each covered every turn written before it). */
  syncsInBackground = 0

  constructor(
    private readonly log: SyncTarget,
    /** A failed fdatasync: the replica cannot trust its disk and must stop. */
    private readonly onFailure: (error: Error) => void,
  ) {}

  /** Records were written (not yet durable). */
  wrote(): void {
    this.writesDone += 1
  }

  /** Turns whose after-durable work is still waiting. */
  get depth(): number {
    return this.waiting.length
  }

  /**
   * Runs `run` once the turns before it ran and, with `needsSync`, once every record written so far
   * is durable. At once (before returning) when nothing is waiting and no sync is needed.
   * `inBackground` false: the sync happens now, on this thread (a slow-disk fault blocks the
   * replica, as a slow synchronous disk would).
   */
  after(needsSync: boolean, inBackground: boolean, run: () => void): void {
    const needsWrite = needsSync ? this.writesDone : 0
    if (this.waiting.length === 0 && needsWrite <= this.writesDurable) return run()
    if (!inBackground && needsWrite > this.writesDurable) {
      this.log.syncNow()
      this.durableNow()
      return run()
    }
    this.waiting.push({ needsWrite, run })
    this.drain()
  }

  /** Everything written so far was made durable by the caller (a synchronous sync, a segment change). */
  durableNow(): void {
    this.writesDurable = this.writesDone
    this.drain()
  }

  /** The replica stops: nothing waiting runs, and a sync that completes later is ignored. */
  close(): void {
    this.closed = true
    this.waiting.length = 0
  }

  private drain(): void {
    while (!this.closed && this.waiting.length > 0 && this.waiting[0]!.needsWrite <= this.writesDurable) this.waiting.shift()!.run()
    if (this.closed || this.inFlight || this.waiting.length === 0) return
    const target = this.writesDone
    this.inFlight = true
    this.syncsInBackground += 1
    this.log.syncInBackground((error) => {
      this.inFlight = false
      if (this.closed) return
      if (error) return this.onFailure(error)
      this.writesDurable = Math.max(this.writesDurable, target)
      this.drain()
    })
  }
}
