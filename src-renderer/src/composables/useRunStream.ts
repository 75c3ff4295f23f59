/** Feeds the lab's run stream into the run store for as long as the app is mounted. */
import { onMounted, onUnmounted } from 'vue'
import { useConnectionStore } from '../stores/connection'
import { useRunStore } from '../stores/run'

export function useRunStream(): void {
  const connection = useConnectionStore()
  const run = useRunStore()
  let unsubscribe: (() => void) | undefined
  onMounted(() => {
    unsubscribe = connection.api().subscribe((message) => run.receive(message))
  })
  onUnmounted(() => unsubscribe?.())
}
