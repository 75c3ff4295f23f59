/**
 * What a report says about a run, computed from its RunRecord: latency percentiles and CDF from the
 * HdrHistogram, throughput over time, leaderless intervals, fault windows, costs per operation, the
 * verdict in one word, and how two runs' workloads differ. Pure functions, shared by the CLI's
 * reports and the app's compare screen.
 *
 * Times: the series and trace count from the run's epoch (process start); a report counts from
 * experiment time 0 (the workload's start, from which fault times count) — `experimentZeroMs`.
 */
import * as hdr from 'hdr-histogram-js'
import type { RunRecord, RunSeriesPoint } from '../run-file.js'
import type { InjectedFault, InvariantResult, LatencySummaryMs, RunSummary } from '../summary.js'
import type { HistoryEvent, TraceEvent } from '../trace.js'
import { faultKinds, printFaultSyntax, type Fault } from '../experiment.js'
import { describeFaultKo, type FaultTextLocale } from '../fault-text.js'
import { nodeTargetKeywords } from '../../faults/fault.js'

/** Bounds on what a chart or table carries, so a long or fault-heavy run cannot swamp a report. */
export const reportBounds = {
  /** Points per time-series line (the series has one per 100 ms; longer runs are bucketed). */
  seriesPointsMax: 600,
  faultWindowsMax: 200,
  leaderlessIntervalsMax: 300,
  cdfPointsMax: 200,
} as const

export interface Interval {
  fromMs: number
  toMs: number
}

// ---------------------------------------------------------------------------------------------
// Experiment time

/**
 * Experiment time 0 in epoch ms. The injector stamps a fault's atMs from the workload's start and
 * the trace stamps the same fault (a moment later) from the epoch, and the first operation is
 * invoked at or after the start: each gives an upper bound, and the smallest is the closest.
 */
export function estimateWorkloadStartMs(input: {
  faults: readonly InjectedFault[]
  faultEvents: readonly Extract<TraceEvent, { kind: 'fault' }>[]
  firstInvokeNs?: number
}): number | undefined {
  const candidates: number[] = []
  const count = Math.min(input.faults.length, input.faultEvents.length)
  for (let index = 0; index < count; index += 1) {
    const fault = input.faults[index]!
    const event = input.faultEvents[index]!
    if (event.fault === fault.action) candidates.push(event.t - fault.atMs)
  }
  if (input.firstInvokeNs !== undefined) candidates.push(input.firstInvokeNs / 1e6)
  return candidates.length > 0 ? Math.max(0, Math.min(...candidates)) : undefined
}

/** The record's experiment time 0 in epoch ms, estimated from what it carries when not stored. */
export function experimentZeroMs(record: RunRecord): number {
  if (record.workloadStartMs !== undefined) return record.workloadStartMs
  const trace = record.trace?.events ?? []
  const faultEvents = trace.filter((event): event is Extract<TraceEvent, { kind: 'fault' }> => event.kind === 'fault' && event.node === 'lab')
  const firstInvoke = firstInvokeNs(record.history?.events ?? [])
  const estimate = estimateWorkloadStartMs({ faults: record.summary.faults, faultEvents, firstInvokeNs: firstInvoke })
  if (estimate !== undefined) return estimate
  // Last resort: the first interval in which any node committed or any operation completed.
  const active = record.series.find((point) => point.ok + point.fail + point.info > 0 || Object.values(point.commitIndex).some((index) => index > 0))
  return active ? Math.max(0, active.t - 100) : (record.series[0]?.t ?? 0)
}

export function firstInvokeNs(history: readonly HistoryEvent[]): number | undefined {
  let first: number | undefined
  for (const event of history) if (event.type === 'invoke' && (first === undefined || event.time < first)) first = event.time
  return first
}

/** The series on experiment time (t in ms from time 0), without the process start-up before it. */
export function experimentSeries(record: RunRecord): RunSeriesPoint[] {
  const zero = experimentZeroMs(record)
  return record.series.filter((point) => point.t >= zero).map((point) => ({ ...point, t: point.t - zero }))
}

