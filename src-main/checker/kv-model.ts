/**
 * The key-value model the linearizability search runs, for one key (Porcupine's `partition` splits
 * the history by key first; keys are independent registers, so checking each alone is exact).
 *
 * State: the key's value, or absent. Values are interned to small integers (0 = absent) so the
 * search compares and hashes integers, not strings.
 *
 *   put(v)            -> ok, state = v
 *   delete            -> ok, state = absent
 *   get -> v          legal iff state === v
 *   cas(e, v) ok      legal iff state === e; then state = v
 *   cas(e, v) info    may have failed: state === e ? v : state (placing it last = "never happened")
 *
 * Failed operations (`fail`, including a cas that found a mismatch) definitely did not happen and
 * are dropped. A get whose outcome is unknown constrains nothing and is dropped. Writes with an
 * unknown outcome stay open until the end of time (return = +Infinity); those whose value nothing
 * ever observes are dropped too (they can always go last).
 */
import type { Operation } from './history.js'
import { sayOperation, sayValue, type CheckerOperation } from '../api/checker-text.js'

export const kindPut = 0
export const kindDelete = 1
export const kindGet = 2
export const kindCas = 3

export const stateAbsent = 0
/** Returned by stepKv for an operation that cannot take effect in the given state. */
export const stepIllegal = -1

/** One key's operations, column-wise, in invoke order. Index i in every array is operation i. */
export interface KeyModel {
  key: string
  operations: Operation[]
  kind: Uint8Array
  /** put: value written; get: value read; cas: expected value. */
  a: Int32Array
  /** cas: value written. */
  b: Int32Array
  /** 1 when the outcome is unknown (info or never completed). */
  indefinite: Uint8Array
  callNs: Float64Array
  /** +Infinity for indefinite operations. */
  returnNs: Float64Array
  /** Interned value id -> value; id 0 is absent. */
  values: (string | null)[]
}

/** True when the operation takes part in the per-key search. */
export function isChecked(operation: Operation): boolean {
  if (operation.input.f === 'range' || operation.status === 'fail') return false
  if (operation.input.f === 'get' && operation.status !== 'ok') return false
  return true
}

/**
 * Indefinite writes that nothing could ever observe: no get returns their value and no cas
 * expects it (directly, or through an indefinite cas that someone observes). Such a write can
 * always be placed at the very end of a linearization, so it constrains nothing and is dropped.
 */
function unobservableWrites(operations: readonly Operation[]): Set<Operation> {
  const needed = new Set<string | null>()
  for (const operation of operations) {
    if (operation.status === 'ok' && operation.input.f === 'get') needed.add(operation.output ?? null)
    if (operation.status === 'ok' && operation.input.f === 'cas') needed.add(operation.input.expected)
  }
  const unobservable = new Set(operations.filter((operation) => operation.status !== 'ok'))
  for (let changed = true; changed;) {
    changed = false
    for (const operation of unobservable) {
      if (!needed.has(writtenValue(operation) ?? null)) continue
      unobservable.delete(operation)
      if (operation.input.f === 'cas') needed.add(operation.input.expected)
      changed = true
    }
  }
  return unobservable
}

/** Builds the model of one key from its operations (already in invoke order). */
export function buildKeyModel(key: string, operations: Operation[]): KeyModel {
  const candidates = operations.filter(isChecked)
  const unobservable = unobservableWrites(candidates)
  const checked = unobservable.size === 0 ? candidates : candidates.filter((operation) => !unobservable.has(operation))
  const count = checked.length
  const valueIds = new Map<string, number>()
  const values: (string | null)[] = [null]
  const intern = (value: string | null): number => {
    if (value === null) return stateAbsent
    let id = valueIds.get(value)
    if (id === undefined) {
      id = values.length
      values.push(value)
      valueIds.set(value, id)
    }
    return id
  }
  const model: KeyModel = {
    key, operations: checked, values,
    kind: new Uint8Array(count), a: new Int32Array(count), b: new Int32Array(count),
    indefinite: new Uint8Array(count), callNs: new Float64Array(count), returnNs: new Float64Array(count),
  }
  for (let index = 0; index < count; index += 1) {
    const operation = checked[index]
    const indefinite = operation.status !== 'ok'
    model.indefinite[index] = indefinite ? 1 : 0
    model.callNs[index] = operation.invokeNs
    model.returnNs[index] = indefinite || operation.completeNs === null ? Infinity : operation.completeNs
    const input = operation.input
    switch (input.f) {
      case 'put':
        model.kind[index] = kindPut
        model.a[index] = intern(input.value)
        break
      case 'delete':
        model.kind[index] = kindDelete
        break
      case 'get':
        model.kind[index] = kindGet
        model.a[index] = intern(operation.output ?? null)
        break
      case 'cas':
        model.kind[index] = kindCas
        model.a[index] = intern(input.expected)
        model.b[index] = intern(input.value)
        break
      case 'range':
        throw new Error('range operations are not part of the per-key model')
    }
  }
  return model
}

/** The model's step: the state after `operation` runs in `state`, or stepIllegal. */
export function stepKv(model: KeyModel, operation: number, state: number): number {
  switch (model.kind[operation]) {
    case kindPut:
      return model.a[operation]
    case kindDelete:
      return stateAbsent
    case kindGet:
      return state === model.a[operation] ? state : stepIllegal
    default:
      if (state === model.a[operation]) return model.b[operation]
      return model.indefinite[operation] === 1 ? state : stepIllegal
  }
}

/** The value this operation leaves in the key when it takes effect, or undefined for reads. */
export function writtenValue(operation: Operation): string | null | undefined {
  switch (operation.input.f) {
    case 'put':
    case 'cas':
      return operation.input.value
    case 'delete':
      return null
    default:
      return undefined
  }
}

/** The value this operation observed (get's result, or a successful cas's expected value). */
export function observedValue(operation: Operation): string | null | undefined {
  if (operation.input.f === 'get') return operation.output
  if (operation.input.f === 'cas' && operation.status === 'ok') return operation.input.expected
  return undefined
}

export function describeValueText(value: string | null | undefined): string {
  return sayValue(value, 'en')
}

/** put(x, "1"), get(x) → "1", cas(x, "1"→"2"), delete(x); "(outcome unknown)" for info. */
export function describeOperation(operation: Operation): string {
  return sayOperation(operationFacts(operation), 'en')
}

/** The operation as facts, for the checker's coded messages (api/checker-text.ts says them). */
export function operationFacts(operation: Operation): CheckerOperation {
  const input = operation.input
  const facts: CheckerOperation = { f: input.f, key: operation.key, status: operation.status }
  if (input.f === 'put') facts.value = input.value
  if (input.f === 'cas') facts.value = [input.expected, input.value]
  if (input.f === 'get' && operation.status === 'ok') facts.output = operation.output ?? null
  return facts
}
