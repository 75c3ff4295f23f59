/**
 * acknowledged-writes-kept: no write the cluster acknowledged is missing at the end. One
 * implementation, for every run's verdict and for the soak's lost-write counts.
 *
 * The final state of a key is what the workload's final reads saw: once every client operation has
 * an outcome, one more process reads back every key that was written (workload.finalReads). An
 * acknowledged write w to key k (an ok put or delete, a cas that succeeded) is lost when k's final
 * value is neither w's own nor that of a write that may have taken effect after w: one that did not
 * certainly fail, and either has an unknown outcome (it may land at any time after its invoke) or
 * completed no earlier than w began. A key whose final read did not succeed is not judged, and
 * the invariant is then unknown, never ok. The linearizability check sees most such losses too (a
 * final read is an operation of the history); this names them in the words of the question "did an
 * acknowledged write vanish?", and holds even where reads were not checked.
 */
import type { InvariantResult } from '../../api/summary.js'
import type { HistoryEvent } from '../../api/trace.js'
import { operationsOf, type Operation } from './history.js'
import { describeOperation, describeValueText, writtenValue } from './kv-model.js'

export const acknowledgedWritesInvariant = 'acknowledged-writes-kept'
/** Lost writes (and keys not read back) described in full; the rest are only counted. */
export const lostWriteExamplesMax = 3

export interface AcknowledgedWrites {
  /** Acknowledged writes of the workload (final reads aside), on every key. */
  acknowledged: number
  lost: number
  /** One line per lost write: the key, the write, and what was read back. */
  examples: string[]
  /** Keys with an acknowledged write whose final read succeeded. */
  keysChecked: number
  /** Keys with an acknowledged write whose final read failed, timed out or never ran. */
  keysUnchecked: number
  /** "x (timeout)", for the first keys not read back. */
  uncheckedExamples: string[]
  /** False when the history holds no final reads: nothing could be judged. */
  finalReadsFound: boolean
}

export function findLostWrites(history: readonly HistoryEvent[]): AcknowledgedWrites {
  const operations = operationsOf(history)
  const reader = finalReader(operations)
  const writes = operations.filter((operation) => operation.process !== reader && writtenValue(operation) !== undefined)
  const result: AcknowledgedWrites = {
    acknowledged: writes.filter((operation) => operation.status === 'ok').length,
    lost: 0,
    examples: [],
    keysChecked: 0,
    keysUnchecked: 0,
    uncheckedExamples: [],
    finalReadsFound: reader !== undefined,
  }
  if (reader === undefined) return result
  const finalValues = new Map<string, string | null>()
  for (const read of operations) if (read.process === reader && read.status === 'ok') finalValues.set(read.key, read.output ?? null)
  for (const [key, keyWrites] of groupByKey(writes)) {
    if (!keyWrites.some((write) => write.status === 'ok')) continue
    if (!finalValues.has(key)) {
      result.keysUnchecked += 1
      if (result.uncheckedExamples.length < lostWriteExamplesMax) result.uncheckedExamples.push(`${key} (${finalReadError(history, reader, key)})`)
      continue
    }
    result.keysChecked += 1
    const final = finalValues.get(key)!
    for (const write of keyWrites) {
      if (write.status !== 'ok' || survives(write, keyWrites, final)) continue
      result.lost += 1
      if (result.examples.length < lostWriteExamplesMax) {
        result.examples.push(`${describeOperation(write)} by process ${write.process} was acknowledged, but ${key} read back at the end as ${describeValueText(final)}, which no write that may have followed it wrote`)
      }
    }
  }
  return result
}

/**
 * The invariant. `finalReads`: true when the run read its written keys back at the end; otherwise
 * why it did not, and the invariant is unknown (a run that did not look cannot say nothing was lost).
 */
export function checkAcknowledgedWrites(history: readonly HistoryEvent[], finalReads: true | string): InvariantResult {
  const name = acknowledgedWritesInvariant
  const found = findLostWrites(history)
  if (found.acknowledged === 0) return { name, ok: true, detail: 'no write was acknowledged, so none could be lost' }
  const writes = plural(found.acknowledged, 'acknowledged write')
  if (finalReads !== true) return { name, ok: false, unknown: true, detail: `unknown: ${writes}, not read back at the end: ${finalReads}` }
  if (!found.finalReadsFound) return { name, ok: false, unknown: true, detail: `unknown: ${writes}, and the history holds no final reads to compare them with` }
  const unread = found.keysUnchecked === 0 ? '' : `; ${plural(found.keysUnchecked, 'key')} could not be read back: ${found.uncheckedExamples.join(', ')}${found.keysUnchecked > found.uncheckedExamples.length ? ', ...' : ''}`
  if (found.lost > 0) {
    const more = found.lost > found.examples.length ? `; and ${found.lost - found.examples.length} more` : ''
    return { name, ok: false, detail: `${found.lost} of ${writes} lost: ${found.examples.join('; ')}${more}${unread}` }
  }
  if (found.keysUnchecked > 0) {
    return { name, ok: false, unknown: true, detail: `unknown: none of ${writes} on the ${plural(found.keysChecked, 'key')} read back was lost${unread}` }
  }
  return { name, ok: true, detail: `${writes} on ${plural(found.keysChecked, 'key')}, every key read back at the end: each write is its key's final value or was followed by the write that is` }
}

/** The final value is the write's own, or that of a write that may have taken effect after it. */
function survives(write: Operation, keyWrites: readonly Operation[], final: string | null): boolean {
  if (writtenValue(write) === final) return true
  return keyWrites.some((other) => other !== write && other.status !== 'fail' && writtenValue(other) === final && mayFollow(other, write))
}

/** `other` may have taken effect after `write`: its outcome is unknown, or it ended no earlier than `write` began. */
function mayFollow(other: Operation, write: Operation): boolean {
  return other.status !== 'ok' || other.completeNs === null || other.completeNs >= write.invokeNs
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

/** Why the final read of `key` did not succeed: the error it ended with, or that it never ran. */
function finalReadError(history: readonly HistoryEvent[], reader: number, key: string): string {
  const ended = history.findLast((event) => event.process === reader && event.key === key && event.type !== 'invoke')
  if (ended !== undefined) return ended.error ?? ended.type
  return history.some((event) => event.process === reader && event.key === key) ? 'no answer' : 'not read: the final reads ran out of time'
}

function groupByKey(operations: readonly Operation[]): Map<string, Operation[]> {
  const byKey = new Map<string, Operation[]>()
  for (const operation of operations) {
    const list = byKey.get(operation.key)
    if (list === undefined) byKey.set(operation.key, [operation])
    else list.push(operation)
  }
  return byKey
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
