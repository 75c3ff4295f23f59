/** An element's width in CSS pixels, kept current as it resizes (undefined before it is laid out). */
import { onMounted, onUnmounted, ref, type Ref } from 'vue'

export function useWidth(element: Ref<HTMLElement | undefined>): Ref<number | undefined> {
  const width = ref<number>()
  let observer: ResizeObserver | undefined
  onMounted(() => {
    if (element.value === undefined) return
    width.value = element.value.clientWidth || undefined
    if (typeof ResizeObserver === 'undefined') return
    observer = new ResizeObserver((entries) => {
      const next = Math.round(entries[0]?.contentRect.width ?? 0)
      if (next > 0 && next !== width.value) width.value = next
    })
    observer.observe(element.value)
  })
  onUnmounted(() => observer?.disconnect())
  return width
}
