import { describe, expect, it } from 'vitest'
import type { AcknowledgedOperation } from '../../../src-main/api/latency-breakdown'
import { operationOfMessage, operationOfSample } from '../../../src-renderer/src/follow/pick-operation'

const op = (process: number, invokeMs: number, okMs: number, position: { index?: number; seq?: number }): AcknowledgedOperation => ({ process, f: 'put', key: `k${process}`, invokeMs, okMs, node: 'A', ...position })
// The workload started 1000 ms into the run: experiment time is the run's clock minus 1000.
const originMs = 1000

describe('which operation a click means', () => {
  it('a latency dot is the operation its process answered at that instant, not a neighbour of another process', () => {
    const operations = [op(1, 1500, 1510, { index: 7 }), op(2, 1505, 1510.2, { index: 8 }), op(1, 1520, 1530, { index: 9 })]
    expect(operationOfSample(operations, originMs, 1, 510.3)?.index).toBe(7)
    expect(operationOfSample(operations, originMs, 2, 510.3)?.index).toBe(8)
    expect(operationOfSample(operations, originMs, 1, 520)).toBeUndefined()
    expect(operationOfSample(operations, originMs, 3, 510)).toBeUndefined()
  })

  it('an arrow is the lowest-positioned operation its message carried while that operation was open', () => {
    const operations = [op(1, 1500, 1510, { index: 7 }), op(2, 1501, 1512, { index: 8 }), op(3, 1600, 1610, { index: 9 })]
    expect(operationOfMessage(operations, originMs, false, [7, 9], 505)?.index).toBe(7)
    // Sent after 7 and 8 were answered: it re-sends their entries, it does not carry them for their clients.
    expect(operationOfMessage(operations, originMs, false, [7, 9], 605)?.index).toBe(9)
    expect(operationOfMessage(operations, originMs, false, [10, 12], 505)).toBeUndefined()
    // PBFT names its sequence numbers, not log indexes.
    const pbft = [op(1, 1500, 1520, { seq: 3 })]
    expect(operationOfMessage(pbft, originMs, true, [3, 3], 510)?.seq).toBe(3)
    expect(operationOfMessage(pbft, originMs, false, [3, 3], 510)).toBeUndefined()
  })
})
