/**
 * The LabApi implemented over the orchestrator, for the hosts (Electron IPC, browser-mode WebSocket).
 * One run at a time: a lab machine has few cores and every replica is a real process.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ExerciseFileText, ExperimentFile, Fault, FaultResult, LabApi, LabInfo, LabStreamMessage, RunDirectoryInfo, StartRunResult, StartSweepResult, SweepListing, SweepRunning, TraceQuery } from '../api/lab-api.js'
import { summarizeSweep } from '../api/report/sweep-results.js'
import { loadSweepFile, plannedCells, readSweepState, SweepSession, type SweepState } from './sweep/session.js'
import { buildTraceIndex, parseTraceIndex, readTraceWindow, type TraceIndex } from './trace-index.js'
import { validateExperimentText, type FieldError, type ValidationResult } from '../api/validate.js'
import { ExperimentRun } from './runner.js'
import { loadRunDirectory } from './report/run-directory.js'

export interface LabServiceOptions {
  experimentsDir: string
  userExperimentsDir: string
  /** The course's exercises (default: exercises/ beside the experiments folder). */
  exercisesDir?: string
  runsDir: string
  /** The sweeps it ships (default: sweeps/ in the experiments folder). */
  sweepsDir?: string
  host?: LabInfo['host']
  version?: string
  /**
   * Prints a report's HTML to PDF. Injected by the host (Electron: printToPDF; browser mode:
   * Chromium through playwright-core), so this module imports neither.
   */
  renderPdf?: (html: string) => Promise<Uint8Array>
}

export interface LabService extends LabApi {
  /** Ends the run in progress: interrupted with `reason` when given, else stopped (it ends normally). */
  close(reason?: string): Promise<void>
}

const experimentFilePattern = /\.(ya?ml|json)$/i
const experimentFilesMax = 500
/** listRunDirectories reads each run's summary: bounded, newest first. */
export const runDirectoriesMax = 1000

