// @vitest-environment node
/**
 * The Electron host's IPC layer with Electron itself replaced by a recording double: every call is
 * checked for its sender and its arguments before the lab sees it, and errors come back as data.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { reportHtmlCharsMax, type LabApi, type LabStreamMessage } from '../../../src-main/api/lab-api'

const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>()
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => Promise<unknown>) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}))

const { serveLabOverIpc } = await import('../../../src-main/electron/ipc')

function fixture() {
  const sent: unknown[][] = []
  const webContents = { send: (...args: unknown[]) => sent.push(args) }
  const window = { isDestroyed: () => false, webContents }
  let listener: ((message: LabStreamMessage) => void) | undefined
  const api = {
    info: vi.fn(async () => ({ host: 'electron', version: '1', platform: 'x', nodeVersion: 'v22', experimentsDir: '/e' })),
    injectFault: vi.fn(async () => ({ ok: true, targets: ['A'] })),
    stopRun: vi.fn(async () => {
      throw new Error('run r1 is not in progress')
    }),
    subscribe: (next: (message: LabStreamMessage) => void) => {
      listener = next
      return () => (listener = undefined)
    },
  } as unknown as LabApi
  const stop = serveLabOverIpc({ api, unavailable: '', window: () => window as never, trustedOrigins: ['app://lab'] })
  const event = (overrides: Record<string, unknown> = {}) => ({ sender: webContents, senderFrame: { url: 'app://lab/index.html', parent: null }, ...overrides })
  return { api, sent, stop, event, emit: (message: LabStreamMessage) => listener?.(message), webContents }
}

beforeEach(() => handlers.clear())

describe('Electron IPC host', () => {
  it('has one channel per LabApi call', () => {
    fixture()
    expect([...handlers.keys()].sort()).toEqual(['lab:getRunRecord', 'lab:info', 'lab:injectFault', 'lab:listExercises', 'lab:listExperiments', 'lab:listRunDirectories', 'lab:listSweeps', 'lab:readTrace', 'lab:renderPdf', 'lab:saveExperiment', 'lab:startRun', 'lab:startSweep', 'lab:stopRun', 'lab:stopSweep', 'lab:validateExperiment'])
  })

  it('answers the lab window and refuses any other sender or frame', async () => {
    const { event } = fixture()
    expect(await handlers.get('lab:info')!(event())).toMatchObject({ ok: true, value: { host: 'electron' } })
    const refusals = [
      event({ senderFrame: { url: 'https://evil.example/', parent: null } }),
      event({ senderFrame: { url: 'app://lab/index.html', parent: {} } }),
      event({ sender: { send: () => {} } }),
      event({ senderFrame: null }),
    ]
    for (const refused of refusals) expect(await handlers.get('lab:info')!(refused)).toEqual({ ok: false, error: 'rejected: the call did not come from the lab window' })
  })

  it('validates arguments in main and returns errors as data', async () => {
    const { api, event } = fixture()
    expect(await handlers.get('lab:injectFault')!(event(), 'r1', { kind: 'crash', target: 'A' })).toEqual({ ok: true, value: { ok: true, targets: ['A'] } })
    expect(api.injectFault).toHaveBeenCalledWith('r1', { kind: 'crash', target: 'A' })
    const bad = (await handlers.get('lab:injectFault')!(event(), 'r1', { kind: 'explode', target: 'A' })) as { ok: boolean; error: string }
    expect(bad.ok).toBe(false)
    expect(bad.error).toMatch(/injectFault: invalid arguments .*unknown fault explode/)
    expect(await handlers.get('lab:stopRun')!(event(), 'r1')).toEqual({ ok: false, error: 'run r1 is not in progress' })
    expect(((await handlers.get('lab:saveExperiment')!(event(), '../x.yaml', 'a: 1')) as { error: string }).error).toMatch(/no folders/)
    expect(((await handlers.get('lab:getRunRecord')!(event(), '../../home')) as { error: string }).error).toMatch(/getRunRecord: invalid arguments .*expected a run id/)
    expect(((await handlers.get('lab:renderPdf')!(event(), 'x'.repeat(reportHtmlCharsMax + 1))) as { error: string }).error).toMatch(new RegExp(`renderPdf: invalid arguments .*at most ${reportHtmlCharsMax} characters`))
  })

  it('forwards the run stream to the window and stops cleanly', () => {
    const { sent, emit, stop } = fixture()
    emit({ kind: 'error', runId: 'r1', message: 'boom' })
    expect(sent).toEqual([['lab:stream', { kind: 'error', runId: 'r1', message: 'boom' }]])
    stop()
    expect(handlers.size).toBe(0)
  })
})
