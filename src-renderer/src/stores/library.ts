/** The experiments the lab offers: bundled ones and the person's saved copies. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ExperimentFile } from '../../../src-main/api/lab-api'
import { inLibraryOrder } from '../experiment/library-order'
import { useConnectionStore } from './connection'

export const useLibraryStore = defineStore('library', () => {
  const experiments = ref<ExperimentFile[]>([])
  const loading = ref(false)
  const error = ref<string>()
  const loaded = ref(false)

  // The course's order (scenario 1 to 12, then the rest), not the folder's alphabetical one.
  const bundled = computed(() => inLibraryOrder(experiments.value.filter((file) => file.source === 'bundled')))
  const saved = computed(() => inLibraryOrder(experiments.value.filter((file) => file.source === 'user')))

  async function refresh(): Promise<void> {
    loading.value = true
    try {
      experiments.value = await useConnectionStore().api().listExperiments()
      error.value = undefined
      loaded.value = true
    } catch (caught) {
      error.value = caught instanceof Error ? caught.message : String(caught)
    } finally {
      loading.value = false
    }
  }

  function find(file: string): ExperimentFile | undefined {
    return experiments.value.find((experiment) => experiment.file === file)
  }

  return { experiments, bundled, saved, loading, loaded, error, refresh, find }
})
