/**
 * Turns the search's deepest point into something a person can read: the longest linearizable
 * prefix (Porcupine's partial linearization), the operations that cannot come next, the few
 * operations that prove it, and one paragraph in plain English.
 */
import type { Operation } from './history.js'
import type { SearchPeak } from './wgl.js'
import { describeOperation, observedValue, operationFacts, writtenValue, type KeyModel } from './kv-model.js'
import { sayChecker, sayWitness, type CheckerMessage, type WitnessFacts } from '../api/checker-text.js'

/** A witness keeps at most this many operations of the prefix (its tail, next to the failure). */
export const witnessPrefixOpsMax = 1000
/** describeWitness prints at most this many prefix operations. */
export const describedPrefixOpsMax = 12

export interface WitnessOperation {
  /** The operation's position in the whole history (invoke order). */
  id: number
  process: number
  f: Operation['input']['f']
  key: string
  /** put: value; cas: [expected, new]; absent for get and delete. */
  value?: string | null | [string | null, string]
  /** get's result. */
  output?: string | null
  status: 'ok' | 'info'
  /** Milliseconds after the witness's time origin. */
  invokeMs: number
  /** null when the outcome is unknown (info, or no completion recorded). */
  completeMs: number | null
  /** put(x, "1"), get(x) → "1", cas(x, "1"→"2"), delete(x). */
  text: string
}

export type WitnessKind = 'read-of-unwritten-value' | 'read-from-future' | 'cas-conflict' | 'stale-read' | 'no-valid-order'

export interface Witness {
  key: string
  kind: WitnessKind
  explanation: string
  /** The explanation as a coded message (api/checker-text.ts says it in each language). */
  story: CheckerMessage
  /** The operations the explanation rests on, in time order. */
  core: WitnessOperation[]
  /** The longest linearizable prefix found, in linearization order (its last witnessPrefixOpsMax). */
  prefix: WitnessOperation[]
  /** How many prefix operations were left out before `prefix`. */
  prefixOmitted: number
  /** The key's value after the whole prefix (null: absent). */
  valueAfterPrefix: string | null
  /** Operations that cannot be placed after the prefix; the first had to be placed before it returned. */
  stuck: WitnessOperation[]
  /** Operations on this key the search considered. */
  keyOps: number
  /** History time (ns) that the millisecond times count from. */
  timeOriginNs: number
  /** The origin is the experiment's 0 s (the fault schedule's clock), not just the history's first event. */
  experimentTime?: boolean
}

export function buildWitness(model: KeyModel, peak: SearchPeak, timeOriginNs: number, experimentTime = false): Witness {
  const toWitness = (operation: Operation): WitnessOperation => witnessOperation(operation, timeOriginNs)
  const ops = model.operations
  const order = peak.order.map((index) => ops[index])
  const stuck = peak.candidates.map((index) => ops[index])
  const valueAfterPrefix = model.values[peak.state]
  const story = explain(model, order, ops[peak.stuck], valueAfterPrefix, stuck, timeOriginNs)
  const kept = order.slice(Math.max(0, order.length - witnessPrefixOpsMax))
  return {
    key: model.key,
    kind: story.kind,
    explanation: sayChecker(story.message, 'en'),
    story: story.message,
    core: [...new Set(story.core)].sort((a, b) => a.invokeNs - b.invokeNs || a.id - b.id).map(toWitness),
    prefix: kept.map(toWitness),
    prefixOmitted: order.length - kept.length,
    valueAfterPrefix,
    stuck: stuck.map(toWitness),
    keyOps: ops.length,
    timeOriginNs,
    ...(experimentTime ? { experimentTime } : {}),
  }
}

function witnessOperation(operation: Operation, timeOriginNs: number): WitnessOperation {
  const input = operation.input
  const result: WitnessOperation = {
    id: operation.id, process: operation.process, f: input.f, key: operation.key,
    status: operation.status === 'ok' ? 'ok' : 'info',
    invokeMs: nsToMs(operation.invokeNs - timeOriginNs),
    completeMs: operation.status === 'ok' && operation.completeNs !== null ? nsToMs(operation.completeNs - timeOriginNs) : null,
    text: describeOperation(operation),
  }
  if (input.f === 'put') result.value = input.value
  if (input.f === 'cas') result.value = [input.expected, input.value]
  if (input.f === 'get' && operation.status === 'ok') result.output = operation.output ?? null
  return result
}

