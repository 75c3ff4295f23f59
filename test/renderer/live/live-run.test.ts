import { describe, expect, it } from 'vitest'
import { LiveRun, liveBounds } from '../../../src-renderer/src/live/live-run'
import { makeFrames } from '../fixtures/frames'
import type { LiveFrame, NodeLiveStatus } from '../../../src-main/api/lab-api'

function runOf(frames = makeFrames({ seconds: 30, opsPerSecond: 2000, crashLeaderAtMs: 10_000, electionMs: 400 })) {
  const live = new LiveRun('run-fixture', ['A', 'B', 'C', 'D', 'E'])
  for (const frame of frames) live.ingest(frame)
  return live
}

describe('LiveRun folds frames into bounded timelines', () => {
  it('tracks the leader, cumulative ops and throughput per second', () => {
    const live = runOf()
    expect(live.leader).toBe('B')
    expect(live.now).toBe(30_000)
    expect(live.ops.ok).toBeGreaterThan(50_000)
    const steady = live.frames.at(50)
    expect(steady?.okPerSec).toBeCloseTo(2000, -1)
  })

  it('records the crash as a fault marker and the election as a leaderless interval', () => {
    const live = runOf()
    expect(live.faults.toArray()).toEqual([expect.objectContaining({ t: 10_000, node: 'lab', fault: 'crash A' })])
    const intervals = live.leaderless.toArray()
    // the first election, then the failover
    expect(intervals).toHaveLength(2)
    expect(intervals[0]).toMatchObject({ start: 0, end: 300 })
    expect(intervals[1].start).toBe(10_100)
    expect(intervals[1].end).toBe(10_500)
  })

  it('splits each lane into role/term/process segments', () => {
    const live = runOf()
    const a = live.segments.get('A')?.toArray() ?? []
    expect(a.map((s) => [s.role, s.process])).toEqual([
      ['follower', 'up'],
      ['leader', 'up'],
      ['down', 'crashed'],
    ])
    const b = live.segments.get('B')?.toArray() ?? []
    expect(b.map((s) => `${s.role}@${s.term}`)).toEqual(['follower@1', 'candidate@1', 'leader@2'])
  })

  it('counts term changes and measures replication lag in entries and time', () => {
    const live = runOf()
    expect(live.termChanges.toArray()).toEqual([{ t: 10_500, term: 2 }])
    const e = live.lag.get('E')
    expect(e?.lag).toBe(40)
    expect(e?.lagMs).toBeGreaterThan(0)
    expect(e?.lagMs).toBeLessThan(1000)
    expect(live.lag.get('B')?.lag).toBe(0)
  })

  it('computes p50/p99 per completed second', () => {
    const live = runOf()
    live.finish()
    const seconds = live.percentiles.toArray()
    expect(seconds.length).toBeGreaterThan(25)
    for (const second of seconds) expect(second.p99).toBeGreaterThanOrEqual(second.p50)
  })

  it('ignores frames of other runs and frames that go back in time', () => {
    const live = runOf(makeFrames({ seconds: 2, opsPerSecond: 10 }))
    expect(live.ingest({ ...makeFrames({ seconds: 1, opsPerSecond: 10 })[0], runId: 'other' })).toBe(false)
    expect(live.ingest(makeFrames({ seconds: 1, opsPerSecond: 10 })[0])).toBe(false)
  })

  it('stays within its bounds however long the run', () => {
    const live = runOf(makeFrames({ seconds: 700, opsPerSecond: 500, messageEventsPerFrame: 40 }))
    expect(live.frames.size).toBe(liveBounds.framesMax)
    expect(live.latencies.size).toBeLessThanOrEqual(liveBounds.latencySamplesMax)
    expect(live.percentiles.size).toBeLessThanOrEqual(liveBounds.secondsMax)
    for (const lane of live.segments.values()) expect(lane.size).toBeLessThanOrEqual(liveBounds.segmentsPerNodeMax)
  })
})

