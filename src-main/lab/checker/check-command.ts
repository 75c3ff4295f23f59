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
import { protocolNames, type ProtocolName } from '../../api/protocol-names.js'
import type { Verdict } from '../../api/summary.js'
import type { HistoryEvent, TraceEvent } from '../../api/trace.js'
import { describeValue, parseDurationMs } from '../../api/duration-text.js'
import { parseHistoryNdjson, type Result } from '../../checker/history.js'
import { checkInvariants, type FinalState } from '../../checker/invariants.js'
import { checkLinearizability, type LinearizabilityResult } from '../../checker/linearizability.js'
import { parseFinalStates, parseTraceNdjson } from '../../checker/trace-io.js'
import { combineVerdict, verdictViolated } from '../../checker/verdict.js'
import { checkAcknowledgedWrites, findLostWrites } from '../../checker/acknowledged-writes.js'

export interface CommandIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

export const exitPassed = 0
export const exitViolated = 1
export const exitUndecided = 2

export const checkUsage = 'usage: lab check <run-dir | history.ndjson>... [--json] [--budget <duration, e.g. 120s>]'

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

/** One target's outcome: its exit code and, when it could be read, its verdict. */
interface TargetOutcome {
  target: string
  code: number
  /** Why the target could not be judged (unreadable, malformed, the checker failed). */
  error?: string
  historyFile?: string
  linearizability?: LinearizabilityResult
  verdict?: Verdict
  notes: string[]
  ms: number
}

export async function runCheckCommand(args: string[], io: CommandIo): Promise<number> {
  const parsedArgs = parseArgs(args)
  if (!parsedArgs.ok) {
    io.stderr(`lab check: ${parsedArgs.error}\n${checkUsage}\n`)
    return exitUndecided
  }
  const { targets, json, help, budgetMs } = parsedArgs.value
  if (help) {
    io.stdout(`${checkUsage}\n  Checks a run's history for linearizability and its trace for protocol invariants.\n  Several targets are checked one after another in this process: a table, and the worst exit code.\n  --json     print the verdict as JSON (with several targets: a list of {target, exitCode, verdict | error})\n  --budget   time for the linearizability search (default 10s per key, 60s in all), for each target\n  Exit codes: 0 passed, 1 violation found, 2 undecided or unreadable input.\n`)
    return exitPassed
  }
  const outcomes: TargetOutcome[] = []
  for (const target of targets) outcomes.push(await checkTarget(target, budgetMs))
  if (targets.length === 1) {
    const outcome = outcomes[0]!
    if (outcome.verdict === undefined) io.stderr(`lab check: ${outcome.error}\n`)
    else if (json) io.stdout(JSON.stringify(outcome.verdict, null, 2) + '\n')
    else io.stdout(formatHuman(outcome.historyFile!, outcome.linearizability!, outcome.verdict, outcome.notes))
    return outcome.code
  }
  if (json) {
    const rows = outcomes.map((outcome) => ({ target: outcome.target, exitCode: outcome.code, ...(outcome.verdict ? { verdict: outcome.verdict } : { error: outcome.error }) }))
    io.stdout(JSON.stringify(rows, null, 2) + '\n')
  } else io.stdout(formatTable(outcomes))
  return worstExitCode(outcomes.map((outcome) => outcome.code))
}

/** A violation anywhere outranks an undecided or unreadable target, which outranks a pass. */
export function worstExitCode(codes: readonly number[]): number {
  if (codes.includes(exitViolated)) return exitViolated
  if (codes.includes(exitUndecided)) return exitUndecided
  return exitPassed
}

