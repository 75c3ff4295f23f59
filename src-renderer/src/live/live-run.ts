/**
 * The live record of one run, fed frame by frame (every 100 ms) and read by the charts. Plain data,
 * outside Vue's reactivity: a store bumps a version number after each ingest and the charts rebuild
 * from here at their own, throttled pace. Every collection has a named bound.
 */
import type { LiveFrame, NodeLiveStatus } from '../../../src-main/api/lab-api'
import type { TraceEvent } from '../../../src-main/api/trace'
import { RingBuffer } from './ring-buffer'
import { quantileSorted } from './downsample'

export const liveBounds = {
  /** 10 minutes of 100 ms frames. */
  framesMax: 6_000,
  /** Per-second buckets (latency percentiles, messages by type). */
  secondsMax: 600,
  latencySamplesMax: 20_000,
  /** Latencies kept for one second's percentiles. */
  latenciesPerSecondMax: 20_000,
  faultsMax: 500,
  segmentsPerNodeMax: 2_000,
  leaderlessMax: 1_000,
  termChangesMax: 2_000,
  nodesMax: 32,
} as const

/**
 * How LiveFrame counters are read. `ops` are running totals since the run began (like
 * RunSummary.ops); `messagesByType` counts the messages of this frame only.
 */
export const frameCounters = { opsAreCumulative: true, messagesAreCumulative: false } as const

/** A second's percentile is final once frames are this far past its end (late samples). */
const percentileGraceMs = 300

export type MessageEvent = Extract<TraceEvent, { kind: 'send' | 'recv' | 'drop' }>
export type FaultEvent = Extract<TraceEvent, { kind: 'fault' }>

export interface FrameSample {
  t: number
  leader?: string
  /** Indexed like LiveRun.nodes; -1 where the node was not reported. */
  commit: number[]
  term: number[]
  /** Entries behind the leader's last index; null without a leader (0 for the leader itself). */
  lag: (number | null)[]
  okPerSec: number
  failPerSec: number
}

export interface RoleSegment {
  start: number
  end: number
  role: string
  term: number
  process: NodeLiveStatus['process']
  /** Raft membership changes: a learner (or a node joining) is drawn apart from a voter. */
  nonVoting?: true
}

export interface Interval {
  start: number
  /** Null while still open. */
  end: number | null
}

export interface TermChange {
  t: number
  term: number
}

export interface LatencySample {
  t: number
  ms: number
  f: string
  /** The history's process that ran it: with `t`, it names the operation. */
  p?: number
}

export interface SecondPercentiles {
  /** Start of the second, ms since the run's epoch. */
  t: number
  p50: number
  p99: number
  count: number
}

export interface SecondMessages {
  t: number
  byType: Record<string, number>
}

export interface LagState {
  /** Entries behind the leader's last index; null without a leader. */
  lag: number | null
  /**
   * How long behind: time since the cluster's log first reached this node's last index (0 when
   * caught up). Grows steadily for a node that is down or cut off, stays near 0 for a healthy one.
   */
  lagMs: number | null
}

interface IndexMark {
  t: number
  /** Highest last index any leader has reported up to t (monotone, so it can be searched). */
  index: number
}

export class LiveRun {
  readonly nodes: string[] = []
  readonly frames = new RingBuffer<FrameSample>(liveBounds.framesMax)
  readonly segments = new Map<string, RingBuffer<RoleSegment>>()
  readonly leaderless = new RingBuffer<Interval>(liveBounds.leaderlessMax)
  readonly termChanges = new RingBuffer<TermChange>(liveBounds.termChangesMax)
  readonly latencies = new RingBuffer<LatencySample>(liveBounds.latencySamplesMax)
  readonly percentiles = new RingBuffer<SecondPercentiles>(liveBounds.secondsMax)
  readonly messagesPerSecond = new RingBuffer<SecondMessages>(liveBounds.secondsMax)
  readonly messageTotals: Record<string, number> = {}
  readonly faults = new RingBuffer<FaultEvent>(liveBounds.faultsMax)
  readonly lag = new Map<string, LagState>()
  /** Nodes removed from the cluster (membership changes): their lane ends at the removal. */
  readonly removed = new Set<string>()
  latest: NodeLiveStatus[] = []
  /**
   * The directed links the lab has cut, from its newest `links` event: what it applied, so a
   * partition shows once it is in force (not when it was asked for or scheduled).
   */
  cutLinks: [string, string][] = []
  leader: string | undefined
  ops = { ok: 0, fail: 0, info: 0 }
  eventsOmitted = 0
  /** End of the newest frame, ms since the run's epoch. */
  now = 0
  frameCount = 0
  private maxTerm = 0
  private readonly indexMarks = new RingBuffer<IndexMark>(liveBounds.framesMax)
  private pendingSeconds = new Map<number, number[]>()

