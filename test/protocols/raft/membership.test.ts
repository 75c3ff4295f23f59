/**
 * Membership changes, one server at a time (Raft thesis ch. 4), named after the thesis' sentences.
 */
import { describe, expect, it } from 'vitest'
import { Cluster, between, encodeApplied, isVoteMessage, ofType, put } from './harness.js'
import { withLearners } from './scenarios.js'

function notes(cluster: Cluster, id: string): string[] {
  return (cluster.events.get(id) ?? []).flatMap((event) => (event.kind === 'note' ? [event.text] : []))
}

function puts(cluster: Cluster, id: string): string[] {
  return cluster.applied.get(id)!.flatMap((entry) => (entry.command.op === 'put' ? [entry.command.value] : []))
}

function voteRequestsFrom(cluster: Cluster, id: string): number {
  return cluster.sent.filter((envelope) => envelope.from === id && isVoteMessage(envelope) && /Vote$/.test(envelope.message.type)).length
}

describe('thesis §4.1: a server uses the latest configuration in its log, committed or not', () => {
  it('a follower adopts a configuration entry as soon as it stores it', () => {
    const cluster = withLearners({}, [])
    cluster.addNode('n4')
    cluster.reconfigure('n1', { kind: 'addLearner', node: 'n4' })
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    expect(cluster.core('n2').configuration()).toMatchObject({ voters: ['n1', 'n2', 'n3'], learners: ['n4'], committed: false })
    cluster.stabilize()
    cluster.tickAll(2) // a heartbeat carries the commit index to everyone
    cluster.stabilize()
    for (const id of cluster.ids) expect(cluster.core(id).configuration()).toMatchObject({ learners: ['n4'], committed: true })
    expect(cluster.violations).toEqual([])
  })

  it('a configuration entry that is truncated takes its configuration with it', () => {
    const cluster = withLearners({}, [], ['n1', 'n2', 'n3', 'n4', 'n5'])
    cluster.addNode('n6')
    cluster.reconfigure('n1', { kind: 'addLearner', node: 'n6' })
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    cluster.drop()
    cluster.crash('n1')
    expect(cluster.core('n2').configuration().learners).toEqual(['n6'])
    cluster.electWith('n3', ['n4', 'n5'])
    cluster.stabilize()
    expect(cluster.core('n2').configuration()).toMatchObject({ voters: ['n1', 'n2', 'n3', 'n4', 'n5'], learners: [], index: 0 })
    expect(notes(cluster, 'n2').some((text) => /configuration entry at \d+ truncated/.test(text))).toBe(true)
    expect(cluster.violations).toEqual([])
  })

  it('a configuration survives a restart: it is in the log, and in the snapshot once the log is compacted', () => {
    const cluster = new Cluster({ options: { snapshotEntries: 3 } })
    cluster.elect('n1')
    cluster.addNode('n4')
    cluster.reconfigure('n1', { kind: 'addLearner', node: 'n4' })
    cluster.stabilize()
    cluster.restart('n2')
    expect(cluster.core('n2').configuration()).toMatchObject({ learners: ['n4'] })
    for (let write = 0; write < 6; write += 1) {
      cluster.propose('n1', put('k', `v${write}`))
      cluster.stabilize()
    }
    expect(cluster.core('n2').logBaseIndex()).toBeGreaterThan(2) // the configuration entry is compacted
    expect(cluster.core('n2').latestSnapshot()).toMatchObject({ members: ['n1', 'n2', 'n3'], learners: ['n4'] })
    cluster.restart('n2')
    expect(cluster.core('n2').configuration()).toMatchObject({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] })
    expect(cluster.violations).toEqual([])
  })

  it('a new server far behind gets the snapshot, configuration included', () => {
    const cluster = new Cluster({ options: { snapshotEntries: 3 } })
    cluster.elect('n1')
    for (let write = 0; write < 8; write += 1) cluster.propose('n1', put('k', `v${write}`))
    cluster.stabilize()
    cluster.addNode('n4')
    cluster.reconfigure('n1', { kind: 'addLearner', node: 'n4' })
    cluster.stabilize()
    expect(cluster.snapshotsInstalled.map((snapshot) => snapshot.id)).toContain('n4')
    expect(cluster.core('n4').configuration()).toMatchObject({ learners: ['n4'] })
    expect(puts(cluster, 'n4')).toEqual(puts(cluster, 'n1'))
    expect(cluster.violations).toEqual([])
  })
})

