/**
 * Importing run files, shared by the import button and dropping files on the Runs page. A file the
 * store cannot take leaves the store as it was and sets `importError` to what is wrong with it.
 */
import { defineStore, storeToRefs } from 'pinia'
import { ref } from 'vue'
import { RunFileError } from '../../../src-main/api/run-file'
import { RunImportError } from '../db'
import { useRouteStore } from '../stores/route'
import { useRunsStore } from '../stores/runs'
import { useToastStore } from '../stores/toasts'

export interface ImportProblem {
  file: string
  /** i18n key under runs.import.problem. */
  problem: 'foreign' | 'newer' | 'corrupt' | 'duplicate' | 'too-large' | 'unreadable'
  detail: string
}

/** Shared by the import button and the page it sits on; one problem at a time: the latest import's. */
const useRunImportState = defineStore('runImport', () => ({ importError: ref<ImportProblem>(), importing: ref(false) }))

export function useRunImport() {
  const { importError, importing } = storeToRefs(useRunImportState())
  const runs = useRunsStore()
  const toasts = useToastStore()
  const route = useRouteStore()

  async function importFiles(files: File[]): Promise<void> {
    if (files.length === 0) return
    importing.value = true
    importError.value = undefined
    try {
      for (const file of files) {
        try {
          const run = await runs.importFile(new Uint8Array(await file.arrayBuffer()))
          toasts.show({ kind: 'ok', key: 'runs.toast.imported', values: { name: run.name } })
          route.go('runs', run.id)
        } catch (error) {
          importError.value = describeImportError(file.name, error)
          return
        }
      }
    } finally {
      importing.value = false
    }
  }

  return { importing, importError, importFiles, dismiss: () => (importError.value = undefined) }
}

export function describeImportError(file: string, error: unknown): ImportProblem {
  const detail = error instanceof Error ? error.message : String(error)
  if (error instanceof RunFileError) return { file, problem: error.problem, detail }
  if (error instanceof RunImportError) return { file, problem: error.problem, detail }
  return { file, problem: 'unreadable', detail }
}
