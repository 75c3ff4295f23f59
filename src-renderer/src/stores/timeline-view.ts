/** What the person looks at on the live page: the sequence diagram's window and the log's filters. */
import { defineStore } from 'pinia'
import { ref } from 'vue'

/**
 * The diagram's window widths. The wide ones hold a slow operation (a write held up by a partition
 * or a crashed leader takes seconds) from its request to its answer; bundling keeps them readable.
 */
export const sequenceWidthsMs = [50, 100, 250, 500, 1000, 2000, 5000, 10_000] as const
/** Following the live edge, the window ends this far back so in-flight messages have arrived. */
export const followLagMs = 300

export const useTimelineViewStore = defineStore('timelineView', () => {
  /** Follow the newest frames, or stay at `windowEndMs`. */
  const follow = ref(true)
  const windowEndMs = ref(0)
  const windowWidthMs = ref<number>(100)
  const logNode = ref<string>('')
  const logKinds = ref<string[]>([])
  const logText = ref('')
  /** The log reads the diagram's window, or the whole run (its filters then search the whole trace). */
  const logScope = ref<'window' | 'run'>('window')

  /** Pins the window so that it is centred at `ms` (a click on a timeline). */
  function focusAt(ms: number): void {
    follow.value = false
    windowEndMs.value = Math.max(windowWidthMs.value, ms + windowWidthMs.value / 2)
  }

  function window(nowMs: number): { from: number; to: number } {
    const to = follow.value ? Math.max(windowWidthMs.value, nowMs - followLagMs) : windowEndMs.value
    return { from: Math.max(0, to - windowWidthMs.value), to }
  }

  function reset(): void {
    follow.value = true
    windowEndMs.value = 0
    logNode.value = ''
    logKinds.value = []
    logText.value = ''
    logScope.value = 'window'
  }

  return { follow, windowEndMs, windowWidthMs, logNode, logKinds, logText, logScope, focusAt, window, reset }
})