describe('thesis §4.1: the leader proposes a change only when it is safe to', () => {
  it('a new leader first commits an entry of its own term (the fix for the bug found in 2015)', () => {
    const cluster = new Cluster()
    cluster.campaign('n1')
    cluster.stabilize(isVoteMessage)
    expect(cluster.role('n1')).toBe('leader')
    cluster.addNode('n4')
    cluster.reconfigure('n1', { kind: 'addLearner', node: 'n4' })
    expect(cluster.rejections.get('n1')).toEqual([{ kind: 'proposal', reason: 'dropped' }])
    expect(notes(cluster, 'n1')).toContain('configuration change (add n4 as a learner) refused: no entry of term 1 committed yet (thesis §4.1: the leader\'s noop comes first)')
    cluster.stabilize()
    cluster.reconfigure('n1', { kind: 'addLearner', node: 'n4' })
    cluster.stabilize()
    expect(cluster.core('n1').configuration()).toMatchObject({ learners: ['n4'], committed: true })
  })

  it('at most one change is uncommitted at a time', () => {
    const cluster = withLearners({}, ['n4', 'n5'])
    cluster.reconfigure('n1', { kind: 'promote', node: 'n4' })
    cluster.reconfigure('n1', { kind: 'promote', node: 'n5' })
    expect(notes(cluster, 'n1').some((text) => /promote n5 to voter\) refused: the change at index \d+ is not committed yet/.test(text))).toBe(true)
    cluster.stabilize()
    cluster.reconfigure('n1', { kind: 'promote', node: 'n5' })
    cluster.stabilize()
    expect(cluster.core('n3').configuration()).toMatchObject({ voters: ['n1', 'n2', 'n3', 'n4', 'n5'], learners: [], committed: true })
  })

  it('a change that makes no sense is refused, saying why', () => {
    const cluster = withLearners({}, [])
    cluster.reconfigure('n1', { kind: 'promote', node: 'n2' })
    cluster.reconfigure('n1', { kind: 'remove', node: 'n9' })
    cluster.reconfigure('n2', { kind: 'remove', node: 'n3' })
    expect(notes(cluster, 'n1')).toContain('configuration change (promote n2 to voter) refused: n2 is not a learner (voters n1, n2, n3)')
    expect(notes(cluster, 'n1')).toContain('configuration change (remove n9) refused: n9 is not a member (voters n1, n2, n3)')
    expect(cluster.rejections.get('n2')).toEqual([{ kind: 'proposal', reason: 'not-leader', leaderHint: 'n1' }])
  })
})

describe('thesis §4.2.1: learners catch up without voting or counting', () => {
  it('a learner gets the log but its acknowledgement commits nothing', () => {
    const cluster = withLearners({}, ['n4'])
    cluster.partition(['n1', 'n4'], ['n2', 'n3'])
    cluster.propose('n1', put('k', 'needs-a-voter'))
    cluster.stabilize()
    expect(cluster.core('n4').status().lastIndex).toBe(cluster.core('n1').status().lastIndex)
    expect(puts(cluster, 'n1')).toEqual([])
    cluster.heal()
    cluster.tickAll(3)
    cluster.stabilize()
    expect(puts(cluster, 'n1')).toEqual(['needs-a-voter'])
  })

  it('a learner never starts an election, and a promoted one counts', () => {
    const cluster = withLearners({}, ['n4'])
    cluster.partition(['n4'], ['n1', 'n2', 'n3'])
    cluster.tick('n4', 100)
    expect(voteRequestsFrom(cluster, 'n4')).toBe(0)
    cluster.heal()
    cluster.reconfigure('n1', { kind: 'promote', node: 'n4' })
    cluster.stabilize()
    // Four voters: n1 and n2 alone are no longer a majority; with n4 they are.
    cluster.partition(['n1', 'n2'], ['n3', 'n4'])
    cluster.propose('n1', put('k', 'two-of-four'))
    cluster.stabilize()
    expect(puts(cluster, 'n1')).toEqual([])
    cluster.partition(['n1', 'n2', 'n4'], ['n3'])
    cluster.tickAll(3)
    cluster.stabilize()
    expect(puts(cluster, 'n1')).toEqual(['two-of-four'])
    expect(cluster.violations).toEqual([])
  })

  it('a server not yet in any configuration it knows does not start elections', () => {
    const cluster = withLearners({}, [])
    cluster.addNode('n4')
    cluster.partition(['n4'], ['n1', 'n2', 'n3'])
    cluster.tick('n4', 100)
    cluster.step('n4', { kind: 'campaign' })
    expect(voteRequestsFrom(cluster, 'n4')).toBe(0)
    expect(cluster.role('n4')).toBe('follower')
    expect(notes(cluster, 'n4')[0]).toMatch(/campaign ignored: not a voter/)
  })
})

