/**
 * PBFT under the simulator: up to f Byzantine replicas drawn per seed (left out of the safety
 * checks), clients that accept a result once f+1 replicas agree, and every fault of the 'all'
 * profile. Safety must hold on every seed: agreement (state machine safety over the honest
 * replicas), validity (forgeries of the documented unsigned-request kind are recorded as writes of
 * their own, anything else is a violation), one primary per view, a linearizable history.
 *
 * Liveness after healing is reported, not demanded, here: the core has a known liveness bug (see
 * the it.fails below) that a small share of seeds reaches.
 */
import { describe, expect, it } from 'vitest'
import { simulate } from '../../src-main/sim/index.js'
import { describeFailure } from '../../src-main/sim/index.js'
import { replaySeed, seedCount, vitestReplay } from './support.js'

const file = 'test/sim/pbft.test.ts'
/** CI's share (~50-100 ms a seed: PBFT moves many more messages than Raft). */
const pbftSeedsDefault = 300

function seeds(): number[] {
  const replay = replaySeed()
  return replay !== undefined ? [replay] : Array.from({ length: seedCount(pbftSeedsDefault) }, (_, index) => index + 1)
}

describe('PBFT under the seeded simulator', () => {
  const list = seeds()
  it(`keeps agreement, validity and linearizability with up to f Byzantine replicas: ${list.length} seeds`, { timeout: 120_000 + list.length * 400 }, () => {
    const unsafe: string[] = []
    const stuck: number[] = []
    let byzantineSeeds = 0
    for (const seed of list) {
      const result = simulate({ protocol: 'pbft', seed })
      if (Object.keys((result.settings.byzantine as object) ?? {}).length > 0) byzantineSeeds += 1
      if (result.ok) continue
      if (result.violation!.check === 'liveness') stuck.push(seed)
      else unsafe.push(describeFailure(result, vitestReplay(seed, file)))
    }
    console.log(`pbft: ${list.length - unsafe.length - stuck.length} of ${list.length} seeds passed (${byzantineSeeds} with Byzantine replicas); ` +
      `${unsafe.length} unsafe; ${stuck.length} did not converge after healing (known core bug)${stuck.length > 0 ? `: seeds ${stuck.join(', ')}` : ''}`)
    if (unsafe.length > 0) throw new Error(`${unsafe.length} of ${list.length} seeds broke safety; the first:\n\n${unsafe.slice(0, 3).join('\n\n')}`)
    if (list.length > 1) expect(byzantineSeeds).toBeGreaterThan(list.length / 3)
  })

  // Known core bug, found by the simulator: the primary of view v does not persist its NEW-VIEW, so
  // after a restart it cannot resend it; replicas that missed it stay view-changing for v, and with
  // fewer than 2f+1 view-changes for v they never start the timer that would move them to v+1.
  // Seed 796 reaches it with no Byzantine replica at all. When this test starts to pass, the bug is
  // fixed (or the seed no longer reaches it: hunt with `npm run lab -- simulate pbft --seeds 1..1500`)
  // and this should become a plain test.
  it.fails('converges after healing when a primary restarted after installing its view (seed 796; known core bug)', () => {
    const result = simulate({ protocol: 'pbft', seed: 796 })
    expect(result.violation?.detail ?? '').toBe('')
  })
})
