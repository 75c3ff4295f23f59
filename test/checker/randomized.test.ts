/**
 * Randomized checks. Each failure names its seed; replay one with
 *   CHECKER_SEED=<seed> npx vitest run test/checker/randomized.test.ts
 */
import { describe, expect, it } from 'vitest'
import { seededRandom, randomInt } from '../../src-main/protocols/common/random.js'
import { generateLinearizableHistory, mutateStaleRead, type GenerateOptions } from '../../src-main/checker/generate.js'
import { checkLinearizability } from '../../src-main/checker/linearizability.js'
import { operationsOf } from '../../src-main/checker/history.js'
import { referenceLinearizable } from './reference.js'
import { randomSmallHistory } from './random-histories.js'

const replaySeed = process.env.CHECKER_SEED === undefined ? undefined : Number(process.env.CHECKER_SEED)
const seeds = (count: number, first = 1): number[] => (replaySeed !== undefined ? [replaySeed] : Array.from({ length: count }, (_, index) => first + index))
const replay = (seed: number, test: string): string => `seed ${seed}; replay: CHECKER_SEED=${seed} npx vitest run test/checker/randomized.test.ts -t "${test}"`
/** Generous: the machine running tests may be shared; a budget miss would read as 'unknown'. */
const budget = { msPerKeyMax: 60_000, msTotalMax: 120_000 }

/** Histories of varied shape, drawn from the seed: few or many keys, light or heavy concurrency. */
function shapeFor(seed: number): GenerateOptions {
  const random = seededRandom(seed, 'checker-shape')
  return {
    seed,
    ops: randomInt(random, 50, 1500),
    keys: randomInt(random, 1, 6),
    processes: randomInt(random, 2, 40),
    infoRate: [0, 0.02, 0.1][randomInt(random, 0, 2)],
    latencyNs: [100_000, randomInt(random, 1, 10) * 1_000_000],
  }
}

describe('generated linearizable histories', () => {
  const title = 'linearizable by construction: every seed passes'
  it(title, () => {
    for (const seed of seeds(60)) {
      const shape = shapeFor(seed)
      const result = checkLinearizability(generateLinearizableHistory(shape), budget)
      expect(result.linearizable, `${JSON.stringify(shape)}; ${replay(seed, title)}`).toBe(true)
    }
  })

  const mutatedTitle = 'a read changed to an overwritten value: every seed fails'
  it(mutatedTitle, () => {
    let mutated = 0
    for (const seed of seeds(60)) {
      const shape = shapeFor(seed)
      const mutation = mutateStaleRead(generateLinearizableHistory(shape), seededRandom(seed, 'mutation'))
      if (mutation === undefined) continue
      mutated += 1
      const result = checkLinearizability(mutation.history, budget)
      const context = `${mutation.description}; ${JSON.stringify(shape)}; ${replay(seed, mutatedTitle)}`
      expect(result.linearizable, context).toBe(false)
      expect(result.witness?.explanation, context).toBeTruthy()
    }
    if (replaySeed === undefined) expect(mutated).toBeGreaterThan(45)
  })
})

describe('agreement with a brute-force oracle', () => {
  const title = 'small random histories: the checker and the oracle agree'
  it(title, () => {
    let linearizable = 0
    const count = replaySeed === undefined ? 3000 : 1
    for (const seed of seeds(count)) {
      const history = randomSmallHistory(seed, seed % 3 === 0 ? 14 : 9, seed % 2 === 0 ? 12 : 3)
      const expected = referenceLinearizable(history)
      expect(checkLinearizability(history).linearizable, replay(seed, title)).toBe(expected)
      if (expected) linearizable += 1
    }
    // Both answers must be well represented, or the comparison proves little.
    if (replaySeed === undefined) expect(linearizable).toBeGreaterThan(count * 0.2)
    if (replaySeed === undefined) expect(linearizable).toBeLessThan(count * 0.8)
  })

  const witnessTitle = 'every witness prefix is a valid partial linearization'
  it(witnessTitle, () => {
    for (const seed of seeds(1500, 10_001)) {
      const history = randomSmallHistory(seed, 12, 6)
      const result = checkLinearizability(history)
      if (result.linearizable !== false) continue
      const witness = result.witness!
      const byId = new Map(operationsOf(history).map((operation) => [operation.id, operation]))
      let state: string | null = null
      const context = replay(seed, witnessTitle)
      for (const [index, placed] of witness.prefix.entries()) {
        const operation = byId.get(placed.id)!
        const input = operation.input
        if (input.f === 'get') expect(operation.output, context).toBe(state)
        if (input.f === 'put') state = input.value
        if (input.f === 'delete') state = null
        if (input.f === 'cas' && state === input.expected) state = input.value
        else if (input.f === 'cas') expect(operation.status, context).not.toBe('ok')
        for (const later of witness.prefix.slice(index + 1)) {
          const laterOperation = byId.get(later.id)!
          const mustPrecede = laterOperation.status === 'ok' && laterOperation.completeNs! < operation.invokeNs
          expect(mustPrecede, `${context}: prefix breaks real time`).toBe(false)
        }
      }
      expect(state, context).toBe(witness.valueAfterPrefix)
      expect(witness.prefix.map((operation) => operation.id), context).not.toContain(witness.stuck[0].id)
    }
  })
})

describe('budgets', () => {
  it('a key over its step budget is unknown, never guessed', () => {
    const history = generateLinearizableHistory({ seed: 3, ops: 400, keys: 2, processes: 30 })
    const result = checkLinearizability(history, { stepsPerKeyMax: 5 })
    expect(result.linearizable).toBe('unknown')
    expect(result.keys.every((key) => key.result === 'unknown' && /exceeded 5 steps/.test(key.reason ?? ''))).toBe(true)
    expect(result.witness).toBeUndefined()
  })

  it('a definite violation wins over unknown keys', () => {
    const good = generateLinearizableHistory({ seed: 4, ops: 300, keys: 1, processes: 30 })
    const bad = [
      { process: 1000, type: 'invoke', f: 'get', key: 'zz', time: 1 },
      { process: 1000, type: 'ok', f: 'get', key: 'zz', time: 2, value: 'never-written' },
    ] as const
    const result = checkLinearizability([...good, ...bad], { stepsPerKeyMax: 5 })
    expect(result.linearizable).toBe(false)
    expect(result.witness?.key).toBe('zz')
  })
})
