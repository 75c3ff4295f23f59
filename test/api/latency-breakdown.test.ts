/**
 * The latency breakdown cuts each acknowledged operation at instants the run recorded (history and
 * trace on one clock) into phases that add up to its latency, and says what it could not split.
 * Fixture histories and traces, built by hand, so each expected figure can be checked by eye.
 */
import { describe, expect, it } from 'vitest'
import {
  BreakdownEvents,
  acknowledgedOperations,
  breakdownEventsMax,
  computeLatencyBreakdown,
  latencyBreakdownNoteKo,
  missingReasons,
  pbftMarks,
  raftMarks,
  type LatencyBreakdownResult,
} from '../../src-main/api/latency-breakdown.js'
import type { HistoryEvent, TraceEvent } from '../../src-main/api/trace.js'
import type { ProtocolName } from '../../src-main/api/experiment.js'

const msToNs = 1e6

function invoke(process: number, atMs: number, f: HistoryEvent['f'] = 'put'): HistoryEvent {
  return { process, type: 'invoke', f, key: 'k', time: atMs * msToNs }
}
function ok(process: number, atMs: number, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { process, type: 'ok', f: 'put', key: 'k', time: atMs * msToNs, ...fields }
}

function append(node: string, t: number, fromIndex: number, toIndex: number, persistMs: number, leading = true, group?: number): TraceEvent {
  return { t, node, kind: 'append', fromIndex, toIndex, runs: [[fromIndex, 1]], persistMs, ...(leading ? { ops: ['put k'] } : {}), ...(group === undefined ? {} : { group }) }
}
function commit(node: string, t: number, index: number, group?: number): TraceEvent {
  return { t, node, kind: 'commit', index, ...(group === undefined ? {} : { group }) }
}
function apply(node: string, t: number, index: number, group?: number): TraceEvent {
  return { t, node, kind: 'apply', index, term: 1, hash: 'h', ...(group === undefined ? {} : { group }) }
}
function slot(node: string, t: number, seq: number, phase: 'pre-prepared' | 'prepared' | 'committed' | 'executed', view = 0): TraceEvent {
  return { t, node, kind: 'slot', seq, view, phase }
}

function breakdown(protocol: ProtocolName, nodes: number, history: HistoryEvent[], trace: TraceEvent[]): LatencyBreakdownResult {
  const events = new BreakdownEvents()
  for (const event of trace) events.add(event)
  return computeLatencyBreakdown(protocol, nodes, acknowledgedOperations(history), events)
}

function eventsOf(trace: TraceEvent[]): BreakdownEvents {
  const events = new BreakdownEvents()
  for (const event of trace) events.add(event)
  return events
}

