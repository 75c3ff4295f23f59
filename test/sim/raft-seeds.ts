/**
 * The Raft seed sweep, shared by the two raft-seeds.part*.test.ts files so vitest's two workers
 * each take half of the seeds. Each seed draws its own cluster (3 or 5 nodes, pre-vote and
 * check-quorum on or off, timeouts, batching) and its own fault rates; see src-main/sim/scenario.ts.
 */
import { describe, expect, it } from 'vitest'
import { emptyCoverage, runSeeds, seedCount, seedShare } from './support.js'

/** CI's share: 2000 seeds in all, at ~20-40 ms each. */
export const raftSeedsDefault = 2_000
/** Seeds below which the coverage assertions would be noise. */
const coverageSeedsMin = 200

export function raftSeedSweep(part: number, parts: number, file: string): void {
  const seeds = seedShare(seedCount(raftSeedsDefault), part, parts)
  const range = seeds.length === 0 ? 'none' : `${seeds[0]}..${seeds[seeds.length - 1]}`
  describe(`raft under the seeded simulator (seeds ${range}; replay one with SIM_SEED=<seed>)`, () => {
    it.skipIf(seeds.length === 0)('every seed keeps every safety property, converges once healed, and leaves a linearizable history', { timeout: 120_000 + seeds.length * 200 }, () => {
      const coverage = emptyCoverage()
      const failures = runSeeds(seeds, { protocol: 'raft' }, file, coverage)
      console.log(`raft seeds ${range}: ${seeds.length - failures.length} passed, ${failures.length} failed; coverage ${JSON.stringify(coverage)}`)
      if (failures.length > 0) throw new Error(`${failures.length} of ${seeds.length} seeds failed; the first:\n\n${failures.slice(0, 3).join('\n\n')}`)
      if (seeds.length < coverageSeedsMin) return
      // The sweep is only worth something if the faults really happened and the configurations varied.
      expect(Object.keys(coverage.drawn.clusterSize ?? {}).sort()).toEqual(['3', '5'])
      expect(Object.keys(coverage.drawn.preVote ?? {}).sort()).toEqual(['false', 'true'])
      expect(Object.keys(coverage.drawn.checkQuorum ?? {}).sort()).toEqual(['false', 'true'])
      expect(Object.keys(coverage.drawn.focus ?? {}).sort()).toEqual(['leader-churn', 'scattered', 'vote-churn'])
      expect(Object.keys(coverage.drawn.readMode ?? {}).sort()).toEqual(['follower', 'lease', 'log', 'readindex'])
      // The widened faults happened: transfers, slow fsyncs, slow timers, big values, and follower
      // reads that really were stale (allowed, so they must not have failed the run).
      for (const count of [coverage.transfers, coverage.slowSyncs, coverage.slowNodeSeeds, coverage.bigValueSeeds]) {
        expect(count).toBeGreaterThan(seeds.length / 20)
      }
      expect(coverage.staleReadsAllowed).toBeGreaterThan(0)
      // Half the seeds compact (Raft §7): snapshots were taken, and followers installed them from leaders.
      expect(Object.keys(coverage.drawn.snapshotEntries ?? {}).sort()).toEqual(['0', '20', '3', '50', '8'])
      expect(coverage.snapshotsTaken).toBeGreaterThan(seeds.length)
      expect(coverage.snapshotsInstalled).toBeGreaterThan(seeds.length / 10)
      for (const count of [coverage.crashes, coverage.crashesMidReady, coverage.cuts, coverage.pauses, coverage.lost, coverage.duplicated]) {
        expect(count).toBeGreaterThan(seeds.length / 10)
      }
      expect(coverage.clientOps.ok).toBeGreaterThan(seeds.length * 20)
      expect(coverage.clientOps.info).toBeGreaterThan(0)
    })
  })
}
