/**
 * Serves the LabApi over IPC: one ipcMain.handle channel per method. Every call is checked twice:
 * the sender must be the lab window's top frame on the app origin, and the arguments must pass the
 * same zod schemas the browser-mode server uses.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import type { LabApi } from '../api/lab-api.js'
import { dispatchLabCall, errorMessage, labCallMethods } from '../api/lab-methods.js'
import { labChannel, labStreamChannel, type IpcReply } from './channels.js'

export interface IpcHostOptions {
  /** Undefined while the service failed to start; calls then answer with `unavailable`. */
  api: LabApi | undefined
  unavailable: string
  window: () => BrowserWindow | undefined
  /** Origins the renderer may be loaded from (app://lab, plus the dev server in development). */
  trustedOrigins: string[]
}

export function serveLabOverIpc(options: IpcHostOptions): () => void {
  for (const method of labCallMethods) {
    ipcMain.handle(labChannel(method), async (event, ...args: unknown[]): Promise<IpcReply> => {
      if (!isTrustedSender(event, options)) return { ok: false, error: 'rejected: the call did not come from the lab window' }
      if (options.api === undefined) return { ok: false, error: options.unavailable }
      try {
        return { ok: true, value: (await dispatchLabCall(options.api, method, args)) ?? null }
      } catch (error) {
        return { ok: false, error: errorMessage(error) }
      }
    })
  }
  const unsubscribe =
    options.api?.subscribe((message) => {
      const window = options.window()
      if (window !== undefined && !window.isDestroyed()) window.webContents.send(labStreamChannel, message)
    }) ?? (() => {})
  return () => {
    unsubscribe()
    for (const method of labCallMethods) ipcMain.removeHandler(labChannel(method))
  }
}

function isTrustedSender(event: IpcMainInvokeEvent, options: IpcHostOptions): boolean {
  const window = options.window()
  const frame = event.senderFrame
  if (window === undefined || window.isDestroyed() || frame === null) return false
  // Only the window's own top frame: no other window, no iframe.
  if (event.sender !== window.webContents || frame.parent !== null) return false
  try {
    // URL.origin is "null" for custom schemes such as app://, so build it from its parts.
    const url = new URL(frame.url)
    return options.trustedOrigins.includes(`${url.protocol}//${url.host}`)
  } catch {
    return false
  }
}