/** How long after the workload's end the charts go on (replication settling, a node catching up). */
export const afterWorkloadMs = 1500

/**
 * Experiment time at which the report's time axis ends: the workload's end plus a little, or the
 * record's end when that comes first. (After the workload the run only waits for convergence and
 * reads the final states: nothing a time chart needs.)
 */
export function experimentEndMs(record: RunRecord): number {
  const series = experimentSeries(record)
  const last = series[series.length - 1]?.t ?? 0
  const workloadEnd = record.experiment.workload.duration + (record.experiment.workload.warmup ?? 0)
  return Math.max(workloadEnd, Math.min(last, workloadEnd + afterWorkloadMs))
}

// ---------------------------------------------------------------------------------------------
// Latency

/** The summary's latency percentiles, with how many operations they describe. */
export type Percentiles = LatencySummaryMs & { count: number }

export const percentileColumns = [
  { key: 'p50', label: 'p50', percentile: 50 },
  { key: 'p90', label: 'p90', percentile: 90 },
  { key: 'p99', label: 'p99', percentile: 99 },
  { key: 'p999', label: 'p99.9', percentile: 99.9 },
  { key: 'max', label: 'max', percentile: 100 },
] as const

type DecodedHistogram = ReturnType<typeof hdr.decodeFromCompressedBase64>

function decodeHistogram(base64: string): DecodedHistogram {
  return hdr.decodeFromCompressedBase64(base64)
}

/** Latency percentiles in ms from the run's HdrHistogram (µs), rounded to the µs. */
export function latencyPercentiles(record: Pick<RunRecord, 'latencyHistogramUs'>): Percentiles {
  const histogram = decodeHistogram(record.latencyHistogramUs)
  const ms = (us: number) => Math.round(us) / 1000
  if (histogram.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 }
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  }
}

export interface CdfPoint {
  /** Percent of operations at or below latencyMs (0–100). */
  percentile: number
  latencyMs: number
}

/**
 * The latency distribution as (percentile, latency) pairs: every 2.5 % through the body, then
 * ever closer steps into the tail (halving the distance to 100 % four times per step), then max —
 * what HdrHistogram's percentile distribution prints.
 */
export function latencyDistribution(record: Pick<RunRecord, 'latencyHistogramUs'>): CdfPoint[] {
  const histogram = decodeHistogram(record.latencyHistogramUs)
  if (histogram.totalCount === 0) return []
  const percentiles = new Set<number>()
  for (let step = 0; step <= 40; step += 1) percentiles.add(step * 2.5)
  for (let step = 1; percentiles.size < reportBounds.cdfPointsMax; step += 1) {
    const percentile = Math.round((100 - 100 * Math.pow(2, -step / 4)) * 10_000) / 10_000
    if (percentile >= 99.999) break
    percentiles.add(percentile)
  }
  const points = [...percentiles]
    .filter((percentile) => percentile < 100)
    .sort((a, b) => a - b)
    .map((percentile) => ({ percentile, latencyMs: Math.round(histogram.getValueAtPercentile(percentile)) / 1000 }))
  points.push({ percentile: 100, latencyMs: Math.round(histogram.maxValue) / 1000 })
  return points
}

// ---------------------------------------------------------------------------------------------
// Over time

export interface TimePoint {
  /** Experiment time, ms. */
  t: number
  value: number | null
}

/** A bucket width that gives about `buckets` buckets over the run, never finer than 250 ms. */
export function bucketWidthMs(durationMs: number, buckets = 120): number {
  const raw = Math.max(250, durationMs / buckets)
  const nice = [250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000]
  return nice.find((width) => width >= raw) ?? Math.ceil(raw / 60_000) * 60_000
}

