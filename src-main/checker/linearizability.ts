/**
 * Linearizability of a KV history: partition by key, run the WGL search on each key under a budget,
 * and combine. One illegal key makes the history illegal; otherwise one key over budget makes it
 * unknown (never a guess).
 */
import type { HistoryEvent } from '../api/trace.js'
import { operationsOf, type Operation } from './history.js'
import { buildKeyModel, isChecked, stateAbsent, stepIllegal, stepKv, type KeyModel } from './kv-model.js'
import { searchKey, searchStepsMaxDefault, type SearchBudget, type SearchPeak } from './wgl.js'
import { buildWitness, type Witness } from './witness.js'

export const keyMsMaxDefault = 10_000
export const totalMsMaxDefault = 60_000
/** Wall-clock bound on the second search that draws a failing key's witness. */
const witnessMsMax = 2_000
/**
 * Steps the witness search gets on top of the failing search's own: the witness costs no more than
 * the search that found the violation (plus this much, so a violation found at once on a small key
 * still gets its prefix).
 */
export const witnessStepsFloor = 256

export interface LinearizabilityOptions {
  /** Search steps per key before it is unknown. */
  stepsPerKeyMax?: number
  /** Wall-clock milliseconds per key before it is unknown. */
  msPerKeyMax?: number
  /** Wall-clock milliseconds for the whole history; keys not reached are unknown. */
  msTotalMax?: number
  /** History time (ns) that witness times count from; default: the earliest event. */
  timeOriginNs?: number
  /**
   * History time (ns) of the experiment's 0 s (the workload's start, the clock of the fault
   * schedule): when given, witness times count from it and say so.
   */
  experimentZeroNs?: number
}

export type KeyResult = 'ok' | 'illegal' | 'unknown'

export interface KeyCheck {
  key: string
  result: KeyResult
  /** Operations on the key the search considered (ok, plus writes with unknown outcome). */
  ops: number
  steps: number
  ms: number
  /** Why the key is unknown. */
  reason?: string
  witness?: Witness
  /** Steps the witness's own search took (illegal keys; at most max(steps, witnessStepsFloor)). */
  witnessSteps?: number
}

export interface OperationCounts {
  total: number
  ok: number
  fail: number
  info: number
  /** Operations the per-key check considered. */
  checked: number
  /** Range operations: they span keys, so the per-key check leaves them out. */
  rangeSkipped: number
}

export interface LinearizabilityResult {
  linearizable: boolean | 'unknown'
  keys: KeyCheck[]
  /** The witness of the failing key whose anomaly comes first in time. */
  witness?: Witness
  counts: OperationCounts
  /** Present when some operations were not checked, with why. */
  skipped?: { ops: number; reason: string }
  ms: number
}

export function checkLinearizability(history: readonly HistoryEvent[], options: LinearizabilityOptions = {}): LinearizabilityResult {
  const operations = operationsOf(history)
  const origin = options.experimentZeroNs ?? options.timeOriginNs ?? history.reduce((earliest, event) => Math.min(earliest, event.time), Infinity)
  return checkOperations(operations, { ...options, timeOriginNs: Number.isFinite(origin) ? origin : 0 })
}

/** The same check over already-paired operations (see history.ts). */
export function checkOperations(operations: readonly Operation[], options: LinearizabilityOptions = {}): LinearizabilityResult {
  const started = performance.now()
  const stepsMax = options.stepsPerKeyMax ?? searchStepsMaxDefault
  const keyMsMax = options.msPerKeyMax ?? keyMsMaxDefault
  const totalDeadline = started + (options.msTotalMax ?? totalMsMaxDefault)
  const origin = options.experimentZeroNs ?? options.timeOriginNs ?? 0
  const byKey = partitionByKey(operations)
  const keys: KeyCheck[] = []
  for (const [key, keyOperations] of byKey) {
    const model = buildKeyModel(key, keyOperations)
    const keyStarted = performance.now()
    if (keyStarted > totalDeadline) {
      keys.push({ key, result: 'unknown', ops: model.kind.length, steps: 0, ms: 0, reason: 'not checked: the time budget for the whole history ran out' })
      continue
    }
    const outcome = searchKey(model, { stepsMax, deadlineMs: Math.min(totalDeadline, keyStarted + keyMsMax) })
    const check: KeyCheck = { key, result: outcome.result, ops: model.kind.length, steps: outcome.steps, ms: performance.now() - keyStarted }
    if (outcome.result === 'unknown') check.reason = outcome.reason
    if (outcome.result === 'illegal') {
      const budget = { stepsMax: Math.max(outcome.steps, witnessStepsFloor), deadlineMs: Math.min(totalDeadline, performance.now() + witnessMsMax) }
      const longer = prefixWithout(model, outcome.peak.stuck, keyOperations, budget)
      check.witnessSteps = longer.steps
      check.witness = buildWitness(model, longer.peak ?? outcome.peak, origin, options.experimentZeroNs !== undefined)
    }
    keys.push(check)
  }
  const counts = countOperations(operations)
  const result: LinearizabilityResult = {
    linearizable: combine(keys), keys, counts, ms: performance.now() - started,
  }
  const witness = firstWitness(keys)
  if (witness) result.witness = witness
  if (counts.rangeSkipped > 0) {
    result.skipped = { ops: counts.rangeSkipped, reason: 'range operations span keys; the per-key check leaves them out' }
  }
  return result
}

