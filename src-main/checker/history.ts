/**
 * History I/O for the checker: history.ndjson (one Jepsen-style HistoryEvent per line) in, and
 * operations (an invoke paired with its completion) out.
 *
 * Pairing is by `process`: a process has at most one operation in flight, so its next completion
 * belongs to its last invoke. An invoke that never completes is indefinite, exactly like `info`.
 */
import type { HistoryEvent } from '../api/trace.js'
import { describeValue } from '../api/duration-text.js'

/** A history longer than this is refused rather than exhausting memory. */
export const historyEventsMax = 20_000_000

export type OperationStatus = 'ok' | 'fail' | 'info'

/** What the client asked for; values are the strings the KV store holds (null: absent). */
export type OperationInput =
  | { f: 'get' }
  | { f: 'put'; value: string }
  | { f: 'delete' }
  | { f: 'cas'; expected: string | null; value: string }
  | { f: 'range' }

export interface Operation {
  /** Position in invoke order; stable for witnesses and tests. */
  id: number
  process: number
  key: string
  input: OperationInput
  status: OperationStatus
  /** The value a successful get returned (null: absent). Undefined for everything else. */
  output?: string | null
  invokeNs: number
  /** When the client gave up (info) or got its answer; null when no completion was recorded. */
  completeNs: number | null
  /** Where the invoke came from, for error messages: "history.ndjson:12" or "event 12". */
  invokeAt: string
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string }

const eventTypes = ['invoke', 'ok', 'fail', 'info'] as const
const functions = ['get', 'put', 'delete', 'cas', 'range'] as const

/**
 * Parses history.ndjson. Blank lines are skipped; events may appear in any order and are sorted
 * stably by time; then every invoke must pair with at most one completion on its process.
 * Errors name `sourceName:line` and what was expected there.
 */
export function parseHistoryNdjson(text: string, sourceName: string): Result<HistoryEvent[]> {
  const events: HistoryEvent[] = []
  const lines: number[] = []
  const rows = text.split('\n')
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index].trim()
    if (row === '') continue
    if (events.length >= historyEventsMax) {
      return { ok: false, error: `${sourceName}:${index + 1}: more than ${historyEventsMax} events; split the history` }
    }
    const parsed = parseHistoryLine(row)
    if (!parsed.ok) return { ok: false, error: `${sourceName}:${index + 1}: ${parsed.error}` }
    events.push(parsed.value)
    lines.push(index + 1)
  }
  const order = stableTimeOrder(events)
  const sorted = order.map((index) => events[index])
  const paired = pairOperations(sorted, (index) => `${sourceName}:${lines[order[index]]}`)
  if (!paired.ok) return paired
  return { ok: true, value: sorted }
}

function parseHistoryLine(row: string): Result<HistoryEvent> {
  let json: unknown
  try {
    json = JSON.parse(row)
  } catch (error) {
    return { ok: false, error: `not valid JSON (${(error as Error).message}); expected one history event object per line` }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, error: `expected an object {process, type, f, key, value, time}, got ${describeValue(json)}` }
  }
  const event = json as Record<string, unknown>
  if (isWellFormed(event)) return { ok: true, value: json as HistoryEvent }
  return { ok: false, error: fieldProblem(event) ?? 'expected a history event {process, type, f, key, value, time}' }
}

/**
 * The first field of a malformed event that is missing or wrong, in field order, as a message.
 * Written by hand rather than with the experiment's schema library: `lab check` starts in a
 * fraction of the time without loading it (README).
 */
function fieldProblem(event: Record<string, unknown>): string | undefined {
  const fields: [name: string, ok: (value: unknown) => boolean, expected: (value: unknown) => string][] = [
    ['process', (value) => typeof value === 'number' && Number.isInteger(value), (value) => typeof value === 'number' ? 'expected "process" to be a whole number' : `expected "process" to be a whole number, got ${describeValue(value)}`],
    ['type', (value) => eventTypeSet.has(value), (value) => `expected "type" to be one of ${eventTypes.join(', ')}, got ${describeValue(value)}`],
    ['f', (value) => functionSet.has(value), (value) => `expected "f" to be one of ${functions.join(', ')}, got ${describeValue(value)}`],
    ['key', (value) => typeof value === 'string', (value) => `expected "key" to be a string, got ${describeValue(value)}`],
    ['time', (value) => typeof value === 'number' && Number.isFinite(value), (value) => typeof value === 'number' ? 'expected "time" to be a finite number of nanoseconds' : `expected "time" to be a number of nanoseconds, got ${describeValue(value)}`],
  ]
  for (const [name, ok, expected] of fields) {
    const value = event[name]
    if (value === undefined) return `missing field "${name}"`
    if (!ok(value)) return expected(value)
  }
  for (const name of ['error', 'node']) {
    const value = event[name]
    if (value !== undefined && typeof value !== 'string') return `expected "${name}" to be a string, got ${describeValue(value)}`
  }
  return undefined
}

const eventTypeSet = new Set<unknown>(eventTypes)
const functionSet = new Set<unknown>(functions)

