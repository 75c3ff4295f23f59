/**
 * Which acknowledged operation a click means: a dot of the latency scatter (its process and
 * completion time) or an arrow of the sequence diagram (the log indexes or sequence numbers its
 * message carried). Pure; times of operations are ms since the run's epoch, clicks are experiment
 * time, and `originMs` (the workload's start on the run's clock) converts between them.
 */
import type { AcknowledgedOperation } from '../../../src-main/api/latency-breakdown'

/**
 * A scatter dot and its operation's answer are the same instant read by the same process; frames
 * and the history round it differently, so a little slack is allowed (a process answers far less
 * often than this).
 */
export const sampleMatchMs = 1

/** The operation of process `process` answered at `okMs` (experiment time), or none within sampleMatchMs. */
export function operationOfSample(operations: readonly AcknowledgedOperation[], originMs: number, process: number, okMs: number): AcknowledgedOperation | undefined {
  let best: AcknowledgedOperation | undefined
  let bestDistance = sampleMatchMs
  for (const operation of operations) {
    if (operation.process !== process) continue
    const distance = Math.abs(operation.okMs - originMs - okMs)
    if (distance <= bestDistance) {
      best = operation
      bestDistance = distance
    }
  }
  return best
}

/**
 * The first operation (lowest index or sequence number) a message carried: its position lies in
 * the message's `range` and the message was sent while it was open (between its invoke and its
 * answer). `sentMs` is experiment time. MultiRaft's messages do not say their group: an operation
 * of any group may match, the lowest position wins.
 */
export function operationOfMessage(
  operations: readonly AcknowledgedOperation[],
  originMs: number,
  usesSequenceNumbers: boolean,
  range: readonly [number, number],
  sentMs: number,
): AcknowledgedOperation | undefined {
  const sentAt = sentMs + originMs
  let best: AcknowledgedOperation | undefined
  for (const operation of operations) {
    const position = usesSequenceNumbers ? operation.seq : operation.index
    if (position === undefined || position < range[0] || position > range[1]) continue
    if (sentAt < operation.invokeMs || sentAt > operation.okMs) continue
    const bestPosition = best === undefined ? undefined : usesSequenceNumbers ? best.seq : best.index
    if (bestPosition === undefined || position < bestPosition) best = operation
  }
  return best
}
