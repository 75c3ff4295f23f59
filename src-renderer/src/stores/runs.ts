/**
 * The stored runs as the Runs and Compare pages see them: the list (rows only; records are loaded
 * on demand), the filters, and the storage figures. Writes go through the run repository (Dexie).
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { RunRecord } from '../../../src-main/api/run-file'
import { runRepository, type RunEdit, type RunParts, type RunRow } from '../db'
import { useConnectionStore } from './connection'

export interface StorageEstimate {
  /** Bytes the browser says this origin uses (everything, not only runs), when it tells. */
  usage?: number
  quota?: number
}

export interface RunFilters {
  query: string
  protocol: string
  verdict: string
  tag: string
}

export const emptyFilters: RunFilters = { query: '', protocol: '', verdict: '', tag: '' }

export function matchesFilters(run: RunRow, filters: RunFilters): boolean {
  if (filters.protocol && run.protocol !== filters.protocol) return false
  if (filters.verdict && run.verdict !== filters.verdict) return false
  if (filters.tag && !run.tags.includes(filters.tag)) return false
  const query = filters.query.trim().toLowerCase()
  if (!query) return true
  const haystack = [run.name, run.experimentName, run.id, run.protocol, run.notes, run.faultSummary, ...run.tags].join('\n').toLowerCase()
  return query.split(/\s+/).every((word) => haystack.includes(word))
}

export const useRunsStore = defineStore('runs', () => {
  const rows = shallowRef<RunRow[]>([])
  const loaded = ref(false)
  const error = ref<string>()
  const storage = ref<StorageEstimate>({})
  const filters = ref<RunFilters>({ ...emptyFilters })

  const filtered = computed(() => rows.value.filter((run) => matchesFilters(run, filters.value)))
  const protocols = computed(() => [...new Set(rows.value.map((run) => run.protocol))].sort())
  const verdicts = computed(() => [...new Set(rows.value.map((run) => run.verdict))].sort())
  const tags = computed(() => [...new Set(rows.value.flatMap((run) => run.tags))].sort((a, b) => a.localeCompare(b)))
  const storedBytes = computed(() => rows.value.reduce((sum, run) => sum + run.sizes.total, 0))

  async function refresh(): Promise<void> {
    try {
      rows.value = await runRepository().list()
      error.value = undefined
    } catch (caught) {
      error.value = message(caught)
    } finally {
      loaded.value = true
    }
    void estimateStorage()
  }

  let persistAsked = false
  async function estimateStorage(): Promise<void> {
    try {
      // Ask once that the browser not evict the store under storage pressure; a refusal changes nothing.
      if (!persistAsked && rows.value.length > 0) {
        persistAsked = true
        void globalThis.navigator?.storage?.persist?.().catch(() => false)
      }
      const estimate = await globalThis.navigator?.storage?.estimate?.()
      storage.value = estimate ? { usage: estimate.usage, quota: estimate.quota } : {}
    } catch {
      storage.value = {}
    }
  }

  /** Fetches a finished run's record from the lab and stores it unless it is stored already. */
  /** Saves in progress by run id: a reader of the same record waits for it instead of fetching it again. */
  const saving = new Map<string, Promise<unknown>>()

  async function saveFromLab(runId: string): Promise<{ saved: boolean; run: RunRow }> {
    const save = (async () => {
      const record = await useConnectionStore().api().getRunRecord(runId)
      const result = await runRepository().saveIfAbsent(record, 'lab')
      await refresh()
      return result
    })()
    saving.set(runId, save)
    try {
      return await save
    } finally {
      saving.delete(runId)
    }
  }

  /** Resolves once a save of `runId` in progress has ended (at once when there is none), whether it worked or not. */
  async function saved(runId: string): Promise<void> {
    await saving.get(runId)?.catch(() => undefined)
  }

  /** Throws RunFileError or RunImportError (nothing stored) for a file it cannot take. */
  async function importFile(bytes: Uint8Array): Promise<RunRow> {
    const run = await runRepository().importFile(bytes)
    await refresh()
    return run
  }

  async function edit(id: string, changes: RunEdit): Promise<void> {
    await runRepository().update(id, changes)
    await refresh()
  }

  async function remove(id: string): Promise<RunParts | undefined> {
    const removed = await runRepository().remove(id)
    await refresh()
    return removed
  }

  async function restore(parts: RunParts): Promise<void> {
    await runRepository().restore(parts)
    await refresh()
  }

  async function loadRecord(id: string, options: { events?: boolean } = {}): Promise<RunRecord | undefined> {
    return runRepository().load(id, options)
  }

  function find(id: string): RunRow | undefined {
    return rows.value.find((run) => run.id === id)
  }

  function clearFilters(): void {
    filters.value = { ...emptyFilters }
  }

  return { rows, loaded, error, storage, filters, filtered, protocols, verdicts, tags, storedBytes, refresh, estimateStorage, saveFromLab, saved, importFile, edit, remove, restore, loadRecord, find, clearFilters }
})

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
