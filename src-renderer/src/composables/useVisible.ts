/** Whether an element is on screen; work for what nobody can see waits until it scrolls into view. */
import { onMounted, onUnmounted, ref, type Ref } from 'vue'

export function useVisible(element: Ref<HTMLElement | SVGElement | undefined>): Ref<boolean> {
  const visible = ref(true)
  let observer: IntersectionObserver | undefined
  onMounted(() => {
    if (typeof IntersectionObserver === 'undefined' || element.value === undefined) return
    observer = new IntersectionObserver((entries) => (visible.value = entries.some((entry) => entry.isIntersecting)))
    observer.observe(element.value)
  })
  onUnmounted(() => observer?.disconnect())
  return visible
}
