/**
 * acknowledged-writes-kept, and the lost-write counts the soak reads from the same code: an
 * acknowledged write is lost when its key's final read shows neither its value nor that of a write
 * that may have followed it; a key not read back, or a run without final reads, is unknown.
 */
import { describe, expect, it } from 'vitest'
import type { HistoryEvent } from '../../src-main/api/trace.js'
import { checkAcknowledgedWrites, findLostWrites } from '../../src-main/checker/acknowledged-writes.js'

type Step = [process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], key: string, value: unknown, time: number, error?: string]

function history(steps: Step[]): HistoryEvent[] {
  return steps.map(([process, type, f, key, value, time, error]) => ({ process, type, f, key, value, time, ...(error ? { error } : {}) }))
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

  it('an acknowledged write whose value vanished, with nothing after it, is lost: the key, the write, and what was read back', () => {
    const result = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [1, 'invoke', 'put', 'x', '2', 20], [1, 'ok', 'put', 'x', '2', 30], ...finalRead('x', '1', 100)]))
    expect(result.lost).toBe(1)
    expect(result.examples).toEqual(['put(x, "2") by process 1 was acknowledged, but x read back at the end as "1", which no write that may have followed it wrote'])
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

  it('a write whose client gave up before the acknowledged one began may still land after it: not a loss', () => {
    // Process 2 timed out at 5 (info), before process 1's put began at 10; its put may take effect any time after 0.
    const result = findLostWrites(history([[2, 'invoke', 'put', 'x', '2', 0], [2, 'info', 'put', 'x', '2', 5, 'timeout'], [1, 'invoke', 'put', 'x', '1', 10], [1, 'ok', 'put', 'x', '1', 20], ...finalRead('x', '2', 100)]))
    expect(result).toMatchObject({ acknowledged: 1, lost: 0 })
  })

  it('a successful cas writes its new value; a cas that certainly failed writes nothing', () => {
    const result = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [1, 'invoke', 'cas', 'x', ['1', '5'], 20], [1, 'ok', 'cas', 'x', ['1', '5'], 30], ...finalRead('x', '5', 100)]))
    expect(result).toMatchObject({ acknowledged: 2, lost: 0 })
    const mismatch = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [2, 'invoke', 'cas', 'x', ['0', '5'], 20], [2, 'fail', 'cas', 'x', ['0', '5'], 30], ...finalRead('x', '5', 100)]))
    expect(mismatch.lost).toBe(1)
  })

  it('a key whose final read timed out is unchecked, not lost, and says why', () => {
    const result = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [9, 'invoke', 'get', 'x', null, 100], [9, 'info', 'get', 'x', null, 200, 'timeout']]))
    expect(result).toMatchObject({ lost: 0, keysChecked: 0, keysUnchecked: 1, uncheckedExamples: ['x (timeout)'] })
  })

  it('says so when the history has no final reads', () => {
    const result = findLostWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [2, 'invoke', 'put', 'x', '2', 5], [2, 'ok', 'put', 'x', '2', 50]]))
    expect(result).toMatchObject({ acknowledged: 2, lost: 0, finalReadsFound: false })
  })
})

describe('the acknowledged-writes-kept invariant', () => {
  const kept = history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], ...finalRead('x', '1', 100)])

  it('holds when every key was read back and nothing acknowledged is missing', () => {
    expect(checkAcknowledgedWrites(kept, true)).toMatchObject({
      name: 'acknowledged-writes-kept',
      ok: true,
      detail: "1 acknowledged write on 1 key, every key read back at the end: each write is its key's final value or was followed by the write that is",
    })
  })

  it('breaks on a lost write, naming the key, the write and what was read back', () => {
    const lost = checkAcknowledgedWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], ...finalRead('x', null, 100)]), true)
    expect(lost).toMatchObject({
      name: 'acknowledged-writes-kept',
      ok: false,
      detail: '1 of 1 acknowledged write lost: put(x, "1") by process 1 was acknowledged, but x read back at the end as absent, which no write that may have followed it wrote',
    })
  })

  it('is unknown, with why, when a key could not be read back, when the final reads are missing, or when the run did not read back', () => {
    const timedOut = checkAcknowledgedWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10], [9, 'invoke', 'get', 'x', null, 100], [9, 'info', 'get', 'x', null, 200, 'timeout']]), true)
    expect(timedOut).toMatchObject({ name: 'acknowledged-writes-kept', ok: false, unknown: true, detail: 'unknown: none of 1 acknowledged write on the 0 keys read back was lost; 1 key could not be read back: x (timeout)' })
    const missing = checkAcknowledgedWrites(history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'ok', 'put', 'x', '1', 10]]), true)
    expect(missing).toMatchObject({ ok: false, unknown: true, detail: 'unknown: 1 acknowledged write, and the history holds no final reads to compare them with' })
    const off = checkAcknowledgedWrites(kept, 'final reads were turned off for this run')
    expect(off).toMatchObject({ ok: false, unknown: true, detail: 'unknown: 1 acknowledged write, not read back at the end: final reads were turned off for this run' })
  })

  it('holds, whatever the final reads, when no write was acknowledged', () => {
    const none = history([[1, 'invoke', 'put', 'x', '1', 0], [1, 'info', 'put', 'x', '1', 10]])
    expect(checkAcknowledgedWrites(none, 'final reads were turned off for this run')).toMatchObject({ ok: true, detail: 'no write was acknowledged, so none could be lost' })
  })
})