describe('thesis §4.2.2: removing the leader', () => {
  it('a leader removing itself does not count itself, and steps down once the removal commits', () => {
    const cluster = withLearners({}, [])
    cluster.reconfigure('n1', { kind: 'remove', node: 'n1' })
    // {n2, n3} needs both: n2's acknowledgement with n1's own would be the old majority.
    cluster.stabilize((envelope) => envelope.from !== 'n3' && envelope.to !== 'n3')
    expect(cluster.core('n1').configuration()).toMatchObject({ voters: ['n2', 'n3'], committed: false })
    expect(cluster.role('n1')).toBe('leader')
    cluster.tickAll(2)
    cluster.stabilize()
    expect(cluster.role('n1')).toBe('follower')
    expect(notes(cluster, 'n1').some((text) => /removed from the configuration .* now committed: stepping down/.test(text))).toBe(true)
    // The others learned the commit before it stepped down; n1 never campaigns again.
    expect(cluster.core('n2').configuration().committed).toBe(true)
    const asked = voteRequestsFrom(cluster, 'n1')
    cluster.tickAll(60)
    cluster.stabilize()
    expect(voteRequestsFrom(cluster, 'n1')).toBe(asked)
    expect(['n2', 'n3']).toContain(cluster.leader())
    expect(cluster.violations).toEqual([])
  })

  it('a removed follower is sent the entry that removes it, so it knows not to campaign (§4.2.3)', () => {
    const cluster = withLearners({}, [])
    cluster.reconfigure('n1', { kind: 'remove', node: 'n3' })
    cluster.stabilize()
    expect(cluster.core('n3').configuration()).toMatchObject({ voters: ['n1', 'n2'] })
    // Once committed, the leader stops replicating to it.
    cluster.tickAll(5)
    cluster.stabilize()
    expect(cluster.inFlight(between('n1', 'n3'))).toEqual([])
    expect(cluster.sent.filter((envelope) => envelope.from === 'n1' && envelope.to === 'n3').length).toBeGreaterThan(0)
    const before = cluster.sent.length
    cluster.tickAll(60)
    cluster.stabilize()
    expect(cluster.sent.slice(before).filter((envelope) => envelope.to === 'n3' || envelope.from === 'n3')).toEqual([])
  })

  it('leadership transfer first, then the old leader is removed without an election timeout', () => {
    const cluster = withLearners({}, [])
    cluster.propose('n1', put('k', 'before'))
    cluster.stabilize()
    cluster.transfer('n1', 'n2')
    cluster.stabilize()
    expect(cluster.role('n2')).toBe('leader')
    cluster.reconfigure('n2', { kind: 'remove', node: 'n1' })
    cluster.stabilize()
    cluster.crash('n1')
    cluster.propose('n2', put('k', 'after'))
    cluster.stabilize()
    expect(puts(cluster, 'n3')).toEqual(['before', 'after'])
    expect(cluster.violations).toEqual([])
  })
})

describe('replacing a crashed server with a fresh one (new id, empty disk)', () => {
  it('remove the dead one, add the new one as a learner, promote it once caught up', () => {
    const cluster = withLearners({}, [])
    cluster.propose('n1', put('k', 'v1'))
    cluster.stabilize()
    cluster.crash('n3')
    cluster.reconfigure('n1', { kind: 'remove', node: 'n3' })
    cluster.stabilize()
    cluster.addNode('n4')
    cluster.reconfigure('n1', { kind: 'addLearner', node: 'n4' })
    cluster.stabilize()
    cluster.reconfigure('n1', { kind: 'promote', node: 'n4' })
    cluster.stabilize()
    expect(cluster.core('n4').configuration()).toMatchObject({ voters: ['n1', 'n2', 'n4'], learners: [], committed: true })
    expect(puts(cluster, 'n4')).toEqual(['v1'])
    expect(encodeApplied(cluster.applied.get('n4')!)).toEqual(encodeApplied(cluster.applied.get('n1')!))
    expect(cluster.violations).toEqual([])
  })
})

describe('the trace follows the configuration (config events, for the checker)', () => {
  it('a node traces the configuration it starts from, each change it appends, and the moment it commits', () => {
    const cluster = new Cluster({ ids: ['n1', 'n2', 'n3'] })
    cluster.elect('n1') // its noop is entry 1: the change is entry 2
    cluster.addNode('n4')
    cluster.reconfigure('n1', { kind: 'addLearner', node: 'n4' })
    cluster.stabilize()
    const configs = cluster.events.get('n1')!.filter((event) => event.kind === 'config')
    expect(configs).toEqual([
      { kind: 'config', voters: ['n1', 'n2', 'n3'], learners: [], index: 0, committed: true },
      { kind: 'config', voters: ['n1', 'n2', 'n3'], learners: ['n4'], index: 2, committed: false },
      { kind: 'config', voters: ['n1', 'n2', 'n3'], learners: ['n4'], index: 2, committed: true },
    ])
  })
})
