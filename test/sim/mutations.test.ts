/**
 * The simulator has teeth: each deliberate bug in RaftMutations (options.ts) is caught within a
 * bounded number of seeds of the same sweep that the correct core passes (raft-seeds.*.test.ts
 * runs those seeds with the mutation off). A bug the random schedules rarely reach
 * (commitPreviousTermByCounting needs Raft's Figure 8; forgetVoteOnRestart needs a split vote
 * with a reboot in the middle) is reached through the nemesis' reactive focus (scenario.ts).
 *
 * Hunt by hand: npm run lab -- simulate raft --seeds 1..500 --mutation <name>
 */
import { describe, expect, it } from 'vitest'
import { simulate, type CheckName } from '../../src-main/sim/index.js'
import { descriptorOf } from '../../src-main/protocols/registry.js'

/** Catches wanted per mutation: more than one, so a lucky seed cannot pass for teeth. */
const catchesWanted = 3
/**
 * Seeds a hunt may take. Measured over seeds 1..1000, the rarest (commitPreviousTermByCounting)
 * is caught on ~2-3% of seeds, its third catch by seed ~150; the bound leaves room for schedule changes.
 */
const huntSeedsMaxDefault = 600
/**
 * leaseFromTicks needs a lease-mode seed whose leader's timers run late while it is cut off and a
 * read reaches it after its successor committed: measured over seeds 1..2500, ~1 seed in 300
 * (third catch at seed 1136). Since half the seeds compact their logs (issue 15), the schedules of
 * those seeds changed: measured again over 1..2500, catches at 794, 1136, 1592, 1824 and 1983, so
 * ~1 in 500 and the third at 1592; with entries kept below each snapshot (catch-up), the hunt's
 * catches are 117, 794 and 1136. The budget leaves room above both.
 */
const huntSeedsMaxOf: Record<string, number> = { leaseFromTicks: 2_000, twoChangesPending: 400 }
/**
 * Hunts that need more than the default seeds: twoChangesPending needs membership changes, asked of
 * a leader while one is uncommitted (`--membership`); measured over seeds 1..400, caught on 127, 148,
 * 158, 222, 256, 269, 324, 336 and 370 (the core's own assertion, or the configurations check).
 */
const huntOptionsOf: Record<string, { membership?: true }> = { twoChangesPending: { membership: true } }
/**
 * Bugs no seed reaches, shown by a crafted schedule instead: configChangeWithoutNoop was not caught
 * in seeds 1..1000 of `--membership` (test/sim/membership-mutations.test.ts plays the 2015 bug).
 */
const craftedScheduleOf: Record<string, string> = { configChangeWithoutNoop: 'test/sim/membership-mutations.test.ts' }

/** The properties each bug must break; a hunt that ends in anything else would be a false alarm. */
const expectedChecks: Record<string, CheckName[]> = {
  commitPreviousTermByCounting: ['leader-completeness', 'state-machine-safety', 'committed-on-quorum', 'log-matching', 'core-assertion'],
  voteWithoutLogCheck: ['leader-completeness', 'state-machine-safety', 'committed-on-quorum', 'log-matching', 'core-assertion'],
  forgetVoteOnRestart: ['election-safety', 'core-assertion'],
  // The core's own assertion ("truncating committed index") often fires before the simulator sees the truncation.
  truncateOnStaleAppend: ['committed-on-quorum', 'core-assertion', 'state-machine-safety', 'leader-completeness', 'log-matching', 'liveness'],
  readWithoutQuorumCheck: ['read-freshness', 'linearizability'],
  leaseFromTicks: ['read-freshness', 'linearizability'],
  // Uncommitted entries counted as committed: they are applied, then lost or overwritten.
  snapshotPastCommit: ['committed-on-quorum', 'state-machine-safety', 'leader-completeness', 'log-matching', 'core-assertion', 'commit-regression'],
  // The follower's next entries land past the end of what its disk holds (the simulator's disk model
  // refuses the record: "appends at X to a durable log ending at Y"), or a crash loses what it acknowledged.
  installSnapshotUnpersisted: ['core-assertion', 'committed-on-quorum', 'log-matching', 'state-machine-safety', 'leader-completeness'],
  // A removal appended on top of an uncommitted one leaves a leader outside its own configuration (the core's
  // assertion), or elects a leader two changes from the committed configuration.
  twoChangesPending: ['core-assertion', 'configurations', 'leader-completeness', 'state-machine-safety', 'committed-on-quorum', 'election-safety'],
  configChangeWithoutNoop: ['configurations'],
}

