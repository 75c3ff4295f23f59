/**
 * The Markdown report, for lab hand-ins: the same facts as the HTML report in tables and text.
 * Charts are left out (Markdown cannot carry them self-contained); the HTML or PDF report has them.
 */
import type { RunRecord } from '../run-file.js'
import type { RunSummary } from '../summary.js'
import { phaseDescriptions } from '../latency-breakdown.js'
import {
  describeInjected,
  describePlannedFault,
  describeReads,
  invariantState,
  operationLatencies,
  latencyPercentiles,
  leaderlessAroundFaults,
  operationCosts,
  percentileColumns,
  ratio,
  verdictWord,
  workloadDifferences,
  type Percentiles,
} from './analysis.js'
import { runLabels } from './charts.js'
import { describeReplicaExit, escapeMarkdownCell, formatBytes, formatCount, formatLinearizable, formatMs, formatRatio, formatSeconds } from './format.js'
import type { ReportMeta } from './html.js'
import { leadershipWords } from './words.js'

/** The breakdown's p50, p99 and mean per phase and its note, or why there is none. */
function breakdownLines(summary: RunSummary): string[] {
  const note = summary.latencyBreakdownNote ?? 'this run was recorded before the lab split latency by phase'
  if (!summary.latencyBreakdown) return [`No breakdown: ${note}.`, '']
  const rows = summary.latencyBreakdown.map((row) => [phaseDescriptions[row.phase].label, formatMs(row.p50Ms), formatMs(row.p99Ms), formatMs(row.meanMs)])
  return [table(['phase', 'p50', 'p99', 'mean'], rows, [1, 2, 3]), '', `${note}.`, '']
}

function table(headers: string[], rows: string[][], numeric: number[] = []): string {
  const align = headers.map((_, index) => (numeric.includes(index) ? '---:' : '---'))
  const line = (cells: string[]) => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`
  return [line(headers), `| ${align.join(' | ')} |`, ...rows.map(line)].join('\n')
}

/** A fenced block whose fence is longer than any backtick run inside, so nothing can close it early. */
function fenced(raw: string, language = ''): string {
  const text = raw.replace(/\s+$/, '')
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${language}\n${text}\n${fence}`
}