  constructor(
    readonly runId: string,
    nodes: string[] = [],
  ) {
    for (const node of nodes) this.nodeIndex(node)
  }

  /** Folds one frame in. Frames of other runs and frames older than the newest are ignored. */
  ingest(frame: LiveFrame): boolean {
    if (frame.runId !== this.runId || (this.frameCount > 0 && frame.t < this.now)) return false
    const dtMs = this.frameCount > 0 ? frame.t - this.now : frame.t
    this.frameCount += 1
    this.now = frame.t
    this.latest = frame.nodes
    this.leader = frame.leader
    for (const status of frame.nodes) this.nodeIndex(status.node)
    const delta = this.opsDelta(frame.ops)
    this.ops = frameCounters.opsAreCumulative ? { ...frame.ops } : addOps(this.ops, frame.ops)
    const perSecond = dtMs > 0 ? 1000 / dtMs : 0
    this.frames.push(this.sample(frame, delta.ok * perSecond, (delta.fail + delta.info) * perSecond))
    this.trackSegments(frame)
    this.trackLeaderless(frame)
    this.trackTerms(frame)
    this.trackLatencies(frame)
    this.trackMessages(frame)
    this.trackEvents(frame)
    this.eventsOmitted += frame.eventsOmitted
    return true
  }

  /** Acknowledged operations per second over the last `windowMs` (a single 100 ms frame is too noisy). */
  recentThroughput(windowMs = 1000): number {
    const newest = this.frames.last()
    if (newest === undefined) return 0
    let sum = 0
    let count = 0
    for (let i = this.frames.size - 1; i >= 0; i -= 1) {
      const frame = this.frames.at(i) as FrameSample
      if (frame.t <= newest.t - windowMs) break
      sum += frame.okPerSec
      count += 1
    }
    return count > 0 ? sum / count : 0
  }

  /** Closes open intervals at the run's end so the charts stop extending them. */
  finish(): void {
    const open = this.leaderless.last()
    if (open !== undefined && open.end === null) open.end = this.now
    this.flushPercentiles(Number.POSITIVE_INFINITY)
  }

  nodeIndex(node: string): number {
    const known = this.nodes.indexOf(node)
    if (known >= 0) return known
    if (this.nodes.length >= liveBounds.nodesMax) return -1
    this.nodes.push(node)
    this.segments.set(node, new RingBuffer<RoleSegment>(liveBounds.segmentsPerNodeMax))
    return this.nodes.length - 1
  }

  private opsDelta(ops: LiveFrame['ops']): LiveFrame['ops'] {
    if (!frameCounters.opsAreCumulative) return ops
    return {
      ok: Math.max(0, ops.ok - this.ops.ok),
      fail: Math.max(0, ops.fail - this.ops.fail),
      info: Math.max(0, ops.info - this.ops.info),
    }
  }

  private sample(frame: LiveFrame, okPerSec: number, failPerSec: number): FrameSample {
    const count = this.nodes.length
    const commit = new Array<number>(count).fill(-1)
    const term = new Array<number>(count).fill(-1)
    const lag = new Array<number | null>(count).fill(null)
    const leaderStatus = frame.leader === undefined ? undefined : frame.nodes.find((s) => s.node === frame.leader)
    const highest = Math.max(this.indexMarks.last()?.index ?? 0, leaderStatus?.lastIndex ?? 0)
    if (highest > (this.indexMarks.last()?.index ?? 0)) this.indexMarks.push({ t: frame.t, index: highest })
    for (const status of frame.nodes) {
      const i = this.nodes.indexOf(status.node)
      if (i < 0) continue
      commit[i] = status.commitIndex
      term[i] = status.term
      lag[i] = leaderStatus === undefined ? null : Math.max(0, leaderStatus.lastIndex - status.lastIndex)
      this.lag.set(status.node, { lag: lag[i], lagMs: leaderStatus === undefined ? null : this.timeBehind(status.lastIndex, frame.t) })
    }
    return { t: frame.t, leader: frame.leader, commit, term, lag, okPerSec, failPerSec }
  }

  /** now minus the first moment the log reached `lastIndex`; 0 when no leader log was ever longer. */
  private timeBehind(lastIndex: number, now: number): number {
    const marks = this.indexMarks
    if (marks.size === 0 || (marks.last() as IndexMark).index <= lastIndex) return 0
    let low = 0
    let high = marks.size - 1
    while (low < high) {
      const mid = (low + high) >> 1
      if ((marks.at(mid) as IndexMark).index > lastIndex) high = mid
      else low = mid + 1
    }
    // Interpolate inside the frame: the log grew from the previous mark to this one during it.
    const reached = marks.at(low) as IndexMark
    const before = low > 0 ? (marks.at(low - 1) as IndexMark) : { t: 0, index: 0 }
    const share = (lastIndex + 1 - before.index) / Math.max(1, reached.index - before.index)
    return Math.max(0, now - (before.t + share * (reached.t - before.t)))
  }

