/** Picks the transport once at start: window.lab under Electron, else the page's own WebSocket. */
import type { LabApi } from '../../../src-main/api/lab-api'
import type { LabConnection } from './connection'
import { ipcConnection } from './ipc-connection'
import { wsConnection, wsEndpointsFromLocation } from './ws-connection'

/** Under Electron the preload adds `lab`; in a browser it is absent. */
export type LabWindow = Window & typeof globalThis & { lab?: LabApi }

export function connectLab(win: LabWindow = window): LabConnection {
  if (win.lab !== undefined) return ipcConnection(win.lab)
  const endpoints = wsEndpointsFromLocation(win.location)
  return wsConnection({ ...endpoints, createSocket: (url) => new win.WebSocket(url), fetch: win.fetch.bind(win) })
}

export type { ConnectionState, LabConnection } from './connection'
export { LabUnavailableError } from './connection'
