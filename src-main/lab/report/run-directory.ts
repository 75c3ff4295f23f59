/**
 * Turns a run directory (what ExperimentRun leaves) into a RunRecord, and reads and writes run
 * files on disk. The large files (trace.ndjson, history.ndjson) are streamed line by line and kept
 * within the run file's bounds, so a long run loads in bounded memory.
 *
 * Required: summary.json, experiment.json, and for a completed run series.json, final-states.json
 * and metrics.json. Optional: experiment.source.yaml, trace.ndjson, history.ndjson, environment.json.
 * A run that could not complete (its disk filled up, say) may lack the files written at its end and
 * may end its trace or history in a torn line; it still loads, so it can be kept and looked at.
 */
import fs from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import readline from 'node:readline'
import * as hdr from 'hdr-histogram-js'
import { z } from 'zod'
import {
  boundHistory,
  decodeRunFile,
  encodeRunFile,
  historyEventsMax,
  parseRunRecord,
  runFileEncodingFor,
  runFileFormat,
  runFileVersion,
  RunFileError,
  TraceBounder,
  traceEventsMax,
  type RunEnvironment,
  type RunRecord,
} from '../../api/run-file.js'
import { estimateWorkloadStartMs } from '../../api/report/analysis.js'
import type { HistoryEvent, TraceEvent } from '../../api/trace.js'
import { captureEnvironment } from './environment.js'

/** Input a report or export cannot use (a missing or unreadable path); the message says which. */
export class RunInputError extends Error {
  override name = 'RunInputError'
}

/** A run directory that cannot be read as a run; the message names the directory and the file. */
export class RunDirectoryError extends RunInputError {
  override name = 'RunDirectoryError'
}

export interface LoadOptions {
  /** Include the (bounded) trace; default true. */
  trace?: boolean
  /** Include the (bounded) history; default true. */
  history?: boolean
  traceEventsMax?: number
  historyEventsMax?: number
}

export async function loadRunDirectory(dir: string, options: LoadOptions = {}): Promise<RunRecord> {
  const where = dir.replace(/\/+$/, '')
  let isDirectory = false
  try {
    isDirectory = fs.statSync(dir).isDirectory()
  } catch {
    throw new RunDirectoryError(`${where}: no such run directory`)
  }
  if (!isDirectory) throw new RunDirectoryError(`${where}: not a directory (expected a run directory)`)
  const summary = await readJson(dir, 'summary.json', 'the run may have been interrupted, or this is not a run directory')
  const experiment = await readJson(dir, 'experiment.json', 'this may not be a run directory')
  const completed = (summary as { completed?: unknown }).completed !== false
  // A run that did not complete may have stopped before writing these; its summary says why.
  const series = (await readJson(dir, 'series.json', 'the run may have been interrupted', completed)) ?? []
  const finalStates = (await readJson(dir, 'final-states.json', 'the run may have been interrupted', completed)) ?? []
  const metrics = (await readJson(dir, 'metrics.json', 'the run may have been interrupted', completed)) as { latencyHistogramUs?: unknown; byFunction?: unknown } | undefined
  const source = await readOptionalText(dir, 'experiment.source.yaml')
  const environment = await readEnvironment(dir)
  const trace = await readTrace(dir, options.traceEventsMax ?? traceEventsMax, !completed)
  const history = await readHistory(dir, options.historyEventsMax ?? historyEventsMax, !completed)
  const summaryFaults = Array.isArray((summary as { faults?: unknown }).faults) ? ((summary as { faults: [] }).faults) : []
  const recordedStart = (summary as { workloadStartMs?: unknown }).workloadStartMs
  const workloadStartMs =
    typeof recordedStart === 'number' ? recordedStart : estimateWorkloadStartMs({ faults: summaryFaults, faultEvents: trace.faultEvents, firstInvokeNs: history.firstInvokeNs })
  const record: Record<string, unknown> = {
    format: runFileFormat,
    version: runFileVersion,
    exportedAt: new Date().toISOString(),
    summary,
    experiment,
    environment,
    series,
    latencyHistogramUs: metrics?.latencyHistogramUs ?? emptyHistogram(),
    finalStates,
  }
  if (source !== undefined) record.experimentSource = source
  if (workloadStartMs !== undefined) record.workloadStartMs = Math.floor(workloadStartMs * 1000) / 1000
  if (metrics?.byFunction !== undefined) record.latencyByFunction = metrics.byFunction
  if (options.trace !== false && trace.bounded) record.trace = trace.bounded
  if (options.history !== false && history.bounded) record.history = history.bounded
  try {
    return parseRunRecord(record)
  } catch (error) {
    if (error instanceof RunFileError) throw new RunDirectoryError(`${where}: ${error.message.replace(/^corrupt: /, 'a file does not hold what a run leaves: ')}`)
    throw error
  }
}

async function readJson(dir: string, file: string, hint: string, required = true): Promise<unknown> {
  const where = path.join(dir, file)
  let text: string
  try {
    text = await readFile(where, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      if (!required) return undefined
      throw new RunDirectoryError(`${dir.replace(/\/+$/, '')}: ${file} is missing — ${hint}`)
    }
    throw new RunDirectoryError(`${where}: cannot read it (${code === 'EACCES' ? 'permission denied' : (error as Error).message})`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new RunDirectoryError(`${where}: not valid JSON (${(error as Error).message}); the file may be damaged or cut off`)
  }
}

async function readOptionalText(dir: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(dir, file), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new RunDirectoryError(`${path.join(dir, file)}: cannot read it (${(error as Error).message})`)
  }
}

