/**
 * When the end of a run stops waiting for the running replicas to apply the same index.
 *
 * A follower back from a long crash may still be streaming tens of MiB of log when the workload
 * ends; a fixed wait cut it off mid-catch-up on a loaded machine, and the final states then compared
 * different indexes. So the wait goes on while the replicas behind keep applying, up to a hard bound,
 * and gives up early only when nothing moves (a cluster still partitioned, a replica paused).
 */
export type ConvergenceState = 'converged' | 'waiting' | 'stalled' | 'bounded'

export interface ConvergenceBounds {
  /** Give up once the lowest applied index has not risen for this long. */
  stallMs: number
  /** Give up after this long whatever happens. */
  waitMaxMs: number
}

export const convergenceBounds: ConvergenceBounds = { stallMs: 3000, waitMaxMs: 30_000 }

export class ConvergenceWatch {
  private lowestApplied = -Infinity
  private progressAtMs: number

  constructor(
    private readonly startMs: number,
    private readonly bounds: ConvergenceBounds = convergenceBounds,
  ) {
    this.progressAtMs = startMs
  }

  /** The applied index of every replica that is up, at `nowMs` (the same monotonic clock as the start). */
  observe(appliedIndexes: readonly number[], nowMs: number): ConvergenceState {
    if (new Set(appliedIndexes).size <= 1) return 'converged'
    const lowest = Math.min(...appliedIndexes)
    if (lowest > this.lowestApplied) {
      this.lowestApplied = lowest
      this.progressAtMs = nowMs
    }
    if (nowMs - this.startMs >= this.bounds.waitMaxMs) return 'bounded'
    if (nowMs - this.progressAtMs >= this.bounds.stallMs) return 'stalled'
    return 'waiting'
  }

  /** How long from `nowMs` until observe would give up if nothing changed. */
  remainingMs(nowMs: number): number {
    return Math.max(0, Math.min(this.progressAtMs + this.bounds.stallMs, this.startMs + this.bounds.waitMaxMs) - nowMs)
  }
}