describe('Raft: client hop, leader persist, replicate and ack, commit to apply, reply', () => {
  // A put invoked at 10 ms, index 5 at leader A: A writes 12..14.5, commits at 16, applies at 17, answers at 19.
  const trace = [append('B', 11, 5, 5, 1, false), append('A', 14.5, 4, 6, 2.5), append('B', 15, 5, 6, 0.5, false), commit('A', 16, 6), apply('A', 17, 6)]
  const history = [invoke(1, 10), ok(1, 19, { node: 'A', index: 5 })]

  it('cuts an operation at the instants its leader recorded, and the phases add up to its latency', () => {
    const result = breakdown('raft', 3, history, trace)
    expect(result.phases?.map((row) => [row.phase, row.p50Ms])).toEqual([
      ['client-hop', 2],
      ['leader-persist', 2.5],
      ['replicate-ack', 1.5],
      ['commit-to-apply', 1],
      ['reply', 2],
    ])
    expect(result.phases!.reduce((sum, row) => sum + row.meanMs, 0)).toBeCloseTo(9)
    expect(result).toMatchObject({ operations: 1, acknowledged: 1 })
  })

  it('reads only the leader\'s own append of the entry, not a follower\'s', () => {
    const marks = raftMarks(acknowledgedOperations(history)[0]!, eventsOf(trace))
    expect(marks).toEqual({ marksMs: [10, 12, 14.5, 16, 17, 19] })
  })

  it('takes the leader\'s latest append of the index before the answer (an earlier term\'s entry was overwritten)', () => {
    const rewritten = [append('A', 3, 5, 5, 1), ...trace]
    expect(raftMarks(acknowledgedOperations(history)[0]!, eventsOf(rewritten))).toEqual({ marksMs: [10, 12, 14.5, 16, 17, 19] })
  })

  it('keeps instants in order: a commit traced before the leader\'s fsync ended counts as no replicate time', () => {
    const early = [append('A', 14.5, 5, 5, 2.5), commit('A', 13, 5), apply('A', 17, 5)]
    // The commit at 13 (after the write began at 12) is moved to 14.5, when the entry was durable.
    const marks = raftMarks(acknowledgedOperations(history)[0]!, eventsOf(early))
    expect(marks).toEqual({ marksMs: [10, 12, 14.5, 14.5, 17, 19] })
  })

  it('never puts an instant after the answer, so the phases still add up', () => {
    const late = [append('A', 14.5, 5, 5, 2.5), commit('A', 16, 5), apply('A', 25, 5)]
    const result = breakdown('raft', 3, history, late)
    expect(result.phases!.map((row) => row.p50Ms)).toEqual([2, 2.5, 1.5, 3, 0])
  })

  it('never takes an append from before the invoke (an earlier entry at the same index) for the operation\'s', () => {
    const earlier = [append('A', 5, 5, 5, 1), commit('A', 16, 6), apply('A', 17, 6)]
    expect(raftMarks(acknowledgedOperations(history)[0]!, eventsOf(earlier))).toEqual({ missing: 'no append of its entry at its leader' })
  })

  it('splits MultiRaft operations by their group', () => {
    const groups = [append('A', 14.5, 5, 5, 2.5, true, 0), commit('A', 15, 5, 0), apply('A', 15.5, 5, 0), append('A', 12, 5, 5, 1, true, 1), commit('A', 16, 5, 1), apply('A', 17, 5, 1)]
    const marks = raftMarks(acknowledgedOperations([invoke(1, 10), ok(1, 19, { node: 'A', index: 5, group: 1 })])[0]!, eventsOf(groups))
    expect(marks).toEqual({ marksMs: [10, 11, 12, 16, 17, 19] })
  })

  it('leaves out reads served without the log and says so', () => {
    const withRead = [...history, invoke(2, 10, 'get'), ok(2, 12, { node: 'A' })]
    const result = breakdown('raft', 3, withRead, trace)
    expect(result).toMatchObject({ operations: 1, acknowledged: 2 })
    expect(result.note).toContain('1 left out: no log index (a read served without the log)')
    // The same note as values, which a Korean report says in Korean.
    expect(result.facts).toMatchObject({ code: 'split', split: 1, acknowledged: 2, missing: [[missingReasons.noLogIndex, 1]] })
    expect(latencyBreakdownNoteKo(result.facts)).toBe('확인된 연산 2개 중 1개를 나눔; 1개 뺌: 로그 인덱스 없음(로그를 거치지 않고 답한 읽기)')
  })

  it('says every note in Korean from its values, every reason an operation was left out too', () => {
    const hangul = /[\uac00-\ud7a3]/
    const reasons = Object.values(missingReasons).map((reason): [string, number] => [reason, 1])
    const notes = [
      latencyBreakdownNoteKo({ code: 'split', split: 0, acknowledged: 8, stride: 2, missing: reasons, tentative: 1, leftOut: 3, pbft: true }),
      latencyBreakdownNoteKo({ code: 'noSteps', protocol: 'primary-backup' }),
      latencyBreakdownNoteKo({ code: 'traceOff' }),
      latencyBreakdownNoteKo({ code: 'traceUnreadable', error: 'EACCES' }),
    ]
    for (const note of notes) expect(note).toMatch(hangul)
    for (const reason of Object.values(missingReasons)) expect(notes[0]).not.toContain(reason)
    expect(breakdown('primary-backup', 3, [invoke(1, 10), ok(1, 12, { node: 'A' })], []).facts).toEqual({ code: 'noSteps', protocol: 'primary-backup' })
  })

  it('has no phases, and says why, when the trace holds no appends (trace.log off)', () => {
    const result = breakdown('raft', 3, history, [commit('A', 16, 6), apply('A', 17, 6)])
    expect(result.phases).toBeUndefined()
    expect(result.note).toContain('no append of its entry at its leader')
  })

  it('gives p50 and p99 over many operations', () => {
    const history: HistoryEvent[] = []
    const trace: TraceEvent[] = []
    // Operation i (1..100): persist takes i ms; everything else 1 ms.
    for (let i = 1; i <= 100; i += 1) {
      const start = i * 1000
      history.push(invoke(1, start), ok(1, start + 4 + i, { node: 'A', index: i }))
      trace.push(append('A', start + 1 + i, i, i, i), commit('A', start + 2 + i, i), apply('A', start + 3 + i, i))
    }
    const persist = breakdown('raft', 3, history, trace).phases!.find((row) => row.phase === 'leader-persist')!
    expect(persist).toEqual({ phase: 'leader-persist', p50Ms: 51, p99Ms: 100, meanMs: 50.5 })
  })
})

