import { describe, expect, it } from 'vitest'
import { FrameAggregator } from '../../src-main/lab/frames'
import type { ReplicaStatus } from '../../src-main/replica/control'
import type { ProcessState } from '../../src-main/lab/cluster'

function status(role: string, term: number): ReplicaStatus {
  return {
    id: 'A', role, term, commitIndex: 3, lastIndex: 3, appliedIndex: 3,
    walBytes: 0, walWrites: 0, walSyncs: 0, framesRejected: 0, flushes: 0, proposalsBatched: 0, messagesSent: 0, bytesSent: 0, sentByType: {}, snapshotsTaken: 0, snapshotsInstalled: 0, snapshotIndex: 0,
  }
}

const states = (entries: [string, ProcessState][]) => new Map<string, ProcessState>(entries)

describe('live frames', () => {
  it('a restarted ex-leader is not drawn as leader before its new process reports', () => {
    const frames = new FrameAggregator('run')
    frames.setStatus('A', status('leader', 1))
    frames.setStatus('B', status('follower', 1))
    expect(frames.take(1100, 1000, states([['A', 'up'], ['B', 'up']]), 'A').nodes[0]!.role).toBe('leader')
    expect(frames.take(1200, 1000, states([['A', 'crashed'], ['B', 'up']]), undefined).nodes[0]!.role).toBe('down')
    // Restarted: the process is up again, but nothing came from the new process yet.
    const restarted = frames.take(1300, 1000, states([['A', 'up'], ['B', 'up']]), 'B').nodes[0]!
    expect(restarted.role).not.toBe('leader')
    expect(restarted.term).toBe(0)
    frames.setStatus('A', status('follower', 2))
    expect(frames.take(1400, 1000, states([['A', 'up'], ['B', 'up']]), 'B').nodes[0]!.role).toBe('follower')
  })

  it('a leader crashed and restarted between two frames is not drawn as leader from its old process\'s status', () => {
    // Frames sample process states every 100 ms; a busy orchestrator's timer can fire late, so a
    // crash and the restart after it may both fall between two samples. The process events say so.
    const frames = new FrameAggregator('run')
    frames.setStatus('A', status('leader', 1))
    expect(frames.take(1100, 1000, states([['A', 'up']]), 'A').nodes[0]!.role).toBe('leader')
    frames.addEvents([
      { t: 1120, node: 'A', kind: 'process', state: 'crashed', detail: 'SIGKILL' },
      { t: 1180, node: 'A', kind: 'process', state: 'up', detail: 'pid 2, recovered 3 WAL records' },
    ])
    const restarted = frames.take(1200, 1000, states([['A', 'up']]), undefined).nodes[0]!
    expect(restarted.role).toBe('unknown')
    expect(restarted.term).toBe(0)
  })

  it('a leader whose process is not up is not the frame\'s leader, whatever the trace last said', () => {
    // The trace learns of a crash once the old process's channel is drained; the process state knows at once.
    const frames = new FrameAggregator('run')
    frames.setStatus('A', status('leader', 1))
    expect(frames.take(1100, 1000, states([['A', 'crashed']]), 'A').leader).toBeUndefined()
    expect(frames.series.at(-1)!.leader).toBeNull()
    expect(frames.take(1200, 1000, states([['A', 'paused']]), 'A').leader).toBeUndefined()
    expect(frames.take(1300, 1000, states([['A', 'up']]), 'A').leader).toBe('A')
  })

  it('frames count on experiment time: 0 is the workload start, events and latencies included', () => {
    const frames = new FrameAggregator('run')
    frames.addEvents([{ t: 900, node: 'A', kind: 'role', role: 'follower', term: 0 }, { t: 1250, node: 'lab', kind: 'fault', fault: 'crash A' }])
    frames.setOps({ ok: 1, fail: 0, info: 0 }, [{ t: 1240, ms: 2, f: 'put', p: 3 }])
    const frame = frames.take(1300, 1000, states([['A', 'up']]), undefined)
    expect(frame.t).toBe(300)
    expect(frame.events.map((event) => event.t)).toEqual([-100, 250])
    expect(frame.latencies[0]).toMatchObject({ t: 240, ms: 2, f: 'put', p: 3 })
    // series.json keeps the trace's own clock (ms since the run's epoch).
    expect(frames.series[0]!.t).toBe(1300)
  })

  it('frames carry the state changes, not the per-message and per-entry events (those are read from the trace)', () => {
    const frames = new FrameAggregator('run')
    frames.addEvents([
      { t: 1010, node: 'A', kind: 'send', to: 'B', type: 'AppendEntries', bytes: 100 },
      { t: 1011, node: 'B', kind: 'recv', from: 'A', type: 'AppendEntries', bytes: 100 },
      { t: 1012, node: 'A', kind: 'commit', index: 4 },
      { t: 1013, node: 'A', kind: 'role', role: 'leader', term: 2 },
    ])
    const frame = frames.take(1100, 1000, states([['A', 'up']]), 'A')
    expect(frame.events.map((event) => event.kind)).toEqual(['role'])
    expect(frame.messagesByType).toEqual({ AppendEntries: 1 })
  })

  it('says each node\'s place in the configuration the lab traced: voter, learner, joining, removed (Raft membership changes)', () => {
    const frames = new FrameAggregator('run')
    // Before any configuration is traced the membership is fixed: no member field at all.
    expect(frames.take(1100, 1000, states([['A', 'up'], ['B', 'up']]), 'A').nodes.map((node) => node.member)).toEqual([undefined, undefined])
    frames.addEvents([{ t: 1150, node: 'lab', kind: 'members', voters: ['A', 'B', 'C'], learners: ['D'], committed: true }])
    const grown = frames.take(1200, 1000, states([['A', 'up'], ['B', 'up'], ['C', 'up'], ['D', 'up'], ['E', 'starting']]), 'A')
    expect(Object.fromEntries(grown.nodes.map((node) => [node.node, node.member]))).toEqual({ A: 'voter', B: 'voter', C: 'voter', D: 'learner', E: 'joining' })
    frames.addEvents([
      { t: 1250, node: 'lab', kind: 'members', voters: ['A', 'B', 'D'], learners: [], committed: true },
      { t: 1260, node: 'C', kind: 'process', state: 'removed', detail: 'removed from the cluster' },
    ])
    const after = frames.take(1300, 1000, states([['A', 'up'], ['B', 'up'], ['C', 'exited'], ['D', 'up']]), 'A')
    expect(Object.fromEntries(after.nodes.map((node) => [node.node, node.member]))).toEqual({ A: 'voter', B: 'voter', C: 'removed', D: 'voter' })
  })
})
