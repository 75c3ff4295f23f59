/**
 * The run file: one finished run as a single file, to show, compare and report it without its run
 * directory. The CLI (`lab export`) writes it and the app imports it; both read it with this module,
 * which is pure (no node: imports) so it runs in Node and in the browser alike.
 *
 * Two encodings of the same RunRecord:
 *   - `.json`: the record as one JSON object.
 *   - `.ndjson.gz`: gzip (CompressionStream) of NDJSON lines: a header line, then typed records
 *     (summary, experiment, environment, metrics, final-states, one line per series point, trace
 *     event and history event), then an end line whose count proves the file is whole.
 *
 * Reading never trusts the file: the format name, then the version, then every field is checked
 * (zod), and a problem is a RunFileError whose message starts with what kind of problem it is.
 */
import { z } from 'zod'
import type { Experiment } from './experiment.js'
import type { RunSummary } from './summary.js'
import type { HistoryEvent, TraceEvent } from './trace.js'

export const runFileFormat = 'consensus-lab-run'
export const runFileVersion = 1

/**
 * Events kept in a run file, per list. A long run's trace has millions of message events; the file
 * keeps every non-message event (roles, terms, faults, applies, ...) first, then the earliest
 * message events (send, recv, drop) up to the bound, and says how many it left out.
 */
export const traceEventsMax = 100_000
/** History events kept (the first ones, in file order); the verdict was computed on all of them. */
export const historyEventsMax = 100_000
/** Decompressed size a bundle may reach before it is refused (a bound against a runaway file). */
export const runFileTextBytesMax = 512 * 1024 * 1024

/** One row per live frame interval (100 ms): the shape of series.json in a run directory. */
export interface RunSeriesPoint {
  /** End of the interval, ms since the run's epoch. */
  t: number
  /** Operations completed in the interval, by outcome. */
  ok: number
  fail: number
  info: number
  p50Ms: number | null
  p99Ms: number | null
  /** The acknowledged leader (or primary) at the end of the interval; null when none. */
  leader: string | null
  commitIndex: Record<string, number>
  term: Record<string, number>
}

/** Where and with what the run was made (or, for older run directories, exported). */
export interface RunEnvironment {
  /** Host name and CPU model, e.g. "lab-7 (AMD EPYC 7B13)". */
  machine: string
  cpus: number
  memoryBytes?: number
  /** e.g. "linux 6.1.0 x64". */
  os: string
  /** Node.js version that ran the lab, e.g. "v20.20.2". */
  node: string
  labVersion: string
  /**
   * 'run': recorded with the run. 'export': the run directory did not record its environment, so
   * this is the machine that exported it (usually the same one).
   */
  capturedAt: 'run' | 'export'
}

/** A list kept within a bound: `total` events existed, `omitted` of them are not in `events`. */
export interface BoundedEvents<T> {
  events: T[]
  total: number
  omitted: number
  /** What was left out and why, for a person; absent when nothing was. */
  note?: string
}

/** The end state of one replica (final-states.json); only these fields are relied upon. */
export interface RunFinalState {
  node: string
  appliedIndex: number
  hash: string
  kvDigest?: string
  keys?: number
  [field: string]: unknown
}

export interface RunRecord {
  format: typeof runFileFormat
  version: typeof runFileVersion
  /** When this record was made from the run directory (ISO time). */
  exportedAt: string
  summary: RunSummary
  /** The resolved experiment (experiment.json): durations in ms, node names filled in. */
  experiment: Experiment
  /** The experiment file as the person wrote it, when the run kept it. */
  experimentSource?: string
  environment: RunEnvironment
  /**
   * Experiment time 0 (when the workload and the protocol clocks started), in ms since the run's
   * epoch. Series and trace times count from the epoch; fault times (summary.faults[].atMs) from
   * here. Absent when it could not be told.
   */
  workloadStartMs?: number
  series: RunSeriesPoint[]
  /** HdrHistogram of measured operation latencies in microseconds (compressed base64). */
  latencyHistogramUs: string
  /** Operation counts per function (get, put, ...), by outcome. */
  latencyByFunction?: Record<string, { ok: number; fail: number; info: number }>
  finalStates: RunFinalState[]
  trace?: BoundedEvents<TraceEvent>
  history?: BoundedEvents<HistoryEvent>
}

