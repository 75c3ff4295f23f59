/**
 * The CSV report: one "long" table (run_id, run_name, table, metric, x, value) that any tool can
 * pivot, for one run or several. Per-operation latencies are not stored by a run, so the latency
 * rows are the HdrHistogram's percentile distribution, not raw samples. Tables:
 *   summary               x empty; metrics ops_ok, throughput_ops_s, p99_ms, get.p99_ms, stale_reads,
 *                         messages_per_op, ...
 *   latency_distribution  x = percentile (0–100), metric latency_ms
 *   series                x = experiment time in ms (one row per metric per 100 ms frame);
 *                         metrics ok, fail, info, p50_ms, p99_ms, leader, commit_index.<node>, term.<node>
 */
import type { RunRecord } from '../run-file.js'
import { experimentSeries, latencyDistribution, latencyPercentiles, operationCosts, operationLatencies, verdictWord } from './analysis.js'
import type { RunSummary } from '../summary.js'

export const csvHeader = ['run_id', 'run_name', 'table', 'metric', 'x', 'value'] as const

type Value = string | number | null | undefined

function csvField(value: Value): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'number' ? String(Math.round(value * 1e6) / 1e6) : value
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function buildReportCsv(records: RunRecord[]): string {
  const lines = [csvHeader.join(',')]
  for (const record of records) {
    const { runId, name } = record.summary
    const row = (table: string, metric: string, x: Value, value: Value) => lines.push([runId, name, table, metric, x, value].map(csvField).join(','))
    summaryRows(record, (metric, value) => row('summary', metric, null, value))
    for (const point of latencyDistribution(record)) row('latency_distribution', 'latency_ms', point.percentile, point.latencyMs)
    for (const point of experimentSeries(record)) {
      const t = Math.round(point.t)
      row('series', 'ok', t, point.ok)
      row('series', 'fail', t, point.fail)
      row('series', 'info', t, point.info)
      row('series', 'p50_ms', t, point.p50Ms)
      row('series', 'p99_ms', t, point.p99Ms)
      row('series', 'leader', t, point.leader)
      for (const [node, index] of Object.entries(point.commitIndex)) row('series', `commit_index.${node}`, t, index)
      for (const [node, term] of Object.entries(point.term)) row('series', `term.${node}`, t, term)
    }
  }
  return `${lines.join('\r\n')}\r\n`
}

function summaryRows(record: RunRecord, add: (metric: string, value: Value) => void): void {
  const summary = record.summary
  const latency = latencyPercentiles(record)
  const costs = operationCosts(summary)
  add('protocol', summary.protocol)
  add('nodes', summary.nodes)
  add('verdict', verdictWord(summary))
  const healthy = summary.verdict?.invariants.find((invariant) => invariant.name === 'replicas-healthy')
  if (healthy) add('replicas_healthy', healthy.ok ? 'ok' : 'broken')
  // Runs recorded before exits were tracked have no count: absent, not zero.
  if (summary.replicaExits) add('replica_exits', summary.replicaExits.length)
  add('ops_ok', summary.ops.ok)
  add('ops_fail', summary.ops.fail)
  add('ops_info', summary.ops.info)
  add('duration_ms', summary.durationMs)
  add('throughput_ops_s', summary.throughput)
  for (const [metric, value] of [['p50_ms', latency.p50], ['p90_ms', latency.p90], ['p99_ms', latency.p99], ['p99.9_ms', latency.p999], ['max_ms', latency.max], ['mean_ms', latency.mean]] as const) add(metric, value)
  add('unavailable_ms', summary.unavailableMs)
  add('leader_changes', summary.leaderChanges)
  add('messages', summary.messages.total)
  add('bytes', summary.messages.bytes)
  add('messages_per_op', costs.messagesPerOp)
  add('bytes_per_op', costs.bytesPerOp)
  for (const operation of operationLatencies(summary)) {
    add(`${operation.operation}.count`, operation.count)
    for (const key of ['p50', 'p90', 'p99', 'p999', 'max'] as const) add(`${operation.operation}.${key === 'p999' ? 'p99.9' : key}_ms`, operation[key])
  }
  const reads = (summary as Partial<RunSummary>).reads
  if (reads) {
    add('reads', reads.total)
    add('stale_reads', reads.stale)
  }
}
