/** Short notices at the corner of the screen, some with one action (Undo, Open). */
import { defineStore } from 'pinia'
import { ref } from 'vue'

export interface ToastAction {
  labelKey: string
  run: () => void | Promise<void>
}

export interface Toast {
  id: number
  kind: 'info' | 'ok' | 'error'
  /** An i18n key and its values: the message follows the language switch. */
  key: string
  values?: Record<string, unknown>
  action?: ToastAction
}

/** Toasts on screen at once; the oldest goes first. */
export const toastsMax = 4
export const toastMs = { info: 6_000, ok: 6_000, error: 12_000 } as const

export const useToastStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([])
  const timers = new Map<number, ReturnType<typeof setTimeout>>()
  let nextId = 1

  function show(toast: Omit<Toast, 'id'>, durationMs: number = toastMs[toast.kind]): number {
    const id = nextId++
    toasts.value = [...toasts.value, { ...toast, id }].slice(-toastsMax)
    timers.set(id, setTimeout(() => dismiss(id), durationMs))
    return id
  }

  function dismiss(id: number): void {
    clearTimeout(timers.get(id))
    timers.delete(id)
    toasts.value = toasts.value.filter((toast) => toast.id !== id)
  }

  async function act(id: number): Promise<void> {
    const toast = toasts.value.find((candidate) => candidate.id === id)
    dismiss(id)
    await toast?.action?.run()
  }

  return { toasts, show, dismiss, act }
})
