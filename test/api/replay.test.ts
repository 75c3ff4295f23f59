import { describe, expect, it } from 'vitest'
import { buildReplayTimeline, cutPairs, replayLeader, replayMembers, replaySnapshotEvery, replayStateAt } from '../../src-main/api/replay'
import type { TraceEvent } from '../../src-main/api/trace'

const nodes = ['A', 'B', 'C']

/** Scenario 5 in small: A leads term 1, a partition cuts A off, C wins term 2, A crashes and comes back. */
const events: TraceEvent[] = [
  { t: -500, node: 'A', kind: 'process', state: 'up' },
  { t: -500, node: 'B', kind: 'process', state: 'up' },
  { t: -500, node: 'C', kind: 'process', state: 'up' },
  { t: 100, node: 'A', kind: 'role', role: 'leader', term: 1 },
  { t: 110, node: 'B', kind: 'role', role: 'follower', term: 1, leader: 'A' },
  { t: 110, node: 'C', kind: 'role', role: 'follower', term: 1, leader: 'A' },
  { t: 2000, node: 'lab', kind: 'links', cut: [['A', 'C'], ['C', 'A']] },
  { t: 2300, node: 'C', kind: 'role', role: 'leader', term: 2 },
  { t: 2400, node: 'B', kind: 'term', term: 2 },
  { t: 3000, node: 'A', kind: 'process', state: 'crashed' },
  { t: 4500, node: 'lab', kind: 'links', cut: [] },
  { t: 5000, node: 'A', kind: 'process', state: 'up' },
  { t: 5100, node: 'A', kind: 'role', role: 'follower', term: 2, leader: 'C' },
]

describe('the cluster at time T, rebuilt from the trace', () => {
  const timeline = buildReplayTimeline(nodes, [...events].reverse())

  it('before any role event every node is starting, and nobody leads', () => {
    const state = replayStateAt(timeline, -1000)
    expect(Object.values(state.nodes).map((node) => node.process)).toEqual(['starting', 'starting', 'starting'])
    expect(replayLeader(state)).toBeUndefined()
  })

  it('shows the leader and the term of each moment, and the links cut between a partition and its heal', () => {
    expect(replayLeader(replayStateAt(timeline, 1000))).toEqual({ node: 'A', term: 1 })
    const partitioned = replayStateAt(timeline, 2500)
    expect(cutPairs(partitioned)).toEqual({ 'A|C': [['A', 'C'], ['C', 'A']] })
    // Two nodes claim to lead (A in term 1 cut off, C in term 2): the higher term is the cluster's leader.
    expect(partitioned.nodes.A!.leader).toBe(true)
    expect(replayLeader(partitioned)).toEqual({ node: 'C', term: 2 })
    expect(partitioned.nodes.B!.term).toBe(2)
    expect(cutPairs(replayStateAt(timeline, 4600))).toEqual({})
  })

  it('a crashed node is down and leads nothing; after its restart it is a follower until it says more', () => {
    const down = replayStateAt(timeline, 3500)
    expect(down.nodes.A).toMatchObject({ process: 'crashed', leader: false })
    expect(replayStateAt(timeline, 5050).nodes.A).toMatchObject({ process: 'up', role: 'follower', leader: false })
    expect(replayStateAt(timeline, 6000).nodes.A).toMatchObject({ role: 'follower', term: 2, knownLeader: 'C' })
  })

  it('an event at exactly T counts', () => {
    expect(replayStateAt(timeline, 3000).nodes.A!.process).toBe('crashed')
    expect(replayStateAt(timeline, 2999.999).nodes.A!.process).toBe('up')
  })

  it('a seek from a snapshot gives the same state as folding every event from the start', () => {
    // Many term changes so that the timeline holds several snapshots.
    const many: TraceEvent[] = []
    for (let i = 0; i < replaySnapshotEvery * 3 + 17; i += 1) many.push({ t: i, node: nodes[i % 3]!, kind: 'role', role: i % 2 === 0 ? 'leader' : 'follower', term: i })
    const long = buildReplayTimeline(nodes, many)
    expect(long.snapshots.length).toBe(4)
    const seed = Number(process.env.REPLAY_SEED ?? Date.now() % 100_000)
    console.log(`replay seek probes: seed ${seed} (replay: REPLAY_SEED=${seed} npx vitest run test/api/replay.test.ts)`)
    let state = seed
    const random = (): number => ((state = (state * 48271) % 2147483647) / 2147483647)
    for (let probe = 0; probe < 50; probe += 1) {
      const atMs = Math.floor(random() * many.length)
      const folded = buildReplayTimeline(nodes, many.filter((event) => event.t <= atMs))
      const expected = replayStateAt(folded, Infinity)
      expect(replayStateAt(long, atMs), `seed ${seed}, atMs ${atMs}`).toEqual(expected)
    }
  })

  it('MultiRaft: only the chosen group’s roles are drawn', () => {
    const grouped = buildReplayTimeline(nodes, [
      { t: 1, node: 'A', kind: 'role', role: 'leader', term: 1, group: 0 },
      { t: 1, node: 'B', kind: 'role', role: 'leader', term: 1, group: 1 },
    ], 1)
    const state = replayStateAt(grouped, 10)
    expect(state.nodes.A!.leader).toBe(false)
    expect(state.nodes.B!.leader).toBe(true)
  })
})

