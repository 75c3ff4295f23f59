/**
 * Keeps every run that ends: on the lab's end (or failure) message, fetch the run's record and
 * store it in IndexedDB, so it survives restarts of the app. A run stored already (another window
 * saved it) is left as it is.
 */
import { onMounted, onUnmounted } from 'vue'
import type { LabStreamMessage } from '../../../src-main/api/lab-api'
import { useConnectionStore } from '../stores/connection'
import { useRouteStore } from '../stores/route'
import { useRunsStore } from '../stores/runs'
import { useCourseStore } from '../stores/course'
import { useToastStore } from '../stores/toasts'

export function useRunAutoSave(): void {
  const connection = useConnectionStore()
  const runs = useRunsStore()
  const toasts = useToastStore()
  const route = useRouteStore()
  const course = useCourseStore()
  let unsubscribe: (() => void) | undefined

  async function keep(message: Extract<LabStreamMessage, { kind: 'end' | 'error' }>): Promise<void> {
    try {
      const { saved, run } = await runs.saveFromLab(message.runId)
      if (saved) toasts.show({ kind: 'ok', key: 'runs.toast.saved', values: { name: run.name }, action: { labelKey: 'runs.toast.open', run: () => route.go('runs', run.id) } })
    } catch (error) {
      toasts.show({ kind: 'error', key: 'runs.toast.saveFailed', values: { run: message.runId, error: error instanceof Error ? error.message : String(error) } })
    }
  }

  onMounted(() => {
    unsubscribe = connection.api().subscribe((message) => {
      if (message.kind === 'end' || message.kind === 'error') {
        void keep(message)
        // A run an exercise started is attached to it and its answers checked.
        void course.runEnded(message.runId).catch((error: unknown) => toasts.show({ kind: 'error', key: 'runs.toast.saveFailed', values: { run: message.runId, error: error instanceof Error ? error.message : String(error) } }))
      }
    })
  })
  onUnmounted(() => unsubscribe?.())
}
