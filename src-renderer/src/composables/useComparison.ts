/**
 * The runs picked for comparison (the route's ids, the first being the baseline), their records
 * from the run store, and the comparison computed from them.
 */
import { computed, ref, shallowRef, watch, type Ref } from 'vue'
import type { RunRecord } from '../../../src-main/api/run-file'
import { buildComparison } from '../compare/comparison'
import { useRunsStore } from '../stores/runs'

export function useComparison(ids: Ref<string[]>) {
  const runs = useRunsStore()
  const records = shallowRef<RunRecord[]>([])
  const missing = ref<string[]>([])
  const loading = ref(false)
  const error = ref<string>()
  let generation = 0

  async function load(wanted: string[]): Promise<void> {
    const mine = ++generation
    loading.value = true
    error.value = undefined
    try {
      // The charts need no trace, unless a record lacks its experiment start and analysis must estimate it.
      const loaded = await Promise.all(
        wanted.map(async (id) => {
          const record = await runs.loadRecord(id, { events: false })
          return record && record.workloadStartMs === undefined ? runs.loadRecord(id) : record
        }),
      )
      if (mine !== generation) return
      records.value = loaded.filter((record): record is RunRecord => record !== undefined)
      missing.value = wanted.filter((_, index) => loaded[index] === undefined)
    } catch (caught) {
      if (mine === generation) error.value = caught instanceof Error ? caught.message : String(caught)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  watch(ids, (wanted) => void load(wanted), { immediate: true })

  const comparison = computed(() => buildComparison(records.value, 0))

  /** Full records (with trace and history notes) for a report, baseline first. */
  async function loadForReport(): Promise<RunRecord[]> {
    const full = await Promise.all(records.value.map((record) => runs.loadRecord(record.summary.runId)))
    return full.filter((record): record is RunRecord => record !== undefined)
  }

  return { records, missing, loading, error, comparison, loadForReport }
}
