/**
 * What a witness blames must be true of the history itself, checked here against the raw
 * operations rather than the witness's own story. Each failure names its seed; replay one with
 *   CHECKER_SEED=<seed> npx vitest run test/checker/witness.test.ts
 */
import { describe, expect, it } from 'vitest'
import { checkLinearizability, witnessStepsFloor } from '../../src-main/checker/linearizability.js'
import { generateLinearizableHistory } from '../../src-main/checker/generate.js'
import { operationsOf, type Operation } from '../../src-main/checker/history.js'
import { observedValue, writtenValue } from '../../src-main/checker/kv-model.js'
import type { HistoryEvent } from '../../src-main/api/trace.js'
import { randomSmallHistory } from './random-histories.js'

const replaySeed = process.env.CHECKER_SEED === undefined ? undefined : Number(process.env.CHECKER_SEED)
const seeds = (count: number, first = 1): number[] => (replaySeed !== undefined ? [replaySeed] : Array.from({ length: count }, (_, index) => first + index))
const replay = (seed: number, test: string): string => `seed ${seed}; replay: CHECKER_SEED=${seed} npx vitest run test/checker/witness.test.ts -t "${test}"`

const returnNs = (operation: Operation): number => (operation.status === 'ok' && operation.completeNs !== null ? operation.completeNs : Infinity)

describe('a witness blames only what real time proves', () => {
  const staleTitle = 'a stale read blames a write that completed before the read began, after every possible source of the value read'
  it(staleTitle, () => {
    let stale = 0
    for (const seed of seeds(4000, 50_001)) {
      const history = randomSmallHistory(seed, 12, 4)
      const result = checkLinearizability(history)
      if (result.linearizable !== false || result.witness?.kind !== 'stale-read') continue
      stale += 1
      const context = replay(seed, staleTitle)
      const byId = new Map(operationsOf(history).map((operation) => [operation.id, operation]))
      const read = byId.get(result.witness.stuck[0]!.id)!
      const seen = observedValue(read) ?? null
      const blamed = result.witness.core.map((core) => byId.get(core.id)!).filter((operation) => operation !== read && writtenValue(operation) !== undefined && writtenValue(operation) !== seen)
      expect(blamed.length, context).toBe(1)
      const overwrite = blamed[0]!
      expect(overwrite.status, context).toBe('ok')
      expect(returnNs(overwrite), `${context}: the blamed write had not completed when the read began`).toBeLessThan(read.invokeNs)
      const sources = [...byId.values()].filter((operation) => operation.status !== 'fail' && writtenValue(operation) === seen && operation.invokeNs < returnNs(read))
      for (const source of sources) expect(returnNs(source), `${context}: ${source.id} may have written the value after the blamed write`).toBeLessThan(overwrite.invokeNs)
    }
    if (replaySeed === undefined) expect(stale).toBeGreaterThan(50)
  })

  it('a write still running when the read began is never blamed, even if it completed before the read did', () => {
    // put(x, "2") overlaps get(x): the read may have come first, and "1" was current then. The
    // history is still not linearizable (the second read), but not because of that write.
    const history: HistoryEvent[] = [
      { process: 1, type: 'invoke', f: 'put', key: 'x', value: '1', time: 0 },
      { process: 1, type: 'ok', f: 'put', key: 'x', value: '1', time: 1_000_000 },
      { process: 2, type: 'invoke', f: 'put', key: 'x', value: '2', time: 2_000_000 },
      { process: 3, type: 'invoke', f: 'get', key: 'x', time: 2_500_000 },
      { process: 2, type: 'ok', f: 'put', key: 'x', value: '2', time: 3_000_000 },
      { process: 3, type: 'ok', f: 'get', key: 'x', value: '1', time: 4_000_000 },
      { process: 4, type: 'invoke', f: 'get', key: 'x', time: 5_000_000 },
      { process: 4, type: 'ok', f: 'get', key: 'x', value: '1', time: 6_000_000 },
    ]
    const result = checkLinearizability(history)
    expect(result.linearizable).toBe(false)
    const witness = result.witness!
    expect(witness.stuck[0]!.process).toBe(4)
    expect(witness.kind).toBe('stale-read')
    expect(witness.explanation).toContain('put(x, "2") completed at 3.000 ms, before the read began')
  })

  const futureTitle = 'a read from the future names a write of the value that began only after the read returned'
  it(futureTitle, () => {
    let future = 0
    for (const seed of seeds(4000, 90_001)) {
      const history = randomSmallHistory(seed, 12, 4)
      const result = checkLinearizability(history)
      if (result.linearizable !== false || result.witness?.kind !== 'read-from-future') continue
      future += 1
      const context = replay(seed, futureTitle)
      const operations = operationsOf(history)
      const read = operations.find((operation) => operation.id === result.witness!.stuck[0]!.id)!
      const seen = observedValue(read) ?? null
      for (const writer of operations.filter((operation) => operation.status !== 'fail' && writtenValue(operation) === seen)) {
        expect(writer.invokeNs, context).toBeGreaterThanOrEqual(returnNs(read))
      }
    }
    if (replaySeed === undefined) expect(future).toBeGreaterThan(10)
  })
})

describe('a witness costs no more than the search that found the violation', () => {
  it('a read of a value never written, late in a long key: found without search steps, so the witness searches no more than the floor', () => {
    const history = generateLinearizableHistory({ seed: 3, ops: 5000, keys: 1, processes: 10 })
    const lastGet = history.findLast((event) => event.type === 'ok' && event.f === 'get')!
    lastGet.value = 'never-written'
    const result = checkLinearizability(history)
    expect(result.linearizable).toBe(false)
    expect(result.witness!.kind).toBe('read-of-unwritten-value')
    const key = result.keys[0]!
    expect(key.witnessSteps).toBeLessThanOrEqual(Math.max(key.steps, witnessStepsFloor))
  })

  const title = 'random histories: witness steps stay within the search steps (or the floor)'
  it(title, () => {
    for (const seed of seeds(1500, 130_001)) {
      const result = checkLinearizability(randomSmallHistory(seed, 14, 4))
      for (const key of result.keys.filter((key) => key.result === 'illegal')) {
        expect(key.witnessSteps, replay(seed, title)).toBeLessThanOrEqual(Math.max(key.steps, witnessStepsFloor))
      }
    }
  })
})
