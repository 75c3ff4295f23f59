/**
 * Turns the search's deepest point into something a person can read: the longest linearizable
 * prefix (Porcupine's partial linearization), the operations that cannot come next, the few
 * operations that prove it, and one paragraph in plain English.
 */
import type { Operation } from './history.js'
import type { SearchPeak } from './wgl.js'
import { describeOperation, describeValueText, observedValue, writtenValue, type KeyModel } from './kv-model.js'

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
    explanation: story.text,
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
  text: string
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
  const seenText = describeValueText(seen)
  const when = (operation: Operation): string => interval(operation, origin)
  const subject = blocked.input.f === 'get'
    ? `get(${key}) at ${when(blocked)} returned ${seenText}`
    : `${describeOperation(blocked)} at ${when(blocked)} succeeded, so ${key} held ${seenText}`
  const writers = model.operations.filter((operation) => writtenValue(operation) !== undefined)
  const writersOfSeen = writers.filter((operation) => writtenValue(operation) === seen)

  if (seen !== null && writersOfSeen.length === 0) {
    return { kind: 'read-of-unwritten-value', core: [blocked], text: `${subject}, but no operation that could have taken effect ever wrote ${seenText} to ${key}.` }
  }
  const couldPrecede = writersOfSeen.filter((operation) => operation.invokeNs < returnOf(blocked))
  if (seen !== null && couldPrecede.length === 0) {
    const first = writersOfSeen[0]
    return {
      kind: 'read-from-future', core: [blocked, first],
      text: `${subject}, but the first write of ${seenText}, ${describeOperation(first)}, only began at ${ms(first.invokeNs, origin)}, after that had returned.`,
    }
  }
  const conflict = casConflictStory(model, blocked, seen, writersOfSeen, origin)
  if (conflict) return conflict
  const stale = staleStory(key, blocked, subject, seen, couldPrecede, writers, origin)
  if (stale) return stale
  return generalStory(model, prefix, blocked, valueAfter, stuck, origin)
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
  const seenText = describeValueText(seen)
  const listed = (operations: Operation[]): string =>
    operations.slice(0, 3).map((operation) => `${describeOperation(operation)} at ${interval(operation, origin)}`).join(', ') + (operations.length > 3 ? ', ...' : '')
  const written = seen === null
    ? (writersOfSeen.length === 0 ? 'the key started absent and was never deleted' : `${key} was absent only at the start and after ${writersOfSeen.length} delete${writersOfSeen.length === 1 ? '' : 's'} (${listed(writersOfSeen)})`)
    : `${seenText} was written only ${sources === 1 ? 'once' : `${sources} times`} (${listed(writersOfSeen)})`
  return {
    kind: 'cas-conflict',
    core: [...away.slice(0, 3), ...writersOfSeen.slice(0, 2)],
    text: `${away.length} cas operations on ${key} succeeded from ${seenText} (${listed(away)}), but ${written}, and each successful cas moves ${key} away from ${seenText}: at most ${sources} of them can have succeeded.`,
  }
}

/** A completed write of another value sits entirely between every possible source of the value seen and the read. */
function staleStory(
  key: string, blocked: Operation, subject: string, seen: string | null, sources: Operation[], writers: Operation[], origin: number,
): Story | undefined {
  const sourcesDoneNs = sources.reduce((latest, operation) => Math.max(latest, returnOf(operation)), -Infinity)
  let overwrite: Operation | undefined
  for (const writer of writers) {
    if (writer.status !== 'ok' || writtenValue(writer) === seen || writer.completeNs === null) continue
    if (writer.invokeNs <= sourcesDoneNs || writer.completeNs >= blocked.invokeNs) continue
    if (overwrite === undefined || writer.completeNs > (overwrite.completeNs ?? 0)) overwrite = writer
  }
  if (overwrite === undefined) return undefined
  const what = blocked.input.f === 'get' ? 'the read' : 'the cas'
  const seenText = describeValueText(seen)
  const lastSource = sources.find((operation) => returnOf(operation) === sourcesDoneNs)
  let sourceText: string
  if (seen !== null) sourceText = `every write of ${seenText} had completed before it began (the last, ${describeOperation(lastSource!)}, at ${ms(sourcesDoneNs, origin)}); nothing wrote ${seenText} after it`
  else if (lastSource) sourceText = `every delete of ${key} had completed before it began (the last at ${ms(sourcesDoneNs, origin)}); nothing deleted ${key} after it`
  else sourceText = `nothing ever deleted ${key}`
  return {
    kind: 'stale-read',
    core: lastSource ? [lastSource, overwrite, blocked] : [overwrite, blocked],
    text: `${subject}, but ${describeOperation(overwrite)} completed at ${ms(overwrite.completeNs!, origin)}, before ${what} began, and ${sourceText}, so ${what} saw a value that had already been overwritten (stale read or lost write).`,
  }
}