/**
 * The search cuts dead ends early, so its deepest point can sit well before the anomaly. For the
 * witness, linearize the key without the stuck operation: if that works, the order up to where
 * the stuck operation had to take effect (its return) is the partial linearization to show.
 *
 * Only operations invoked by then can be in that order, so only they are searched; and the search
 * gets `budget` (the failing search's steps): when placing them needs more steps than that (a
 * successful search takes at least one per definite operation), the witness keeps the failing
 * search's own peak rather than cost more than the check did.
 */
function prefixWithout(
  model: KeyModel, stuck: number, keyOperations: Operation[], budget: SearchBudget,
): { peak?: SearchPeak; steps: number } {
  const blocked = model.operations[stuck]
  const deadline = blocked.completeNs ?? Infinity
  const window = keyOperations.filter((operation) => operation !== blocked && operation.invokeNs <= deadline)
  const definite = window.reduce((count, operation) => count + (isChecked(operation) && operation.status === 'ok' ? 1 : 0), 0)
  if (definite > budget.stepsMax) return { steps: 0 }
  const rest = buildKeyModel(model.key, window)
  const outcome = searchKey(rest, budget)
  if (outcome.result !== 'ok') return { steps: outcome.steps }
  const indexOf = new Map(model.operations.map((operation, index) => [operation, index]))
  const order: number[] = []
  let state = stateAbsent
  for (const index of outcome.order) {
    const operation = rest.operations[index]
    const original = indexOf.get(operation)
    if (original === undefined) return { steps: outcome.steps }
    state = stepKv(model, original, state)
    if (state === stepIllegal) return { steps: outcome.steps }
    order.push(original)
  }
  return { peak: { order, state, stuck, candidates: [stuck] }, steps: outcome.steps }
}

/** Keys in name order, each with its operations in invoke order. Range operations are left out. */
function partitionByKey(operations: readonly Operation[]): Map<string, Operation[]> {
  const byKey = new Map<string, Operation[]>()
  for (const operation of operations) {
    if (operation.input.f === 'range') continue
    let list = byKey.get(operation.key)
    if (list === undefined) {
      list = []
      byKey.set(operation.key, list)
    }
    list.push(operation)
  }
  return new Map([...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

function combine(keys: readonly KeyCheck[]): boolean | 'unknown' {
  if (keys.some((key) => key.result === 'illegal')) return false
  if (keys.some((key) => key.result === 'unknown')) return 'unknown'
  return true
}

function firstWitness(keys: readonly KeyCheck[]): Witness | undefined {
  let first: Witness | undefined
  for (const key of keys) {
    const witness = key.witness
    if (witness === undefined) continue
    if (first === undefined || witness.stuck[0].invokeMs < first.stuck[0].invokeMs) first = witness
  }
  return first
}

function countOperations(operations: readonly Operation[]): OperationCounts {
  const counts: OperationCounts = { total: operations.length, ok: 0, fail: 0, info: 0, checked: 0, rangeSkipped: 0 }
  for (const operation of operations) {
    counts[operation.status] += 1
    if (operation.input.f === 'range') counts.rangeSkipped += 1
    else if (isChecked(operation)) counts.checked += 1
  }
  return counts
}