/** The common case, checked by hand (the schema, which words the errors, is slower per line). */
function isWellFormed(event: Record<string, unknown>): boolean {
  return Number.isInteger(event.process) && eventTypeSet.has(event.type) && functionSet.has(event.f)
    && typeof event.key === 'string' && typeof event.time === 'number' && Number.isFinite(event.time)
    && (event.error === undefined || typeof event.error === 'string') && (event.node === undefined || typeof event.node === 'string')
}

/** Indices of `events` ordered by time; equal times keep their original order. */
export function stableTimeOrder(events: readonly HistoryEvent[]): number[] {
  const order = events.map((_, index) => index)
  order.sort((a, b) => events[a].time - events[b].time || a - b)
  return order
}

/**
 * Pairs invokes with completions. `events` must already be in time order. `where(i)` names event i
 * in error messages. Range operations are paired too (so processes stay consistent) but carry no
 * values the KV model checks.
 */
export function pairOperations(events: readonly HistoryEvent[], where: (index: number) => string = (index) => `event ${index}`): Result<Operation[]> {
  const operations: Operation[] = []
  const inFlight = new Map<number, Operation>()
  for (let index = 0; index < events.length; index += 1) {
    const event = events[index]
    const at = where(index)
    if (index > 0 && event.time < events[index - 1].time) {
      return { ok: false, error: `${at}: events are not in time order (sort them by "time" first)` }
    }
    const pending = inFlight.get(event.process)
    if (event.type === 'invoke') {
      if (pending) {
        return { ok: false, error: `${at}: process ${event.process} invoked ${event.f} while its ${pending.input.f} from ${pending.invokeAt} had not completed (expected one operation in flight per process)` }
      }
      const input = readInput(event)
      if (!input.ok) return { ok: false, error: `${at}: ${input.error}` }
      const operation: Operation = {
        id: operations.length, process: event.process, key: event.key, input: input.value,
        status: 'info', invokeNs: event.time, completeNs: null, invokeAt: at,
      }
      operations.push(operation)
      inFlight.set(event.process, operation)
      continue
    }
    if (!pending) {
      return { ok: false, error: `${at}: process ${event.process} reported "${event.type}" for ${event.f} but has no operation in flight (expected an invoke first)` }
    }
    if (pending.input.f !== event.f || pending.key !== event.key) {
      return { ok: false, error: `${at}: process ${event.process} completed ${event.f}(${event.key}) but its operation in flight is ${pending.input.f}(${pending.key}) from ${pending.invokeAt}` }
    }
    const completed = completeOperation(pending, event)
    if (!completed.ok) return { ok: false, error: `${at}: ${completed.error}` }
    inFlight.delete(event.process)
  }
  return { ok: true, value: operations }
}

function completeOperation(operation: Operation, event: HistoryEvent): Result<null> {
  operation.status = event.type === 'invoke' ? 'info' : event.type
  operation.completeNs = event.time
  if (operation.input.f === 'get' && event.type === 'ok') {
    const output = readValue(event.value)
    if (output === undefined) {
      return { ok: false, error: `expected "value" of an ok get to be the value read (a string, or null when absent), got ${describeValue(event.value)}` }
    }
    operation.output = output
  }
  return { ok: true, value: null }
}

function readInput(event: HistoryEvent): Result<OperationInput> {
  switch (event.f) {
    case 'get':
      return { ok: true, value: { f: 'get' } }
    case 'delete':
      return { ok: true, value: { f: 'delete' } }
    case 'range':
      return { ok: true, value: { f: 'range' } }
    case 'put': {
      const value = readValue(event.value)
      if (value === undefined || value === null) {
        return { ok: false, error: `expected "value" of a put invoke to be the string written, got ${describeValue(event.value)}` }
      }
      return { ok: true, value: { f: 'put', value } }
    }
    case 'cas': {
      const pair = Array.isArray(event.value) && event.value.length === 2 ? event.value : undefined
      const expected = pair ? readValue(pair[0]) : undefined
      const value = pair ? readValue(pair[1]) : undefined
      if (expected === undefined || value === undefined || value === null) {
        return { ok: false, error: `expected "value" of a cas invoke to be [expected, new] (expected: a string or null for absent; new: a string), got ${JSON.stringify(event.value) ?? 'nothing'}` }
      }
      return { ok: true, value: { f: 'cas', expected, value } }
    }
  }
}

/** Strings are values, null is absent; numbers are accepted for hand-written fixtures. */
function readValue(value: unknown): string | null | undefined {
  if (typeof value === 'string' || value === null) return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** Turns an in-memory history (any order) into operations, or throws with a clear message. */
export function operationsOf(history: readonly HistoryEvent[]): Operation[] {
  const order = stableTimeOrder(history)
  const sorted = order.map((index) => history[index])
  const paired = pairOperations(sorted, (index) => `history event ${order[index]}`)
  if (!paired.ok) throw new Error(`invalid history: ${paired.error}`)
  return paired.value
}

export function historyToNdjson(history: readonly HistoryEvent[]): string {
  return history.map((event) => JSON.stringify(event)).join('\n') + '\n'
}
