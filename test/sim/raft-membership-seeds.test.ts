/**
 * Raft under the seeded simulator with membership changes (`--membership`): besides the seed's
 * crashes, partitions, pauses, transfers and slow nodes, spare nodes join with empty disks as
 * learners, learners are promoted, and members (the leader too) are removed, through whoever leads
 * as the lab's injector does; in half the seeds a new leader is asked for a change at once, and in
 * half some changes are asked of the leader directly, racing one under way (the core alone must
 * refuse it). Every safety check runs after every step, the configurations check among them;
 * convergence is judged on the final configuration (a removed node need not converge).
 *
 * Replay one:  SIM_SEED=<seed> npx vitest run test/sim/raft-membership-seeds.test.ts
 *              npm run lab -- simulate raft --seed <seed> --membership --verbose
 * More seeds:  SIM_SEEDS=2000 npx vitest run test/sim/raft-membership-seeds.test.ts
 */
import { describe, expect, it } from 'vitest'
import { emptyCoverage, runSeeds, seedCount, seedShare } from './support.js'

/**
 * CI's share: about 35 ms of CPU a seed, so ~5 s (200 seeds took 9 s of CPU with vitest's start-up,
 * load 8); 0 failures over seeds 1..1000.
 */
const membershipSeedsDefault = 150
const file = 'test/sim/raft-membership-seeds.test.ts'

describe('raft with membership changes under the seeded simulator', () => {
  const seeds = seedShare(seedCount(membershipSeedsDefault), 0, 1)
  const range = seeds.length === 0 ? 'none' : `${seeds[0]}..${seeds[seeds.length - 1]}`

  it(`every seed (${range}) keeps every safety property through every configuration and converges on the final one`, { timeout: 60_000 + seeds.length * 300 }, () => {
    console.log(`raft membership seeds ${range}; replay one: SIM_SEED=<seed> npx vitest run ${file} (or npm run lab -- simulate raft --seed <seed> --membership --verbose)`)
    const coverage = emptyCoverage()
    const membership = { joins: 0, changesCommitted: 0, removals: 0, leaderRemovals: 0, changesAskedDirectly: 0 }
    const failures = runSeeds(seeds, { protocol: 'raft', membership: true }, file, coverage, ({ counts }) => {
      for (const key of Object.keys(membership) as (keyof typeof membership)[]) membership[key] += counts[key] ?? 0
    })
    console.log(`raft membership seeds ${range}: ${seeds.length - failures.length} passed, ${failures.length} failed; membership ${JSON.stringify(membership)}; crashes ${coverage.crashes}, cuts ${coverage.cuts}`)
    if (failures.length > 0) throw new Error(`${failures.length} of ${seeds.length} seeds failed; the first:\n\n${failures.slice(0, 3).join('\n\n')}`)
    if (seeds.length < 50) return
    // The changes really happened, amid crashes and partitions.
    expect(membership.joins).toBeGreaterThan(seeds.length / 2)
    expect(membership.changesCommitted).toBeGreaterThan(seeds.length)
    expect(membership.removals).toBeGreaterThan(seeds.length / 4)
    expect(membership.leaderRemovals).toBeGreaterThan(seeds.length / 50)
    expect(membership.changesAskedDirectly).toBeGreaterThan(seeds.length / 4)
    expect(coverage.crashes).toBeGreaterThan(seeds.length / 10)
    expect(coverage.cuts).toBeGreaterThan(seeds.length / 10)
  })
})
