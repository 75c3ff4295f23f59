import { describe, expect, it } from 'vitest'
import type { TraceEvent } from '../../src-main/api/trace.js'
import type { HistoryEvent } from '../../src-main/api/trace.js'
import { checkInvariants } from '../../src-main/checker/invariants.js'

const role = (t: number, node: string, roleName: string, term: number): TraceEvent => ({ t, node, kind: 'role', role: roleName, term })
const apply = (t: number, node: string, index: number, hash: string, term = 1): TraceEvent => ({ t, node, kind: 'apply', index, term, hash })
const commit = (t: number, node: string, index: number): TraceEvent => ({ t, node, kind: 'commit', index })
const up = (t: number, node: string): TraceEvent => ({ t, node, kind: 'process', state: 'up' })
const truncate = (t: number, node: string, fromIndex: number, term = 2): TraceEvent => ({ t, node, kind: 'truncate', fromIndex, term })
const crashed = (t: number, node: string): TraceEvent => ({ t, node, kind: 'process', state: 'crashed', detail: 'SIGKILL' })
const exited = (t: number, node: string, detail: string): TraceEvent => ({ t, node, kind: 'process', state: 'exited', detail })

function result(name: string, trace: TraceEvent[], protocol: 'raft' | 'pbft' | 'primary-backup' = 'raft', extra = {}) {
  const found = checkInvariants({ trace, protocol, ...extra }).find((invariant) => invariant.name === name)
  if (!found) throw new Error(`no invariant ${name}`)
  return found
}

const healthyRaft: TraceEvent[] = [
  role(0, 'A', 'candidate', 1), role(1, 'A', 'leader', 1), role(1.5, 'B', 'follower', 1),
  apply(10, 'A', 64, 'h64'), apply(11, 'B', 64, 'h64'), apply(12, 'C', 64, 'h64'),
  commit(9, 'A', 64), commit(20, 'A', 128),
  role(30, 'B', 'leader', 2), apply(40, 'B', 128, 'h128'), apply(41, 'A', 128, 'h128'),
]

describe('a healthy Raft trace', () => {
  it('passes every invariant, each with a readable detail', () => {
    const results = checkInvariants({ trace: healthyRaft, protocol: 'raft' })
    expect(results.map((invariant) => invariant.name)).toEqual([
      'election-safety', 'state-machine-safety', 'committed-never-lost', 'commit-monotonic', 'leader-append-only', 'leader-completeness', 'replicas-healthy',
    ])
    for (const invariant of results) expect(invariant, invariant.detail).toMatchObject({ ok: true })
    expect(results[0].detail).toBe('2 terms with a leader, never more than one leader in a term')
    expect(results[1].detail).toBe('2 indexes reported by two or more nodes, all with equal applied hashes')
  })
})

describe('election safety: at most one leader per term', () => {
  it('two leaders in one term are reported with the term, both nodes and times', () => {
    const broken = result('election-safety', [role(1, 'A', 'leader', 3), role(2, 'B', 'follower', 3), role(5.25, 'C', 'leader', 3)])
    expect(broken).toMatchObject({ name: 'election-safety', ok: false, detail: 'term 3 had two leaders: A (from 1.000 ms) and C (from 5.250 ms)' })
  })

  it('the same node announcing leadership twice in a term is not a violation', () => {
    expect(result('election-safety', [role(1, 'A', 'leader', 3), role(2, 'A', 'leader', 3)]).ok).toBe(true)
  })

  it('PBFT: two primaries in one view, in the vocabulary of views', () => {
    const broken = result('election-safety', [role(1, 'A', 'primary', 0), role(2, 'B', 'primary', 0)], 'pbft')
    expect(broken.detail).toBe('view 0 had two primaries: A (from 1.000 ms) and B (from 2.000 ms)')
  })

  it('primary-backup uses the primary role', () => {
    expect(result('election-safety', [role(1, 'A', 'primary', 1), role(2, 'B', 'primary', 1)], 'primary-backup').ok).toBe(false)
  })

  it('a Byzantine node declared faulty is left out', () => {
    const trace = [role(1, 'A', 'primary', 0), role(2, 'D', 'primary', 0)]
    const invariant = result('election-safety', trace, 'pbft', { faultyNodes: ['D'] })
    expect(invariant.ok).toBe(true)
    expect(invariant.detail).toContain('(faulty nodes D excluded)')
  })
})