describe('PBFT: request, pre-prepare, prepare quorum, commit quorum, execute, replies', () => {
  // f = 1 (4 replicas): each instant is when f+1 = 2 replicas had reached the step.
  const slots = [
    slot('A', 12, 7, 'pre-prepared'), slot('B', 14, 7, 'pre-prepared'), slot('C', 13.5, 7, 'pre-prepared'), slot('D', 20, 7, 'pre-prepared'),
    slot('A', 16, 7, 'prepared'), slot('B', 17, 7, 'prepared'), slot('C', 30, 7, 'prepared'),
    slot('A', 19, 7, 'committed'), slot('B', 18, 7, 'committed'), slot('C', 31, 7, 'committed'),
    slot('A', 19.5, 7, 'executed'), slot('B', 18.5, 7, 'executed'), slot('C', 31, 7, 'executed'),
  ]

  it('times each step when f+1 replicas had reached it, the request until the primary pre-prepared', () => {
    const operation = acknowledgedOperations([invoke(1, 10), ok(1, 22, { node: 'A,B', seq: 7 })])[0]!
    expect(pbftMarks(operation, eventsOf(slots), 1)).toEqual({ marksMs: [10, 12, 13.5, 17, 19, 19.5, 22], tentative: false })
    const result = breakdown('pbft', 4, [invoke(1, 10), ok(1, 22, { seq: 7 })], slots)
    expect(result.phases!.map((row) => [row.phase, row.p50Ms])).toEqual([
      ['request', 2], ['pre-prepare', 1.5], ['prepare-quorum', 3.5], ['commit-quorum', 2], ['execute', 0.5], ['replies', 2.5],
    ])
  })

  it('an operation answered on tentative replies has no commit quorum or execute phase', () => {
    const operation = acknowledgedOperations([invoke(1, 10), ok(1, 17.5, { seq: 7 })])[0]!
    expect(pbftMarks(operation, eventsOf(slots), 1)).toEqual({ marksMs: [10, 12, 13.5, 17, 17, 17, 17.5], tentative: true })
    expect(breakdown('pbft', 4, [invoke(1, 10), ok(1, 17.5, { seq: 7 })], slots).note).toContain('1 answered on tentative replies')
  })

  it('reads the view that answered after a view change re-did the sequence number', () => {
    const redone = [slot('A', 11, 7, 'pre-prepared', 0), ...slots.map((event) => ({ ...event, view: 1 }) as TraceEvent)]
    const operation = acknowledgedOperations([invoke(1, 10), ok(1, 22, { seq: 7 })])[0]!
    expect(pbftMarks(operation, eventsOf(redone), 1)).toMatchObject({ marksMs: [10, 12, 13.5, 17, 19, 19.5, 22] })
  })

  it('leaves out an operation fewer than f+1 replicas prepared in the trace', () => {
    const result = breakdown('pbft', 4, [invoke(1, 10), ok(1, 22, { seq: 7 })], slots.filter((event) => !(event.kind === 'slot' && event.phase === 'prepared' && event.node !== 'A')))
    expect(result.phases).toBeUndefined()
    expect(result.note).toContain('fewer than f+1 replicas prepared it')
  })
})

describe('what the breakdown cannot say', () => {
  it('primary-backup has none, and says why', () => {
    const result = breakdown('primary-backup', 3, [invoke(1, 10), ok(1, 12, { node: 'A' })], [])
    expect(result).toMatchObject({ operations: 0, acknowledged: 1 })
    expect(result.phases).toBeUndefined()
    expect(result.note).toContain('primary-backup')
  })

  it('failed and unknown operations are not acknowledged ones', () => {
    const history = [invoke(1, 10), { ...ok(1, 12), type: 'fail' as const }, invoke(2, 10), { ...ok(2, 30), type: 'info' as const }]
    expect(acknowledgedOperations(history)).toEqual([])
  })

  it('keeps at most breakdownEventsMax events and counts the rest', () => {
    const events = new BreakdownEvents()
    for (let i = 0; i < breakdownEventsMax + 3; i += 1) events.add(commit('A', i, i))
    expect([events.kept, events.leftOut]).toEqual([breakdownEventsMax, 3])
  })
})