/** Acknowledged operations per second, per bucket; a point sits at its bucket's end. */
export function throughputOverTime(record: RunRecord): { bucketMs: number; points: TimePoint[] } {
  const series = experimentSeries(record)
  const bucketMs = bucketWidthMs(experimentEndMs(record))
  const sums = new Map<number, number>()
  for (const point of series) {
    const bucket = Math.floor(Math.max(0, point.t - 1) / bucketMs)
    sums.set(bucket, (sums.get(bucket) ?? 0) + point.ok)
  }
  const lastT = series[series.length - 1]?.t ?? 0
  const last = Math.max(0, ...sums.keys())
  const points: TimePoint[] = []
  for (let bucket = 0; bucket <= last; bucket += 1) {
    // The last bucket is cut short by the end of the run: divide by what it covered.
    const widthMs = Math.min(bucketMs, Math.max(1, lastT - bucket * bucketMs))
    points.push({ t: bucket * bucketMs + widthMs, value: ((sums.get(bucket) ?? 0) * 1000) / widthMs })
  }
  return { bucketMs, points }
}

/** p50 and p99 per frame (from the frame's sampled latencies); null where nothing completed. */
export function latencyOverTime(record: RunRecord): { p50: TimePoint[]; p99: TimePoint[] } {
  const series = downsample(experimentSeries(record), reportBounds.seriesPointsMax)
  return {
    p50: series.map((point) => ({ t: point.t, value: point.p50Ms })),
    p99: series.map((point) => ({ t: point.t, value: point.p99Ms })),
  }
}

export function commitIndexOverTime(record: RunRecord): { node: string; points: TimePoint[] }[] {
  const series = downsample(experimentSeries(record), reportBounds.seriesPointsMax)
  return record.summary.nodeNames.map((node) => ({ node, points: series.map((point) => ({ t: point.t, value: point.commitIndex[node] ?? null })) }))
}

/** Every k-th point, keeping the last, so a line has at most `max` points. */
function downsample<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points
  const stride = Math.ceil(points.length / max)
  const kept = points.filter((_, index) => index % stride === 0)
  if (kept[kept.length - 1] !== points[points.length - 1]) kept.push(points[points.length - 1]!)
  return kept
}

/**
 * Intervals (experiment time) in which no node was the acknowledged leader, at the series'
 * resolution (one frame, 100 ms): the summary's unavailableMs is the exact figure from the trace.
 */
export function leaderlessIntervals(record: RunRecord): Interval[] {
  const series = experimentSeries(record)
  const intervals: Interval[] = []
  let previousT = 0
  for (const point of series) {
    if (point.leader === null) {
      const last = intervals[intervals.length - 1]
      if (last && last.toMs === previousT) last.toMs = point.t
      else intervals.push({ fromMs: previousT, toMs: point.t })
    }
    previousT = point.t
  }
  return intervals.filter((interval) => interval.toMs > interval.fromMs).slice(0, reportBounds.leaderlessIntervalsMax)
}

function overlapMs(intervals: readonly Interval[], fromMs: number, toMs: number): number {
  let total = 0
  for (const interval of intervals) total += Math.max(0, Math.min(interval.toMs, toMs) - Math.max(interval.fromMs, fromMs))
  return total
}

// ---------------------------------------------------------------------------------------------
// Faults

export interface FaultWindow {
  label: string
  fromMs: number
  /** Undefined for a fault that is a moment (a network change, a campaign): drawn as a marker. */
  toMs?: number
  targets: string[]
}

const endedBy: Record<string, (fault: InjectedFault, node: string) => boolean> = {
  crash: (fault, node) => fault.action.startsWith('restart') && fault.targets.includes(node),
  pause: (fault, node) => fault.action.startsWith('resume') && fault.targets.includes(node),
  partition: (fault) => fault.action === 'heal all',
  cut: (fault) => fault.action === 'heal all',
}

/**
 * The injected faults as windows (crash → restart of that node, pause → resume, partition or cut →
 * heal; open to the end of the run when never undone) or moments (anything else).
 */
