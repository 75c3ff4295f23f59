/**
 * Randomized schedules over many seeds (see fuzz.ts for what each schedule does and checks).
 *
 * Replay one seed:   RAFT_SEED=123 npx vitest run test/protocols/raft/randomized.test.ts
 * More seeds:        RAFT_SEEDS=2000 npx vitest run test/protocols/raft/randomized.test.ts
 */
import { describe, expect, it } from 'vitest'
import { runSeed, seedsToRun } from './fuzz.js'

/** A seed takes ~10 ms; large RAFT_SEEDS runs get a proportional timeout. */
const seeds = seedsToRun()
const timeoutMs = Math.max(60_000, seeds.length * 100)

describe('randomized schedules', () => {
  it('safety holds under reordering, loss, duplication, partitions and crash-restarts; a healed cluster makes progress', { timeout: timeoutMs }, () => {
    for (const seed of seeds) {
      try {
        runSeed(seed)
      } catch (error) {
        const replay = `RAFT_SEED=${seed} npx vitest run test/protocols/raft/randomized.test.ts`
        throw new Error(`seed ${seed} failed: ${(error as Error).message}\nreplay: ${replay}`, { cause: error })
      }
    }
    expect(seeds.length).toBeGreaterThan(0)
  })

  it('the same schedules notice a deliberate bug: a follower that truncates on a stale AppendEntries', () => {
    const seedsMax = 30
    const caught = (seed: number): boolean => {
      try {
        runSeed(seed, { truncateOnStaleAppend: true })
        return false
      } catch (error) {
        return (error as Error).message.startsWith('violation: ')
      }
    }
    let seed = 1
    while (seed <= seedsMax && !caught(seed)) seed += 1
    expect(seed, `no violation within ${seedsMax} seeds`).toBeLessThanOrEqual(seedsMax)
  })
})
