/**
 * Follows a fast-moving counter at most once per interval (trailing edge included), and not at all
 * while the page is hidden: charts rebuild a few times a second however fast frames come.
 */
import { onScopeDispose, ref, watch, type Ref } from 'vue'

export function useThrottledVersion(source: Ref<number>, intervalMs: number): Ref<number> {
  const throttled = ref(source.value)
  let timer: ReturnType<typeof setTimeout> | undefined
  let lastAt = 0
  const flush = () => {
    timer = undefined
    if (globalThis.document?.hidden) {
      timer = setTimeout(flush, intervalMs)
      return
    }
    lastAt = Date.now()
    throttled.value = source.value
  }
  watch(source, () => {
    if (timer !== undefined) return
    const wait = Math.max(0, lastAt + intervalMs - Date.now())
    timer = setTimeout(flush, wait)
  })
  onScopeDispose(() => {
    if (timer !== undefined) clearTimeout(timer)
  })
  return throttled
}