export type RunFileProblem = 'foreign' | 'newer' | 'corrupt'

/** Why a run file cannot be read; the message is for a person and starts with the kind of problem. */
export class RunFileError extends Error {
  constructor(
    readonly problem: RunFileProblem,
    message: string,
  ) {
    super(message)
    this.name = 'RunFileError'
  }
}

export type RunFileEncoding = 'json' | 'ndjson.gz'

/** The encoding a file name asks for, or undefined when it names neither. */
export function runFileEncodingFor(fileName: string): RunFileEncoding | undefined {
  const lower = fileName.toLowerCase()
  if (lower.endsWith('.ndjson.gz')) return 'ndjson.gz'
  if (lower.endsWith('.json')) return 'json'
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Schemas. Objects are loose: fields a later lab adds within version 1 survive a round trip.

const count = z.number().int().min(0)
const latencySchema = z.looseObject({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number(), mean: z.number() })
const verdictSchema = z.looseObject({
  linearizable: z.union([z.boolean(), z.literal('unknown')]),
  invariants: z.array(z.looseObject({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  witness: z.string().optional(),
})

export const runSummarySchema = z.looseObject({
  runId: z.string().min(1),
  name: z.string(),
  protocol: z.string(),
  nodes: count,
  nodeNames: z.array(z.string()),
  seed: z.number(),
  durability: z.string(),
  clients: count,
  rate: z.number().optional(),
  startedAt: z.string(),
  durationMs: z.number(),
  ops: z.looseObject({ ok: count, fail: count, info: count }),
  latencyMs: latencySchema,
  throughput: z.number(),
  leaderChanges: z.number(),
  terms: z.number(),
  unavailableMs: z.number(),
  messages: z.looseObject({ total: z.number(), bytes: z.number(), byType: z.record(z.string(), z.number()) }),
  faults: z.array(z.looseObject({ atMs: z.number(), action: z.string(), targets: z.array(z.string()), detail: z.string().optional() })),
  script: z.array(z.looseObject({ index: z.number(), command: z.string(), outcome: z.string() })).optional(),
  verdict: verdictSchema.optional(),
  runDir: z.string(),
  completed: z.boolean(),
  error: z.string().optional(),
})

/** The resolved experiment as stored; the authoring schema (durations as text) does not apply. */
const experimentRecordSchema = z.looseObject({
  name: z.string(),
  protocol: z.string(),
  seed: z.number(),
  cluster: z.looseObject({ nodes: z.array(z.string()).min(1) }),
  network: z.looseObject({}),
  workload: z.looseObject({ duration: z.number() }),
  faults: z.array(z.looseObject({ at: z.number() })),
})

export const seriesPointSchema = z.looseObject({
  t: z.number(),
  ok: count,
  fail: count,
  info: count,
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  leader: z.string().nullable(),
  commitIndex: z.record(z.string(), z.number()),
  term: z.record(z.string(), z.number()),
})

const environmentSchema = z.looseObject({
  machine: z.string(),
  cpus: count,
  memoryBytes: z.number().optional(),
  os: z.string(),
  node: z.string(),
  labVersion: z.string(),
  capturedAt: z.enum(['run', 'export']),
})

const finalStateSchema = z.looseObject({ node: z.string(), appliedIndex: z.number(), hash: z.string() })
const traceEventSchema = z.looseObject({ t: z.number(), node: z.string(), kind: z.string() })
const historyEventSchema = z.looseObject({
  process: z.number(),
  type: z.enum(['invoke', 'ok', 'fail', 'info']),
  f: z.string(),
  key: z.string(),
  time: z.number(),
})
const boundedInfo = { total: count, omitted: count, note: z.string().optional() }
const byFunctionSchema = z.record(z.string(), z.looseObject({ ok: count, fail: count, info: count }))

export const runRecordSchema = z.looseObject({
  format: z.literal(runFileFormat),
  version: z.literal(runFileVersion),
  exportedAt: z.string(),
  summary: runSummarySchema,
  experiment: experimentRecordSchema,
  experimentSource: z.string().optional(),
  environment: environmentSchema,
  workloadStartMs: z.number().optional(),
  series: z.array(seriesPointSchema),
  latencyHistogramUs: z.string().min(1),
  latencyByFunction: byFunctionSchema.optional(),
  finalStates: z.array(finalStateSchema),
  trace: z.object({ events: z.array(traceEventSchema), ...boundedInfo }).optional(),
  history: z.object({ events: z.array(historyEventSchema), ...boundedInfo }).optional(),
})

// ---------------------------------------------------------------------------------------------
// Validation

/** Checks an already-parsed value: format, then version, then every field. */
export function parseRunRecord(value: unknown): RunRecord {
  checkFormatAndVersion(value)
  const parsed = runRecordSchema.safeParse(value)
  if (!parsed.success) throw corrupt(describeIssues(parsed.error.issues))
  // The schema checks the structure the reports rely on; the TypeScript types are the contract.
  return parsed.data as unknown as RunRecord
}

function checkFormatAndVersion(value: unknown): void {
  const header = value as { format?: unknown; version?: unknown } | null
  if (typeof value !== 'object' || value === null || Array.isArray(value) || header!.format !== runFileFormat) {
    throw new RunFileError('foreign', `not a Consensus Lab run file (expected "format": "${runFileFormat}")`)
  }
  const version = header!.version
  if (typeof version === 'number' && Number.isInteger(version) && version > runFileVersion) {
    throw new RunFileError('newer', `made by a newer version of Consensus Lab (format ${version}; this lab reads ${runFileVersion}): update the lab to open it`)
  }
  if (version !== runFileVersion) throw corrupt(`version: expected ${runFileVersion}, got ${JSON.stringify(version)}`)
}

function corrupt(what: string): RunFileError {
  return new RunFileError('corrupt', `corrupt: ${what}`)
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0]!
  const where = first.path.length > 0 ? first.path.map(String).join('.') : '(top level)'
  const message = first.message.replace(/^Invalid input: /, '')
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : ''
  return `${where}: ${message}${more}`
}

// ---------------------------------------------------------------------------------------------
// JSON encoding

export function encodeRunJson(record: RunRecord): string {
  return JSON.stringify(record)
}

export function decodeRunJson(text: string): RunRecord {
  let value: unknown
  try {
    value = JSON.parse(stripBom(text))
  } catch (error) {
    // A truncated export still names its format near the start: call that corrupt, not foreign.
    if (text.slice(0, 200).includes(`"${runFileFormat}"`)) throw corrupt(`not valid JSON (${(error as Error).message})`)
    throw new RunFileError('foreign', 'not a Consensus Lab run file (not valid JSON)')
  }
  return parseRunRecord(value)
}

// ---------------------------------------------------------------------------------------------
// NDJSON bundle (gzip)

type BundleLine =
  | { type: 'header'; format: string; version: number; exportedAt: string; counts: { series: number; trace: number; history: number } }
  | { type: 'summary'; summary: unknown }
  | { type: 'experiment'; experiment: unknown; source?: string }
  | { type: 'environment'; environment: unknown }
  | { type: 'metrics'; latencyHistogramUs: string; byFunction?: unknown; workloadStartMs?: number }
  | { type: 'final-states'; finalStates: unknown[] }
  | { type: 'series'; point: unknown }
  | { type: 'trace-info'; total: number; omitted: number; note?: string }
  | { type: 'trace'; event: unknown }
  | { type: 'history-info'; total: number; omitted: number; note?: string }
  | { type: 'history'; event: unknown }
  | { type: 'end'; lines: number }

/** The record as NDJSON lines (without compression): the bundle's content. */
export function runRecordLines(record: RunRecord): string[] {
  const lines: BundleLine[] = [
    {
      type: 'header',
      format: runFileFormat,
      version: runFileVersion,
      exportedAt: record.exportedAt,
      counts: { series: record.series.length, trace: record.trace?.events.length ?? 0, history: record.history?.events.length ?? 0 },
    },
    { type: 'summary', summary: record.summary },
    { type: 'experiment', experiment: record.experiment, source: record.experimentSource },
    { type: 'environment', environment: record.environment },
    { type: 'metrics', latencyHistogramUs: record.latencyHistogramUs, byFunction: record.latencyByFunction, workloadStartMs: record.workloadStartMs },
    { type: 'final-states', finalStates: record.finalStates },
  ]
  const text = lines.map((line) => JSON.stringify(line))
  for (const point of record.series) text.push(JSON.stringify({ type: 'series', point }))
  for (const [kind, bounded] of [['trace', record.trace], ['history', record.history]] as const) {
    if (!bounded) continue
    text.push(JSON.stringify({ type: `${kind}-info`, total: bounded.total, omitted: bounded.omitted, note: bounded.note }))
    for (const event of bounded.events) text.push(JSON.stringify({ type: kind, event }))
  }
  text.push(JSON.stringify({ type: 'end', lines: text.length + 1 }))
  return text
}

export async function encodeRunBundle(record: RunRecord): Promise<Uint8Array> {
  const parts = runRecordLines(record).map((line) => `${line}\n`)
  const stream = new Blob(parts).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

export async function decodeRunBundle(bytes: Uint8Array): Promise<RunRecord> {
  return decodeRunBundleText(await gunzipText(bytes))
}

/** Reads the NDJSON text of a bundle (already decompressed). */
export function decodeRunBundleText(text: string): RunRecord {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const header = parseHeaderLine(lines[0] ?? '')
  const assembled: Record<string, unknown> = { format: header.format, version: header.version, exportedAt: header.exportedAt, series: [], finalStates: [] }
  const series = assembled.series as unknown[]
  let ended = false
  for (let index = 1; index < lines.length; index += 1) {
    if (ended) throw corrupt(`line ${index + 1}: data after the end line`)
    const line = parseBundleLine(lines[index]!, index + 1)
    switch (line.type) {
      case 'header':
        throw corrupt(`line ${index + 1}: a second header`)
      case 'summary':
        assembled.summary = line.summary
        break
      case 'experiment':
        assembled.experiment = line.experiment
        if (line.source !== undefined) assembled.experimentSource = line.source
        break
      case 'environment':
        assembled.environment = line.environment
        break
      case 'metrics':
        assembled.latencyHistogramUs = line.latencyHistogramUs
        if (line.byFunction !== undefined) assembled.latencyByFunction = line.byFunction
        if (line.workloadStartMs !== undefined) assembled.workloadStartMs = line.workloadStartMs
        break
      case 'final-states':
        assembled.finalStates = line.finalStates
        break
      case 'series':
        series.push(line.point)
        break
      case 'trace-info':
      case 'history-info': {
        const kind = line.type === 'trace-info' ? 'trace' : 'history'
        assembled[kind] = { events: [], total: line.total, omitted: line.omitted, ...(line.note === undefined ? {} : { note: line.note }) }
        break
      }
      case 'trace':
      case 'history': {
        const list = assembled[line.type] as { events: unknown[] } | undefined
        if (!list) throw corrupt(`line ${index + 1}: a ${line.type} event before its ${line.type}-info line`)
        list.events.push(line.event)
        break
      }
      case 'end':
        if (line.lines !== index + 1) throw corrupt(`the end line counts ${line.lines} lines, the file has ${index + 1}`)
        ended = true
        break
      default:
        assertNever(line)
    }
  }
  if (!ended) throw corrupt(`the file ends early (no end line after ${lines.length} lines); it may have been cut off`)
  checkCounts(header.counts, assembled)
  return parseRunRecord(assembled)
}

function parseHeaderLine(text: string): Extract<BundleLine, { type: 'header' }> {
  let value: unknown
  try {
    value = JSON.parse(stripBom(text))
  } catch {
    throw new RunFileError('foreign', 'not a Consensus Lab run file (the first line is not a bundle header)')
  }
  const header = value as Partial<Extract<BundleLine, { type: 'header' }>> | null
  if (typeof header !== 'object' || header === null || header.type !== 'header') {
    throw new RunFileError('foreign', 'not a Consensus Lab run file (the first line is not a bundle header)')
  }
  checkFormatAndVersion(header)
  const counts = z.object({ series: count, trace: count, history: count }).safeParse(header.counts)
  if (!counts.success || typeof header.exportedAt !== 'string') throw corrupt('line 1: the header lacks its counts or export time')
  return header as Extract<BundleLine, { type: 'header' }>
}

const lineTypes = new Set(['header', 'summary', 'experiment', 'environment', 'metrics', 'final-states', 'series', 'trace-info', 'trace', 'history-info', 'history', 'end'])

function parseBundleLine(text: string, lineNumber: number): BundleLine {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw corrupt(`line ${lineNumber}: not valid JSON (${(error as Error).message})`)
  }
  const type = (value as { type?: unknown } | null)?.type
  if (typeof type !== 'string' || !lineTypes.has(type)) throw corrupt(`line ${lineNumber}: unknown record type ${JSON.stringify(type)}`)
  return value as BundleLine
}

function checkCounts(counts: { series: number; trace: number; history: number }, assembled: Record<string, unknown>): void {
  const found = {
    series: (assembled.series as unknown[]).length,
    trace: (assembled.trace as { events: unknown[] } | undefined)?.events.length ?? 0,
    history: (assembled.history as { events: unknown[] } | undefined)?.events.length ?? 0,
  }
  for (const kind of ['series', 'trace', 'history'] as const) {
    if (found[kind] !== counts[kind]) throw corrupt(`the header announces ${counts[kind]} ${kind} records, the file has ${found[kind]}`)
  }
}

async function gunzipText(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'))
  const reader = stream.getReader()
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const parts: string[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > runFileTextBytesMax) throw corrupt(`it decompresses to more than ${runFileTextBytesMax / 1024 / 1024} MiB`)
      parts.push(decoder.decode(value, { stream: true }))
    }
    parts.push(decoder.decode())
  } catch (error) {
    if (error instanceof RunFileError) throw error
    throw corrupt(`the gzip data is damaged or cut off (${(error as Error).message})`)
  } finally {
    reader.releaseLock()
  }
  return parts.join('')
}

// ---------------------------------------------------------------------------------------------
// Either encoding

const gzipMagic = [0x1f, 0x8b] as const

/** Reads a run file of either encoding, told apart by its first bytes (not by its name). */
export async function decodeRunFile(bytes: Uint8Array): Promise<RunRecord> {
  if (bytes.length >= 2 && bytes[0] === gzipMagic[0] && bytes[1] === gzipMagic[1]) return decodeRunBundle(bytes)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new RunFileError('foreign', 'not a Consensus Lab run file (neither JSON nor a gzip bundle)')
  }
  if (!/^\s*\{/.test(stripBom(text))) throw new RunFileError('foreign', 'not a Consensus Lab run file (neither JSON nor a gzip bundle)')
  return decodeRunJson(text)
}

export async function encodeRunFile(record: RunRecord, encoding: RunFileEncoding): Promise<Uint8Array> {
  if (encoding === 'json') return new TextEncoder().encode(encodeRunJson(record))
  return encodeRunBundle(record)
}

// ---------------------------------------------------------------------------------------------
// Bounding the event lists (used by whoever builds a record: the CLI from a run directory, the app
// from what it stored)

const messageKinds = new Set<string>(['send', 'recv', 'drop'])

/**
 * Keeps a trace within `max` events while it streams past: every non-message event first, then the
 * earliest message events. Memory stays within 2 × max events whatever the trace's length.
 */
export class TraceBounder {
  private readonly structural: TraceEvent[] = []
  private readonly messages: TraceEvent[] = []
  private total = 0

  constructor(private readonly max = traceEventsMax) {}

  add(event: TraceEvent): void {
    this.total += 1
    const list = messageKinds.has(event.kind) ? this.messages : this.structural
    if (list.length < this.max) list.push(event)
  }

  result(): BoundedEvents<TraceEvent> {
    const structural = this.structural
    const messages = this.messages.slice(0, Math.max(0, this.max - structural.length))
    const events = [...structural, ...messages].sort((a, b) => a.t - b.t)
    const omitted = this.total - events.length
    const bounded: BoundedEvents<TraceEvent> = { events, total: this.total, omitted }
    if (omitted > 0) {
      bounded.note =
        `${omitted} of ${this.total} trace events left out (the file keeps at most ${this.max}): ` +
        `non-message events are kept first, then the earliest message events (send, recv, drop); the run directory has them all`
    }
    return bounded
  }
}

/** Keeps the first `max` history events. */
export function boundHistory(events: HistoryEvent[], total: number, max = historyEventsMax): BoundedEvents<HistoryEvent> {
  const kept = events.slice(0, max)
  const omitted = total - kept.length
  const bounded: BoundedEvents<HistoryEvent> = { events: kept, total, omitted }
  if (omitted > 0) bounded.note = `${omitted} of ${total} history events left out (the file keeps the first ${max}); the verdict was computed on the whole history`
  return bounded
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`)
}
