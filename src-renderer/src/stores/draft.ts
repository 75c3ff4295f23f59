/**
 * The experiment being designed. Its text is the single source of truth: the canvas, the form and
 * the text editor all read views of it and write edits back into it.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ExperimentFile } from '../../../src-main/api/lab-api'
import type { FieldError } from '../../../src-main/api/validate'
import { validateExperimentText } from '../../../src-main/api/validate'
import * as draft from '../experiment/draft'
import { useConnectionStore } from './connection'

export interface NodePosition {
  x: number
  y: number
}

export const useDraftStore = defineStore('draft', () => {
  const text = ref('')
  const file = ref<string>()
  const source = ref<ExperimentFile['source'] | 'new'>()
  const savedText = ref('')
  /** Where the person dragged nodes; not part of the experiment, so kept beside it. */
  const positions = ref<Record<string, NodePosition>>({})
  /** i18n key of the last edit that was refused, shown where it was made. */
  const editError = ref<{ key: string; values?: Record<string, unknown>; at: string }>()
  const saveErrors = ref<FieldError[]>([])

  const loaded = computed(() => source.value !== undefined)
  const view = computed(() => draft.readDraft(text.value))
  const validation = computed(() => validateExperimentText(text.value))
  const errors = computed<FieldError[]>(() => (validation.value.ok ? [] : validation.value.errors))
  const dirty = computed(() => text.value !== savedText.value)
  const canStart = computed(() => loaded.value && validation.value.ok)

  function open(experiment: Pick<ExperimentFile, 'file' | 'text' | 'source'>): void {
    text.value = experiment.text
    savedText.value = experiment.text
    file.value = experiment.file
    source.value = experiment.source
    positions.value = {}
    editError.value = undefined
    saveErrors.value = []
  }

  function openNew(initialText: string): void {
    open({ file: '', text: initialText, source: 'user' })
    file.value = undefined
    source.value = 'new'
    savedText.value = ''
  }

  function setText(next: string): void {
    text.value = next
    editError.value = undefined
  }

  function apply(result: draft.EditResult, at: string, values?: Record<string, unknown>): boolean {
    if (result.ok) {
      text.value = result.text
      editError.value = undefined
      return true
    }
    editError.value = { key: result.error, values, at }
    return false
  }

  const addNode = () => apply(draft.addNode(text.value), 'nodes')
  const removeNode = (node: string) => {
    const ok = apply(draft.removeNode(text.value, node), 'nodes')
    if (ok) delete positions.value[node]
    return ok
  }
  function renameNode(from: string, to: string): boolean {
    const ok = apply(draft.renameNode(text.value, from, to), `node:${from}`, { name: to })
    if (ok && positions.value[from]) {
      positions.value[to] = positions.value[from]
      delete positions.value[from]
    }
    return ok
  }
  const setNodeCount = (count: number) => apply(draft.setNodeCount(text.value, count), 'nodes')
  const setField = (path: (string | number)[], value: unknown) => apply(draft.setField(text.value, path, value), path.join('.'))
  const moveNode = (node: string, position: NodePosition) => (positions.value[node] = position)
  const setLinkConditions = (a: string, b: string, conditions: Parameters<typeof draft.setLinkConditions>[3]) =>
    apply(draft.setLinkConditions(text.value, a, b, conditions), `link:${a}:${b}`)

  async function saveCopy(fileName: string): Promise<boolean> {
    const result = await useConnectionStore().api().saveExperiment(fileName, text.value)
    if (!result.ok) {
      saveErrors.value = result.errors
      return false
    }
    saveErrors.value = []
    file.value = result.file
    source.value = 'user'
    savedText.value = text.value
    return true
  }

  return {
    text, file, source, positions, editError, saveErrors,
    loaded, view, validation, errors, dirty, canStart,
    open, openNew, setText, addNode, removeNode, renameNode, setNodeCount, setField, moveNode, setLinkConditions, saveCopy,
  }
})