export function faultWindows(summary: RunSummary, endMs: number, locale: FaultTextLocale = 'en'): FaultWindow[] {
  const windows: FaultWindow[] = []
  // A fault the run ended before did nothing to draw.
  const faults = summary.faults.filter((fault) => fault.outcome !== 'not-carried-out')
  faults.forEach((fault, index) => {
    const kind = fault.action.split(' ')[0]!
    const label = describeInjectedIn(fault, locale)
    const ends = endedBy[kind]
    if (!ends) return void windows.push({ label, fromMs: fault.atMs, targets: fault.targets })
    const later = faults.slice(index + 1)
    if (kind === 'crash' || kind === 'pause') {
      for (const node of fault.targets) {
        const end = later.find((candidate) => ends(candidate, node))
        const nodeLabel = locale === 'ko' ? describeFaultKo({ kind, target: node }) : `${kind} ${node}`
        windows.push({ label: nodeLabel, fromMs: fault.atMs, toMs: end?.atMs ?? endMs, targets: [node] })
      }
      if (fault.targets.length === 0) windows.push({ label, fromMs: fault.atMs, targets: [] })
      return
    }
    const end = later.find((candidate) => ends(candidate, ''))
    windows.push({ label, fromMs: fault.atMs, toMs: end?.atMs ?? endMs, targets: fault.targets })
  })
  return windows.slice(0, reportBounds.faultWindowsMax)
}

/** A fault applied this much after it was due is shown with its due time. */
export const faultLagShownMs = 100

/** "crash leader → A", "cut Busan <-> Gwangju", "restart C (due at 4.00 s)" when it came late. */
export function describeInjected(fault: InjectedFault): string {
  const keyword = /^(crash|restart|pause|resume|campaign) (leader|follower|minority|random|crashed|paused)$/.test(fault.action)
  const targets = keyword && fault.targets.length > 0 ? ` → ${fault.targets.join(', ')}` : ''
  // The injector lists every link condition; the ones left at zero say nothing.
  const action = fault.action.replace(/, (duplicate|reorder|loss) 0%/g, '').replace(/, jitter 0 ms/g, '')
  const late = fault.scheduledAtMs !== undefined && fault.atMs - fault.scheduledAtMs >= faultLagShownMs ? ` (due at ${(fault.scheduledAtMs / 1000).toFixed(2)} s)` : ''
  return `${action}${targets}${late}`
}

/**
 * An injected fault in the report's language: English is describeInjected; Korean says the
 * recorded fault (its structured form) in Korean, and a run recorded before faults kept it (or a
 * file whose fault is not one the lab knows) shows the English action as recorded.
 */
export function describeInjectedIn(fault: InjectedFault, locale: FaultTextLocale): string {
  if (locale === 'en') return describeInjected(fault)
  const late = fault.scheduledAtMs !== undefined && fault.atMs - fault.scheduledAtMs >= faultLagShownMs ? ` (${(fault.scheduledAtMs / 1000).toFixed(2)}초 예정)` : ''
  const korean = koreanFaultOf(fault.fault)
  if (korean === undefined) return `${describeInjected({ ...fault, scheduledAtMs: undefined })}${late}`
  const targets = isKeywordTarget(fault.fault!) && fault.targets.length > 0 ? ` → ${fault.targets.join(', ')}` : ''
  return `${korean}${targets}${late}`
}

/** A scheduled fault in the report's language (see describePlannedFault). */
export function describePlannedFaultIn(spec: Record<string, unknown>, locale: FaultTextLocale): string {
  if (locale === 'en') return describePlannedFault(spec)
  const { at: _at, ...fault } = spec
  return koreanFaultOf(fault) ?? describePlannedFault(spec)
}

/** Korean for a recorded fault, or undefined when it is not one the lab knows (an old or altered file). */
function koreanFaultOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !(faultKinds as string[]).includes(String((value as { kind?: unknown }).kind))) return undefined
  try {
    return describeFaultKo(withoutZeroConditions(value as Fault))
  } catch {
    return undefined
  }
}

/** The injector lists every link condition; the ones left at zero say nothing (as in describeInjected). */
function withoutZeroConditions(fault: Fault): Fault {
  if (fault.kind !== 'network' && fault.kind !== 'link') return fault
  const conditions = Object.fromEntries(Object.entries(fault.conditions).filter(([name, value]) => name === 'delayMs' || value !== 0))
  return { ...fault, conditions }
}

