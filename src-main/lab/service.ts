/**
 * The LabApi implemented over the orchestrator, for the hosts (Electron IPC, browser-mode WebSocket).
 * One run at a time: a lab machine has few cores and every replica is a real process.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ExperimentFile, FaultAction, FaultResult, LabApi, LabInfo, LabStreamMessage, StartRunResult } from '../api/lab-api.js'
import { validateExperimentText, type FieldError, type ValidationResult } from '../api/validate.js'
import { ExperimentRun } from './runner.js'

export interface LabServiceOptions {
  experimentsDir: string
  userExperimentsDir: string
  runsDir: string
  host?: LabInfo['host']
  version?: string
}

export interface LabService extends LabApi {
  close(): Promise<void>
}

const experimentFilePattern = /\.(ya?ml|json)$/i
const experimentFilesMax = 500

export function createLabService(options: LabServiceOptions): LabService {
  const listeners = new Set<(message: LabStreamMessage) => void>()
  let active: { run: ExperimentRun; finished: Promise<unknown> } | undefined
  const broadcast = (message: LabStreamMessage) => {
    for (const listener of listeners) {
      try {
        listener(message)
      } catch {
        // A failing viewer must not stop the run or the other viewers.
      }
    }
  }

  const service: LabService = {
    async info() {
      return {
        host: options.host ?? 'browser',
        version: options.version ?? '0.1.0',
        platform: `${os.type()} ${os.release()} (${os.arch()}, ${os.cpus().length} cores)`,
        nodeVersion: process.versions.node,
        experimentsDir: options.experimentsDir,
      }
    },

    async listExperiments() {
      return [...readExperimentDir(options.experimentsDir, 'bundled'), ...readExperimentDir(options.userExperimentsDir, 'user')]
    },

    async validateExperiment(text: string): Promise<ValidationResult> {
      return validateExperimentText(text)
    },

    async saveExperiment(file: string, text: string) {
      const name = safeFileName(file)
      if (!name) return { ok: false, errors: [{ path: '', message: `expected a file name of letters, digits, - and _, ending in .yaml, got ${JSON.stringify(file)}` }] }
      const result = validateExperimentText(text)
      if (!result.ok) return { ok: false, errors: result.errors }
      fs.mkdirSync(options.userExperimentsDir, { recursive: true })
      fs.writeFileSync(path.join(options.userExperimentsDir, name), text)
      return { ok: true, file: name }
    },

    async startRun(text: string): Promise<StartRunResult> {
      if (active) return { ok: false, errors: [{ path: '', message: `run ${active.run.id} is still in progress: stop it first` }] }
      const result = validateExperimentText(text)
      if (!result.ok) return { ok: false, errors: result.errors }
      const run = new ExperimentRun(result.experiment, { runsDir: options.runsDir, sourceText: text, onMessage: broadcast })
      const finished = run.execute().finally(() => {
        if (active?.run === run) active = undefined
      })
      active = { run, finished }
      return { ok: true, runId: run.id }
    },

    async stopRun(runId: string) {
      if (active?.run.id === runId) active.run.stop()
    },

    async injectFault(runId: string, action: FaultAction): Promise<FaultResult> {
      if (active?.run.id !== runId) return { ok: false, error: `run ${runId} is not in progress` }
      return active.run.inject(action)
    },

    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    async close() {
      const running = active
      if (!running) return
      running.run.stop()
      await running.finished
    },
  }
  return service
}

function readExperimentDir(directory: string, source: ExperimentFile['source']): ExperimentFile[] {
  if (!fs.existsSync(directory)) return []
  return fs
    .readdirSync(directory)
    .filter((file) => experimentFilePattern.test(file) && !file.endsWith('.schema.json'))
    .sort()
    .slice(0, experimentFilesMax)
    .map((file) => describeExperimentFile(directory, file, source))
}

function describeExperimentFile(directory: string, file: string, source: ExperimentFile['source']): ExperimentFile {
  const text = fs.readFileSync(path.join(directory, file), 'utf8')
  const result = validateExperimentText(text)
  if (result.ok) {
    const { experiment } = result
    return { file, name: experiment.name, description: experiment.description.trim(), protocol: experiment.protocol, nodes: experiment.cluster.nodes.length, text, source }
  }
  const errors: FieldError[] = result.errors
  return { file, name: file, description: '', protocol: 'unknown', nodes: 0, text, source, errors }
}

function safeFileName(file: string): string | undefined {
  const base = path.basename(file.trim())
  const withExtension = experimentFilePattern.test(base) ? base : `${base}.yaml`
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.(ya?ml|json)$/.test(withExtension) ? withExtension : undefined
}
