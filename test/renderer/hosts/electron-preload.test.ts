// @vitest-environment node
/** The preload exposes one method per message, never ipcRenderer, and strips the Electron event from stream callbacks. */
import { describe, expect, it, vi } from 'vitest'
import type { LabApi } from '../../../src-main/api/lab-api'

const exposed: Record<string, unknown> = {}
const listeners = new Map<string, (...args: unknown[]) => void>()
const invoke = vi.fn(async (channel: string, ...args: unknown[]) => (channel === 'lab:stopRun' ? { ok: false, error: 'run r1 is not in progress' } : { ok: true, value: { channel, args } }))
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: {
    invoke,
    on: (channel: string, listener: (...args: unknown[]) => void) => listeners.set(channel, listener),
    removeListener: (channel: string) => listeners.delete(channel),
  },
}))
await import('../../../src-main/electron/preload')

describe('Electron preload', () => {
  it('exposes exactly the LabApi as window.lab', () => {
    expect(Object.keys(exposed)).toEqual(['lab'])
    expect(Object.keys(exposed.lab as object).sort()).toEqual(['getRunRecord', 'info', 'injectFault', 'listExercises', 'listExperiments', 'listRunDirectories', 'listSweeps', 'readTrace', 'renderPdf', 'saveExperiment', 'startRun', 'startSweep', 'stopRun', 'stopSweep', 'subscribe', 'validateExperiment'])
  })

  it('sends each call on its own channel and turns error replies into rejections', async () => {
    const lab = exposed.lab as LabApi
    await expect(lab.injectFault('r1', { kind: 'crash', target: 'A' })).resolves.toEqual({ channel: 'lab:injectFault', args: ['r1', { kind: 'crash', target: 'A' }] })
    await expect(lab.stopRun('r1')).rejects.toThrow('run r1 is not in progress')
  })

  it('hands stream listeners the message only, and unsubscribes', () => {
    const lab = exposed.lab as LabApi
    const seen: unknown[][] = []
    const unsubscribe = lab.subscribe((...args: unknown[]) => seen.push(args))
    listeners.get('lab:stream')?.({ sender: 'the electron event' }, { kind: 'error', runId: 'r1', message: 'x' })
    expect(seen).toEqual([[{ kind: 'error', runId: 'r1', message: 'x' }]])
    unsubscribe()
    expect(listeners.has('lab:stream')).toBe(false)
  })
})