export function createLabService(options: LabServiceOptions): LabService {
  const listeners = new Set<(message: LabStreamMessage) => void>()
  let active: { run: ExperimentRun; finished: Promise<unknown> } | undefined
  let activeSweep: { file: string; session: SweepSession; running?: SweepRunning; finished: Promise<unknown> } | undefined
  const sweepsDir = options.sweepsDir ?? path.join(options.experimentsDir, 'sweeps')
  const sweepDirOf = (name: string) => path.join(options.runsDir, 'sweeps', name.replace(/[^A-Za-z0-9_.-]+/g, '-'))
  const listing = (file: string): SweepListing => describeSweep(sweepsDir, file, sweepDirOf, activeSweep?.file === file ? activeSweep.running : undefined)
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
      if (activeSweep) return { ok: false, errors: [{ path: '', message: `sweep ${activeSweep.file} is in progress: stop it first` }] }
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

    async injectFault(runId: string, fault: Fault): Promise<FaultResult> {
      if (active?.run.id !== runId) return { ok: false, error: `run ${runId} is not in progress`, notes: [{ code: 'runNotInProgress', runId }] }
      return active.run.inject(fault)
    },

    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    async getRunRecord(runId: string) {
      const dir = runDirectory(options.runsDir, runId)
      // The summary is the last file a run writes, just before it announces its end.
      if (active?.run.id === runId && !fs.existsSync(path.join(dir, 'summary.json'))) throw new Error(`run ${runId} is still in progress: its record is ready when it ends`)
      return loadRunDirectory(dir)
    },

    async listRunDirectories() {
      return readRunDirectories(options.runsDir)
    },

    async readTrace(runId: string, query: TraceQuery) {
      if (active?.run.id === runId) return active.run.readTrace(query)
      const dir = runDirectory(options.runsDir, runId)
      const file = path.join(dir, 'trace.ndjson')
      if (!fs.existsSync(file)) throw new Error(`run ${runId} has no trace.ndjson`)
      const summary = readSummary(path.join(dir, 'summary.json'))
      const originMs = typeof summary?.workloadStartMs === 'number' ? summary.workloadStartMs : 0
      return readTraceWindow(file, await storedTraceIndex(dir, file), originMs, query)
    },

    async listExercises() {
      return readExerciseDir(options.exercisesDir ?? path.join(path.dirname(options.experimentsDir), 'exercises'))
    },

    async renderPdf(html: string) {
      if (options.renderPdf === undefined) throw new Error('this lab host cannot print PDF reports; export HTML and print it from a browser')
      const pdf = await options.renderPdf(html)
      return Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('base64')
    },

    async listSweeps() {
      if (!fs.existsSync(sweepsDir)) return []
      return fs
        .readdirSync(sweepsDir)
        .filter((file) => file.endsWith('.sweep.yaml'))
        .sort()
        .slice(0, experimentFilesMax)
        .map((file) => listing(file))
    },

    async startSweep(file: string): Promise<StartSweepResult> {
      if (activeSweep) return { ok: false, error: `sweep ${activeSweep.file} is already in progress` }
      if (active) return { ok: false, error: `run ${active.run.id} is still in progress: stop it first` }
      const name = path.basename(file)
      if (name !== file || !name.endsWith('.sweep.yaml') || !fs.existsSync(path.join(sweepsDir, name))) return { ok: false, error: `no sweep ${JSON.stringify(file)} in ${sweepsDir}` }
      const loaded = loadSweepFile(path.join(sweepsDir, name))
      if (!loaded.ok) return { ok: false, error: loaded.message }
      const session = new SweepSession(loaded.loaded, {
        dir: sweepDirOf(loaded.loaded.sweep.name),
        runsDir: options.runsDir,
        onMessage: broadcast,
        onRunStart: (progress) => {
          if (activeSweep === undefined) return
          activeSweep.running = { index: progress.index, total: progress.total, cellId: progress.run.cell.id, repetition: progress.run.repetition, etaMs: progress.etaMs }
          broadcast({ kind: 'sweep', listing: listing(name), state: 'running' })
        },
        onRunEnd: () => broadcast({ kind: 'sweep', listing: listing(name), state: 'running' }),
      })
      const finished = session
        .run()
        .then((outcome) => ({ state: outcome.interrupted === undefined ? ('finished' as const) : ('stopped' as const) }))
        .catch((error: unknown) => {
          console.error(`sweep ${name} failed:`, error)
          return { state: 'stopped' as const }
        })
        .then(({ state }) => {
          activeSweep = undefined
          broadcast({ kind: 'sweep', listing: listing(name), state })
        })
      activeSweep = { file: name, session, finished }
      return { ok: true }
    },

    async stopSweep() {
      activeSweep?.session.interrupt('stopped from the app')
    },

    async close(reason?: string) {
      const sweep = activeSweep
      if (sweep) {
        sweep.session.interrupt(reason ?? 'the lab is closing')
        await sweep.finished
      }
      const running = active
      if (!running) return
      if (reason === undefined) running.run.stop()
      else running.run.interrupt(reason)
      await running.finished
    },
  }
  return service
}

/** A sweep file and its results so far (its sweep.json under the runs folder). */
function describeSweep(sweepsDir: string, file: string, sweepDirOf: (name: string) => string, running: SweepRunning | undefined): SweepListing {
  const loaded = loadSweepFile(path.join(sweepsDir, file))
  if (!loaded.ok) return { file, name: file, description: '', repetitions: 0, runsTotal: 0, runIds: {}, error: loaded.message }
  const { sweep, cells, varied } = loaded.loaded
  let results: SweepState['results'] = []
  try {
    results = readSweepState(sweepDirOf(sweep.name))?.results ?? []
  } catch {
    // A damaged sweep.json reads as no results: the sweep runs again from the start.
  }
  const runIds: Record<string, string[]> = {}
  for (const result of results) if (result.completed && result.runId) runIds[result.cellId] = [...(runIds[result.cellId] ?? []), result.runId]
  return {
    file,
    name: sweep.name,
    description: sweep.description.trim(),
    ...(sweep.descriptionKo ? { descriptionKo: sweep.descriptionKo.trim() } : {}),
    repetitions: sweep.repetitions,
    runsTotal: cells.length * sweep.repetitions,
    summary: summarizeSweep({ name: sweep.name, description: sweep.description, varied, repetitions: sweep.repetitions }, plannedCells(cells), results),
    runIds,
    ...(running ? { running } : {}),
  }
}

