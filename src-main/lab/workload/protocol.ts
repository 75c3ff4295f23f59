/** The control channel between the orchestrator and the workload process. */
import type { Experiment } from '../../api/experiment.js'
import type { DiscoveryReport } from '../../api/summary.js'

export interface NodeEndpoint {
  id: string
  host: string
  port: number
}

export interface WorkloadConfig {
  protocol: Experiment['protocol']
  workload: Experiment['workload']
  nodes: NodeEndpoint[]
  seed: number
  epochNs: string
  historyPath: string
  /**
   * The protocol's settings, in ticks (resolveNode): its descriptor says from them how clients talk
   * to it (reply quorum, read route, which group owns a key).
   */
  settings: unknown
  /** Read every touched key once more at the end, so a lost write shows in the history. */
  finalReads: boolean
  /** ms since epoch at which the experiment's "0 s" is: script times count from it. */
  startMs: number
  /**
   * Drive a real etcd at this client URL (its leader) instead of the lab's replicas: the bench's
   * reference, the same workload through etcd's own client protocol. `nodes` is then empty.
   */
  etcdEndpoint?: string
}

export type WorkloadRequest =
  | { type: 'start'; config: WorkloadConfig }
  | { type: 'endpoints'; nodes: NodeEndpoint[] }
  | { type: 'stop' }

export interface LatencySample {
  /** Completion time, ms since the run's epoch. */
  t: number
  ms: number
  f: string
  /** The history's process that ran the operation: with `t`, it names the operation. */
  p: number
}

export interface WorkloadStats {
  ok: number
  fail: number
  info: number
  /** HdrHistogram of ok latencies in microseconds, base64 (hdr-histogram-js encode). */
  histogram: string
  /** Per operation (get, put, ...), same encoding. */
  histogramsByFunction: Record<string, string>
  /** ms since epoch when the measured phase started and ended. */
  startMs: number
  endMs: number
  byFunction: Record<string, { ok: number; fail: number; info: number }>
  discovery?: DiscoveryReport
}

export type WorkloadReport =
  | { type: 'progress'; ok: number; fail: number; info: number; inflight: number; latencies: LatencySample[] }
  | { type: 'script'; index: number; command: string; outcome: 'ok' | 'fail' | 'info'; value?: unknown; error?: string; t: number }
  /** The load is over (every operation has its outcome); the final reads come next. */
  | { type: 'load-ended'; t: number }
  | { type: 'done'; stats: WorkloadStats }
  | { type: 'fatal'; message: string }

/** Keys read back at the end, at most: a workload with more keys is not read back. */
export const finalReadKeysMax = 1000

/** Latency samples shipped per progress report; the histogram keeps every one. */
export const latencySamplesPerReportMax = 250
export const progressReportMs = 100
