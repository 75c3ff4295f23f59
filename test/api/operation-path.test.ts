/**
 * Following one operation: from the trace around it, each node's persist, the majority that
 * committed it, the commits and applies, the messages that carried its index, and its phases.
 */
import { describe, expect, it } from 'vitest'
import { operationPath, slowestOperations } from '../../src-main/api/operation-path.js'
import type { AcknowledgedOperation } from '../../src-main/api/latency-breakdown.js'
import type { TraceEvent } from '../../src-main/api/trace.js'

const put: AcknowledgedOperation = { process: 1, f: 'put', key: 'k', invokeMs: 10, okMs: 19, node: 'A', index: 5 }

describe('the path of one Raft operation', () => {
  const trace: TraceEvent[] = [
    { t: 3, node: 'A', kind: 'append', fromIndex: 5, toIndex: 5, runs: [[5, 1]], persistMs: 1, ops: ['put old'] }, // an earlier entry at 5, before the invoke
    { t: 12.2, node: 'A', kind: 'send', to: 'B', type: 'AppendEntries', bytes: 90, id: 41, range: [4, 6] },
    { t: 12.2, node: 'A', kind: 'send', to: 'C', type: 'AppendEntries', bytes: 90, id: 42, range: [4, 6] },
    { t: 12.3, node: 'A', kind: 'send', to: 'C', type: 'AppendEntries', bytes: 20, id: 43, heartbeat: true },
    { t: 14.5, node: 'A', kind: 'append', fromIndex: 4, toIndex: 6, runs: [[4, 2]], persistMs: 2.5, ops: ['put k'] },
    { t: 13.8, node: 'C', kind: 'append', fromIndex: 4, toIndex: 6, runs: [[4, 2]], persistMs: 1 },
    { t: 15.5, node: 'B', kind: 'append', fromIndex: 4, toIndex: 6, runs: [[4, 2]], persistMs: 1.2 },
    { t: 14, node: 'C', kind: 'send', to: 'A', type: 'AppendEntriesResponse', bytes: 30, id: 7, range: [4, 6] },
    { t: 16, node: 'A', kind: 'commit', index: 6 },
    { t: 17, node: 'A', kind: 'apply', index: 6, term: 2, hash: 'h' },
    { t: 18, node: 'B', kind: 'commit', index: 4 }, // not yet its entry
    { t: 21, node: 'B', kind: 'commit', index: 6 },
  ]

  it('lists each step with its time after the invoke, in order', () => {
    const path = operationPath(put, trace, 'raft', 3)
    expect(path.steps.map((step) => [step.afterMs, step.node, step.step])).toEqual([
      [0, 'client', 'invoke'],
      [3.8, 'C', 'persist'],
      [4.5, 'A', 'persist'],
      [5.5, 'B', 'persist'],
      [6, 'A', 'commit'],
      [7, 'A', 'apply'],
      [9, 'client', 'reply'],
      [11, 'B', 'commit'],
    ])
    expect(path.steps.find((step) => step.node === 'A' && step.step === 'persist')?.persistMs).toBe(2.5)
  })

  it('names the majority that committed it: the leader and the follower durable first', () => {
    expect(operationPath(put, trace, 'raft', 3).quorum).toEqual(['A', 'C'])
  })

  it('highlights the messages that carried or acknowledged its index, not the heartbeats', () => {
    expect(operationPath(put, trace, 'raft', 3).messageKeys.sort()).toEqual(['A:41', 'A:42', 'C:7'])
  })

  it("counts a follower's acknowledgement of a batch past the entry: it names only its match index", () => {
    // As replicas trace them: an AppendEntriesResponse's range is [matchIndex, matchIndex].
    const batched: TraceEvent[] = [
      ...trace.filter((event) => !(event.kind === 'send' && event.node === 'C')),
      { t: 14, node: 'C', kind: 'send', to: 'A', type: 'AppendEntriesResponse', bytes: 30, id: 7, range: [6, 6] },
      { t: 15, node: 'C', kind: 'send', to: 'A', type: 'AppendEntriesResponse', bytes: 30, id: 8, range: [9, 9] }, // a later batch
      { t: 15.2, node: 'B', kind: 'send', to: 'A', type: 'AppendEntriesResponse', bytes: 30, id: 3, range: [3, 3] }, // before B holds it
      { t: 16.1, node: 'B', kind: 'send', to: 'A', type: 'AppendEntriesResponse', bytes: 30, id: 4, range: [6, 6] },
    ]
    expect(operationPath(put, batched, 'raft', 3).messageKeys.sort()).toEqual(['A:41', 'A:42', 'B:4', 'C:7'])
  })

  it('gives the phases of the breakdown, adding up to the latency', () => {
    const path = operationPath(put, trace, 'raft', 3)
    expect(path.phases).toEqual([
      { phase: 'client-hop', ms: 2 }, { phase: 'leader-persist', ms: 2.5 }, { phase: 'replicate-ack', ms: 1.5 }, { phase: 'commit-to-apply', ms: 1 }, { phase: 'reply', ms: 2 },
    ])
    expect(path.latencyMs).toBe(9)
  })

  it('says why it has no phases when the window holds no append at the leader', () => {
    const path = operationPath(put, trace.filter((event) => !(event.kind === 'append' && event.node === 'A')), 'raft', 3)
    expect(path.phases).toBeUndefined()
    expect(path.missing).toBe('no append of its entry at its leader')
  })
})

describe('the path of one PBFT operation', () => {
  it('shows each replica reaching each phase of its sequence number', () => {
    const operation: AcknowledgedOperation = { process: 1, f: 'put', key: 'k', invokeMs: 10, okMs: 22, seq: 7 }
    const slot = (node: string, t: number, phase: 'pre-prepared' | 'prepared' | 'committed' | 'executed', seq = 7): TraceEvent => ({ t, node, kind: 'slot', seq, view: 0, phase })
    const trace = [slot('A', 12, 'pre-prepared'), slot('B', 13, 'pre-prepared'), slot('A', 15, 'prepared'), slot('B', 16, 'prepared'), slot('A', 18, 'committed'), slot('B', 18.5, 'committed'),
      slot('A', 19, 'executed'), slot('B', 19.5, 'executed'), slot('C', 13, 'pre-prepared', 8), { t: 20, node: 'A', kind: 'commit', index: 7 } as TraceEvent]
    const path = operationPath(operation, trace, 'pbft', 4)
    expect(path.steps.filter((step) => step.node === 'B').map((step) => step.step)).toEqual(['pre-prepared', 'prepared', 'committed', 'executed'])
    expect(path.steps.some((step) => step.node === 'C' || step.step === 'commit')).toBe(false)
    expect(path.phases?.map((phase) => phase.ms)).toEqual([2, 1, 3, 2.5, 1, 2.5])
  })
})

describe('slow outliers', () => {
  it('puts the slowest operations first', () => {
    const operations = [5, 50, 1, 20].map((latencyMs, process): AcknowledgedOperation => ({ process, f: 'get', key: 'k', invokeMs: 100, okMs: 100 + latencyMs }))
    expect(slowestOperations(operations, 2).map((operation) => operation.process)).toEqual([1, 3])
  })
})
