/**
 * Dragged topology layouts by experiment name: read once from IndexedDB, saved when a drag ends.
 * The designer writes them; the run page's canvases (injector, replay) read the same one, so a
 * cluster keeps its picture from design to run and across restarts of the app.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { layoutRepository } from '../db'
import type { Layout } from '../db/layout-repository'

export const useLayoutsStore = defineStore('layouts', () => {
  /** Loaded (or saved) layouts by experiment name. */
  const byName = ref<Record<string, Layout>>({})
  /** Why the last read or write failed (a browser without IndexedDB): the canvas then keeps its circle. */
  const error = ref<string>()
  const loading = new Map<string, Promise<Layout>>()

  /** The saved layout of `name` ({} when none): read from the database the first time. */
  function load(name: string): Promise<Layout> {
    const known = byName.value[name]
    if (known !== undefined) return Promise.resolve(known)
    let pending = loading.get(name)
    if (pending === undefined) {
      pending = layoutRepository()
        .load(name)
        .catch((caught: unknown) => {
          error.value = caught instanceof Error ? caught.message : String(caught)
          return {}
        })
        .then((layout) => {
          byName.value[name] ??= layout
          loading.delete(name)
          return byName.value[name]!
        })
      loading.set(name, pending)
    }
    return pending
  }

  async function save(name: string, layout: Layout): Promise<void> {
    byName.value[name] = { ...layout }
    try {
      await layoutRepository().save(name, layout)
      error.value = undefined
    } catch (caught) {
      error.value = caught instanceof Error ? caught.message : String(caught)
    }
  }

  return { byName, error, load, save }
})
