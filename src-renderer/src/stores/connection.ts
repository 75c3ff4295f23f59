/** The lab host as the UI sees it: its LabApi, whether it answers, and what it says about itself. */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { LabApi, LabInfo } from '../../../src-main/api/lab-api'
import type { ConnectionState, LabConnection } from '../transport'

export const useConnectionStore = defineStore('connection', () => {
  const state = shallowRef<ConnectionState>({ status: 'connecting' })
  const host = ref<'electron' | 'browser'>()
  const info = ref<LabInfo>()
  /** The host answered but the lab behind it is broken (e.g. the service failed to start). */
  const labError = ref<string>()
  let connection: LabConnection | undefined
  let detach: (() => void) | undefined

  const connected = computed(() => state.value.status === 'connected')

  function attach(next: LabConnection): void {
    detach?.()
    connection = next
    host.value = next.host
    state.value = next.state()
    detach = next.onState((changed) => {
      const wasConnected = state.value.status === 'connected'
      state.value = changed
      if (changed.status === 'connected' && !wasConnected) void loadInfo()
    })
    void loadInfo()
  }

  async function loadInfo(): Promise<void> {
    try {
      info.value = await api().info()
      labError.value = undefined
    } catch (error) {
      if (state.value.status === 'connected') labError.value = error instanceof Error ? error.message : String(error)
    }
  }

  function api(): LabApi {
    if (connection === undefined) throw new Error('the lab connection is not set up')
    return connection.api
  }

  function retryNow(): void {
    connection?.retryNow()
  }

  return { state, host, info, labError, connected, attach, api, retryNow, loadInfo }
})
