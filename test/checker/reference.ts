/**
 * A deliberately naive linearizability checker for small histories, used as an oracle: it tries
 * every order that respects real time (memoized on placed set and state), with none of the
 * search's refinements (forced reads, demand, sweeping, dropping unobservable writes).
 */
import type { HistoryEvent } from '../../src-main/api/trace.js'
import { operationsOf, type Operation } from '../../src-main/checker/history.js'

export function referenceLinearizable(history: readonly HistoryEvent[]): boolean {
  const byKey = new Map<string, Operation[]>()
  for (const operation of operationsOf(history)) {
    if (operation.input.f === 'range' || operation.status === 'fail') continue
    if (operation.input.f === 'get' && operation.status !== 'ok') continue
    const list = byKey.get(operation.key) ?? []
    list.push(operation)
    byKey.set(operation.key, list)
  }
  return [...byKey.values()].every(keyLinearizable)
}

function keyLinearizable(operations: Operation[]): boolean {
  if (operations.length > 30) throw new Error('reference checker: too many operations')
  const returnOf = (operation: Operation): number => (operation.status === 'ok' ? operation.completeNs! : Infinity)
  const seen = new Set<string>()
  const definite = operations.map((operation) => operation.status === 'ok')
  const search = (placed: number, state: string | null): boolean => {
    if (operations.every((_, index) => !definite[index] || (placed & (1 << index)) !== 0)) return true
    const memo = `${placed}:${state === null ? '\u0000' : state}`
    if (seen.has(memo)) return false
    seen.add(memo)
    for (let index = 0; index < operations.length; index += 1) {
      if ((placed & (1 << index)) !== 0) continue
      const operation = operations[index]
      // Real time: everything that returned before this was invoked must already be placed.
      const blocked = operations.some((other, at) => at !== index && (placed & (1 << at)) === 0 && returnOf(other) < operation.invokeNs)
      if (blocked) continue
      const next = step(operation, state)
      if (next !== undefined && search(placed | (1 << index), next.state)) return true
    }
    return false
  }
  return search(0, null)
}

function step(operation: Operation, state: string | null): { state: string | null } | undefined {
  const input = operation.input
  switch (input.f) {
    case 'put':
      return { state: input.value }
    case 'delete':
      return { state: null }
    case 'get':
      return operation.output === state ? { state } : undefined
    case 'cas':
      if (state === input.expected) return { state: input.value }
      return operation.status === 'ok' ? undefined : { state }
    default:
      return undefined
  }
}
