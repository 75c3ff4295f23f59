/**
 * `lab check <run-dir | history.ndjson> [--json]`: the verdict of a stored run or a bare history.
 *
 * A run directory holds history.ndjson (required), trace.ndjson (optional: without it the protocol
 * invariants are skipped, with a note), experiment.json (its `protocol`), and optionally
 * final-states.json ([{node, appliedIndex, hash, kvDigest}]).
 *
 * Exit codes: 0 linearizable and every invariant holds; 1 not linearizable or an invariant broke;
 * 2 undecided (checker budget, an invariant the history cannot decide) or unreadable input.
 */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { protocolNames, type ProtocolName } from '../../api/experiment.js'
import type { Verdict } from '../../api/summary.js'
import type { HistoryEvent, TraceEvent } from '../../api/trace.js'
import { describeValue, parseDurationMs } from '../../api/duration.js'
import { parseHistoryNdjson, type Result } from './history.js'
import { checkInvariants, type FinalState } from './invariants.js'
import { checkLinearizability, type LinearizabilityResult } from './linearizability.js'
import { parseFinalStates, parseTraceNdjson } from './trace-io.js'
import { combineVerdict, verdictViolated } from './verdict.js'
import { checkAcknowledgedWrites, findLostWrites } from './acknowledged-writes.js'

export interface CommandIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

export const exitPassed = 0
export const exitViolated = 1
export const exitUndecided = 2

export const checkUsage = 'usage: lab check <run-dir | history.ndjson> [--json] [--budget <duration, e.g. 120s>]'

interface CheckInputs {
  historyFile: string
  history: HistoryEvent[]
  trace?: TraceEvent[]
  protocol?: ProtocolName
  finalStates?: FinalState[]
  /** The experiment's 0 s on the trace's clock, from summary.json when the run has one. */
  originMs?: number
  notes: string[]
}

export async function runCheckCommand(args: string[], io: CommandIo): Promise<number> {
  const parsedArgs = parseArgs(args)
  if (!parsedArgs.ok) {
    io.stderr(`lab check: ${parsedArgs.error}\n${checkUsage}\n`)
    return exitUndecided
  }
  if (parsedArgs.value.help) {
    io.stdout(`${checkUsage}\n  Checks a run's history for linearizability and its trace for protocol invariants.\n  --json     print the verdict as JSON\n  --budget   time for the linearizability search (default 10s per key, 60s in all)\n  Exit codes: 0 passed, 1 violation found, 2 undecided or unreadable input.\n`)
    return exitPassed
  }
  const inputs = await readInputs(parsedArgs.value.target)
  if (!inputs.ok) {
    io.stderr(`lab check: ${inputs.error}\n`)
    return exitUndecided
  }
  const { history, trace, protocol, finalStates, notes } = inputs.value
  let linearizability: LinearizabilityResult
  try {
    const budgetMs = parsedArgs.value.budgetMs
    linearizability = checkLinearizability(history, budgetMs === undefined ? {} : { msPerKeyMax: budgetMs, msTotalMax: budgetMs })
  } catch (error) {
    io.stderr(`lab check: ${inputs.value.historyFile}: ${(error as Error).message}\n`)
    return exitUndecided
  }
  const invariants = trace === undefined ? [] : checkInvariants({ trace, protocol, finalStates, originMs: inputs.value.originMs })
  // A history that ends with the workload's final reads shows whether acknowledged writes were kept.
  if (findLostWrites(history).finalReadsFound) invariants.push(checkAcknowledgedWrites(history, true))
  else notes.push('acknowledged-writes-kept: skipped (the history does not end with final reads of the written keys)')
  const verdict = combineVerdict(history, linearizability, invariants)
  if (parsedArgs.value.json) io.stdout(JSON.stringify(verdict, null, 2) + '\n')
  else io.stdout(formatHuman(inputs.value.historyFile, linearizability, verdict, notes))
  return exitCode(verdict)
}

export function exitCode(verdict: Verdict): number {
  if (verdictViolated(verdict)) return exitViolated
  if (verdict.linearizable === 'unknown' || verdict.invariants.some((invariant) => invariant.unknown === true)) return exitUndecided
  return exitPassed
}

interface CheckArgs {
  target: string
  json: boolean
  help: boolean
  /** Wall-clock budget of the linearizability search, per key and in all. */
  budgetMs?: number
}

function parseArgs(args: string[]): Result<CheckArgs> {
  let target: string | undefined
  let json = false
  let help = false
  let budgetMs: number | undefined
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]
    if (arg === '--budget') {
      const text = args[index + 1]
      budgetMs = text === undefined ? undefined : parseDurationMs(text)
      if (budgetMs === undefined || budgetMs <= 0) return { ok: false, error: `--budget needs a duration like 120s or 5m, got ${text === undefined ? 'nothing' : JSON.stringify(text)}` }
      index += 1
    } else if (arg === '--json') json = true
    else if (arg === '--help' || arg === '-h') help = true
    else if (arg.startsWith('-')) return { ok: false, error: `unknown option ${arg}` }
    else if (target === undefined) target = arg
    else return { ok: false, error: `expected one run directory or history file, got also ${arg}` }
  }
  if (target === undefined && !help) return { ok: false, error: 'expected a run directory or a history.ndjson file' }
  return { ok: true, value: { target: target ?? '', json, help, budgetMs } }
}

