/**
 * Aggregates a run's event stream into one LiveFrame per interval, so a viewer receives ten small
 * messages a second instead of every event, and into the run's time series kept for reports.
 *
 * Frames count on experiment time (0 = the workload's start, the clock of the fault schedule); the
 * series kept for series.json stays on the trace's own clock (ms since the run's epoch), like the
 * trace. Frames carry the cluster's state changes only: messages, appends, commits and applies come
 * by the thousand per second and are read from the run's trace instead (LabApi.readTrace).
 */
import type { LiveFrame, MemberRole, NodeLiveStatus } from '../api/lab-api.js'
import type { RunSeriesPoint } from '../api/run-file.js'
import type { TraceEvent } from '../api/trace.js'
import type { ReplicaStatus } from '../replica/control.js'
import type { LatencySample } from './workload/protocol.js'
import type { ProcessState } from './cluster.js'

export const frameIntervalMs = 100
/** Trace events carried by one frame; the rest are counted in eventsOmitted. */
export const frameEventsMax = 1500

/** High-volume kinds that frames leave to the trace (see above). */
const traceOnlyKinds = new Set<string>(['send', 'recv', 'drop', 'commit', 'apply', 'append', 'slot', 'stats'])

/** One row per frame interval (100 ms), kept for the whole run (series.json): the run file's shape. */
export type SeriesPoint = RunSeriesPoint

export class FrameAggregator {
  private events: TraceEvent[] = []
  private omitted = 0
  private latencies: LatencySample[] = []
  private messagesByType: Record<string, number> = {}
  private readonly statuses = new Map<string, ReplicaStatus>()
  private readonly ops = { ok: 0, fail: 0, info: 0 }
  private readonly previousOps = { ok: 0, fail: 0, info: 0 }
  /** Raft: the leader's configuration from the newest `members` event (undefined: fixed membership so far). */
  private members?: { voters: readonly string[]; learners: readonly string[] }
  /** Nodes removed from the cluster (membership changes): gone for good. */
  private readonly removed = new Set<string>()
  readonly series: SeriesPoint[] = []

  constructor(private readonly runId: string) {}

  addEvents(events: TraceEvent[]): void {
    for (const event of events) {
      // The cluster records a crash or an exit once the old process's channel is drained, so no
      // status of that process comes after this; the sampling in take() alone misses a crash and
      // restart that both fall between two frames (a late timer on a busy orchestrator).
      if (event.kind === 'process' && (event.state === 'crashed' || event.state === 'exited' || event.state === 'removed')) this.statuses.delete(event.node)
      if (event.kind === 'process' && event.state === 'removed') this.removed.add(event.node)
      if (event.kind === 'members') this.members = { voters: event.voters, learners: event.learners }
      if (event.kind === 'send') this.messagesByType[event.type] = (this.messagesByType[event.type] ?? 0) + 1
      if (traceOnlyKinds.has(event.kind)) continue
      if (this.events.length < frameEventsMax) this.events.push(event)
      else this.omitted += 1
    }
  }

  setStatus(node: string, status: ReplicaStatus): void {
    this.statuses.set(node, status)
  }

  setOps(ops: { ok: number; fail: number; info: number }, latencies: LatencySample[]): void {
    Object.assign(this.ops, ops)
    for (const sample of latencies) this.latencies.push(sample)
  }

  /**
   * Closes the current interval: returns its frame and appends a series point. `t` and `originMs`
   * (experiment time 0) are on the trace's clock; the frame counts from `originMs`.
   */
  take(t: number, originMs: number, processStates: Map<string, ProcessState>, traceLeader: string | undefined): LiveFrame {
    // The trace hears of a crash only once the old process's channel is drained (up to seconds).
    const leader = traceLeader !== undefined && processStates.get(traceLeader) === 'up' ? traceLeader : undefined
    const nodes: NodeLiveStatus[] = [...processStates].map(([node, state]) => {
      // A process that stopped takes its status with it: a restarted one reports afresh, and until
      // then it is not what the old process was (a leader, say).
      if (state === 'crashed' || state === 'exited' || state === 'starting') this.statuses.delete(node)
      const status = this.statuses.get(node)
      const member = this.memberRole(node)
      return {
        node,
        process: state,
        ...(member === undefined ? {} : { member }),
        role: state === 'crashed' || state === 'exited' ? 'down' : (status?.role ?? 'unknown'),
        term: status?.term ?? 0,
        commitIndex: status?.commitIndex ?? 0,
        appliedIndex: status?.appliedIndex ?? 0,
        lastIndex: status?.lastIndex ?? 0,
      }
    })
    const frame: LiveFrame = {
      kind: 'frame',
      runId: this.runId,
      t: t - originMs,
      nodes,
      leader,
      ops: { ...this.ops },
      latencies: this.latencies.map((sample) => ({ ...sample, t: sample.t - originMs })),
      events: this.events.map((event) => ({ ...event, t: event.t - originMs })),
      eventsOmitted: this.omitted,
      messagesByType: this.messagesByType,
    }
    this.series.push(this.seriesPoint(t, nodes, leader))
    this.events = []
    this.omitted = 0
    this.latencies = []
    this.messagesByType = {}
    return frame
  }

  /** The node's place in the newest configuration the lab traced; undefined while the membership is fixed. */
  private memberRole(node: string): MemberRole | undefined {
    if (this.removed.has(node)) return 'removed'
    const members = this.members
    if (members === undefined) return undefined
    if (members.voters.includes(node)) return 'voter'
    return members.learners.includes(node) ? 'learner' : 'joining'
  }

  private seriesPoint(t: number, nodes: NodeLiveStatus[], leader: string | undefined): SeriesPoint {
    const sorted = this.latencies.map((sample) => sample.ms).sort((a, b) => a - b)
    const point: SeriesPoint = {
      t: Math.round(t),
      ok: this.ops.ok - this.previousOps.ok,
      fail: this.ops.fail - this.previousOps.fail,
      info: this.ops.info - this.previousOps.info,
      p50Ms: sorted.length ? round3(quantile(sorted, 0.5)) : null,
      p99Ms: sorted.length ? round3(quantile(sorted, 0.99)) : null,
      leader: leader ?? null,
      commitIndex: Object.fromEntries(nodes.map((node) => [node.node, node.commitIndex])),
      term: Object.fromEntries(nodes.map((node) => [node.node, node.term])),
    }
    Object.assign(this.previousOps, this.ops)
    return point
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