async function checkTarget(target: string, budgetMs: number | undefined): Promise<TargetOutcome> {
  const started = performance.now()
  const failed = (error: string): TargetOutcome => ({ target, code: exitUndecided, error, notes: [], ms: performance.now() - started })
  const inputs = await readInputs(target)
  if (!inputs.ok) return failed(inputs.error)
  const { history, trace, protocol, finalStates, notes, historyFile } = inputs.value
  let linearizability: LinearizabilityResult
  try {
    const originMs = inputs.value.originMs
    const clock = originMs === undefined ? {} : { experimentZeroNs: Math.round(originMs * 1e6) }
    linearizability = checkLinearizability(history, budgetMs === undefined ? clock : { ...clock, msPerKeyMax: budgetMs, msTotalMax: budgetMs })
  } catch (error) {
    return failed(`${historyFile}: ${(error as Error).message}`)
  }
  const invariants = trace === undefined ? [] : checkInvariants({ trace, protocol, finalStates, originMs: inputs.value.originMs })
  // A history that ends with the workload's final reads shows whether acknowledged writes were kept.
  if (findLostWrites(history).finalReadsFound) invariants.push(checkAcknowledgedWrites(history, true))
  else notes.push('acknowledged-writes-kept: skipped (the history does not end with final reads of the written keys)')
  const verdict = combineVerdict(history, linearizability, invariants)
  return { target, code: exitCode(verdict), historyFile, linearizability, verdict, notes, ms: performance.now() - started }
}

export function exitCode(verdict: Verdict): number {
  if (verdictViolated(verdict)) return exitViolated
  if (verdict.linearizable === 'unknown' || verdict.invariants.some((invariant) => invariant.unknown === true)) return exitUndecided
  return exitPassed
}

interface CheckArgs {
  targets: string[]
  json: boolean
  help: boolean
  /** Wall-clock budget of the linearizability search, per key and in all (for each target). */
  budgetMs?: number
}

function parseArgs(args: string[]): Result<CheckArgs> {
  const targets: string[] = []
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
    else targets.push(arg)
  }
  if (targets.length === 0 && !help) return { ok: false, error: 'expected a run directory or a history.ndjson file' }
  return { ok: true, value: { targets, json, help, budgetMs } }
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

/** Several targets: one row each, then the witness of each that failed. */
function formatTable(outcomes: TargetOutcome[]): string {
  const rows = outcomes.map((outcome) => {
    const result = outcome.linearizability
    const verdict = outcome.verdict
    const failedInvariants = verdict?.invariants.filter((invariant) => !invariant.ok).map((invariant) => invariant.name) ?? []
    return [
      outcome.target,
      result ? String(result.counts.total) : '-',
      result ? String(result.keys.length) : '-',
      verdict === undefined ? '-' : verdict.linearizable === true ? 'yes' : verdict.linearizable === false ? 'NO' : 'unknown',
      verdict === undefined ? '-' : verdict.invariants.length === 0 ? 'skipped' : failedInvariants.length === 0 ? 'ok' : `FAIL (${failedInvariants.join(', ')})`,
      outcome.ms.toFixed(0),
      verdict === undefined ? `UNREADABLE: ${outcome.error}` : outcome.code === exitPassed ? 'PASS' : outcome.code === exitViolated ? 'FAIL' : 'UNDECIDED',
    ]
  })
  const header = ['target', 'ops', 'keys', 'linearizable', 'invariants', 'ms', 'verdict']
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => column === header.length - 1 ? 0 : row[column]!.length)))
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')
  const lines = [line(header), ...rows.map(line)]
  for (const outcome of outcomes) {
    if (outcome.verdict?.witness === undefined) continue
    lines.push('', `witness for ${outcome.target}:`)
    for (const text of outcome.verdict.witness.split('\n')) lines.push(text === '' ? '' : `  ${text}`)
  }
  const passed = outcomes.filter((outcome) => outcome.code === exitPassed).length
  lines.push('', `${outcomes.length} targets: ${passed} passed, ${outcomes.filter((outcome) => outcome.code === exitViolated).length} failed, ${outcomes.filter((outcome) => outcome.code === exitUndecided).length} undecided or unreadable`)
  return lines.join('\n') + '\n'
}
