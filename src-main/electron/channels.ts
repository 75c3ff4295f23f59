/**
 * IPC channel names: one per LabApi method (renderer -> main, invoke/handle) and one for the run
 * stream (main -> renderer). Imported by main and by the sandboxed preload, so nothing else here.
 */
import type { LabCallMethod } from '../api/wire.js'

export const labChannelPrefix = 'lab:'
export const labStreamChannel = 'lab:stream'

export function labChannel(method: LabCallMethod): string {
  return `${labChannelPrefix}${method}`
}

/** What main answers on every invoke; errors travel as data so the renderer gets the plain message. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: string }

/** The origin the renderer is served from (a privileged standard scheme, never file://). */
export const appScheme = 'app'
export const appHost = 'lab'
export const appOrigin = `${appScheme}://${appHost}`