function generalStory(
  model: KeyModel, prefix: Operation[], blocked: Operation, valueAfter: string | null, stuck: Operation[], origin: number,
): Story {
  const key = model.key
  const lastWriter = [...prefix].reverse().find((operation) => writtenValue(operation) === valueAfter && writtenValue(operation) !== undefined)
  const state = describeValueText(valueAfter)
  const source = lastWriter ? ` (last written by ${describeOperation(lastWriter)} at ${interval(lastWriter, origin)})` : ''
  const needs = describeValueText(observedValue(blocked) ?? null)
  const others = stuck.filter((operation) => operation !== blocked)
  const othersText = others.length === 0
    ? 'no other operation was pending that could change it first'
    : `the ${others.length} other pending operation${others.length === 1 ? '' : 's'} (${others.slice(0, 4).map(describeOperation).join(', ')}${others.length > 4 ? ', ...' : ''}) cannot take effect in that state either`
  return {
    kind: 'no-valid-order',
    core: [...(lastWriter ? [lastWriter] : []), blocked, ...others.slice(0, 4)],
    text: `No order of the ${model.operations.length} operations on ${key} agrees with both real time and the results. `
      + `The longest valid order found places ${prefix.length} of them and leaves ${key} = ${state}${source}. `
      + `Next, ${describeOperation(blocked)} at ${interval(blocked, origin)} had to take effect before it returned, but it needs ${key} = ${needs}, and ${othersText}.`,
  }
}

function ms(ns: number, origin: number): string {
  return `${((ns - origin) / 1e6).toFixed(3)} ms`
}

function interval(operation: Operation, origin: number): string {
  if (operation.status !== 'ok' || operation.completeNs === null) return `${((operation.invokeNs - origin) / 1e6).toFixed(3)} ms (never confirmed)`
  return `${((operation.invokeNs - origin) / 1e6).toFixed(3)}–${((operation.completeNs - origin) / 1e6).toFixed(3)} ms`
}

function row(operation: WitnessOperation): string {
  const times = operation.completeMs === null
    ? `${operation.invokeMs.toFixed(3)} ms – (outcome unknown)`
    : `${operation.invokeMs.toFixed(3)}–${operation.completeMs.toFixed(3)} ms`
  return `p${operation.process}`.padEnd(6) + operation.text.padEnd(34) + ' ' + times
}

/** The witness as text for the terminal and the verdict: explanation, core, prefix tail, stuck ops. */
export function describeWitness(witness: Witness): string {
  const lines: string[] = []
  lines.push(`Key ${JSON.stringify(witness.key)} is not linearizable (${witness.keyOps} operations on it).`)
  lines.push(witness.explanation)
  lines.push('', 'Operations involved:')
  for (const operation of witness.core) lines.push('  ' + row(operation))
  const total = witness.prefix.length + witness.prefixOmitted
  const shown = witness.prefix.slice(Math.max(0, witness.prefix.length - describedPrefixOpsMax))
  const omitted = total - shown.length
  lines.push('', `Longest linearizable prefix: ${total} operation${total === 1 ? '' : 's'}${omitted > 0 ? `, the last ${shown.length} shown` : ''}; ${witness.key} = ${describeValueText(witness.valueAfterPrefix)} after it.`)
  shown.forEach((operation, index) => lines.push(`  ${String(omitted + index + 1).padStart(5)}. ` + row(operation)))
  lines.push('', 'Cannot be placed next (the first had to take effect before it returned):')
  for (const operation of witness.stuck) lines.push('  ' + row(operation))
  lines.push('', witness.experimentTime ? "Times are milliseconds of experiment time (0 = the workload's start, the fault schedule's clock)." : `Times are milliseconds after t = ${witness.timeOriginNs} ns of the history.`)
  return lines.join('\n')
}
