/**
 * Runs a sweep's cells on real processes, one run after another, and keeps what each run left in
 * the sweep's directory: its run directory under runs/, and one line of results in sweep.json,
 * written (atomically) after every run. Started again on the same directory, it resumes: a run whose
 * result is there, completed, for the same experiment, is not run again.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { parseDocument } from 'yaml'
import { planSweep, repetitionSeed, validateSweepText, type AxisName, type Sweep, type SweepCell } from '../../api/sweep.js'
import { formatFieldErrors, yamlAliasCountMax, type ValidationLocale } from '../../api/validate.js'
import { verdictWord } from '../../api/report/analysis.js'
import { summarizeSweep, sweepCsv, type PlannedCell, type SweepRunResult, type SweepSummary } from '../../api/report/sweep-results.js'
import type { Experiment } from '../../api/experiment.js'
import type { LabStreamMessage } from '../../api/lab-api.js'
import { formatFileRefusal, readTextFile } from '../experiment-file.js'
import { ExperimentRun, RunStartError } from '../runner.js'

/** Beyond its workload, a run may take this long (start, final reads, verdict) before it is interrupted. */
export const runOverheadMsMax = 90_000
export const stateFileName = 'sweep.json'
export const summaryFileName = 'sweep-summary.json'
export const csvFileName = 'sweep-summary.csv'

export interface LoadedSweep {
  file: string
  text: string
  sweep: Sweep
  cells: SweepCell[]
  varied: AxisName[]
}

export type SweepLoad = { ok: true; loaded: LoadedSweep } | { ok: false; message: string }

/** Reads and plans a sweep file: every cell validated as an experiment; errors name the file and the cell. */
export function loadSweepFile(file: string, locale: ValidationLocale = 'en'): SweepLoad {
  const read = readTextFile(file, 'sweep')
  if (!read.ok) return { ok: false, message: formatFileRefusal(file, read.refusal, locale) }
  const text = read.text
  const validated = validateSweepText(text)
  if (!validated.ok) return { ok: false, message: formatFieldErrors(validated.errors, file, locale) }
  const sweep = validated.sweep
  let baseInput: Record<string, unknown>
  if (sweep.base !== undefined) {
    const baseFile = path.resolve(path.dirname(file), sweep.base)
    const baseRead = readTextFile(baseFile, 'experiment')
    if (!baseRead.ok) return { ok: false, message: `${file}: base: ${formatFileRefusal(baseFile, baseRead.refusal, locale)}` }
    const parsed = parseObject(baseRead.text)
    if (typeof parsed === 'string') return { ok: false, message: `${file}: base: ${baseFile}: ${parsed}` }
    baseInput = parsed
  } else baseInput = sweep.experiment!
  const plan = planSweep(sweep, baseInput)
  if (!plan.ok) {
    return { ok: false, message: plan.errors.map((error) => `${file}: cell ${error.cell}: ${formatFieldErrors(error.errors, undefined, locale).replace(/\n/g, `\n${file}: cell ${error.cell}: `)}`).join('\n') }
  }
  return { ok: true, loaded: { file, text, sweep, cells: plan.cells, varied: plan.varied } }
}

function parseObject(text: string): Record<string, unknown> | string {
  const document = parseDocument(text, { prettyErrors: false })
  if (document.errors[0] !== undefined) return `not valid YAML or JSON: ${document.errors[0].message.split('\n')[0]!.slice(0, 200)}`
  try {
    const value: unknown = document.toJS({ maxAliasCount: yamlAliasCountMax })
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'expected an experiment object'
    return value as Record<string, unknown>
  } catch (error) {
    return `not a usable YAML document: ${(error as Error).message.slice(0, 200)}`
  }
}

export interface SweepState {
  name: string
  /** sha256 of the sweep file when the results were made (informational: runs are matched by experiment). */
  sweepDigest: string
  results: (SweepRunResult & { experimentDigest: string })[]
}

export interface SweepRunPlan {
  cell: SweepCell
  repetition: number
  experiment: Experiment
  experimentDigest: string
}

