// @vitest-environment node
/**
 * The Compare page's figures are the shared analysis functions' (the ones `lab report` prints), put
 * side by side: percentiles from each run's HdrHistogram, ratios to the chosen baseline, costs per
 * acknowledged operation, time without a leader after each fault, and flagged workload differences.
 */
import { describe, expect, it } from 'vitest'
import { comparisonJson } from '../../../src-main/api/report/index'
import { latencyPercentiles, leaderlessAroundFaults, operationCosts } from '../../../src-main/api/report/analysis'
import { buildComparison, formatRatio, percentileKeys, ratioTone } from '../../../src-renderer/src/compare/comparison'
import { compareChartOption } from '../../../src-renderer/src/charts/compare-charts'
import { another, fixtureRecords } from '../support/runs'

describe('comparing runs', () => {
  it('puts each run’s percentiles beside the baseline’s, with their ratios', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const comparison = buildComparison([raft, primaryBackup], 0)
    const [base, other] = comparison.runs
    expect(base!.isBaseline).toBe(true)
    expect(other!.isBaseline).toBe(false)
    expect(base!.latency).toEqual(latencyPercentiles(raft))
    expect(other!.latency).toEqual(latencyPercentiles(primaryBackup))
    for (const key of percentileKeys) {
      expect(base!.latencyRatio[key]).toBe(1)
      expect(other!.latencyRatio[key]).toBeCloseTo(other!.latency[key] / base!.latency[key], 12)
    }
    // The fixture summaries' percentiles come from the same histograms.
    expect(base!.latency.p99).toBeCloseTo(raft.summary.latencyMs.p99, 2)
    expect(base!.latency.max).toBeCloseTo(raft.summary.latencyMs.max, 2)
    // The same numbers as the comparison report's JSON.
    const report = comparisonJson([raft, primaryBackup], 0)
    expect(report.runs[1]!.latencyRatio).toEqual(other!.latencyRatio)
    expect(report.runs[1]!.messagesPerOpRatio).toEqual(other!.messagesPerOpRatio)
  })

  it('follows the baseline when another run is chosen', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const comparison = buildComparison([raft, primaryBackup], 1)
    expect(comparison.baselineIndex).toBe(1)
    expect(comparison.runs[1]!.latencyRatio.p50).toBe(1)
    expect(comparison.runs[0]!.latencyRatio.p50).toBeCloseTo(comparison.runs[0]!.latency.p50 / comparison.runs[1]!.latency.p50, 12)
    expect(comparison.runs[0]!.throughputRatio).toBeCloseTo(raft.summary.throughput / primaryBackup.summary.throughput, 12)
  })

  it('counts messages and bytes per acknowledged operation, and the leaderless time after each fault', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const [base, other] = buildComparison([raft, primaryBackup]).runs
    expect(base!.costs).toEqual(operationCosts(raft.summary))
    expect(base!.costs.messagesPerOp).toBeCloseTo(raft.summary.messages.total / raft.summary.ops.ok, 12)
    expect(other!.bytesPerOpRatio).toBeCloseTo(other!.costs.bytesPerOp! / base!.costs.bytesPerOp!, 12)
    expect(base!.faults.map((fault) => fault.label)).toEqual(['crash leader → B', 'restart crashed → B'])
    expect(base!.faults.map((fault) => fault.leaderlessMs)).toEqual(leaderlessAroundFaults(raft).map((cost) => cost.leaderlessMs))
    // The crash leaves the cluster without a leader until a new one is elected.
    expect(base!.faults[0]!.leaderlessMs).toBeGreaterThan(0)
    expect(base!.verdict).toBe('PASS')
    expect(other!.verdict).toBe('FAIL')
  })

  it('allows runs with different workloads but flags what differs', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const different = buildComparison([raft, primaryBackup])
    expect(different.workloadsDiffer).toBe(true)
    expect(different.runs[0]!.workloadDifferences).toEqual([])
    expect(different.runs[1]!.workloadDifferences).toEqual(expect.arrayContaining(['duration 3 s vs 2.5 s', 'clients 4 vs 3', 'keys 2 vs 5']))
    const same = buildComparison([raft, another(raft, 'raft-again', '2030-01-01T00:00:00Z')])
    expect(same.workloadsDiffer).toBe(false)
    expect(same.runs.map((run) => run.label)).toEqual(['1. fixture-raft-3-crash', '2. fixture-raft-3-crash'])
  })

  it('words ratios and tells better from worse', () => {
    expect(formatRatio(1)).toBe('1.00×')
    expect(formatRatio(2.345)).toBe('2.35×')
    expect(formatRatio(12.34)).toBe('12.3×')
    expect(formatRatio(null)).toBe('–')
    expect(ratioTone(1.05)).toBe('same')
    expect(ratioTone(1.5)).toBe('worse')
    expect(ratioTone(0.5)).toBe('better')
    expect(ratioTone(1.5, false)).toBe('better')
  })

  it('hands the report charts to the screen with axis names in the chosen language', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const t = (key: string) => `«${key}»`
    const cdf = compareChartOption('cdf', [raft, primaryBackup], t)
    expect((cdf.xAxis as { name: string; type: string }).name).toBe('«compare.axis.latencyLog»')
    expect((cdf.xAxis as { type: string }).type).toBe('log')
    expect((cdf.series as { name: string }[]).map((series) => series.name)).toEqual(['fixture-raft-3-crash', 'fixture-primary-backup-split'])
    const throughput = compareChartOption('throughput', [raft, primaryBackup], t)
    expect((throughput.yAxis as { name: string }).name).toBe('«compare.axis.opsPerSecond»')
    expect(throughput.tooltip).toMatchObject({ trigger: 'axis' })
  })
})