describe('the simulator catches every Raft mutation within a bounded number of seeds', () => {
  it('lists a hunt for every mutation flag the core has', () => {
    expect(Object.keys(expectedChecks).sort()).toEqual([...descriptorOf('raft').mutations].sort())
  })

  for (const mutation of Object.keys(expectedChecks).filter((name) => craftedScheduleOf[name] === undefined)) {
    const huntSeedsMax = huntSeedsMaxOf[mutation] ?? huntSeedsMaxDefault
    const extra = huntOptionsOf[mutation] ?? {}
    it(`${mutation}: caught ${catchesWanted} times within ${huntSeedsMax} seeds, by the property it breaks`, { timeout: 400 * huntSeedsMax }, () => {
      const caught: { seed: number; check: CheckName; detail: string }[] = []
      let seed = 0
      while (caught.length < catchesWanted && seed < huntSeedsMax) {
        seed += 1
        const result = simulate({ protocol: 'raft', seed, mutations: [mutation], ...extra })
        if (!result.ok) caught.push({ seed, check: result.violation!.check, detail: result.violation!.detail })
      }
      const flags = extra.membership === true ? ' --membership' : ''
      const hunt = `npm run lab -- simulate raft --seeds 1..${huntSeedsMax} --mutation ${mutation}${flags}`
      console.log(`${mutation}: caught on seeds ${caught.map((catchOf) => `${catchOf.seed} (${catchOf.check})`).join(', ')} ` +
        `after ${seed} seeds; replay: npm run lab -- simulate raft --seed ${caught[0]?.seed ?? '<seed>'} --mutation ${mutation}${flags} --verbose`)
      expect(caught.length, `only ${caught.length} catches within ${huntSeedsMax} seeds; hunt: ${hunt}`).toBe(catchesWanted)
      for (const catchOf of caught) {
        expect(expectedChecks[mutation], `seed ${catchOf.seed}: ${catchOf.detail}`).toContain(catchOf.check)
        // The same seed with the correct core passes: the catch is the bug's doing, not the schedule's.
        const clean = simulate({ protocol: 'raft', seed: catchOf.seed, ...extra })
        expect(clean.ok, `seed ${catchOf.seed} fails without the mutation too: ${clean.violation?.detail}; replay: ${clean.replay} --verbose`).toBe(true)
      }
    })
  }
})

describe('the history check has teeth too (keepGoing: every check runs, the history one last)', () => {
  /** Seeds to find a history the checker rejects; both cases below find their first within ~10. */
  const seedsMax = 100

  function firstNonLinearizable(options: { protocol: 'raft' | 'primary-backup'; mutations?: string[]; faults?: 'partitions' }): number | undefined {
    for (let seed = 1; seed <= seedsMax; seed += 1) {
      const result = simulate({ ...options, seed, keepGoing: true })
      if (result.violations?.some((violation) => violation.check === 'linearizability')) return seed
    }
    return undefined
  }

  it('readWithoutQuorumCheck: a deposed leader\'s stale read makes the client history non-linearizable', () => {
    const seed = firstNonLinearizable({ protocol: 'raft', mutations: ['readWithoutQuorumCheck'] })
    console.log(`readWithoutQuorumCheck: first non-linearizable history on seed ${seed}; replay: npm run lab -- simulate raft --seed ${seed} --mutation readWithoutQuorumCheck --keep-going`)
    expect(seed).toBeDefined()
  })

  it('primary-backup under partitions: the split brain shows in the client history as well', () => {
    const seed = firstNonLinearizable({ protocol: 'primary-backup', faults: 'partitions' })
    console.log(`primary-backup: first non-linearizable history on seed ${seed}; replay: npm run lab -- simulate primary-backup --seed ${seed} --faults partitions --keep-going`)
    expect(seed).toBeDefined()
  })
})