/** Every run of the sweep, cell by cell, repetitions of a cell together. */
export function sweepRuns(loaded: LoadedSweep): SweepRunPlan[] {
  return loaded.cells.flatMap((cell) =>
    Array.from({ length: loaded.sweep.repetitions }, (_, index) => {
      const experiment = { ...cell.experiment, seed: repetitionSeed(cell.experiment, index + 1) }
      return { cell, repetition: index + 1, experiment, experimentDigest: digestOf(JSON.stringify(experiment)) }
    }),
  )
}

export function readSweepState(dir: string): SweepState | undefined {
  const file = path.join(dir, stateFileName)
  if (!fs.existsSync(file)) return undefined
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as SweepState
  if (!Array.isArray(state.results)) throw new Error(`${file}: not a sweep state (no results)`)
  return state
}

export interface SweepProgress {
  index: number
  total: number
  /** Runs already done before this session (resumed). */
  reused: number
  run: SweepRunPlan
  /** Time left, from the runs of this session so far (or the planned durations before any). */
  etaMs: number
}

export interface SweepOptions {
  /** Where sweep.json and the summary go. */
  dir: string
  /** Where the runs' directories go (default dir/runs; the app keeps them with its other runs). */
  runsDir?: string
  /** Every run's live messages (frames, its end), as a single run sends them. */
  onMessage?: (message: LabStreamMessage) => void
  onRunStart?: (progress: SweepProgress) => void
  onRunEnd?: (result: SweepRunResult, progress: SweepProgress) => void
}

export interface SweepOutcome {
  summary: SweepSummary
  ran: number
  reused: number
  interrupted?: string
}

export class SweepSession {
  private current?: ExperimentRun
  private interruptedBy?: string

  constructor(
    private readonly loaded: LoadedSweep,
    private readonly options: SweepOptions,
  ) {}

  interrupt(reason: string): void {
    this.interruptedBy ??= reason
    this.current?.interrupt(reason)
  }

  async run(): Promise<SweepOutcome> {
    const { dir } = this.options
    fs.mkdirSync(dir, { recursive: true })
    fs.mkdirSync(this.runsDir(), { recursive: true })
    const runs = sweepRuns(this.loaded)
    const previous = readSweepState(dir)
    const wanted = new Set(runs.map((run) => run.experimentDigest))
    // A result is reused only for the very experiment it ran (same cell, seed and every field) and
    // only if that run completed: an interrupted or failed run is run again.
    const kept = (previous?.results ?? []).filter((result) => result.completed && wanted.has(result.experimentDigest))
    const state: SweepState = { name: this.loaded.sweep.name, sweepDigest: digestOf(this.loaded.text), results: kept }
    const done = new Set(kept.map((result) => result.experimentDigest))
    const todo = runs.filter((run) => !done.has(run.experimentDigest))
    const reused = runs.length - todo.length
    let elapsedThisSession = 0
    let ran = 0
    for (const [offset, run] of todo.entries()) {
      if (this.interruptedBy !== undefined) break
      const remaining = todo.length - offset
      const etaMs = ran > 0 ? (elapsedThisSession / ran) * remaining : todo.slice(offset).reduce((sum, next) => sum + plannedMs(next.experiment), 0)
      const progress: SweepProgress = { index: reused + offset, total: runs.length, reused, run, etaMs }
      this.options.onRunStart?.(progress)
      const result = await this.runOne(run)
      elapsedThisSession += result.elapsedMs
      ran += 1
      // Keep an interrupted run out of the results: it is run again on resume.
      if (this.interruptedBy === undefined || result.completed) {
        state.results = [...state.results.filter((entry) => entry.experimentDigest !== run.experimentDigest), { ...result, experimentDigest: run.experimentDigest }]
        writeJsonAtomically(path.join(dir, stateFileName), state)
      }
      this.options.onRunEnd?.(result, progress)
    }
    const summary = summarizeSweep(
      { name: this.loaded.sweep.name, description: this.loaded.sweep.description, varied: this.loaded.varied, repetitions: this.loaded.sweep.repetitions },
      plannedCells(this.loaded.cells),
      state.results,
    )
    writeJsonAtomically(path.join(dir, summaryFileName), summary)
    writeTextAtomically(path.join(dir, csvFileName), sweepCsv(summary))
    return { summary, ran, reused, interrupted: this.interruptedBy }
  }

