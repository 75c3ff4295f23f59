/**
 * The run store's IndexedDB schema (Dexie), every version of it, and the migrations between them.
 *
 *   v1  runs        one row per run holding the whole RunRecord (`record`): the first layout.
 *   v2  runs        what the Runs list shows and edits (name, tags, notes, sizes) plus the small
 *                   parts of the record (summary, experiment, environment, final states);
 *       series      the 100 ms series of a run (one row per run);
 *       histograms  the HdrHistogram of latencies, compressed base64 as the lab wrote it;
 *       events      the bounded trace and history (one row per run and kind).
 *   v3  exercises   the course: a student's predictions, answers, checks and the runs each
 *                   exercise used (by run id; the runs themselves stay in runs/series/...);
 *       settings    small key-value settings (the student's name).
 *
 * Splitting the record keeps the list cheap to read (it never touches series or events) and lets
 * a compare screen load only the parts it draws. A version never changes once shipped: a new
 * layout is a new version with an upgrade function, and test/renderer/db proves each upgrade keeps
 * every run whole.
 */
import Dexie, { type Table, type Transaction } from 'dexie'
import type { Experiment } from '../../../src-main/api/experiment'
import type { BoundedEvents, RunEnvironment, RunFinalState, RunRecord, RunSeriesPoint } from '../../../src-main/api/run-file'
import type { RunSummary } from '../../../src-main/api/summary'
import type { HistoryEvent, TraceEvent } from '../../../src-main/api/trace'
import { describeInjected, verdictWord, type VerdictWord } from '../../../src-main/api/report/analysis'
import type { Answers, ExerciseCheck } from '../../../src-main/api/exercise/check'

export const runDatabaseName = 'consensus-lab-runs'
export const runDatabaseVersion = 3

export const schemaV1 = { runs: 'id, name, protocol, verdict, startedAt' } as const
export const schemaV2 = {
  runs: 'id, name, protocol, verdict, startedAt, finishedAt, *tags',
  series: 'runId',
  histograms: 'runId',
  events: '[runId+kind], runId',
} as const

export const schemaV3 = {
  ...schemaV2,
  exercises: 'exerciseId, updatedAt',
  settings: 'key',
} as const

/** A v1 row: the list's fields beside the whole record. */
export interface RunRowV1 {
  id: string
  name: string
  experimentName: string
  protocol: string
  nodes: number
  faultSummary: string
  verdict: VerdictWord
  startedAt: string
  finishedAt: string
  record: RunRecord
}

/** Approximate bytes of each stored part (its JSON length), for the storage figures. */
export interface RunSizes {
  record: number
  series: number
  histogram: number
  events: number
  total: number
}

export type RunOrigin = 'lab' | 'import' | 'migrated'

export interface RunRow {
  id: string
  /** The name the person gave the run (starts as the experiment's name); reports use it. */
  name: string
  experimentName: string
  protocol: string
  nodes: number
  faultCount: number
  /** The injected faults in words, e.g. "crash leader → A; restart crashed → A". */
  faultSummary: string
  verdict: VerdictWord
  startedAt: string
  finishedAt: string
  durationMs: number
  tags: string[]
  notes: string
  sizes: RunSizes
  savedAt: string
  origin: RunOrigin
  // The small parts of the RunRecord.
  exportedAt: string
  summary: RunSummary
  experiment: Experiment
  experimentSource?: string
  environment: RunEnvironment
  workloadStartMs?: number
  latencyByFunction?: RunRecord['latencyByFunction']
  finalStates: RunFinalState[]
}

export interface SeriesRow {
  runId: string
  points: RunSeriesPoint[]
}

export interface HistogramRow {
  runId: string
  latencyHistogramUs: string
}

export type EventsKind = 'trace' | 'history'

export type EventsRow =
  | ({ runId: string; kind: 'trace' } & BoundedEvents<TraceEvent>)
  | ({ runId: string; kind: 'history' } & BoundedEvents<HistoryEvent>)

export interface RunParts {
  run: RunRow
  series: SeriesRow
  histogram: HistogramRow
  events: EventsRow[]
}

/** Fault descriptions kept in the list row; the record keeps every fault. */
const faultSummaryFaultsMax = 12

export function faultSummaryOf(summary: RunSummary): string {
  const described = summary.faults.slice(0, faultSummaryFaultsMax).map(describeInjected)
  const more = summary.faults.length - described.length
  return more > 0 ? `${described.join('; ')}; +${more}` : described.join('; ')
}

function finishedAtOf(summary: RunSummary): string {
  const started = Date.parse(summary.startedAt)
  return Number.isFinite(started) ? new Date(started + summary.durationMs).toISOString() : summary.startedAt
}

const jsonLength = (value: unknown) => (value === undefined ? 0 : JSON.stringify(value).length)

export interface RowDefaults {
  name?: string
  tags?: string[]
  notes?: string
  origin: RunOrigin
  savedAt: string
}

