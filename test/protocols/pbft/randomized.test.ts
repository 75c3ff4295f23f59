/**
 * Randomized runs over many seeds (see simulation.ts for what one run does): agreement and
 * validity throughout, liveness after the network heals.
 *
 * Replay one seed:  PBFT_SEED=<seed> npx vitest run test/protocols/pbft/randomized.test.ts
 * More seeds:       PBFT_SEEDS=<count> npx vitest run test/protocols/pbft/randomized.test.ts
 * Look inside:      PBFT_SEED=<seed> PBFT_DEBUG=<events> npx vitest run test/protocols/pbft/randomized.test.ts
 */
import { describe, expect, it } from 'vitest'
import { testCoreOptions } from './harness.js'
import { simulate } from './simulation.js'

const seedCount = Number(process.env.PBFT_SEEDS ?? 300)
const seeds = process.env.PBFT_SEED ? [Number(process.env.PBFT_SEED)] : Array.from({ length: seedCount }, (_, index) => index + 1)
const replayCommand = (seed: number): string => `PBFT_SEED=${seed} npx vitest run test/protocols/pbft/randomized.test.ts`

describe(`PBFT randomized (${seeds.length} seeds; replay one with PBFT_SEED=<seed>)`, () => {
  it('agreement, validity, and liveness after healing, with up to f Byzantine replicas', { timeout: 60_000 + seeds.length * 500 }, () => {
    const window = `K=${testCoreOptions.checkpointInterval} L=${testCoreOptions.logWindowMax}`
    console.log(`pbft randomized: seeds ${seeds[0]}..${seeds.at(-1)}, ${window}; replay one: ${replayCommand(0).replace('=0', '=<seed>')}`)
    for (const seed of seeds) {
      const outcome = simulate(seed)
      if (process.env.PBFT_SEED) console.log(outcome.summary)
      expect(outcome.problems, `${outcome.summary}\nsent: ${outcome.sent}\nreplay: ${replayCommand(seed)}`).toEqual([])
    }
  })
})