const environmentFileSchema = z.looseObject({ machine: z.string(), cpus: z.number(), os: z.string(), node: z.string(), labVersion: z.string() })

/** environment.json when the run recorded one; else this machine's, marked as captured at export. */
async function readEnvironment(dir: string): Promise<RunEnvironment> {
  const text = await readOptionalText(dir, 'environment.json')
  if (text === undefined) return captureEnvironment('export')
  let parsed: z.ZodSafeParseResult<z.infer<typeof environmentFileSchema>>
  try {
    parsed = environmentFileSchema.safeParse(JSON.parse(text))
  } catch (error) {
    throw new RunDirectoryError(`${path.join(dir, 'environment.json')}: not valid JSON (${(error as Error).message})`)
  }
  if (!parsed.success) throw new RunDirectoryError(`${path.join(dir, 'environment.json')}: expected {machine, cpus, os, node, labVersion}`)
  return { ...(parsed.data as unknown as RunEnvironment), capturedAt: 'run' }
}

/**
 * Calls `each` for every non-empty line of a file streamed from disk; false when it is absent. With
 * `tornTailAllowed`, a last line that `each` rejects is dropped (a write cut short by a full disk).
 */
async function eachLine(file: string, each: (line: string, lineNumber: number) => void, tornTailAllowed = false): Promise<boolean> {
  if (!fs.existsSync(file)) return false
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity })
  let lineNumber = 0
  let rejected: unknown
  for await (const line of lines) {
    lineNumber += 1
    if (line.trim() === '') continue
    if (rejected !== undefined) throw rejected
    try {
      each(line, lineNumber)
    } catch (error) {
      if (!tornTailAllowed) throw error
      rejected = error
    }
  }
  return true
}

function parseLine<T>(line: string, file: string, lineNumber: number, valid: (value: Record<string, unknown>) => boolean, expected: string): T {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    throw new RunDirectoryError(`${file}:${lineNumber}: not valid JSON (${(error as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || !valid(value as Record<string, unknown>)) throw new RunDirectoryError(`${file}:${lineNumber}: expected ${expected}`)
  return value as T
}

async function readTrace(dir: string, max: number, tornTailAllowed: boolean) {
  const file = path.join(dir, 'trace.ndjson')
  const bounder = new TraceBounder(max)
  const faultEvents: Extract<TraceEvent, { kind: 'fault' }>[] = []
  const valid = (event: Record<string, unknown>) => typeof event.t === 'number' && typeof event.node === 'string' && typeof event.kind === 'string'
  const present = await eachLine(file, (line, lineNumber) => {
    const event = parseLine<TraceEvent>(line, file, lineNumber, valid, 'a trace event {t, node, kind, ...}')
    if (event.kind === 'fault' && event.node === 'lab') faultEvents.push(event)
    bounder.add(event)
  }, tornTailAllowed)
  return { bounded: present ? bounder.result() : undefined, faultEvents }
}

async function readHistory(dir: string, max: number, tornTailAllowed: boolean) {
  const file = path.join(dir, 'history.ndjson')
  const kept: HistoryEvent[] = []
  let total = 0
  let firstInvokeNs: number | undefined
  const valid = (event: Record<string, unknown>) => typeof event.process === 'number' && typeof event.type === 'string' && typeof event.time === 'number'
  const present = await eachLine(file, (line, lineNumber) => {
    const event = parseLine<HistoryEvent>(line, file, lineNumber, valid, 'a history event {process, type, f, key, time}')
    total += 1
    if (event.type === 'invoke' && (firstInvokeNs === undefined || event.time < firstInvokeNs)) firstInvokeNs = event.time
    if (kept.length < max) kept.push(event)
  }, tornTailAllowed)
  return { bounded: present ? boundHistory(kept, total, max) : undefined, firstInvokeNs }
}

function emptyHistogram(): string {
  const histogram = hdr.build()
  return hdr.encodeIntoCompressedBase64(histogram)
}

// ---------------------------------------------------------------------------------------------
// Run files on disk

export async function readRunFileFromDisk(file: string): Promise<RunRecord> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new RunInputError(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${(error as Error).message})`}`)
  }
  try {
    return await decodeRunFile(bytes)
  } catch (error) {
    if (error instanceof RunFileError) throw new RunFileError(error.problem, `${file}: ${error.message}`)
    throw error
  }
}

/** Writes the record in the encoding the file name asks for (.json or .ndjson.gz). */
export async function writeRunFileToDisk(file: string, record: RunRecord): Promise<void> {
  const encoding = runFileEncodingFor(file)
  if (!encoding) throw new Error(`${file}: expected a name ending in .json or .ndjson.gz`)
  await writeFile(file, await encodeRunFile(record, encoding))
}

/** A run directory or a run file, as the report command takes either. */
export async function loadRun(target: string): Promise<RunRecord> {
  let stat: fs.Stats
  try {
    stat = fs.statSync(target)
  } catch {
    throw new RunInputError(`${target}: no such run directory or run file`)
  }
  return stat.isDirectory() ? loadRunDirectory(target) : readRunFileFromDisk(target)
}
