/**
 * The soak's lost-write count: an acknowledged write is lost when the key's final read shows
 * neither its value nor that of a write that may have followed it.
 */
import { describe, expect, it } from 'vitest'
import type { HistoryEvent } from '../../src-main/api/trace.js'
import { findLostWrites } from '../../src-main/lab/soak/lost-writes.js'

type Step = [process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], key: string, value: unknown, time: number]

function history(steps: Step[]): HistoryEvent[] {
  return steps.map(([process, type, f, key, value, time]) => ({ process, type, f, key, value, time }))
}

/** Process 9 reads every key back after everything else ended. */
const finalRead = (key: string, value: string | null, time: number): Step[] => [
  [9, 'invoke', 'get', key, null, time],
  [9, 'ok', 'get', key, value, time + 1],
]

describe('lost writes', () => {
  it('none when the final value is the last acknowledged write', () => {
    const result = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [1, 'invoke', 'put', 'x', '2', 20], [1, 'ok', 'put', 'x', '2', 30], ...finalRead('x', '2', 100)]))
    expect(result).toMatchObject({ acknowledged: 2, lost: 0, keysChecked: 1, finalReadsFound: true })
  })

  it('an acknowledged write whose value vanished, with nothing after it, is lost', () => {
    const result = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [1, 'invoke', 'put', 'x', '2', 20], [1, 'ok', 'put', 'x', '2', 30], ...finalRead('x', '1', 100)]))
    expect(result.lost).toBe(1)
    expect(result.examples[0]).toMatch(/^put\(x, "2"\) by process 1 was acknowledged, but x ends as "?1"?/)
  })

  it('a key that ends absent loses its acknowledged puts, unless a delete may have followed', () => {
    const lost = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], ...finalRead('x', null, 100)]))
    expect(lost.lost).toBe(1)
    const deleted = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [2, 'invoke', 'delete', 'x', null, 5], [2, 'info', 'delete', 'x', null, 50], ...finalRead('x', null, 100)]))
    expect(deleted.lost).toBe(0)
  })

  it('a concurrent or unknown write that may follow explains the final value; one that ended before, or failed, does not', () => {
    const concurrent = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [2, 'invoke', 'put', 'x', '2', 1], [1, 'ok', 'put', 'x', '1', 10], [2, 'ok', 'put', 'x', '2', 11], ...finalRead('x', '2', 100)]))
    expect(concurrent.lost).toBe(0)
    const before = findLostWrites(history([[2, 'invoke', 'put', 'x', '2', 0], [2, 'ok', 'put', 'x', '2', 5], [1, 'invoke', 'put', 'x', '1', 10], [1, 'ok', 'put', 'x', '1', 20], ...finalRead('x', '2', 100)]))
    expect(before.lost).toBe(1)
    const failed = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [2, 'invoke', 'put', 'x', '3', 20], [2, 'fail', 'put', 'x', '3', 30], ...finalRead('x', '3', 100)]))
    expect(failed.lost).toBe(1)
  })

  it('a successful cas writes its new value', () => {
    const result = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [1, 'invoke', 'cas', 'x', ['1', '5'], 20], [1, 'ok', 'cas', 'x', ['1', '5'], 30], ...finalRead('x', '5', 100)]))
    expect(result).toMatchObject({ acknowledged: 2, lost: 0 })
  })

  it('a key whose final read timed out is unchecked, not lost', () => {
    const result = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [9, 'invoke', 'get', 'x', null, 100], [9, 'info', 'get', 'x', null, 200]]))
    expect(result).toMatchObject({ lost: 0, keysChecked: 0, keysUnchecked: 1 })
  })

  it('says so when the history has no final reads', () => {
    const result = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [2, 'invoke', 'put', 'x', '2', 5], [2, 'ok', 'put', 'x', '2', 50]]))
    expect(result).toMatchObject({ acknowledged: 2, lost: 0, finalReadsFound: false })
  })
})
