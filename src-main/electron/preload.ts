/**
 * Sandboxed preload: exposes `window.lab`, a LabApi with one method per IPC message.
 * ipcRenderer itself is never exposed, and stream callbacks are wrapped so the page never sees the
 * Electron event object.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { Fault, LabApi, LabStreamMessage, TraceQuery } from '../api/lab-api.js'
import type { LabCallMethod } from '../api/wire.js'
import { labChannel, labStreamChannel, type IpcReply } from './channels.js'

async function call<T>(method: LabCallMethod, ...args: unknown[]): Promise<T> {
  const reply = (await ipcRenderer.invoke(labChannel(method), ...args)) as IpcReply
  if (!reply.ok) throw new Error(reply.error)
  return reply.value as T
}

const lab: LabApi = {
  info: () => call('info'),
  listExperiments: () => call('listExperiments'),
  validateExperiment: (text: string) => call('validateExperiment', text),
  saveExperiment: (file: string, text: string) => call('saveExperiment', file, text),
  startRun: (text: string) => call('startRun', text),
  stopRun: (runId: string) => call('stopRun', runId),
  injectFault: (runId: string, fault: Fault) => call('injectFault', runId, fault),
  getRunRecord: (runId: string) => call('getRunRecord', runId),
  listRunDirectories: () => call('listRunDirectories'),
  readTrace: (runId: string, query: TraceQuery) => call('readTrace', runId, query),
  listExercises: () => call('listExercises'),
  listSweeps: () => call('listSweeps'),
  startSweep: (file) => call('startSweep', file),
  stopSweep: () => call('stopSweep'),
  renderPdf: (html: string) => call('renderPdf', html),
  subscribe(listener: (message: LabStreamMessage) => void) {
    const forward = (_event: IpcRendererEvent, message: LabStreamMessage) => listener(message)
    ipcRenderer.on(labStreamChannel, forward)
    return () => {
      ipcRenderer.removeListener(labStreamChannel, forward)
    }
  },
}

contextBridge.exposeInMainWorld('lab', lab)