function nsToMs(ns: number): number {
  return Math.round(ns / 1000) / 1000
}

interface Story {
  kind: WitnessKind
  message: CheckerMessage
  core: Operation[]
}

const returnOf = (operation: Operation): number =>
  operation.status === 'ok' && operation.completeNs !== null ? operation.completeNs : Infinity

/**
 * Explains why `blocked` (a get or a successful cas, since writes are always legal) cannot be
 * placed. The specific stories are only told when they are true of the whole history, not just of
 * the order the search found; otherwise the general one is.
 */
function explain(
  model: KeyModel, prefix: Operation[], blocked: Operation, valueAfter: string | null, stuck: Operation[], origin: number,
): Story {
  const key = model.key
  const seen = observedValue(blocked) ?? null
  const subject: CheckerMessage = blocked.input.f === 'get'
    ? { code: 'getReturned', params: { key, seen, ...times(blocked, origin) } }
    : { code: 'casSucceeded', params: { key, seen, op: operationFacts(blocked), ...times(blocked, origin) } }
  const writers = model.operations.filter((operation) => writtenValue(operation) !== undefined)
  const writersOfSeen = writers.filter((operation) => writtenValue(operation) === seen)

  if (seen !== null && writersOfSeen.length === 0) {
    return { kind: 'read-of-unwritten-value', core: [blocked], message: { code: 'readOfUnwritten', params: { subject, seen, key } } }
  }
  const couldPrecede = writersOfSeen.filter((operation) => operation.invokeNs < returnOf(blocked))
  if (seen !== null && couldPrecede.length === 0) {
    const first = writersOfSeen[0]
    return {
      kind: 'read-from-future', core: [blocked, first],
      message: { code: 'readFromFuture', params: { subject, seen, write: operationFacts(first), beganMs: msOf(first.invokeNs, origin) } },
    }
  }
  const conflict = casConflictStory(model, blocked, seen, writersOfSeen, origin)
  if (conflict) return conflict
  const stale = staleStory(key, blocked, subject, seen, couldPrecede, writers, origin)
  if (stale) return stale
  return generalStory(model, prefix, blocked, valueAfter, stuck, origin)
}

/** Operations listed in a story: the first few, each with its interval. */
const storyListedMax = 3

function opsAt(operations: Operation[], origin: number): CheckerMessage[] {
  return operations.slice(0, storyListedMax).map((operation) => ({ code: 'opAt', params: { op: operationFacts(operation), ...times(operation, origin) } }))
}

/**
 * Counting: each successful cas from e to another value moves the key away from e, so each needs
 * its own write of e (or the initial absent state) before it. More of them than writes of e is
 * impossible in any order.
 */
function casConflictStory(model: KeyModel, blocked: Operation, seen: string | null, writersOfSeen: Operation[], origin: number): Story | undefined {
  if (blocked.input.f !== 'cas') return undefined
  const away = model.operations.filter((operation) =>
    operation.status === 'ok' && operation.input.f === 'cas' && operation.input.expected === seen && operation.input.value !== seen)
  const sources = writersOfSeen.length + (seen === null ? 1 : 0)
  if (away.length <= sources) return undefined
  const key = model.key
  const listed = { writers: opsAt(writersOfSeen, origin), writersMore: writersOfSeen.length > storyListedMax }
  const written: CheckerMessage = seen === null
    ? (writersOfSeen.length === 0 ? { code: 'casStartedAbsent', params: {} } : { code: 'casAbsentAfterDeletes', params: { key, deletes: writersOfSeen.length, ...listed } })
    : { code: 'casWrittenTimes', params: { seen, sources, ...listed } }
  return {
    kind: 'cas-conflict',
    core: [...away.slice(0, 3), ...writersOfSeen.slice(0, 2)],
    message: { code: 'casConflict', params: { count: away.length, key, seen, away: opsAt(away, origin), awayMore: away.length > storyListedMax, written, sources } },
  }
}