describe('state machine safety: equal applied hashes at equal indices', () => {
  it('reports the first divergent index with both nodes and hashes', () => {
    const broken = result('state-machine-safety', [
      apply(1, 'A', 64, 'same'), apply(2, 'B', 64, 'same'),
      apply(3, 'A', 128, 'aaaa', 2), apply(4, 'B', 128, 'bbbb', 3), apply(5, 'A', 192, 'x'), apply(6, 'C', 192, 'y'),
    ])
    expect(broken.ok).toBe(false)
    expect(broken.detail).toBe(
      'first divergence at index 128 A applied hash aaaa (term 2, 3.000 ms) but B applied bbbb (term 3, 4.000 ms): their applied sequences differ at or before index 128 (2 divergent indices in all)',
    )
  })

  it('says so when there is nothing to compare', () => {
    expect(result('state-machine-safety', [role(1, 'A', 'leader', 1)])).toMatchObject({ ok: true, detail: 'no apply events in the trace; nothing to compare' })
  })
})

describe('committed entries are never lost', () => {
  it('a node re-applying a different entry at an index after a restart', () => {
    const broken = result('committed-never-lost', [apply(1, 'A', 64, 'h1'), up(5, 'A'), apply(9, 'A', 64, 'h2')])
    expect(broken.ok).toBe(false)
    expect(broken.detail).toBe('A applied index 64 with hash h1 at 1.000 ms, then with h2 at 9.000 ms: an applied entry changed')
  })

  it('re-applying the same sequence after a restart is fine', () => {
    expect(result('committed-never-lost', [apply(1, 'A', 64, 'h1'), up(5, 'A'), apply(9, 'A', 64, 'h1')]).ok).toBe(true)
  })

  it('truncating at or below the commit index is a loss; above it is not', () => {
    expect(result('committed-never-lost', [commit(1, 'B', 10), truncate(2, 'B', 11)]).ok).toBe(true)
    const broken = result('committed-never-lost', [commit(1, 'B', 10), truncate(2, 'B', 7)])
    expect(broken.detail).toBe('B truncated its log from index 7 at 2.000 ms although it had committed or applied up to index 10')
  })

  it('a restart resets the volatile commit index', () => {
    expect(result('committed-never-lost', [commit(1, 'B', 10), up(2, 'B'), truncate(3, 'B', 7)]).ok).toBe(true)
  })
})

describe('commit index is monotonic between restarts', () => {
  it('flags a decrease, not a reset after restart', () => {
    expect(result('commit-monotonic', [commit(1, 'A', 10), up(2, 'A'), commit(3, 'A', 4)]).ok).toBe(true)
    expect(result('commit-monotonic', [commit(1, 'A', 10), commit(3, 'A', 4)]).detail).toBe('A reported commit index 4 at 3.000 ms after 10 at 1.000 ms without restarting')
  })
})

describe('Raft leader properties', () => {
  it('leader append-only: a leader truncating its own log', () => {
    const broken = result('leader-append-only', [role(1, 'A', 'leader', 2), truncate(3, 'A', 5)])
    expect(broken.detail).toBe('A, leader of term 2 since 1.000 ms, truncated its own log from index 5 at 3.000 ms')
    expect(result('leader-append-only', [role(1, 'A', 'leader', 2), role(2, 'A', 'follower', 3), truncate(3, 'A', 5)]).ok).toBe(true)
  })

  it('leader completeness: a new leader applying a different entry than was applied before its election', () => {
    const broken = result('leader-completeness', [apply(1, 'A', 64, 'good'), role(2, 'B', 'leader', 2), apply(3, 'B', 64, 'bad')])
    expect(broken.ok).toBe(false)
    expect(broken.detail).toBe('A applied index 64 (hash good) at 1.000 ms; B was elected for term 2 at 2.000 ms and then applied a different entry there (hash bad) as leader of term 2')
  })

  it('are not checked for protocols without Raft leaders', () => {
    const names = checkInvariants({ trace: healthyRaft, protocol: 'pbft' }).map((invariant) => invariant.name)
    expect(names).not.toContain('leader-append-only')
  })
})