/** Exercise files bundled with the lab, at most experimentFilesMax, by name (they start with their number). */
function readExerciseDir(directory: string): ExerciseFileText[] {
  if (!fs.existsSync(directory)) return []
  return fs
    .readdirSync(directory)
    .filter((file) => /\.ya?ml$/i.test(file))
    .sort()
    .slice(0, experimentFilesMax)
    .map((file) => ({ file, text: fs.readFileSync(path.join(directory, file), 'utf8') }))
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
    return { file, name: experiment.name, description: experiment.description.trim(), ...(experiment.descriptionKo ? { descriptionKo: experiment.descriptionKo.trim() } : {}), protocol: experiment.protocol, nodes: experiment.cluster.nodes.length, text, source }
  }
  const errors: FieldError[] = result.errors
  return { file, name: file, description: '', protocol: 'unknown', nodes: 0, text, source, errors }
}

function safeFileName(file: string): string | undefined {
  const base = path.basename(file.trim())
  const withExtension = experimentFilePattern.test(base) ? base : `${base}.yaml`
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.(ya?ml|json)$/.test(withExtension) ? withExtension : undefined
}

/** The run's folder; the id (checked by the hosts: no separators) never leaves runsDir. */
function runDirectory(runsDir: string, runId: string): string {
  const root = path.resolve(runsDir)
  const dir = path.resolve(root, runId)
  if (path.dirname(dir) !== root) throw new Error(`expected a run id, got ${JSON.stringify(runId)}`)
  return dir
}

function readRunDirectories(runsDir: string): RunDirectoryInfo[] {
  if (!fs.existsSync(runsDir)) return []
  // Run ids start with their UTC start time (20261127-181915-...): newest first by name, so a
  // folder of thousands of runs reads only the summaries it lists.
  const names = fs
    .readdirSync(runsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .reverse()
  const runs: RunDirectoryInfo[] = []
  for (const name of names) {
    if (runs.length >= runDirectoriesMax) break
    const summary = readSummary(path.join(runsDir, name, 'summary.json'))
    if (summary === undefined) continue
    runs.push({
      runId: name,
      name: typeof summary.name === 'string' ? summary.name : name,
      protocol: typeof summary.protocol === 'string' ? summary.protocol : 'unknown',
      startedAt: typeof summary.startedAt === 'string' ? summary.startedAt : '',
      completed: summary.completed !== false,
    })
  }
  return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt))
}

/** Indexes built for stored runs that had none (older runs): a few, most recent last. */
const builtIndexes = new Map<string, TraceIndex>()
const builtIndexesMax = 8

async function storedTraceIndex(dir: string, file: string): Promise<TraceIndex> {
  const stored = fs.existsSync(path.join(dir, 'trace.index.json')) ? parseTraceIndex(fs.readFileSync(path.join(dir, 'trace.index.json'), 'utf8')) : undefined
  if (stored) return stored
  const key = `${file}:${fs.statSync(file).size}`
  const cached = builtIndexes.get(key)
  if (cached) return cached
  const built = await buildTraceIndex(file)
  builtIndexes.set(key, built)
  if (builtIndexes.size > builtIndexesMax) builtIndexes.delete(builtIndexes.keys().next().value!)
  return built
}

function readSummary(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'))
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
