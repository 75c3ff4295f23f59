/**
 * Each deliberate bug in RaftMutations really breaks a property: the crafted schedule runs clean with
 * the flag off and the harness reports the breach with it on. (The seeded simulator relies on these
 * flags to prove it notices the same breaches on its own.)
 */
import { describe, expect, it } from 'vitest'
import { changeBeforeNoop, deposedLeaderRead, figure8, staleAppend, staleCandidate, twoPendingChanges, voteAcrossRestart } from './scenarios.js'

describe('mutation flags break the property they name', () => {
  it('commitPreviousTermByCounting: the Figure 8 schedule applies an entry that a later leader overwrites', () => {
    const correct = figure8({})
    expect(correct.oldTermEntryApplied).toBe(false)
    expect(correct.cluster.violations).toEqual([])

    const broken = figure8({ commitPreviousTermByCounting: true })
    expect(broken.oldTermEntryApplied).toBe(true)
    expect(broken.cluster.violations.join('\n')).toMatch(/leader completeness: n5|state machine safety/)
  })

  it('voteWithoutLogCheck: a candidate missing a committed entry is elected and overwrites it', () => {
    const correct = staleCandidate({})
    expect(correct.role('n3')).not.toBe('leader')
    expect(correct.violations).toEqual([])

    const broken = staleCandidate({ voteWithoutLogCheck: true })
    expect(broken.role('n3')).toBe('leader')
    expect(broken.violations.join('\n')).toMatch(/leader completeness: n3/)
    expect(broken.violations.join('\n')).toMatch(/state machine safety/)
  })

  it('forgetVoteOnRestart: a restarted voter votes twice in one term and elects two leaders', () => {
    const correct = voteAcrossRestart({})
    expect(correct.role('n2')).toBe('candidate')
    expect(correct.violations).toEqual([])

    const broken = voteAcrossRestart({ forgetVoteOnRestart: true })
    expect(broken.role('n1')).toBe('leader')
    expect(broken.role('n2')).toBe('leader')
    expect(broken.violations).toEqual(['election safety: n1 and n2 both lead term 1'])
  })

  it('configChangeWithoutNoop: a new leader\'s change and an earlier leader\'s make two disjoint majorities (the 2015 bug)', () => {
    const correct = changeBeforeNoop({})
    expect(correct.changeAppended).toBe(false)
    expect(correct.cluster.violations).toEqual([])

    const broken = changeBeforeNoop({ configChangeWithoutNoop: true })
    expect(broken.changeAppended).toBe(true)
    expect(broken.cluster.role('n1')).toBe('leader')
    expect(broken.cluster.violations.join('\n')).toMatch(/leader completeness: n1/)
    // Caught at the election too: n1's configuration is two changes from the newest committed one.
    expect(broken.cluster.violations.join('\n')).toMatch(/configurations: leader of term 3: n1 was elected under .* 2 changes from the newest committed/)
  })

  it('twoChangesPending: a write committed by the newest configuration is lost to a leader of the oldest', () => {
    const correct = twoPendingChanges({})
    expect(correct.writeApplied).toBe(false)
    expect(correct.cluster.violations).toEqual([])

    const broken = twoPendingChanges({ twoChangesPending: true })
    expect(broken.writeApplied).toBe(true)
    expect(broken.cluster.violations.join('\n')).toMatch(/leader completeness: n2/)
    expect(broken.cluster.violations.join('\n')).toMatch(/configurations: leader of term 2: n2 was elected under .* 2 changes from the newest committed/)
  })

  it('truncateOnStaleAppend: a stale AppendEntries erases an acknowledged, committed entry', () => {
    const correct = staleAppend({})
    expect(correct.violations).toEqual([])
    expect(correct.log('n2').map((entry) => entry.command)).toContainEqual({ op: 'put', key: 'b', value: '2' })

    const broken = staleAppend({ truncateOnStaleAppend: true })
    expect(broken.violations.join('\n')).toMatch(/leader completeness: n2/)
  })

  it('readWithoutQuorumCheck: a deposed leader serves a read that misses a committed write', () => {
    const correct = deposedLeaderRead({})
    expect(correct.servedReads.get('n1') ?? []).toEqual([])
    expect(correct.violations).toEqual([])

    const broken = deposedLeaderRead({ readWithoutQuorumCheck: true })
    expect(broken.servedReads.get('n1')).toEqual([42])
    expect(broken.violations.join('\n')).toMatch(/stale read: n1 served read 42/)
  })
})
