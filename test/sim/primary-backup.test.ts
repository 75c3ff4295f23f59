/**
 * The naive primary-backup protocol under the simulator. It has no terms and no quorums, so it is
 * only safe while nothing goes wrong: with a calm network (delays, FIFO links, no loss, no
 * partitions, no crashes) it must pass every check, and as soon as the network splits the
 * simulator must catch it (split brain: two primaries at once; divergence: replicas applying
 * different writes at one index). That contrast is the point of the protocol.
 */
import { describe, expect, it } from 'vitest'
import { simulate, type CheckName } from '../../src-main/sim/index.js'
import { emptyCoverage, replaySeed, runSeeds, seedCount, vitestReplay } from './support.js'

const file = 'test/sim/primary-backup.test.ts'
/** CI's share of calm seeds (~40 ms each), and of partitioned seeds (they stop at the first violation). */
const benignSeedsDefault = 1_000
const partitionedSeedsDefault = 200
/** Partitions are drawn on every seed of the 'partitions' profile, yet a short or early one may do no harm. */
const partitionedCaughtShareMin = 0.8

function seeds(count: number): number[] {
  const replay = replaySeed()
  return replay !== undefined ? [replay] : Array.from({ length: seedCount(count) }, (_, index) => index + 1)
}

describe('primary-backup under the seeded simulator', () => {
  const calm = seeds(benignSeedsDefault)
  it(`is safe and live while nothing breaks it: ${calm.length} seeds with delays only (benign faults)`, { timeout: 120_000 + calm.length * 200 }, () => {
    const coverage = emptyCoverage()
    const failures = runSeeds(calm, { protocol: 'primary-backup', faults: 'benign' }, file, coverage)
    console.log(`primary-backup benign: ${calm.length - failures.length} of ${calm.length} passed; ${coverage.clientOps.ok} ops acknowledged`)
    if (failures.length > 0) throw new Error(`${failures.length} of ${calm.length} seeds failed; the first:\n\n${failures.slice(0, 3).join('\n\n')}`)
    if (calm.length > 1) expect(coverage.clientOps.ok).toBeGreaterThan(calm.length * 50)
  })

  const partitioned = seeds(partitionedSeedsDefault)
  it(`is caught in split brain or divergence once partitions start: ${partitioned.length} seeds`, { timeout: 60_000 + partitioned.length * 200 }, () => {
    const caught = new Map<CheckName, number[]>()
    const missed: number[] = []
    for (const seed of partitioned) {
      const result = simulate({ protocol: 'primary-backup', seed, faults: 'partitions' })
      if (result.ok) missed.push(seed)
      else caught.set(result.violation!.check, [...(caught.get(result.violation!.check) ?? []), seed])
    }
    const summary = [...caught].map(([check, list]) => `${check} ${list.length} (e.g. seed ${list[0]})`).join(', ')
    console.log(`primary-backup with partitions: ${partitioned.length - missed.length} of ${partitioned.length} seeds caught: ${summary}; ` +
      `replay one: npm run lab -- simulate primary-backup --seed <seed> --faults partitions --verbose`)
    if (partitioned.length === 1) return // a replay: print, do not judge a single seed
    expect(partitioned.length - missed.length, `missed seeds ${missed.slice(0, 10).join(', ')}; e.g. ${vitestReplay(missed[0] ?? 0, file)}`)
      .toBeGreaterThanOrEqual(partitioned.length * partitionedCaughtShareMin)
    expect(caught.get('split-brain')?.length ?? 0).toBeGreaterThan(0)
    expect(caught.get('state-machine-safety')?.length ?? 0).toBeGreaterThan(0)
  })
})