describe('replay of membership changes: the configuration as it was at the chosen time', () => {
  // Three nodes grow by D (a learner, then a voter), and C leaves.
  const grow: TraceEvent[] = [
    { t: -500, node: 'A', kind: 'process', state: 'up' },
    { t: -500, node: 'B', kind: 'process', state: 'up' },
    { t: -500, node: 'C', kind: 'process', state: 'up' },
    { t: 100, node: 'A', kind: 'role', role: 'leader', term: 1 },
    { t: 101, node: 'lab', kind: 'members', voters: ['A', 'B', 'C'], learners: [], committed: true },
    { t: 1000, node: 'D', kind: 'process', state: 'up' },
    { t: 1100, node: 'lab', kind: 'members', voters: ['A', 'B', 'C'], learners: ['D'], committed: true },
    { t: 2000, node: 'lab', kind: 'members', voters: ['A', 'B', 'C', 'D'], learners: [], committed: true },
    { t: 3000, node: 'lab', kind: 'members', voters: ['A', 'B', 'D'], learners: [], committed: true },
    { t: 3100, node: 'C', kind: 'process', state: 'removed', detail: 'removed from the cluster' },
  ]
  const timeline = buildReplayTimeline(['A', 'B', 'C', 'D'], grow)
  const membersAt = (atMs: number) => {
    const state = replayStateAt(timeline, atMs)
    return Object.fromEntries(replayMembers(timeline, state).map((node) => [node, state.nodes[node]!.member]))
  }

  it('before D started, the canvas holds the three voters only, from the start of the run (before the first leader said so)', () => {
    expect(membersAt(500)).toEqual({ A: 'voter', B: 'voter', C: 'voter' })
    expect(membersAt(-1000)).toEqual({ A: 'voter', B: 'voter', C: 'voter' })
  })
  it('D joins (started, not yet in the configuration), then is a learner, then a voter', () => {
    expect(membersAt(1050)).toEqual({ A: 'voter', B: 'voter', C: 'voter', D: 'joining' })
    expect(membersAt(1500)).toEqual({ A: 'voter', B: 'voter', C: 'voter', D: 'learner' })
    expect(membersAt(2500)).toEqual({ A: 'voter', B: 'voter', C: 'voter', D: 'voter' })
  })
  it('C, out of the configuration and stopped, is removed from then on; scrubbing back shows it a voter again', () => {
    expect(membersAt(4000)).toEqual({ A: 'voter', B: 'voter', C: 'removed', D: 'voter' })
    expect(replayStateAt(timeline, 4000).members).toEqual({ voters: ['A', 'B', 'D'], learners: [], committed: true })
    expect(membersAt(2500).C).toBe('voter')
  })
  it('a run without membership events draws every node, with no member field', () => {
    const fixed = buildReplayTimeline(nodes, events)
    const state = replayStateAt(fixed, 200)
    expect(replayMembers(fixed, state)).toEqual(nodes)
    expect(state.nodes.A!.member).toBeUndefined()
  })
})