describe('final state agreement', () => {
  const states = [
    { node: 'A', appliedIndex: 100, hash: 'h', kvDigest: 'd' },
    { node: 'B', appliedIndex: 100, hash: 'h', kvDigest: 'd' },
    { node: 'C', appliedIndex: 90, hash: 'g', kvDigest: 'e' },
  ]
  it('nodes at the same index agree; a lagging node is reported, not failed', () => {
    const invariant = result('final-state-agreement', [], 'raft', { finalStates: states })
    expect(invariant).toMatchObject({ ok: true, detail: 'A, B at index 100; C at index 90; nodes at the same index agree on hash and KV digest' })
  })

  it('same sequence but different KV contents is a violation', () => {
    const invariant = result('final-state-agreement', [], 'raft', { finalStates: [states[0], { ...states[1], kvDigest: 'other' }] })
    expect(invariant.detail).toBe('A and B applied the same sequence up to index 100 but hold different KV contents (digest d vs other)')
  })

  it('a final hash that contradicts the node\'s own trace is a violation', () => {
    const invariant = result('final-state-agreement', [apply(1, 'A', 100, 'traced')], 'raft', { finalStates: [states[0]] })
    expect(invariant.detail).toBe('A ends at index 100 with hash h but reported traced there at 1.000 ms')
  })
})

describe('replicas healthy: no replica exits unless the experiment stops it', () => {
  it('holds when the only exits were the experiment\'s crashes', () => {
    const healthy = result('replicas-healthy', [up(0, 'A'), up(0, 'B'), crashed(2000, 'B'), up(3000, 'B')])
    expect(healthy).toMatchObject({ name: 'replicas-healthy', ok: true, detail: 'no replica exited on its own (1 crash by the experiment)' })
  })

  it('holds when a node was removed from the cluster by the experiment (a membership change)', () => {
    const removed = { t: 4000, node: 'C', kind: 'process' as const, state: 'removed' as const, detail: 'removed from the cluster' }
    const healthy = result('replicas-healthy', [up(0, 'A'), up(0, 'B'), up(0, 'C'), crashed(2000, 'C'), removed])
    expect(healthy).toMatchObject({ name: 'replicas-healthy', ok: true, detail: 'no replica exited on its own (1 crash and 1 removal by the experiment)' })
  })

  it('names the node, the experiment time and the first line of the error of each replica that died on its own', () => {
    const trace = [up(0, 'A'), up(0, 'B'), exited(7106.4, 'B', 'Error: frame of 67116132 bytes exceeds 16777216 (exit code 70)'), exited(7491, 'C', 'killed by SIGKILL, not by the experiment')]
    const broken = result('replicas-healthy', trace, 'raft', { originMs: 500 })
    expect(broken).toMatchObject({
      name: 'replicas-healthy',
      ok: false,
      detail: 'B exited on its own at 6.61 s: Error: frame of 67116132 bytes exceeds 16777216 (exit code 70); C exited on its own at 6.99 s: killed by SIGKILL, not by the experiment',
    })
  })

  it('a trace from before exits were one line gives the first line of the stack', () => {
    expect(result('replicas-healthy', [exited(1000, 'B', 'Error: frame too big\n    at encodeFrame (replica.js:797:45)')]).detail).toBe('B exited on its own at 1.00 s: Error: frame too big')
  })

  it('counts a Byzantine replica that dies too: its process is ours, whatever it says', () => {
    expect(result('replicas-healthy', [exited(10, 'D', 'exit code 70')], 'pbft', { faultyNodes: ['D'] }).ok).toBe(false)
  })

  it('lists at most a few exits and says how many more', () => {
    const trace = ['A', 'B', 'C', 'D', 'E'].map((node, index) => exited(1000 * (index + 1), node, 'exit code 1'))
    expect(result('replicas-healthy', trace).detail).toMatch(/^A exited on its own at 1\.00 s: exit code 1; B .*; C .*; and 2 more \(D, E\)$/)
  })

  it('MultiRaft: one check for the processes, not one per group', () => {
    const trace: TraceEvent[] = [{ t: 1, node: 'A', kind: 'role', role: 'leader', term: 1, group: 0 }, { t: 1, node: 'B', kind: 'role', role: 'leader', term: 1, group: 1 }, exited(10, 'C', 'exit code 70')]
    const results = checkInvariants({ trace, protocol: 'raft' })
    expect(results.filter((invariant) => invariant.name === 'replicas-healthy')).toMatchObject([{ name: 'replicas-healthy', ok: false, detail: 'C exited on its own at 0.01 s: exit code 70' }])
  })
})