async function readInputs(target: string): Promise<Result<CheckInputs>> {
  let isDirectory: boolean
  try {
    isDirectory = (await stat(target)).isDirectory()
  } catch (error) {
    return { ok: false, error: `${target}: ${readError(error)}` }
  }
  if (!isDirectory) {
    const history = await readHistory(target)
    if (!history.ok) return history
    return { ok: true, value: { historyFile: target, history: history.value, notes: ['protocol invariants: skipped (a bare history has no trace; pass the run directory to check them)'] } }
  }
  const historyFile = path.join(target, 'history.ndjson')
  const history = await readHistory(historyFile)
  if (!history.ok) return history
  const inputs: CheckInputs = { historyFile, history: history.value, notes: [] }
  const experiment = await readOptional(path.join(target, 'experiment.json'), readProtocol)
  if (!experiment.ok) return experiment
  if (experiment.value === undefined) inputs.notes.push('experiment.json not found: protocol unknown, so only protocol-neutral invariants are checked')
  else inputs.protocol = experiment.value
  const trace = await readOptional(path.join(target, 'trace.ndjson'), parseTraceNdjson)
  if (!trace.ok) return trace
  if (trace.value === undefined) inputs.notes.push('invariants: skipped (no trace.ndjson in the run directory)')
  else inputs.trace = trace.value
  const finalStates = await readOptional(path.join(target, 'final-states.json'), parseFinalStates)
  if (!finalStates.ok) return finalStates
  if (finalStates.value !== undefined) inputs.finalStates = finalStates.value
  // Only for the times replicas-healthy reports: a missing or odd summary leaves them on the trace's clock.
  const summary = await readOptional(path.join(target, 'summary.json'), readWorkloadStart)
  if (summary.ok && summary.value !== undefined) inputs.originMs = summary.value
  return { ok: true, value: inputs }
}

async function readHistory(file: string): Promise<Result<HistoryEvent[]>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    return { ok: false, error: `${file}: ${readError(error)}` }
  }
  return parseHistoryNdjson(text, file)
}

/** Reads and parses a file that may be absent (value undefined); any other problem is an error. */
async function readOptional<T>(file: string, parse: (text: string, source: string) => Result<T>): Promise<Result<T | undefined>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: undefined }
    return { ok: false, error: `${file}: ${readError(error)}` }
  }
  return parse(text, file)
}

function readProtocol(text: string, source: string): Result<ProtocolName> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { ok: false, error: `${source}: not valid JSON (${(error as Error).message})` }
  }
  const protocol = (json as { protocol?: unknown } | null)?.protocol
  if (typeof protocol === 'string' && (protocolNames as readonly string[]).includes(protocol)) return { ok: true, value: protocol as ProtocolName }
  return { ok: false, error: `${source}: expected "protocol" to be one of ${protocolNames.join(', ')}, got ${describeValue(protocol)}` }
}

function readWorkloadStart(text: string): Result<number | undefined> {
  try {
    const start = (JSON.parse(text) as { workloadStartMs?: unknown } | null)?.workloadStartMs
    return { ok: true, value: typeof start === 'number' && Number.isFinite(start) ? start : undefined }
  } catch {
    return { ok: true, value: undefined }
  }
}

function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such file or directory'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory, expected a file'
  return (error as Error).message
}

function formatHuman(historyFile: string, result: LinearizabilityResult, verdict: Verdict, notes: string[]): string {
  const counts = result.counts
  const lines: string[] = []
  const skipped = counts.rangeSkipped > 0 ? `; ${counts.rangeSkipped} range operations skipped (they span keys)` : ''
  lines.push(`history: ${historyFile}: ${counts.total} operations on ${result.keys.length} keys (ok ${counts.ok}, fail ${counts.fail}, info ${counts.info})${skipped}`)
  const illegal = result.keys.filter((key) => key.result === 'illegal').length
  const unknown = result.keys.filter((key) => key.result === 'unknown').length
  const answer =
    verdict.linearizable === true ? 'yes'
    : verdict.linearizable === false ? `NO (${illegal} of ${result.keys.length} keys)`
    : unknown > 0 ? `unknown (${unknown} of ${result.keys.length} keys undecided)`
    : 'unknown (nothing to judge)'
  lines.push(`linearizable: ${answer}, checked in ${result.ms.toFixed(0)} ms`)
  if (verdict.invariants.length > 0) lines.push('invariants:')
  for (const invariant of verdict.invariants) lines.push(`  ${invariant.ok ? 'ok  ' : invariant.unknown ? '?   ' : 'FAIL'}  ${invariant.name}: ${invariant.detail}`)
  for (const note of notes) lines.push(note)
  if (verdict.witness !== undefined) {
    lines.push('witness:')
    for (const line of verdict.witness.split('\n')) lines.push(line === '' ? '' : `  ${line}`)
  }
  const code = exitCode(verdict)
  lines.push(`verdict: ${code === exitPassed ? 'PASS' : code === exitViolated ? 'FAIL' : 'UNDECIDED'}`)
  return lines.join('\n') + '\n'
}