function isKeywordTarget(fault: Fault): boolean {
  const target = (fault as { target?: unknown }).target
  return typeof target === 'string' && (nodeTargetKeywords as readonly string[]).includes(target) && ['crash', 'restart', 'pause', 'resume', 'campaign'].includes(fault.kind)
}

export interface FaultLeaderless {
  fault: InjectedFault
  /** Until the next fault or the end of the run. */
  untilMs: number
  leaderlessMs: number
}

/** Time without a leader from each fault until the next one (or the end): the fault's cost. */
export function leaderlessAroundFaults(record: RunRecord): FaultLeaderless[] {
  const intervals = leaderlessIntervals(record)
  const endMs = experimentEndMs(record)
  const faults = record.summary.faults
  return faults.map((fault, index) => {
    const untilMs = faults[index + 1]?.atMs ?? endMs
    return { fault, untilMs, leaderlessMs: overlapMs(intervals, fault.atMs, untilMs) }
  })
}

// ---------------------------------------------------------------------------------------------
// Costs, verdicts, workloads

export interface OperationCosts {
  acknowledged: number
  messagesPerOp: number | null
  bytesPerOp: number | null
}

/** Messages and bytes sent by all replicas per acknowledged (committed or read) operation. */
export function operationCosts(summary: RunSummary): OperationCosts {
  const acknowledged = summary.ops.ok
  return {
    acknowledged,
    messagesPerOp: acknowledged > 0 ? summary.messages.total / acknowledged : null,
    bytesPerOp: acknowledged > 0 ? summary.messages.bytes / acknowledged : null,
  }
}

export type VerdictWord = 'PASS' | 'FAIL' | 'UNDECIDED' | 'NOT CHECKED' | 'INCOMPLETE'

export type InvariantState = 'ok' | 'broken' | 'unknown'

/** An invariant that held, broke, or that the run could not decide (ok false, unknown true). */
export function invariantState(invariant: InvariantResult): InvariantState {
  if (invariant.ok) return 'ok'
  return invariant.unknown === true ? 'unknown' : 'broken'
}

/** The run's outcome in one word, as `lab check` words it: a broken invariant fails it, an undecided one leaves it undecided. */
export function verdictWord(summary: RunSummary): VerdictWord {
  if (!summary.completed) return 'INCOMPLETE'
  const verdict = summary.verdict
  if (!verdict) return 'NOT CHECKED'
  const states = verdict.invariants.map(invariantState)
  if (verdict.linearizable === false || states.includes('broken')) return 'FAIL'
  if (verdict.linearizable === 'unknown' || states.includes('unknown')) return 'UNDECIDED'
  return 'PASS'
}

const workloadFields = ['duration', 'warmup', 'clients', 'rate', 'mix', 'keys', 'distribution', 'zipfExponent', 'valueBytes', 'timeoutMs', 'routing'] as const

/** Workload settings in which `other` differs from `baseline` ("clients 8 vs 4"); empty when equal. */
export function workloadDifferences(baseline: RunRecord, other: RunRecord): string[] {
  const a = baseline.experiment.workload as unknown as Record<string, unknown>
  const b = other.experiment.workload as unknown as Record<string, unknown>
  const differences: string[] = []
  for (const field of workloadFields) {
    if (JSON.stringify(a[field]) !== JSON.stringify(b[field])) differences.push(`${field} ${formatSetting(field, b[field])} vs ${formatSetting(field, a[field])}`)
  }
  const aScript = JSON.stringify(a.script ?? [])
  if (aScript !== JSON.stringify(b.script ?? [])) differences.push('a different script')
  if (JSON.stringify(baseline.experiment.network) !== JSON.stringify(other.experiment.network)) {
    differences.push(`links ${describeConditions(other.experiment.network)} vs ${describeConditions(baseline.experiment.network)}`)
  }
  return differences
}

const millisecondFields = new Set(['duration', 'warmup', 'timeoutMs'])

