/**
 * Spreads work that one tick asks of many views over animation frames. Every timeline chart
 * rebuilds on the same throttled tick; done in one task, seven rebuilds (option, ECharts update,
 * paint) were one main-thread task of up to 600 ms under load (test/e2e/ui-load.spec.ts with
 * CONSENSUS_LAB_LOAD_PROFILE=1 put ECharts' update and paint under most of the long tasks). Queued
 * here, each view gets a frame of its own, and the page answers input between them.
 *
 * A view asks again before its turn came: it keeps its place and runs once, with its latest job.
 */

/** Jobs run in one animation frame: one view's rebuild is the unit a frame can afford. */
export const jobsPerFrameMax = 1

export interface FrameQueue {
  /** Runs `job` in a coming frame, once, in the order views first asked; a newer job for `key` replaces the older. */
  request(key: object, job: () => void): void
  /** Forgets `key`'s job (its view went away). */
  cancel(key: object): void
  /** Jobs waiting for a frame. */
  readonly pending: number
}

export function createFrameQueue(nextFrame: (callback: () => void) => void): FrameQueue {
  // A Map keeps first-insertion order, and replacing a key's value keeps its place.
  const jobs = new Map<object, () => void>()
  let scheduled = false

  function runFrame(): void {
    scheduled = false
    let ran = 0
    for (const [key, job] of jobs) {
      if (ran >= jobsPerFrameMax) break
      jobs.delete(key)
      ran += 1
      try {
        job()
      } catch (error) {
        // One view's failure must not starve the others of their frames.
        console.error('a queued view update failed', error)
      }
    }
    if (jobs.size > 0) schedule()
  }

  function schedule(): void {
    if (scheduled) return
    scheduled = true
    nextFrame(runFrame)
  }

  return {
    request(key, job) {
      jobs.set(key, job)
      schedule()
    },
    cancel(key) {
      jobs.delete(key)
    },
    get pending() {
      return jobs.size
    },
  }
}

/** Where no frames are painted (a hidden page, a test's DOM without requestAnimationFrame), a timer stands in. */
function browserNextFrame(callback: () => void): void {
  if (typeof requestAnimationFrame === 'function' && !globalThis.document?.hidden) requestAnimationFrame(() => callback())
  else setTimeout(callback, 16)
}

/** The queue every live view shares: they compete for the same main thread. */
export const viewFrameQueue = createFrameQueue(browserNextFrame)