describe('LiveRun keeps from a frame\'s events only what the live page reads', () => {
  // The sequence diagram and the event log read the run's trace (LabApi.readTrace); a frame's
  // message events kept here were read by nothing, and at full load (1,500 a frame) they lived
  // long enough to reach the old generation, which the page's garbage collector paid for.
  const base: LiveFrame = { kind: 'frame', runId: 'r', t: 100, nodes: [], leader: 'A', ops: { ok: 0, fail: 0, info: 0 }, latencies: [], events: [], eventsOmitted: 0, messagesByType: {} }

  it('keeps faults in time order and the newest cut links, and holds no message events', () => {
    const live = new LiveRun('r', ['A', 'B', 'C'])
    live.ingest({
      ...base,
      events: [
        { t: 90, node: 'A', kind: 'send', to: 'B', type: 'AppendEntries', bytes: 10 },
        { t: 80, node: 'lab', kind: 'fault', fault: 'crash C' },
        { t: 70, node: 'lab', kind: 'links', cut: [['A', 'B']] },
        { t: 60, node: 'lab', kind: 'fault', fault: 'pause B' },
        { t: 95, node: 'B', kind: 'recv', from: 'A', type: 'AppendEntries', bytes: 10 },
        { t: 75, node: 'lab', kind: 'links', cut: [['A', 'C']] },
      ] as LiveFrame['events'],
    })
    expect(live.faults.toArray().map((fault) => fault.fault)).toEqual(['pause B', 'crash C'])
    expect(live.cutLinks).toEqual([['A', 'C']])
    expect(Object.keys(live).filter((key) => /message.?events|log.?events/i.test(key))).toEqual([])
  })
})

describe('LiveRun follows membership changes (Raft)', () => {
  const up = (node: string, member: NodeLiveStatus['member'], role = 'follower'): NodeLiveStatus => ({ node, process: 'up', member, role, term: 1, commitIndex: 5, appliedIndex: 5, lastIndex: 5 })
  const frame = (t: number, nodes: NodeLiveStatus[]): LiveFrame => ({ kind: 'frame', runId: 'r', t, nodes, leader: 'A', ops: { ok: 0, fail: 0, info: 0 }, latencies: [], events: [], eventsOmitted: 0, messagesByType: {} })

  it('grows a lane for an added node, draws its learner time apart, and ends the lane of a removed node', () => {
    const live = new LiveRun('r', ['A', 'B', 'C'])
    live.ingest(frame(100, [up('A', 'voter', 'leader'), up('B', 'voter'), up('C', 'voter')]))
    live.ingest(frame(200, [up('A', 'voter', 'leader'), up('B', 'voter'), up('C', 'voter'), up('D', 'learner')]))
    live.ingest(frame(300, [up('A', 'voter', 'leader'), up('B', 'voter'), up('C', 'voter'), up('D', 'voter')]))
    const removedC: NodeLiveStatus = { node: 'C', process: 'exited', member: 'removed', role: 'down', term: 1, commitIndex: 5, appliedIndex: 5, lastIndex: 5 }
    live.ingest(frame(400, [up('A', 'voter', 'leader'), up('B', 'voter'), removedC, up('D', 'voter')]))
    live.ingest(frame(500, [up('A', 'voter', 'leader'), up('B', 'voter'), removedC, up('D', 'voter')]))
    expect(live.nodes).toEqual(['A', 'B', 'C', 'D'])
    expect(live.segments.get('D')!.toArray().map((segment) => [segment.start, segment.end, segment.nonVoting === true])).toEqual([
      [100, 300, true],
      [300, 500, false],
    ])
    // C's lane ends when it left: no 'exited' bar running on to the end of the run.
    expect(live.segments.get('C')!.toArray().map((segment) => [segment.end, segment.process])).toEqual([[400, 'up']])
    expect(live.segments.get('A')!.last()!.end).toBe(500)
  })
})