/** The lines as one document, with at most one blank line between blocks. */
function tidy(lines: string[]): string {
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`
}

function verdictLines(summary: RunSummary): string[] {
  const lines: string[] = []
  if (!summary.completed) lines.push(`The run did not complete: ${summary.error ?? 'no reason recorded'}`, '')
  const exits = summary.replicaExits ?? []
  if (exits.length > 0) lines.push('Replicas that exited on their own (not by the experiment): the run broke.', '', ...exits.map((exit) => `- ${describeReplicaExit(exit)}`), '')
  const verdict = summary.verdict
  if (!verdict) return [...lines, 'The run was not checked (no verdict recorded).']
  lines.push(`Linearizable: **${formatLinearizable(verdict.linearizable)}**`, '')
  if (verdict.invariants.length > 0) {
    lines.push(table(['', 'invariant', 'detail'], verdict.invariants.map((invariant) => [{ ok: 'ok', broken: '**BROKEN**', unknown: '**unknown**' }[invariantState(invariant)], invariant.name, invariant.detail])), '')
  }
  if (verdict.witness) lines.push('Witness:', '', fenced(verdict.witness, 'text'), '')
  return lines
}

function percentileRow(latency: Percentiles): string[] {
  return [...percentileColumns.map((column) => formatMs(latency[column.key])), formatMs(latency.mean), formatCount(latency.count)]
}

export function buildRunReportMarkdown(record: RunRecord, meta: ReportMeta): string {
  const summary = record.summary
  const experiment = record.experiment
  const latency = latencyPercentiles(record)
  const costs = operationCosts(summary)
  const words = leadershipWords([record])
  const lines: string[] = [
    `# ${summary.name} — ${verdictWord(summary)}`,
    '',
    `${summary.protocol}, ${summary.nodes} nodes (${summary.nodeNames.join(', ')}), seed ${summary.seed}, started ${summary.startedAt}. Run \`${summary.runId}\`.`,
    '',
  ]
  if (experiment.description) lines.push(`> ${experiment.description.trim().replace(/\n/g, '\n> ')}`, '')
  lines.push('## Verdict', '', ...verdictLines(summary), '')
  lines.push(
    '## Results',
    '',
    table(
      ['measure', 'value'],
      [
        ['operations', `${summary.ops.ok} ok, ${summary.ops.fail} fail, ${summary.ops.info} unknown`],
        ['throughput', `${formatCount(summary.throughput, 1)} ops/s over ${formatSeconds(summary.durationMs)}`],
        [`time without a ${words.leader}`, `${formatCount(summary.unavailableMs)} ms`],
        [`${words.leader} changes`, `${summary.leaderChanges} (highest ${words.term} ${summary.terms})`],
        ['messages per acknowledged op', formatCount(costs.messagesPerOp, 2)],
        ['bytes per acknowledged op', formatBytes(costs.bytesPerOp)],
      ],
    ),
    '',
    '### Latency percentiles (ms)',
    '',
    table([...percentileColumns.map((column) => column.label), 'mean', 'operations'], [percentileRow(latency)], [0, 1, 2, 3, 4, 5, 6]),
    '',
    'From the run\'s HdrHistogram of acknowledged operations (µs precision).',
    '',
  )
  const byOperation = operationLatencies(summary)
  if (byOperation.length > 0) {
    const rows = byOperation.map((operation) => [operation.operation, formatCount(operation.count), ...percentileColumns.map((column) => formatMs(operation[column.key]))])
    lines.push('### By operation (ms)', '', table(['operation', 'count', ...percentileColumns.map((column) => column.label)], rows, [1, 2, 3, 4, 5, 6]), '')
  }
  const reads = describeReads(summary)
  if (reads) lines.push(`Reads: ${reads}.`, '')
  lines.push('### Where the latency goes (ms)', '', ...breakdownLines(summary))
  lines.push('## Faults', '')
  const planned = (experiment.faults as unknown as Record<string, unknown>[]).map((spec) => [formatSeconds(spec.at as number), describePlannedFault(spec)])
  lines.push(planned.length > 0 ? table(['at', 'scheduled fault'], planned, [0]) : 'No scheduled faults.', '')
  const around = leaderlessAroundFaults(record)
  if (around.length > 0) {
    const rows = around.map(({ fault, untilMs, leaderlessMs }) => [
      formatSeconds(fault.atMs),
      describeInjected(fault),
      fault.targets.join(', ') || '(all links)',
      `${formatCount(leaderlessMs)} of ${formatCount(untilMs - fault.atMs)} ms`,
    ])
    lines.push(table(['at', 'injected fault', 'on', `no ${words.leader} until the next fault`], rows, [0, 3]), '')
  }
  lines.push('## Messages', '')
  const types = Object.entries(summary.messages.byType).sort((a, b) => b[1] - a[1])
  lines.push(table(['message type', 'sent'], [...types.map(([type, count]) => [type, formatCount(count)]), ['**total**', `**${formatCount(summary.messages.total)}** (${formatBytes(summary.messages.bytes)})`]], [1]), '')
  lines.push('## Experiment', '', fenced(record.experimentSource ?? JSON.stringify(experiment, null, 2), record.experimentSource ? 'yaml' : 'json'), '')
  lines.push('## Environment', '', environmentTable([record]), '')
  lines.push(`_Charts are in the HTML and PDF reports (\`lab report <run> --format html\`). Made by Consensus Lab ${meta.labVersion} on ${meta.generatedAt}._`, '')
  return tidy(lines)
}

function environmentTable(records: RunRecord[]): string {
  const labels = runLabels(records)
  const headers = records.length > 1 ? ['', ...labels] : ['', 'value']
  const row = (label: string, value: (record: RunRecord) => string) => [label, ...records.map(value)]
  return table(headers, [
    row('machine', (record) => record.environment.machine),
    row('CPUs', (record) => String(record.environment.cpus)),
    row('OS', (record) => record.environment.os),
    row('Node.js', (record) => record.environment.node),
    row('Consensus Lab', (record) => `${record.environment.labVersion}${record.environment.capturedAt === 'export' ? ' (recorded at export)' : ''}`),
  ])
}

