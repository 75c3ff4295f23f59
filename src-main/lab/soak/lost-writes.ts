/**
 * Lost writes: acknowledged writes missing from the final state, counted from a run's history.
 *
 * The final state of a key is what the workload's final reads saw: once every client operation has
 * an outcome, one more process reads back every key that was written (workload.finalReads). An
 * acknowledged write w to key k (an ok put, delete, or a cas that succeeded) is lost when k's final
 * value is neither w's value nor the value of a write that may have taken effect after w: one that
 * did not certainly fail ('fail') and did not complete before w was invoked. A key whose final read
 * did not succeed is not judged (it is counted as unchecked). The linearizability checker catches
 * every such loss too; this counts them, in the words of the question "did an acknowledged write
 * vanish?".
 */
import type { HistoryEvent } from '../../api/trace.js'
import { operationsOf, type Operation } from '../../checker/history.js'
import { describeOperation, describeValueText, writtenValue } from '../../checker/kv-model.js'

/** Lost writes described in full; the rest are only counted. */
export const lostWriteExamplesMax = 3

export interface LostWrites {
  /** Acknowledged writes of the workload (final reads aside), on every key. */
  acknowledged: number
  lost: number
  examples: string[]
  keysChecked: number
  /** Keys written whose final read failed or timed out. */
  keysUnchecked: number
  /** False when the history has no final reads: nothing could be judged. */
  finalReadsFound: boolean
}

export function findLostWrites(history: readonly HistoryEvent[]): LostWrites {
  const operations = operationsOf(history)
  const reader = finalReader(operations)
  const workload = operations.filter((operation) => operation.process !== reader)
  const writes = workload.filter((operation) => writtenValue(operation) !== undefined)
  const acknowledged = writes.filter((operation) => operation.status === 'ok').length
  const result: LostWrites = { acknowledged, lost: 0, examples: [], keysChecked: 0, keysUnchecked: 0, finalReadsFound: reader !== undefined }
  if (reader === undefined) return result
  const finalValues = new Map<string, string | null>()
  for (const read of operations.filter((operation) => operation.process === reader && operation.status === 'ok')) finalValues.set(read.key, read.output ?? null)
  const writesByKey = new Map<string, Operation[]>()
  for (const write of writes) {
    const list = writesByKey.get(write.key)
    if (list === undefined) writesByKey.set(write.key, [write])
    else list.push(write)
  }
  for (const [key, keyWrites] of writesByKey) {
    if (!finalValues.has(key)) {
      result.keysUnchecked += 1
      continue
    }
    result.keysChecked += 1
    const final = finalValues.get(key)!
    for (const write of keyWrites) {
      if (write.status !== 'ok' || survives(write, keyWrites, final)) continue
      result.lost += 1
      if (result.examples.length < lostWriteExamplesMax) {
        result.examples.push(`${describeOperation(write)} by process ${write.process} was acknowledged, but ${key} ends as ${describeValueText(final)} and no write that may follow it wrote that`)
      }
    }
  }
  return result
}

/** The final value is the write's own, or that of a write that may have taken effect after it. */
function survives(write: Operation, keyWrites: readonly Operation[], final: string | null): boolean {
  if (writtenValue(write) === final) return true
  return keyWrites.some(
    (other) => other !== write && other.status !== 'fail' && writtenValue(other) === final && (other.completeNs === null || other.completeNs >= write.invokeNs),
  )
}

/**
 * The process of the final reads: the last to start, issuing only gets, and starting after every
 * other operation had its outcome. Undefined when the history has none (final reads turned off, a
 * run cut short).
 */
function finalReader(operations: readonly Operation[]): number | undefined {
  const last = operations.at(-1)
  if (last === undefined) return undefined
  const reader = last.process
  const own = operations.filter((operation) => operation.process === reader)
  if (own.some((operation) => operation.input.f !== 'get')) return undefined
  const firstInvokeNs = own[0]!.invokeNs
  const othersEnded = operations.every((operation) => operation.process === reader || (operation.completeNs !== null && operation.completeNs <= firstInvokeNs))
  return othersEnded ? reader : undefined
}
