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
import type { InvariantResult } from '../api/summary.js'
import type { HistoryEvent } from '../api/trace.js'
import { operationsOf, type Operation } from './history.js'
import { operationFacts, writtenValue } from './kv-model.js'
import { sayChecker, type CheckerMessage } from '../api/checker-text.js'

export const acknowledgedWritesInvariant = 'acknowledged-writes-kept'
/** Lost writes (and keys not read back) described in full; the rest are only counted. */
export const lostWriteExamplesMax = 3

export interface AcknowledgedWrites {
  /** Acknowledged writes of the workload (final reads aside), on every key. */
  acknowledged: number
  lost: number
  /** One line per lost write: the key, the write, and what was read back. */
  examples: string[]
  /** The same as coded messages (api/checker-text.ts). */
  exampleMessages: CheckerMessage[]
  /** Keys with an acknowledged write whose final read succeeded. */
  keysChecked: number
  /** Keys with an acknowledged write whose final read failed, timed out or never ran. */
  keysUnchecked: number
  /** "x (timeout)", for the first keys not read back. */
  uncheckedExamples: string[]
  uncheckedMessages: CheckerMessage[]
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
    exampleMessages: [],
    keysChecked: 0,
    keysUnchecked: 0,
    uncheckedExamples: [],
    uncheckedMessages: [],
    finalReadsFound: reader !== undefined,
  }
  if (reader === undefined) return result
  const finalValues = new Map<string, string | null>()
  for (const read of operations) if (read.process === reader && read.status === 'ok') finalValues.set(read.key, read.output ?? null)
  for (const [key, keyWrites] of groupByKey(writes)) {
    if (!keyWrites.some((write) => write.status === 'ok')) continue
    if (!finalValues.has(key)) {
      result.keysUnchecked += 1
      if (result.uncheckedMessages.length < lostWriteExamplesMax) {
        const unread = finalReadError(history, reader, key)
        result.uncheckedMessages.push(unread)
        result.uncheckedExamples.push(sayChecker(unread, 'en'))
      }
      continue
    }
    result.keysChecked += 1
    const final = finalValues.get(key)!
    for (const write of keyWrites) {
      if (write.status !== 'ok' || survives(write, keyWrites, final)) continue
      result.lost += 1
      if (result.exampleMessages.length < lostWriteExamplesMax) {
        const lost: CheckerMessage = { code: 'writeLost', params: { write: operationFacts(write), process: write.process, key, final } }
        result.exampleMessages.push(lost)
        result.examples.push(sayChecker(lost, 'en'))
      }
    }
  }
  return result
}

/**
 * The invariant. `finalReads`: true when the run read its written keys back at the end; otherwise
 * why it did not (a coded message, or English text), and the invariant is unknown (a run that did
 * not look cannot say nothing was lost).
 */
export function checkAcknowledgedWrites(history: readonly HistoryEvent[], finalReads: true | string | CheckerMessage): InvariantResult {
  const name = acknowledgedWritesInvariant
  const result = (ok: boolean, message: CheckerMessage, unknown = false): InvariantResult =>
    ({ name, ok, ...(unknown ? { unknown: true } : {}), detail: sayChecker(message, 'en'), message })
  const found = findLostWrites(history)
  if (found.acknowledged === 0) return result(true, { code: 'noWriteAcknowledged', params: {} })
  const writes = found.acknowledged
  if (finalReads !== true) {
    const reason: CheckerMessage = typeof finalReads === 'string' ? { code: 'reasonText', params: { text: finalReads } } : finalReads
    return result(false, { code: 'writesNotReadBack', params: { writes, reason } }, true)
  }
  if (!found.finalReadsFound) return result(false, { code: 'noFinalReads', params: { writes } }, true)
  const unread = { unreadKeys: found.keysUnchecked, unread: found.uncheckedMessages }
  if (found.lost > 0) {
    return result(false, { code: 'writesLost', params: { lost: found.lost, writes, examples: found.exampleMessages, more: found.lost - found.exampleMessages.length, ...unread } })
  }
  if (found.keysUnchecked > 0) return result(false, { code: 'noneLostSomeUnread', params: { writes, keys: found.keysChecked, ...unread } }, true)
  return result(true, { code: 'writesKept', params: { writes, keys: found.keysChecked } })
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
function finalReadError(history: readonly HistoryEvent[], reader: number, key: string): CheckerMessage {
  const ended = history.findLast((event) => event.process === reader && event.key === key && event.type !== 'invoke')
  if (ended !== undefined) return { code: 'keyNotReadBack', params: { key, error: ended.error ?? ended.type } }
  if (history.some((event) => event.process === reader && event.key === key)) return { code: 'keyNotReadBack', params: { key, error: null } }
  return { code: 'keyNeverRead', params: { key } }
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
