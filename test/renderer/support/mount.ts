/** Mounting helpers for component tests: a fresh Pinia, the real i18n, and a LabConnection whose API is a test stub. */
import { enableAutoUnmount, mount, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Component } from 'vue'
import { afterEach, vi } from 'vitest'
import type { LabApi, LabStreamMessage } from '../../../src-main/api/lab-api'
import { createLabI18n } from '../../../src-renderer/src/i18n'
import type { ConnectionState, LabConnection } from '../../../src-renderer/src/transport/connection'
import { useConnectionStore } from '../../../src-renderer/src/stores/connection'

/*
 * A page left mounted after its test goes on running: a child it mounts later calls a store inside
 * its setup, and Pinia then makes that old test's Pinia the active one, so the next test's
 * `useXStore()` reads a store no component of its own uses (run.test.ts's window stayed at 0 ms).
 */
enableAutoUnmount(afterEach)

export function stubConnection(overrides: Partial<LabApi> = {}) {
  let state: ConnectionState = { status: 'connected' }
  const stateListeners = new Set<(state: ConnectionState) => void>()
  const streamListeners = new Set<(message: LabStreamMessage) => void>()
  const api: LabApi = {
    info: vi.fn(async () => ({ host: 'browser' as const, version: '0.1.0', platform: 'linux', nodeVersion: 'v20', experimentsDir: '/lab/experiments' })),
    listExperiments: vi.fn(async () => []),
    validateExperiment: vi.fn(async () => ({ ok: false as const, errors: [] })),
    saveExperiment: vi.fn(async (file: string) => ({ ok: true as const, file })),
    startRun: vi.fn(async () => ({ ok: true as const, runId: 'run-fixture' })),
    stopRun: vi.fn(async () => {}),
    injectFault: vi.fn(async () => ({ ok: true as const, targets: ['A'] })),
    getRunRecord: vi.fn(async (runId: string) => {
      throw new Error(`no run ${runId} in this stub`)
    }),
    listRunDirectories: vi.fn(async () => []),
    readTrace: vi.fn(async () => ({ events: [], matched: 0, omitted: 0, chunksRead: 0, bytesRead: 0 })),
    listExercises: vi.fn(async () => []),
    renderPdf: vi.fn(async () => ''),
    listSweeps: vi.fn(async () => []),
    startSweep: vi.fn(async () => ({ ok: true as const })),
    stopSweep: vi.fn(async () => {}),
    subscribe: (listener) => {
      streamListeners.add(listener)
      return () => streamListeners.delete(listener)
    },
    ...overrides,
  }
  const connection: LabConnection = {
    host: 'browser',
    api,
    state: () => state,
    onState: (listener) => {
      stateListeners.add(listener)
      return () => stateListeners.delete(listener)
    },
    retryNow: vi.fn(),
    close: () => {},
  }
  return {
    connection,
    api,
    setState(next: ConnectionState) {
      state = next
      stateListeners.forEach((listener) => listener(next))
    },
    emit(message: LabStreamMessage) {
      streamListeners.forEach((listener) => listener(message))
    },
  }
}

export function setupLab(overrides: Partial<LabApi> = {}, locale: 'en' | 'ko' = 'en') {
  const pinia: Pinia = createPinia()
  setActivePinia(pinia)
  const lab = stubConnection(overrides)
  useConnectionStore().attach(lab.connection)
  const i18n = createLabI18n(locale)
  return {
    ...lab,
    pinia,
    i18n,
    mount<C extends Component>(component: C, options: ComponentMountingOptions<C> = {} as ComponentMountingOptions<C>) {
      return mount(component, { ...options, global: { plugins: [pinia, i18n], ...(options.global ?? {}) } } as ComponentMountingOptions<C>)
    },
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setTimeout(resolve, 0))
}
