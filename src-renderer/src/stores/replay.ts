/**
 * The replay scrubber's position: one experiment time the canvas, the node table, the grids, the
 * event log and the sequence diagram all show. Live, it can be left "at now" (it follows the run).
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useTimelineViewStore } from './timeline-view'

export const useReplayStore = defineStore('replay', () => {
  /** The run the position belongs to: another run starts again at now (live) or at its end. */
  const runId = ref<string>()
  const follow = ref(true)
  const atMs = ref(0)
  /** MultiRaft: the group whose log and roles are shown. */
  const group = ref(0)

  /** Moves the scrubber to `ms`; the event log and the sequence diagram centre their window there. */
  function seek(ms: number): void {
    follow.value = false
    atMs.value = ms
    useTimelineViewStore().focusAt(ms)
  }

  function toNow(): void {
    follow.value = true
    useTimelineViewStore().follow = true
  }

  /** Another run: live, it starts at now; stored, at its end (`endMs`). The same run keeps its place. */
  function attach(id: string | undefined, following: boolean, endMs: number): void {
    if (id === runId.value) return
    runId.value = id
    follow.value = following
    atMs.value = following ? 0 : endMs
    group.value = 0
  }

  return { runId, follow, atMs, group, seek, toNow, attach }
})
