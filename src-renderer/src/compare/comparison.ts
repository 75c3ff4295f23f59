/**
 * What the Compare page shows, computed from run records with the same shared analysis functions
 * the CLI's comparison report uses (src-main/api/report/analysis.ts), so the app and a report
 * never disagree. Pure.
 */
import type { RunRecord } from '../../../src-main/api/run-file'
import type { InjectedFault } from '../../../src-main/api/summary'
import {
  describeInjected,
  latencyPercentiles,
  leaderlessAroundFaults,
  operationCosts,
  percentileColumns,
  ratio,
  verdictWord,
  workloadDifferences,
  type OperationCosts,
  type Percentiles,
  type VerdictWord,
} from '../../../src-main/api/report/analysis'
import { runLabels } from '../../../src-main/api/report/charts'

export type PercentileKey = (typeof percentileColumns)[number]['key']
export const percentileKeys = percentileColumns.map((column) => column.key) as PercentileKey[]

export interface FaultCost {
  fault: InjectedFault
  label: string
  atMs: number
  untilMs: number
  leaderlessMs: number
}

export interface ComparedRun {
  runId: string
  label: string
  protocol: string
  nodes: number
  isBaseline: boolean
  verdict: VerdictWord
  latency: Percentiles
  /** Each percentile divided by the baseline's; null where the baseline's is 0. */
  latencyRatio: Record<PercentileKey, number | null>
  throughput: number
  throughputRatio: number | null
  costs: OperationCosts
  messagesPerOpRatio: number | null
  bytesPerOpRatio: number | null
  unavailableMs: number
  leaderChanges: number
  faults: FaultCost[]
  /** How this run's workload differs from the baseline's ("clients 8 vs 4"); empty when the same. */
  workloadDifferences: string[]
}

export interface Comparison {
  baselineIndex: number
  runs: ComparedRun[]
  /** True when any run's workload differs from the baseline's: the figures are not like for like. */
  workloadsDiffer: boolean
}

export function buildComparison(records: readonly RunRecord[], baselineIndex = 0): Comparison {
  if (records.length === 0) return { baselineIndex: 0, runs: [], workloadsDiffer: false }
  const baseIndex = baselineIndex >= 0 && baselineIndex < records.length ? baselineIndex : 0
  const baseline = records[baseIndex]!
  const baseLatency = latencyPercentiles(baseline)
  const baseCosts = operationCosts(baseline.summary)
  const labels = runLabels([...records])
  const runs = records.map((record, index): ComparedRun => {
    const latency = latencyPercentiles(record)
    const costs = operationCosts(record.summary)
    const latencyRatio = Object.fromEntries(percentileKeys.map((key) => [key, ratio(latency[key], baseLatency[key])])) as Record<PercentileKey, number | null>
    return {
      runId: record.summary.runId,
      label: labels[index]!,
      protocol: record.summary.protocol,
      nodes: record.summary.nodes,
      isBaseline: index === baseIndex,
      verdict: verdictWord(record.summary),
      latency,
      latencyRatio,
      throughput: record.summary.throughput,
      throughputRatio: ratio(record.summary.throughput, baseline.summary.throughput),
      costs,
      messagesPerOpRatio: ratio(costs.messagesPerOp, baseCosts.messagesPerOp),
      bytesPerOpRatio: ratio(costs.bytesPerOp, baseCosts.bytesPerOp),
      unavailableMs: record.summary.unavailableMs,
      leaderChanges: record.summary.leaderChanges,
      faults: leaderlessAroundFaults(record).map((cost) => ({ fault: cost.fault, label: describeInjected(cost.fault), atMs: cost.fault.atMs, untilMs: cost.untilMs, leaderlessMs: cost.leaderlessMs })),
      workloadDifferences: index === baseIndex ? [] : workloadDifferences(baseline, record),
    }
  })
  return { baselineIndex: baseIndex, runs, workloadsDiffer: runs.some((run) => run.workloadDifferences.length > 0) }
}

/** "1.00×", "2.35×", "0.42×"; a dash where there is no ratio. */
export function formatRatio(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–'
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`
}

/** Whether a ratio is worse than the baseline, for colouring: latency and costs are worse when higher. */
export function ratioTone(value: number | null, higherIsWorse = true, tolerance = 0.1): 'better' | 'worse' | 'same' {
  if (value === null) return 'same'
  if (Math.abs(value - 1) <= tolerance) return 'same'
  return (value > 1) === higherIsWorse ? 'worse' : 'better'
}