  private trackSegments(frame: LiveFrame): void {
    for (const status of frame.nodes) {
      const lane = this.segments.get(status.node)
      if (lane === undefined || this.removed.has(status.node)) continue
      const open = lane.last()
      if (status.member === 'removed') {
        // Gone for good: the lane ends here rather than running on as a node that is down.
        this.removed.add(status.node)
        if (open !== undefined) open.end = frame.t
        continue
      }
      const nonVoting = status.member === 'learner' || status.member === 'joining'
      if (open !== undefined && open.role === status.role && open.term === status.term && open.process === status.process && (open.nonVoting === true) === nonVoting) {
        open.end = frame.t
      } else {
        if (open !== undefined) open.end = frame.t
        const segment: RoleSegment = { start: open?.end ?? Math.max(0, frame.t - 100), end: frame.t, role: status.role, term: status.term, process: status.process }
        if (nonVoting) segment.nonVoting = true
        lane.push(segment)
      }
    }
  }

  private trackLeaderless(frame: LiveFrame): void {
    const open = this.leaderless.last()
    const isOpen = open !== undefined && open.end === null
    if (frame.leader === undefined && !isOpen) this.leaderless.push({ start: this.frameCount === 1 ? 0 : frame.t, end: null })
    if (frame.leader !== undefined && isOpen) open.end = frame.t
  }

  private trackTerms(frame: LiveFrame): void {
    let term = this.maxTerm
    for (const status of frame.nodes) term = Math.max(term, status.term)
    if (term > this.maxTerm) {
      if (this.maxTerm > 0 || this.frameCount > 1) this.termChanges.push({ t: frame.t, term })
      this.maxTerm = term
    }
  }

  private trackLatencies(frame: LiveFrame): void {
    for (const sample of frame.latencies) {
      this.latencies.push(sample)
      const second = Math.floor(sample.t / 1000)
      const bucket = this.pendingSeconds.get(second) ?? []
      if (bucket.length < liveBounds.latenciesPerSecondMax) bucket.push(sample.ms)
      this.pendingSeconds.set(second, bucket)
    }
    this.flushPercentiles(frame.t - percentileGraceMs)
  }

  private flushPercentiles(upToMs: number): void {
    const ready = [...this.pendingSeconds.keys()].filter((second) => (second + 1) * 1000 <= upToMs).sort((a, b) => a - b)
    for (const second of ready) {
      const sorted = (this.pendingSeconds.get(second) ?? []).sort((a, b) => a - b)
      this.pendingSeconds.delete(second)
      if (sorted.length === 0) continue
      this.percentiles.push({ t: second * 1000, p50: quantileSorted(sorted, 0.5), p99: quantileSorted(sorted, 0.99), count: sorted.length })
    }
  }

  private trackMessages(frame: LiveFrame): void {
    const second = Math.floor(frame.t / 1000) * 1000
    let bucket = this.messagesPerSecond.last()
    if (bucket === undefined || bucket.t !== second) {
      bucket = { t: second, byType: {} }
      this.messagesPerSecond.push(bucket)
    }
    for (const [type, value] of Object.entries(frame.messagesByType)) {
      const count = frameCounters.messagesAreCumulative ? Math.max(0, value - (this.messageTotals[type] ?? 0)) : value
      bucket.byType[type] = (bucket.byType[type] ?? 0) + count
      this.messageTotals[type] = (this.messageTotals[type] ?? 0) + count
    }
  }

  /**
   * Only faults (the charts' markers) and cut links (the injector) are read from a frame's events.
   * The sequence diagram and the event log read the run's trace (LabApi.readTrace), so a frame's
   * message events are not kept: at full load, 1,500 a frame held for seconds were old-generation
   * garbage the page's collector paid for, and sorting them all cost every frame.
   */
  private trackEvents(frame: LiveFrame): void {
    const faults: FaultEvent[] = []
    let links: Extract<TraceEvent, { kind: 'links' }> | undefined
    for (const event of frame.events) {
      if (event.kind === 'fault') faults.push(event)
      // The newest wins; of two at the same instant, the later in the frame (as a stable sort had it).
      if (event.kind === 'links' && (links === undefined || event.t >= links.t)) links = event
    }
    if (faults.length > 1) faults.sort((a, b) => a.t - b.t)
    for (const fault of faults) this.faults.push(fault)
    if (links !== undefined) this.cutLinks = links.cut
  }
}

function addOps(a: LiveFrame['ops'], b: LiveFrame['ops']): LiveFrame['ops'] {
  return { ok: a.ok + b.ok, fail: a.fail + b.fail, info: a.info + b.info }
}
