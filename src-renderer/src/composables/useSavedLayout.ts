/** The layout dragged in the designer for the experiment `name`, for a run's canvas ({} until read, or when none). */
import { computed, watch, type ComputedRef, type Ref } from 'vue'
import type { Layout } from '../db/layout-repository'
import { useLayoutsStore } from '../stores/layouts'

export function useSavedLayout(name: Ref<string | undefined>): ComputedRef<Layout> {
  const layouts = useLayoutsStore()
  watch(name, (current) => void (current ? layouts.load(current) : undefined), { immediate: true })
  return computed(() => (name.value ? layouts.byName[name.value] ?? {} : {}))
}
