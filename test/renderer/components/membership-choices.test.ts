/**
 * The injector's membership actions: the name an added node gets, and which of add, promote and
 * remove the selected node allows (and none outside single-group Raft).
 */
import { describe, expect, it } from 'vitest'
import { membershipChoices, nextNodeName } from '../../../src-renderer/src/composables/useFaultInjector'
import type { NodeBadge } from '../../../src-renderer/src/components/topology/layout'

const badge = (member: NodeBadge['member']): NodeBadge => ({ role: 'follower', process: 'up', term: 1, leader: false, member })

describe('membership actions in the injector', () => {
  it("names an added node after the letters taken, a removed node's name included", () => {
    expect(nextNodeName(['A', 'B', 'C'])).toBe('D')
    expect(nextNodeName(['A', 'B', 'D'])).toBe('C')
    expect(nextNodeName(['n1', 'n2', 'n3'])).toBe('N4')
    expect(nextNodeName(['A', 'B', 'N4', 'x'])).toBe('N5')
  })

  it('promotes only a learner, removes any member but a removed node, adds until the cluster is full', () => {
    const status = { A: badge('voter'), B: badge('voter'), C: badge('removed'), D: badge('learner') }
    const nodes = ['A', 'B', 'C', 'D']
    expect(membershipChoices('raft', 1, nodes, status, 'D')).toEqual({ addName: 'E', promotable: 'D', removable: 'D' })
    expect(membershipChoices('raft', 1, nodes, status, 'A')).toEqual({ addName: 'E', removable: 'A' })
    expect(membershipChoices('raft', 1, nodes, status, 'C')).toEqual({ addName: 'E' })
    const fifteen = Array.from({ length: 15 }, (_, i) => String.fromCharCode(65 + i))
    expect(membershipChoices('raft', 1, fifteen, Object.fromEntries(fifteen.map((node) => [node, badge('voter')])), undefined).addName).toBeUndefined()
  })

  it('offers nothing outside Raft with one group, and says which', () => {
    expect(membershipChoices('pbft', 1, ['A'], { A: badge(undefined) }, 'A')).toEqual({ unavailable: { protocol: 'pbft' } })
    expect(membershipChoices('raft', 3, ['A'], { A: badge(undefined) }, 'A')).toEqual({ unavailable: { protocol: 'raft with several groups (MultiRaft)' } })
  })
})
