/** Electron: the preload's window.lab. The lab lives in the same app, so it is always connected. */
import type { LabApi } from '../../../src-main/api/lab-api'
import type { ConnectionState, LabConnection } from './connection'

export function ipcConnection(lab: LabApi): LabConnection {
  const connected: ConnectionState = { status: 'connected' }
  return {
    host: 'electron',
    api: lab,
    state: () => connected,
    onState: () => () => {},
    retryNow: () => {},
    close: () => {},
  }
}