export function buildComparisonReportMarkdown(records: RunRecord[], baselineIndex: number, meta: ReportMeta): string {
  const labels = runLabels(records)
  const baseline = records[baselineIndex]!
  const named = (index: number) => `${labels[index]}${index === baselineIndex ? ' (baseline)' : ''}`
  const lines: string[] = [`# Comparison: ${labels.join(' vs ')}`, '', `Baseline: ${labels[baselineIndex]}. Ratios are each run's value divided by the baseline's.`, '']
  const flags = records.map((record, index) => (index === baselineIndex ? [] : workloadDifferences(baseline, record))).flatMap((differences, index) => (differences.length > 0 ? [`- **${labels[index]}**: ${differences.join('; ')}`] : []))
  if (flags.length > 0) lines.push('> **Different workloads** — these runs did not face the same load:', '>', ...flags.map((flag) => `> ${flag}`), '')
  lines.push(
    '## Runs',
    '',
    table(
      ['run', 'protocol', 'nodes', 'faults', 'verdict', 'run id'],
      records.map((record, index) => [named(index), record.summary.protocol, String(record.summary.nodes), String(record.summary.faults.length), verdictWord(record.summary), record.summary.runId]),
      [2, 3],
    ),
    '',
  )
  const percentiles = records.map((record) => latencyPercentiles(record))
  const base = percentiles[baselineIndex]!
  const latencyRows = percentiles.map((latency, index) => [
    named(index),
    ...percentileColumns.map((column) => `${formatMs(latency[column.key])}${index === baselineIndex ? '' : ` (${formatRatio(ratio(latency[column.key], base[column.key]))})`}`),
  ])
  lines.push('## Latency percentiles (ms)', '', table(['run', ...percentileColumns.map((column) => column.label)], latencyRows, [1, 2, 3, 4, 5]), '')
  lines.push('## Where the latency goes (ms)', '')
  records.forEach((record, index) => lines.push(`### ${named(index)}`, '', ...breakdownLines(record.summary)))
  const baseSummary = baseline.summary
  const baseCosts = operationCosts(baseSummary)
  const otherRows = records.map((record, index) => {
    const summary = record.summary
    const costs = operationCosts(summary)
    const relative = (value: number | null, baseValue: number | null) => (index === baselineIndex ? '' : ` (${formatRatio(ratio(value, baseValue))})`)
    return [
      named(index),
      `${formatCount(summary.throughput, 1)}${relative(summary.throughput, baseSummary.throughput)}`,
      `${formatCount(summary.unavailableMs)} ms`,
      `${formatCount(costs.messagesPerOp, 2)}${relative(costs.messagesPerOp, baseCosts.messagesPerOp)}`,
      `${formatBytes(costs.bytesPerOp)}${relative(costs.bytesPerOp, baseCosts.bytesPerOp)}`,
    ]
  })
  const { leader } = leadershipWords(records)
  lines.push('## Throughput, availability and cost', '', table(['run', 'ops/s', `no ${leader}`, 'messages / op', 'bytes / op'], otherRows, [1, 2, 3, 4]), '')
  const faultRows = records.flatMap((record, index) =>
    leaderlessAroundFaults(record).map(({ fault, untilMs, leaderlessMs }) => [labels[index]!, formatSeconds(fault.atMs), describeInjected(fault), `${formatCount(leaderlessMs)} of ${formatCount(untilMs - fault.atMs)} ms`]),
  )
  if (faultRows.length > 0) lines.push(`## Time without a ${leader} around each fault`, '', table(['run', 'at', 'fault', `no ${leader} until the next fault`], faultRows, [1, 3]), '')
  lines.push('## Verdicts', '')
  records.forEach((record, index) => lines.push(`### ${labels[index]} — ${verdictWord(record.summary)}`, '', ...verdictLines(record.summary), ''))
  lines.push('## Environment', '', environmentTable(records), '')
  lines.push(`_Charts (latency CDF overlay, throughput over time) are in the HTML and PDF reports. Made by Consensus Lab ${meta.labVersion} on ${meta.generatedAt}._`, '')
  return tidy(lines)
}