describe('only the invariants a protocol states are checked', () => {
  it('ParallelRaft applies out of order, so the apply-hash comparisons are left out; election safety and commit monotonicity stay', () => {
    // A and B applied the same entries in different orders: their running hashes differ at the same count.
    const trace: TraceEvent[] = [role(0, 'A', 'leader', 1), apply(10, 'A', 2, 'hA'), apply(11, 'B', 2, 'hB'), commit(9, 'A', 2)]
    const finalStates = [
      { node: 'A', appliedIndex: 2, hash: 'hA', kvDigest: 'same' },
      { node: 'B', appliedIndex: 2, hash: 'hB', kvDigest: 'same' },
    ]
    const results = checkInvariants({ trace, protocol: 'parallel-raft', finalStates })
    expect(results.map((invariant) => invariant.name)).toEqual(['election-safety', 'commit-monotonic', 'replicas-healthy'])
    for (const invariant of results) expect(invariant, invariant.detail).toMatchObject({ ok: true })
    // The same trace under Raft is a divergence.
    expect(checkInvariants({ trace, protocol: 'raft', finalStates }).find((invariant) => invariant.name === 'state-machine-safety')).toMatchObject({ ok: false })
  })
})

describe('one clock: every time a finding names is experiment time', () => {
  // The trace counts from the run's epoch (process start); the experiment's 0 s, the workload's
  // start, came 1,500 ms later. A detail that said "from 5,250 ms" for a leader elected 3.75 s into
  // the experiment sent the student to the wrong place on every chart.
  const originMs = 1500
  it('names times on the experiment clock, in every invariant that names one', () => {
    const at = (name: string, trace: TraceEvent[]) => result(name, trace, 'raft', { originMs }).detail
    expect(at('election-safety', [role(2000, 'A', 'leader', 3), role(5250, 'C', 'leader', 3)])).toBe('term 3 had two leaders: A (from 500.000 ms) and C (from 3750.000 ms)')
    expect(at('state-machine-safety', [apply(1600, 'A', 7, 'x'), apply(1700, 'B', 7, 'y')])).toBe('first divergence at index 7 A applied hash x (term 1, 100.000 ms) but B applied y (term 1, 200.000 ms): their applied sequences differ at or before index 7')
    expect(at('commit-monotonic', [commit(1600, 'A', 9), commit(1800, 'A', 4)])).toBe('A reported commit index 4 at 300.000 ms after 9 at 100.000 ms without restarting')
    expect(at('committed-never-lost', [commit(1600, 'A', 9), truncate(1900, 'A', 5)])).toBe('A truncated its log from index 5 at 400.000 ms although it had committed or applied up to index 9')
    expect(at('leader-append-only', [role(1600, 'A', 'leader', 2), truncate(2100, 'A', 5)])).toBe('A, leader of term 2 since 100.000 ms, truncated its own log from index 5 at 600.000 ms')
  })
})