  private runsDir(): string {
    return this.options.runsDir ?? path.join(this.options.dir, 'runs')
  }

  private async runOne(plan: SweepRunPlan): Promise<SweepRunResult> {
    const startedMs = performance.now()
    let run: ExperimentRun
    try {
      run = new ExperimentRun(plan.experiment, { runsDir: this.runsDir(), sourceText: `${JSON.stringify(plan.experiment, null, 2)}\n`, onMessage: this.options.onMessage })
    } catch (error) {
      if (!(error instanceof RunStartError)) throw error
      return notStarted(plan, error.message, performance.now() - startedMs)
    }
    this.current = run
    const boundMs = plan.experiment.workload.warmup + plan.experiment.workload.duration + runOverheadMsMax
    const bound = setTimeout(() => run.interrupt(`the sweep's time bound for one run (${boundMs / 1000} s) ran out`), boundMs)
    try {
      const summary = await run.execute()
      return {
        cellId: plan.cell.id,
        repetition: plan.repetition,
        seed: plan.experiment.seed,
        runId: summary.runId,
        runDir: path.relative(this.options.dir, summary.runDir),
        completed: summary.completed,
        ...(summary.error === undefined ? {} : { error: summary.error }),
        verdict: verdictWord(summary),
        p50Ms: summary.ops.ok > 0 ? summary.latencyMs.p50 : null,
        p99Ms: summary.ops.ok > 0 ? summary.latencyMs.p99 : null,
        throughput: summary.throughput,
        opsOk: summary.ops.ok,
        opsFail: summary.ops.fail,
        ...(summary.lostWrites === undefined ? {} : { lostWrites: summary.lostWrites.lost }),
        ...breakdownOf(summary),
        elapsedMs: performance.now() - startedMs,
      }
    } finally {
      clearTimeout(bound)
      this.current = undefined
    }
  }
}

function notStarted(plan: SweepRunPlan, error: string, elapsedMs: number): SweepRunResult {
  return { cellId: plan.cell.id, repetition: plan.repetition, seed: plan.experiment.seed, runId: '', runDir: '', completed: false, error, verdict: 'INCOMPLETE', p50Ms: null, p99Ms: null, throughput: 0, opsOk: 0, opsFail: 0, elapsedMs }
}

/** The per-phase breakdown, when the run's summary has one (runs with the log traced). */
function breakdownOf(summary: object): { latencyBreakdown?: SweepRunResult['latencyBreakdown'] } {
  const breakdown = (summary as { latencyBreakdown?: unknown }).latencyBreakdown
  return Array.isArray(breakdown) ? { latencyBreakdown: breakdown as SweepRunResult['latencyBreakdown'] } : {}
}

export function plannedCells(cells: readonly SweepCell[]): PlannedCell[] {
  return cells.map((cell) => ({
    id: cell.id,
    label: cell.label,
    coordinates: cell.coordinates,
    protocol: cell.experiment.protocol,
    nodes: cell.experiment.cluster.nodes.length,
    delayMs: cell.experiment.network.delayMs,
  }))
}

/** A run's workload plus a typical start-up and verdict, for the first estimate of the time left. */
function plannedMs(experiment: Experiment): number {
  return experiment.workload.warmup + experiment.workload.duration + 4000
}

function digestOf(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex')
}

function writeJsonAtomically(file: string, value: unknown): void {
  writeTextAtomically(file, `${JSON.stringify(value, null, 2)}\n`)
}

/** A kill -9 in the middle of a write leaves the previous file, never half of the new one. */
function writeTextAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`
  const handle = fs.openSync(temporary, 'w')
  try {
    fs.writeFileSync(handle, text)
    fs.fsyncSync(handle)
  } finally {
    fs.closeSync(handle)
  }
  fs.renameSync(temporary, file)
}