function formatSetting(field: string, value: unknown): string {
  if (value === undefined) return '(unset)'
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, part]) => part !== 0)
      .map(([key, part]) => `${key} ${part}`)
      .join(', ')
  }
  if (millisecondFields.has(field) && typeof value === 'number') return value >= 1000 ? `${Number((value / 1000).toFixed(3))} s` : `${value} ms`
  return String(value)
}

/** `value / baseline`, or null when the baseline is 0 (no meaningful ratio). */
export function ratio(value: number | null, baseline: number | null): number | null {
  if (value === null || baseline === null || baseline === 0) return null
  return value / baseline
}

/**
 * A scheduled fault in words, as the injector words it. Runs record their schedule parsed
 * ({at, kind: 'crash', target: 'leader'}); runs from before the Fault union kept it as written
 * ({at, crash: leader}): both read the same.
 */
export function describePlannedFault(spec: Record<string, unknown>): string {
  const written = writtenFault(spec)
  const kind = Object.keys(written).find((key) => key !== 'at') ?? '?'
  const value = written[kind]
  const conditions = (object: Record<string, unknown>) => describeConditions(object)
  switch (kind) {
    case 'partition':
      return `partition ${(value as string[][]).map((group) => `{${group.join(',')}}`).join(' | ')}`
    case 'heal':
      return 'heal all'
    case 'cut':
      return `cut ${(value as string[]).join(' <-> ')}`
    case 'cutOneWay':
      return `cut ${(value as string[]).join(' -> ')}`
    case 'network':
      return `network ${conditions(value as Record<string, unknown>)}`
    case 'link': {
      const link = value as Record<string, unknown>
      return `link ${link.from} -> ${link.to} ${conditions(link)}`
    }
    case 'slowDisk': {
      const slow = value as { node: string; ms: number; jitterMs?: number }
      return `slow disk ${slow.node} +${slow.ms} ms per fsync${slow.jitterMs ? ` and 0..${slow.jitterMs} ms more at random` : ''}`
    }
    case 'addNode':
      return `add node ${String(value)} (learner)`
    case 'promote':
      return `promote ${String(value)} to voter`
    case 'removeNode':
      return `remove node ${String(value)}`
    default:
      return `${kind} ${typeof value === 'string' ? value : JSON.stringify(value)}`
  }
}

function writtenFault(spec: Record<string, unknown>): Record<string, unknown> {
  if (typeof spec.kind !== 'string' || !(faultKinds as string[]).includes(spec.kind)) return spec
  const { at: _at, ...fault } = spec
  try {
    return printFaultSyntax(fault as unknown as Fault)
  } catch {
    return spec
  }
}

const conditionWords: Record<string, (value: number) => string> = {
  delayMs: (value) => `delay ${value} ms`,
  jitterMs: (value) => `jitter ${value} ms`,
  loss: (value) => `loss ${Math.round(value * 1000) / 10}%`,
  duplicate: (value) => `duplicate ${Math.round(value * 1000) / 10}%`,
  reorder: (value) => `reorder ${Math.round(value * 1000) / 10}%`,
}

/** Link conditions in words ("delay 25 ms, jitter 20 ms, loss 5%"), leaving out what is 0. */
export function describeConditions(conditions: Record<string, unknown>): string {
  const words = Object.entries(conditions)
    .filter(([key, value]) => key in conditionWords && typeof value === 'number' && value !== 0)
    .map(([key, value]) => conditionWords[key]!(value as number))
  return words.length > 0 ? words.join(', ') : 'no delay, no loss'
}

export interface OperationLatency {
  operation: string
  count: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

/** Latency per operation (get, put, ...) from the summary; empty for runs made before it was kept. */
export function operationLatencies(summary: RunSummary): OperationLatency[] {
  const byOperation = (summary as Partial<RunSummary>).latencyByOperationMs ?? {}
  return Object.entries(byOperation)
    .map(([operation, latency]) => ({ operation, count: latency.count, p50: latency.p50, p90: latency.p90, p99: latency.p99, p999: latency.p999, max: latency.max }))
    .sort((a, b) => b.count - a.count)
}