/** A completed write of another value sits entirely between every possible source of the value seen and the read. */
function staleStory(
  key: string, blocked: Operation, subject: CheckerMessage, seen: string | null, sources: Operation[], writers: Operation[], origin: number,
): Story | undefined {
  const sourcesDoneNs = sources.reduce((latest, operation) => Math.max(latest, returnOf(operation)), -Infinity)
  let overwrite: Operation | undefined
  for (const writer of writers) {
    if (writer.status !== 'ok' || writtenValue(writer) === seen || writer.completeNs === null) continue
    if (writer.invokeNs <= sourcesDoneNs || writer.completeNs >= blocked.invokeNs) continue
    if (overwrite === undefined || writer.completeNs > (overwrite.completeNs ?? 0)) overwrite = writer
  }
  if (overwrite === undefined) return undefined
  const lastSource = sources.find((operation) => returnOf(operation) === sourcesDoneNs)
  let sourcesMessage: CheckerMessage
  if (seen !== null) sourcesMessage = { code: 'staleWrites', params: { seen, last: operationFacts(lastSource!), lastMs: msOf(sourcesDoneNs, origin) } }
  else if (lastSource) sourcesMessage = { code: 'staleDeletes', params: { key, lastMs: msOf(sourcesDoneNs, origin) } }
  else sourcesMessage = { code: 'staleNeverDeleted', params: { key } }
  return {
    kind: 'stale-read',
    core: lastSource ? [lastSource, overwrite, blocked] : [overwrite, blocked],
    message: { code: 'staleRead', params: {
      subject, overwrite: operationFacts(overwrite), overwriteMs: msOf(overwrite.completeNs!, origin), cas: blocked.input.f !== 'get', sources: sourcesMessage,
    } },
  }
}

/** Other pending operations a story names. */
const storyOthersMax = 4

function generalStory(
  model: KeyModel, prefix: Operation[], blocked: Operation, valueAfter: string | null, stuck: Operation[], origin: number,
): Story {
  const key = model.key
  const lastWriter = [...prefix].reverse().find((operation) => writtenValue(operation) === valueAfter && writtenValue(operation) !== undefined)
  const others = stuck.filter((operation) => operation !== blocked)
  return {
    kind: 'no-valid-order',
    core: [...(lastWriter ? [lastWriter] : []), blocked, ...others.slice(0, storyOthersMax)],
    message: { code: 'noValidOrder', params: {
      count: model.operations.length, key, placed: prefix.length, state: valueAfter,
      lastWriter: lastWriter ? { code: 'opAt', params: { op: operationFacts(lastWriter), ...times(lastWriter, origin) } } : null,
      blocked: { code: 'opAt', params: { op: operationFacts(blocked), ...times(blocked, origin) } },
      needs: observedValue(blocked) ?? null,
      otherCount: others.length, others: others.slice(0, storyOthersMax).map(operationFacts), othersMore: others.length > storyOthersMax,
    } },
  }
}

/** Milliseconds after the origin, unrounded (the texts print three decimals). */
function msOf(ns: number, origin: number): number {
  return (ns - origin) / 1e6
}

/** An operation's interval for a story; no end when it was never confirmed. */
function times(operation: Operation, origin: number): { invokeMs: number; completeMs: number | null } {
  const confirmed = operation.status === 'ok' && operation.completeNs !== null
  return { invokeMs: msOf(operation.invokeNs, origin), completeMs: confirmed ? msOf(operation.completeNs!, origin) : null }
}

/** The witness as facts, with the prefix's tail that describeWitness shows. */
export function witnessFacts(witness: Witness): WitnessFacts {
  const shown = witness.prefix.slice(Math.max(0, witness.prefix.length - describedPrefixOpsMax))
  const row = ({ id: _id, text: _text, ...facts }: WitnessOperation) => facts
  return {
    key: witness.key, keyOps: witness.keyOps, story: witness.story,
    core: witness.core.map(row), prefixShown: shown.map(row), prefixTotal: witness.prefix.length + witness.prefixOmitted,
    valueAfterPrefix: witness.valueAfterPrefix, stuck: witness.stuck.map(row),
    experimentTime: witness.experimentTime === true, timeOriginNs: witness.timeOriginNs,
  }
}

/** The witness as text for the terminal and the verdict: explanation, core, prefix tail, stuck ops. */
export function describeWitness(witness: Witness): string {
  return sayWitness(witnessFacts(witness), 'en')
}