/** The rows a RunRecord is stored as. */
export function splitRecord(record: RunRecord, defaults: RowDefaults): RunParts {
  const { summary } = record
  const events: EventsRow[] = []
  if (record.trace) events.push({ runId: summary.runId, kind: 'trace', ...record.trace })
  if (record.history) events.push({ runId: summary.runId, kind: 'history', ...record.history })
  const small = {
    exportedAt: record.exportedAt,
    summary,
    experiment: record.experiment,
    experimentSource: record.experimentSource,
    environment: record.environment,
    workloadStartMs: record.workloadStartMs,
    latencyByFunction: record.latencyByFunction,
    finalStates: record.finalStates,
  }
  const sizes = {
    record: jsonLength(small),
    series: jsonLength(record.series),
    histogram: record.latencyHistogramUs.length,
    events: jsonLength(record.trace) + jsonLength(record.history),
  }
  const run: RunRow = {
    id: summary.runId,
    name: defaults.name ?? summary.name,
    experimentName: record.experiment.name,
    protocol: summary.protocol,
    nodes: summary.nodes,
    faultCount: summary.faults.length,
    faultSummary: faultSummaryOf(summary),
    verdict: verdictWord(summary),
    startedAt: summary.startedAt,
    finishedAt: finishedAtOf(summary),
    durationMs: summary.durationMs,
    tags: defaults.tags ?? [],
    notes: defaults.notes ?? '',
    sizes: { ...sizes, total: sizes.record + sizes.series + sizes.histogram + sizes.events },
    savedAt: defaults.savedAt,
    origin: defaults.origin,
    ...withoutUndefined(small),
  }
  return { run, series: { runId: summary.runId, points: record.series }, histogram: { runId: summary.runId, latencyHistogramUs: record.latencyHistogramUs }, events }
}

/** The RunRecord back from its rows; the person's name for the run is the summary's name. */
export function joinRecord(parts: { run: RunRow; series?: SeriesRow; histogram?: HistogramRow; events: EventsRow[] }): RunRecord {
  const { run } = parts
  const record: RunRecord = {
    format: 'consensus-lab-run',
    version: 1,
    exportedAt: run.exportedAt,
    summary: { ...run.summary, name: run.name },
    experiment: run.experiment,
    environment: run.environment,
    series: parts.series?.points ?? [],
    latencyHistogramUs: parts.histogram?.latencyHistogramUs ?? '',
    finalStates: run.finalStates,
  }
  if (run.experimentSource !== undefined) record.experimentSource = run.experimentSource
  if (run.workloadStartMs !== undefined) record.workloadStartMs = run.workloadStartMs
  if (run.latencyByFunction !== undefined) record.latencyByFunction = run.latencyByFunction
  for (const row of parts.events) {
    const { runId: _runId, kind, ...bounded } = row
    if (kind === 'trace') record.trace = bounded as BoundedEvents<TraceEvent>
    else record.history = bounded as BoundedEvents<HistoryEvent>
  }
  return record
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, part]) => part !== undefined)) as T
}

/**
 * v1 → v2: each run's record moves into its rows, one run at a time (bounded memory however many
 * runs there are); the list fields v1 had are kept as they were, and tags and notes start empty.
 */
export async function migrateV1ToV2(tx: Transaction): Promise<void> {
  const runs = tx.table('runs')
  const ids = (await runs.toCollection().primaryKeys()) as string[]
  for (const id of ids) {
    const old = (await runs.get(id)) as RunRowV1 | undefined
    if (old?.record === undefined) continue
    const parts = splitRecord(old.record, { name: old.name, origin: 'migrated', savedAt: old.finishedAt })
    await tx.table('series').put(parts.series)
    await tx.table('histograms').put(parts.histogram)
    if (parts.events.length > 0) await tx.table('events').bulkPut(parts.events)
    await runs.put(parts.run)
  }
}

/** One exercise of the course as the student left it. */
export interface ExerciseProgressRow {
  exerciseId: string
  predictions: Answers
  answers: Answers
  /** The run (by run id in the run store) each of the exercise's runs used, by the exercise's run id. */
  runs: Record<string, string>
  /** Set when the first run started: predictions are kept as they were then. */
  predictionsLockedAt?: string
  /** The last check; cleared when an answer or a run changes. */
  check?: ExerciseCheck
  startedAt: string
  updatedAt: string
}

export interface SettingRow {
  key: string
  value: string
}

export class RunDatabase extends Dexie {
  exercises!: Table<ExerciseProgressRow, string>
  settings!: Table<SettingRow, string>
  runs!: Table<RunRow, string>
  series!: Table<SeriesRow, string>
  histograms!: Table<HistogramRow, string>
  events!: Table<EventsRow, [string, EventsKind]>

  constructor(name = runDatabaseName) {
    super(name)
    this.version(1).stores(schemaV1)
    this.version(2).stores(schemaV2).upgrade(migrateV1ToV2)
    // v2 -> v3 adds two tables and changes no row: nothing to move.
    this.version(3).stores(schemaV3)
  }
}
