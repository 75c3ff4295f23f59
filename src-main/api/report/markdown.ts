/**
 * The Markdown report, for lab hand-ins: the same facts as the HTML report in tables and text.
 * Charts are left out (Markdown cannot carry them self-contained); the HTML or PDF report has them.
 */
import type { RunRecord } from '../run-file.js'
import type { RunSummary } from '../summary.js'
import {
  describeInjectedIn,
  describePlannedFaultIn,
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
import { describeReplicaExit, escapeMarkdownCell, formatBytes, formatCount, formatMs, formatRatio, formatSeconds } from './format.js'
import type { ReportMeta } from './html.js'
import { leadershipWords } from './words.js'
import { invariantTitle } from './invariant-text.js'
import { messageTypeIn } from '../fault-text.js'
import { latencyBreakdownNoteKo } from '../latency-breakdown.js'
import { leaderWordsKo, runReportWords, type LeaderWords, type RunReportLocale, type RunReportWords } from './run-report-words.js'
import { sayInvariantDetail, sayVerdictWitness } from '../checker-text.js'

/** The breakdown's p50, p99 and mean per phase and its note, or why there is none. */
function breakdownLines(summary: RunSummary, w: RunReportWords = runReportWords.en): string[] {
  const b = w.breakdown
  // The run's own note: the lab's English sentence, or in Korean its values (a run recorded before them has none).
  const facts = summary.latencyBreakdownFacts
  const note = w === runReportWords.en ? (summary.latencyBreakdownNote ?? b.old) : facts ? latencyBreakdownNoteKo(facts) : b.old
  if (!summary.latencyBreakdown) return [b.none(note), '']
  const rows = summary.latencyBreakdown.map((row) => [b.phase(row.phase), formatMs(row.p50Ms), formatMs(row.p99Ms), formatMs(row.meanMs)])
  const table_ = table([b.headers[0]!, 'p50', 'p99', w.latency.mean], rows, [1, 2, 3])
  return w === runReportWords.en || facts ? [table_, '', `${note}.`, ''] : [table_, '']
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

function verdictLines(summary: RunSummary, w: RunReportWords = runReportWords.en, locale: RunReportLocale = 'en'): string[] {
  const v = w.verdict
  const lines: string[] = []
  if (!summary.completed) lines.push(v.incomplete(summary.error ?? v.noReason), '')
  const exits = summary.replicaExits ?? []
  const exitLine = (exit: (typeof exits)[number]) => (locale === 'en' ? describeReplicaExit(exit) : v.replicaExit(exit.node, (exit.atMs / 1000).toFixed(2), exit.reason))
  if (exits.length > 0) lines.push(v.replicaExits, '', ...exits.map((exit) => `- ${exitLine(exit)}`), '')
  const verdict = summary.verdict
  if (!verdict) return [...lines, v.notChecked]
  const linearizable = verdict.linearizable === undefined ? v.linearizableValue.notChecked : verdict.linearizable === 'unknown' ? v.linearizableValue.unknown : verdict.linearizable ? v.linearizableValue.yes : v.linearizableValue.no
  lines.push(`${v.linearizable}: **${linearizable}**`, '')
  if (verdict.invariants.length > 0) {
    const state = (invariant: (typeof verdict.invariants)[number]) => ({ ok: v.state.ok, broken: `**${v.state.broken}**`, unknown: `**${v.state.unknown}**` })[invariantState(invariant)]
    const name = (invariant: (typeof verdict.invariants)[number]) => (locale === 'en' ? invariant.name : `${invariantTitle(invariant.name, locale)} (${invariant.name})`)
    lines.push(table(['', v.invariant, v.detail], verdict.invariants.map((invariant) => [state(invariant), name(invariant), sayInvariantDetail(invariant, locale)])), '')
  }
  const witness = sayVerdictWitness(verdict, locale)
  if (witness) lines.push(`${v.witness}:`, '', fenced(witness, 'text'), '')
  return lines
}

function percentileRow(latency: Percentiles): string[] {
  return [...percentileColumns.map((column) => formatMs(latency[column.key])), formatMs(latency.mean), formatCount(latency.count)]
}

/** `locale`: the language of every word the report says (names, details and the file stay as written). */
export function buildRunReportMarkdown(record: RunRecord, meta: ReportMeta, locale: RunReportLocale = 'en'): string {
  const w = runReportWords[locale]
  const summary = record.summary
  const experiment = record.experiment as RunRecord['experiment'] & { descriptionKo?: string }
  const latency = latencyPercentiles(record)
  const costs = operationCosts(summary)
  const leadership = leadershipWords([record])
  const lw = locale === 'ko' ? { leader: leadership.leaderKo, term: leaderWordsKo[leadership.term] ?? leadership.term } : { leader: leadership.leader, term: leadership.term }
  const l = w.latency
  const lines: string[] = [
    `# ${summary.name} — ${w.verdictWord[verdictWord(summary)]}`,
    '',
    w.markdown.header(summary.protocol, w.nodes(summary.nodes, summary.nodeNames.join(', ')), summary.seed, summary.startedAt, summary.runId),
    '',
  ]
  const description = locale === 'ko' ? (experiment.descriptionKo ?? experiment.description) : experiment.description
  if (description) lines.push(`> ${description.trim().replace(/\n/g, '\n> ')}`, '')
  lines.push(`## ${w.section.verdict}`, '', ...verdictLines(summary, w, locale), '')
  lines.push(
    `## ${w.section.results}`,
    '',
    table(
      [w.markdown.measure, w.markdown.value],
      [
        [w.figure.operations, w.markdown.operationsValue(summary.ops.ok, summary.ops.fail, summary.ops.info)],
        [w.figure.throughput, w.figure.throughputValue(formatCount(summary.throughput, 1), formatSeconds(summary.durationMs))],
        [w.markdown.timeWithoutLeader(lw), `${formatCount(summary.unavailableMs)} ms`],
        [w.figure.leaderChanges(lw), w.figure.leaderChangesValue(summary.leaderChanges, lw, summary.terms)],
        [w.messages.perOp, formatCount(costs.messagesPerOp, 2)],
        [w.messages.bytesPerOp, formatBytes(costs.bytesPerOp)],
      ],
    ),
    '',
    `### ${l.markdownPercentiles}`,
    '',
    table([...percentileColumns.map((column) => column.label), l.mean, l.operations], [percentileRow(latency)], [0, 1, 2, 3, 4, 5, 6]),
    '',
    l.markdownHistogram,
    '',
  )
  const byOperation = operationLatencies(summary)
  if (byOperation.length > 0) {
    const rows = byOperation.map((operation) => [operation.operation, formatCount(operation.count), ...percentileColumns.map((column) => formatMs(operation[column.key]))])
    lines.push(`### ${l.markdownByOperation}`, '', table([l.operation, l.count, ...percentileColumns.map((column) => column.label)], rows, [1, 2, 3, 4, 5, 6]), '')
  }
  const reads = (summary as Partial<RunSummary>).reads
  if (reads) lines.push(l.reads(reads.total, reads.mode, reads.stale), '')
  lines.push(`### ${l.markdownBreakdown}`, '', ...breakdownLines(summary, w))
  lines.push(`## ${w.markdown.faults}`, '')
  const f = w.faults
  const planned = (experiment.faults as unknown as Record<string, unknown>[]).map((spec) => [formatSeconds(spec.at as number), describePlannedFaultIn(spec, locale)])
  lines.push(planned.length > 0 ? table([f.at, f.scheduledFault], planned, [0]) : f.noScheduled, '')
  const around = leaderlessAroundFaults(record)
  if (around.length > 0) {
    const rows = around.map(({ fault, untilMs, leaderlessMs }) => [
      formatSeconds(fault.atMs),
      describeInjectedIn(fault, locale),
      fault.targets.join(', ') || f.allLinks,
      f.leaderlessOf(formatCount(leaderlessMs), formatCount(untilMs - fault.atMs)),
    ])
    lines.push(table(w.markdown.injectedHeaders(lw), rows, [0, 3]), '')
  }
  lines.push(`## ${w.section.messages}`, '')
  const types = Object.entries(summary.messages.byType).sort((a, b) => b[1] - a[1])
  const total = [`**${w.markdown.total}**`, `**${formatCount(summary.messages.total)}** (${formatBytes(summary.messages.bytes)})`]
  lines.push(table(w.messages.headers.slice(0, 2), [...types.map(([type, count]) => [messageTypeIn(type, locale), formatCount(count)]), total], [1]), '')
  lines.push(`## ${w.section.experiment}`, '', fenced(record.experimentSource ?? JSON.stringify(experiment, null, 2), record.experimentSource ? 'yaml' : 'json'), '')
  lines.push(`## ${w.section.environment}`, '', environmentTable([record], w), '')
  lines.push(`_${w.markdown.made(meta.labVersion, meta.generatedAt)}_`, '')
  return tidy(lines)
}

function environmentTable(records: RunRecord[], w: RunReportWords = runReportWords.en): string {
  const e = w.environment
  const labels = runLabels(records)
  const headers = records.length > 1 ? ['', ...labels] : ['', e.value]
  const row = (label: string, value: (record: RunRecord) => string) => [label, ...records.map(value)]
  return table(headers, [
    row(e.machine, (record) => record.environment.machine),
    row(e.cpus, (record) => String(record.environment.cpus)),
    row(e.os, (record) => record.environment.os),
    row('Node.js', (record) => record.environment.node),
    row('Consensus Lab', (record) => `${record.environment.labVersion}${record.environment.capturedAt === 'export' ? w.markdown.recordedAtExport : ''}`),
  ])
}

/** `locale`: the language of the comparison's words, as a run report's. */
export function buildComparisonReportMarkdown(records: RunRecord[], baselineIndex: number, meta: ReportMeta, locale: RunReportLocale = 'en'): string {
  const w = runReportWords[locale]
  const c = w.compare
  const lw = leaderWordsIn(records, locale)
  const labels = runLabels(records)
  const baseline = records[baselineIndex]!
  const named = (index: number) => `${labels[index]}${index === baselineIndex ? ` ${c.baseline}` : ''}`
  const lines: string[] = [`# ${c.markdownTitle(labels.join(` ${c.vs} `))}`, '', c.markdownBaseline(labels[baselineIndex]!), '']
  const flags = records.map((record, index) => (index === baselineIndex ? [] : workloadDifferences(baseline, record))).flatMap((differences, index) => (differences.length > 0 ? [`- **${labels[index]}**: ${differences.join('; ')}`] : []))
  if (flags.length > 0) lines.push(`> ${c.markdownDifferent}`, '>', ...flags.map((flag) => `> ${flag}`), '')
  lines.push(
    `## ${c.section.runs}`,
    '',
    table(
      c.markdownRunsHeaders,
      records.map((record, index) => [named(index), record.summary.protocol, String(record.summary.nodes), String(record.summary.faults.length), w.verdictWord[verdictWord(record.summary)], record.summary.runId]),
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
  lines.push(`## ${w.latency.markdownPercentiles}`, '', table([c.run, ...percentileColumns.map((column) => column.label)], latencyRows, [1, 2, 3, 4, 5]), '')
  lines.push(`## ${w.latency.markdownBreakdown}`, '')
  records.forEach((record, index) => lines.push(`### ${named(index)}`, '', ...breakdownLines(record.summary, w)))
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
  lines.push(`## ${c.markdownOther}`, '', table(c.markdownOtherHeaders(lw), otherRows, [1, 2, 3, 4]), '')
  const faultRows = records.flatMap((record, index) =>
    leaderlessAroundFaults(record).map(({ fault, untilMs, leaderlessMs }) => [labels[index]!, formatSeconds(fault.atMs), describeInjectedIn(fault, locale), w.faults.leaderlessOf(formatCount(leaderlessMs), formatCount(untilMs - fault.atMs))]),
  )
  if (faultRows.length > 0) lines.push(`## ${c.section.leaderless(lw)}`, '', table(c.markdownLeaderlessHeaders(lw), faultRows, [1, 3]), '')
  lines.push(`## ${c.section.verdicts}`, '')
  records.forEach((record, index) => lines.push(`### ${labels[index]} — ${w.verdictWord[verdictWord(record.summary)]}`, '', ...verdictLines(record.summary, w, locale), ''))
  lines.push(`## ${w.section.environment}`, '', environmentTable(records, w), '')
  lines.push(`_${c.markdownMade(meta.labVersion, meta.generatedAt)}_`, '')
  return tidy(lines)
}

/** The leadership words of the runs in the report's language ("leader / primary" for a mixed comparison). */
function leaderWordsIn(records: RunRecord[], locale: RunReportLocale): LeaderWords {
  const leadership = leadershipWords(records)
  if (locale === 'en') return { leader: leadership.leader, term: leadership.term }
  return { leader: leadership.leaderKo, term: leadership.term.split(' / ').map((word) => leaderWordsKo[word] ?? word).join(' / ') }
}
