/**
 * The HTML report: one self-contained file — inline CSS, charts as inline SVG, no scripts, no
 * network (a Content-Security-Policy forbids any fetch) — readable in any browser and printable to
 * PDF as it is. A run report for one run, a comparison report for several.
 */
import type { RunRecord } from '../run-file.js'
import type { RunSummary } from '../summary.js'
import { gridCss } from './grids.js'
import { logSectionHtml } from './log-section.js'
import {
  describeInjectedIn,
  describePlannedFaultIn,
  invariantState,
  operationLatencies,
  experimentEndMs,
  latencyPercentiles,
  leaderlessAroundFaults,
  operationCosts,
  percentileColumns,
  ratio,
  verdictWord,
  workloadDifferences,
  type Percentiles,
  type VerdictWord,
} from './analysis.js'
import {
  cdfChartOption,
  chartPalette,
  commitIndexChartOption,
  compareCdfChartOption,
  compareP99ChartOption,
  compareThroughputChartOption,
  latencyBreakdownChartOption,
  latencyChartOption,
  runLabels,
  throughputChartOption,
} from './charts.js'
import { describeReplicaExit, escapeHtml as esc, formatBytes, formatCount, formatMs, formatRatio, formatSeconds } from './format.js'
import { renderChartSvg } from './svg.js'
import { leadershipWords } from './words.js'
import { invariantExplanation, invariantTitle } from './invariant-text.js'
import { leaderWordsKo, runReportWords, type LeaderWords, type RunReportLocale, type RunReportWords } from './run-report-words.js'
import { koreanFontFamily } from './fonts.js'
import { faultDetailIn, messageTypeIn } from '../fault-text.js'
import { latencyBreakdownNoteKo } from '../latency-breakdown.js'
import type { EChartsOption } from 'echarts'
import { sayInvariantDetail, sayVerdictWitness } from '../checker-text.js'

export interface ReportMeta {
  /** When the report was made (ISO); a parameter so tests and the app can fix it. */
  generatedAt: string
  /** The lab version that made the report. */
  labVersion: string
}

const chartSize = { width: 760, height: 250 }

// ---------------------------------------------------------------------------------------------
// Building blocks

type Cell = string | { html: string; className?: string }

export function table(headers: string[], rows: Cell[][], options: { numeric?: number[]; className?: string } = {}): string {
  const numeric = new Set(options.numeric ?? [])
  const th = headers.map((header, index) => `<th${numeric.has(index) ? ' class="num"' : ''}>${esc(header)}</th>`).join('')
  const body = rows
    .map((row) => {
      const cells = row.map((cell, index) => {
        const classes = [numeric.has(index) ? 'num' : '', typeof cell === 'string' ? '' : (cell.className ?? '')].filter(Boolean).join(' ')
        const content = typeof cell === 'string' ? esc(cell) : cell.html
        return `<td${classes ? ` class="${classes}"` : ''}>${content}</td>`
      })
      return `<tr>${cells.join('')}</tr>`
    })
    .join('\n')
  return `<table${options.className ? ` class="${options.className}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`
}

export function figure(option: EChartsOption, title: string, caption: string): string {
  return `<figure><figcaption><strong>${esc(title)}</strong> ${esc(caption)}</figcaption>\n${renderChartSvg(option, chartSize, title)}\n</figure>`
}

function badge(word: VerdictWord, said: string = word): string {
  const tone = word === 'PASS' ? 'pass' : word === 'FAIL' || word === 'INCOMPLETE' ? 'fail' : 'unknown'
  return `<span class="badge ${tone}">${esc(said)}</span>`
}

export function section(id: string, title: string, content: string): string {
  return `<section id="${id}">\n<h2>${esc(title)}</h2>\n${content}\n</section>`
}

export function figures(items: [string, string][]): string {
  return `<dl class="figures">${items.map(([label, value]) => `<div><dt>${esc(label)}</dt><dd>${esc(value)}</dd></div>`).join('')}</dl>`
}

/**
 * The page around a report's body; `locale` sets its language and the footer's (the sweep report is
 * in Korean too). `fontCss`: @font-face rules embedding Noto Sans KR (fonts.ts), so a Korean page
 * shows its Hangul on a machine without a Korean font.
 */
export function page(title: string, body: string, meta: ReportMeta, locale: 'en' | 'ko' = 'en', fontCss = ''): string {
  const made = locale === 'ko'
    ? `Consensus Lab ${esc(meta.labVersion)}로 ${esc(formatTime(meta.generatedAt))}에 만들었습니다. 이 파일 하나로 열리며 스크립트도 네트워크도 쓰지 않습니다.`
    : `Made by Consensus Lab ${esc(meta.labVersion)} on ${esc(formatTime(meta.generatedAt))}. Self-contained: no scripts, no network.`
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Consensus Lab ${esc(meta.labVersion)}">
<title>${esc(title)}</title>
<style>${fontCss}${styles}${gridCss}${fontCss ? koreanFontStacks : ''}</style>
</head>
<body>
<main>
${body}
<footer>${made}</footer>
</main>
</body>
</html>
`
}

/**
 * With the Korean font embedded, every font stack of the page names it, first: the body's, the
 * monospace one of run ids, the experiment file and the log grid, and the charts' text. A stack
 * without it draws Hangul from no font, a box on a machine without a Korean font; and with a system
 * font ahead of it, text laid out while its Hangul slice was still loading kept the system font's
 * boxes after the slice had loaded (seen in Chromium on a report's first headings and bold figures).
 * Noto Sans KR has Latin too. (The page's CSP must let data: fonts in as well.)
 */
const koreanFontStacks = `
body { font-family: "${koreanFontFamily}", system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
.run-id, pre, code, .lg-table.lg-table { font-family: "${koreanFontFamily}", ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
svg.chart text { font-family: "${koreanFontFamily}", Arial, Helvetica, sans-serif !important; }`

function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC')
}

function percentOf(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '–'
}

// ---------------------------------------------------------------------------------------------
// Run report

/** The report's words for a locale, with the run's leadership words in that language. */
function wordsFor(records: readonly RunRecord[], locale: RunReportLocale): { w: RunReportWords; lw: LeaderWords } {
  const leadership = leadershipWords(records)
  const lw = locale === 'ko' ? { leader: leadership.leaderKo, term: leadership.term.split(' / ').map((word) => leaderWordsKo[word] ?? word).join(' / ') } : { leader: leadership.leader, term: leadership.term }
  return { w: runReportWords[locale], lw }
}

/**
 * `locale`: the language of every word the report says (the app passes its page's; the CLI English
 * unless --locale). `fontCss`: @font-face rules embedding the Korean slices its text needs.
 */
export function buildRunReportHtml(record: RunRecord, meta: ReportMeta, locale: RunReportLocale = 'en', fontCss = ''): string {
  const summary = record.summary
  const { w, lw } = wordsFor([record], locale)
  const word = verdictWord(summary)
  const body = [
    runHeader(record, word, w),
    keyFigures(record, w, lw),
    section('verdict', w.section.verdict, verdictBlock(summary, w, locale)),
    section('charts', w.section.charts, runCharts(record, w, lw, locale)),
    section('latency', w.section.latency, latencyBlock(record, w)),
    section('breakdown', w.section.breakdown, breakdownBlock([record.summary], [record.summary.name], w)),
    section('faults', w.section.faults, faultBlock(record, w, lw, locale)),
    ...logSections(record, w, locale),
    section('messages', w.section.messages, messageBlock(summary, w, locale)),
    section('cluster', w.section.cluster, clusterBlock(record, w)),
    section('final-states', w.section.finalStates, finalStatesBlock(record, w)),
    section('experiment', w.section.experiment, experimentBlock(record, w)),
    section('environment', w.section.environment, environmentBlock([record], w)),
  ].join('\n')
  return page(w.title(summary.name, w.verdictWord[word]), body, meta, locale, fontCss)
}

function logSections(record: RunRecord, w: RunReportWords, locale: RunReportLocale): string[] {
  const log = logSectionHtml(record, locale)
  return log === undefined ? [] : [section('log', leadershipWords([record]).term === 'view' ? w.section.slots : w.section.log, log)]
}

function runHeader(record: RunRecord, word: VerdictWord, w: RunReportWords): string {
  const summary = record.summary
  const description = runDescription(record, w === runReportWords.ko ? 'ko' : 'en')
  const subtitle = [summary.protocol, w.nodes(summary.nodes, summary.nodeNames.join(', ')), workloadShape(summary, w), w.seed(summary.seed), w.started(formatTime(summary.startedAt))]
  return `<header>
<p class="kicker">${esc(w.kicker)}</p>
<h1>${esc(summary.name)} ${badge(word, w.verdictWord[word])}</h1>
<p class="subtitle">${subtitle.map(esc).join(' · ')}</p>
<p class="run-id">${esc(w.runId(summary.runId))}</p>
${description ? `<p class="description">${esc(description)}</p>` : ''}
</header>`
}

/** The experiment's description in the report's language: its Korean one when it has one. */
function runDescription(record: RunRecord, locale: RunReportLocale): string | undefined {
  const experiment = record.experiment as RunRecord['experiment'] & { descriptionKo?: string }
  return locale === 'ko' ? (experiment.descriptionKo ?? experiment.description) : experiment.description
}

function workloadShape(summary: RunSummary, w: RunReportWords = runReportWords.en): string {
  return summary.rate !== undefined ? w.openLoop(summary.rate) : w.clients(summary.clients)
}

function keyFigures(record: RunRecord, w: RunReportWords, lw: LeaderWords): string {
  const summary = record.summary
  const latency = latencyPercentiles(record)
  const costs = operationCosts(summary)
  const f = w.figure
  return figures([
    [f.operations, f.operationsValue(formatCount(summary.ops.ok), formatCount(summary.ops.fail), formatCount(summary.ops.info))],
    [f.throughput, f.throughputValue(formatCount(summary.throughput, 1), formatSeconds(summary.durationMs))],
    [f.latency, `${formatMs(latency.p50)} / ${formatMs(latency.p99)} ms`],
    [f.withoutLeader(lw), `${formatCount(summary.unavailableMs)} ms (${percentOf(summary.unavailableMs, summary.durationMs)})`],
    [f.leaderChanges(lw), f.leaderChangesValue(summary.leaderChanges, lw, summary.terms)],
    [f.perOp, f.perOpValue(formatCount(costs.messagesPerOp, 1), formatBytes(costs.bytesPerOp))],
  ])
}

function linearizableText(value: boolean | 'unknown' | undefined, w: RunReportWords): string {
  const words = w.verdict.linearizableValue
  if (value === undefined) return words.notChecked
  if (value === 'unknown') return words.unknown
  return value ? words.yes : words.no
}

function verdictBlock(summary: RunSummary, w: RunReportWords = runReportWords.en, locale: RunReportLocale = 'en'): string {
  const v = w.verdict
  const parts: string[] = []
  if (!summary.completed) parts.push(`<p class="error">${esc(v.incomplete(summary.error ?? v.noReason))}</p>`)
  const exits = summary.replicaExits ?? []
  if (exits.length > 0) {
    const items = exits.map((exit) => `<li>${esc(locale === 'en' ? describeReplicaExit(exit) : v.replicaExit(exit.node, (exit.atMs / 1000).toFixed(2), exit.reason))}</li>`).join('\n')
    parts.push(`<p class="error">${esc(v.replicaExits)}</p>\n<ul class="replica-exits">\n${items}\n</ul>`)
  }
  const verdict = summary.verdict
  if (!verdict) {
    parts.push(`<p>${esc(v.notChecked)}</p>`)
    return parts.join('\n')
  }
  parts.push(`<p>${esc(v.linearizable)}: <strong>${esc(linearizableText(verdict.linearizable, w))}</strong></p>`)
  if (verdict.invariants.length > 0) {
    const rows = verdict.invariants.map((invariant): Cell[] => {
      const state = invariantState(invariant)
      return [{ html: esc(v.state[state]), className: { ok: 'ok', broken: 'bad', unknown: 'warn' }[state] }, invariantCell(invariant.name, locale), sayInvariantDetail(invariant, locale)]
    })
    parts.push(table(['', v.invariant, v.detail], rows, { className: 'invariants' }))
  }
  const witness = sayVerdictWitness(verdict, locale)
  if (witness) parts.push(`<h3>${esc(v.witness)}</h3>\n<pre class="witness">${esc(witness)}</pre>`)
  if (summary.script && summary.script.length > 0) {
    const rows = summary.script.map((step): Cell[] => [String(step.index + 1), step.command, step.outcome, step.value === undefined ? '' : JSON.stringify(step.value), step.error ?? ''])
    parts.push(`<h3>${esc(v.script)}</h3>\n${table(v.scriptHeaders, rows, { numeric: [0] })}`)
  }
  return parts.join('\n')
}

/** An invariant's name: its code name in English; in Korean its title and rule, the code name beside. */
function invariantCell(name: string, locale: RunReportLocale): Cell {
  if (locale === 'en') return { html: esc(name), className: 'nowrap' }
  const title = invariantTitle(name, locale)
  const rule = invariantExplanation(name, locale)
  return { html: `<strong>${esc(title)}</strong>${title === name ? '' : ` <span class="run-id">${esc(name)}</span>`}${rule ? `<br><span class="note">${esc(rule)}</span>` : ''}` }
}

function runCharts(record: RunRecord, w: RunReportWords, lw: LeaderWords, locale: RunReportLocale): string {
  const c = w.charts
  const shading = c.shading(lw)
  return [
    `<p class="note">${esc(c.timeNote)}</p>`,
    figure(throughputChartOption(record, locale), c.throughput, `${c.throughputCaption} ${shading}`),
    figure(latencyChartOption(record, locale), c.latency, `${c.latencyCaption} ${shading}`),
    figure(commitIndexChartOption(record, locale), c.commitIndex, `${c.commitIndexCaption} ${shading}`),
    figure(cdfChartOption(record, locale), c.cdf, c.cdfCaption),
  ].join('\n')
}

function latencyBlock(record: RunRecord, w: RunReportWords): string {
  const l = w.latency
  const latency = latencyPercentiles(record)
  const warmup = record.experiment.workload.warmup ? l.warmup(formatSeconds(record.experiment.workload.warmup)) : ''
  const rows: Cell[][] = [[...percentileColumns.map((column) => formatMs(latency[column.key])), formatMs(latency.mean), formatCount(latency.count)]]
  const parts = [
    table([...percentileColumns.map((column) => l.percentileMs(column.label)), l.meanMs, l.operations], rows, { numeric: [0, 1, 2, 3, 4, 5, 6] }),
    `<p class="note">${esc(l.histogramNote(warmup))}</p>`,
  ]
  const byOperation = operationLatencies(record.summary)
  if (byOperation.length > 0) {
    const operationRows = byOperation.map((operation): Cell[] => [operation.operation, formatCount(operation.count), ...percentileColumns.map((column) => formatMs(operation[column.key]))])
    parts.push(`<h3>${esc(l.byOperation)}</h3>\n${table([l.operation, l.count, ...percentileColumns.map((column) => l.percentileMs(column.label))], operationRows, { numeric: [1, 2, 3, 4, 5, 6] })}`)
  }
  const reads = record.summary.reads as RunSummary['reads'] | undefined
  if (reads) parts.push(`<p>${esc(l.reads(reads.total, reads.mode, reads.stale))}</p>`)
  return parts.join('\n')
}

/** The latency breakdown: stacked means, then each run's p50 and p99 per phase and what they cover. */
function breakdownBlock(summaries: RunSummary[], labels: string[], w: RunReportWords = runReportWords.en): string {
  const b = w.breakdown
  const parts: string[] = []
  if (summaries.some((summary) => summary.latencyBreakdown)) {
    const option = latencyBreakdownChartOption(summaries, labels, b.phase, b.axis)
    parts.push(figure(option, b.chart, b.caption))
  }
  summaries.forEach((summary, index) => {
    const heading = summaries.length > 1 ? `<h3>${esc(labels[index]!)}</h3>\n` : ''
    const rows = (summary.latencyBreakdown ?? []).map((row): Cell[] => [b.phase(row.phase), formatMs(row.p50Ms), formatMs(row.p99Ms), formatMs(row.meanMs), b.meaning(row.phase)])
    const phaseTable = rows.length > 0 ? table(b.headers, rows, { numeric: [1, 2, 3] }) : ''
    // The run's own note: the lab's English sentence, or in Korean its values (a run recorded before them has none).
    const note = w === runReportWords.en ? (summary.latencyBreakdownNote ?? b.old) : summary.latencyBreakdownFacts ? latencyBreakdownNoteKo(summary.latencyBreakdownFacts) : rows.length > 0 ? '' : b.old
    parts.push(`${heading}${phaseTable}${note ? `<p class="note">${esc(rows.length > 0 ? note : b.none(note))}</p>` : ''}`)
  })
  return parts.join('\n')
}

function faultBlock(record: RunRecord, w: RunReportWords, lw: LeaderWords, locale: RunReportLocale): string {
  const f = w.faults
  const experiment = record.experiment
  const planned = (experiment.faults as unknown as Record<string, unknown>[]).map((spec): Cell[] => [formatSeconds(spec.at as number), describePlannedFaultIn(spec, locale)])
  const parts: string[] = []
  parts.push(`<h3>${esc(f.scheduled)}</h3>`)
  parts.push(planned.length > 0 ? table([f.at, f.fault], planned, { numeric: [0] }) : `<p>${esc(f.noScheduled)}</p>`)
  if (experiment.nemesis) {
    const nemesis = experiment.nemesis
    parts.push(`<p>${esc(f.nemesis(nemesis.faults.join(', '), formatSeconds(nemesis.meanInterval), formatSeconds(nemesis.faultDuration), experiment.seed))}</p>`)
  }
  parts.push(`<h3>${esc(f.injected)}</h3>`)
  const around = leaderlessAroundFaults(record)
  if (around.length === 0) parts.push(`<p>${esc(f.noInjected)}</p>`)
  else {
    const details = around.some(({ fault }) => fault.detail)
    const rows = around.map(({ fault, untilMs, leaderlessMs }): Cell[] => [
      formatSeconds(fault.atMs),
      describeInjectedIn(fault, locale),
      fault.targets.join(', ') || f.allLinks,
      ...(details ? [faultDetailIn(fault.detail, fault.notes, locale) ?? ''] : []),
      f.leaderlessOf(formatCount(leaderlessMs), formatCount(untilMs - fault.atMs)),
    ])
    const headers = [f.at, f.fault, f.on, ...(details ? [f.detail] : []), f.untilNext(lw)]
    parts.push(table(headers, rows, { numeric: [0, headers.length - 1] }))
    parts.push(`<p class="note">${esc(f.leaderlessNote(lw, `${formatCount(record.summary.unavailableMs)} ms`))}</p>`)
  }
  if (planned.length > around.length) parts.push(`<p class="warning">${esc(f.missing(planned.length - around.length))}</p>`)
  return parts.join('\n')
}

function messageBlock(summary: RunSummary, w: RunReportWords, locale: RunReportLocale): string {
  const m = w.messages
  const costs = operationCosts(summary)
  const types = Object.entries(summary.messages.byType).sort((a, b) => b[1] - a[1])
  const rows = types.map(([type, count]): Cell[] => [messageTypeIn(type, locale), formatCount(count), percentOf(count, summary.messages.total)])
  return `${figures([
    [m.sent, formatCount(summary.messages.total)],
    [m.bytes, formatBytes(summary.messages.bytes)],
    [m.perOp, formatCount(costs.messagesPerOp, 2)],
    [m.bytesPerOp, formatBytes(costs.bytesPerOp)],
  ])}
${rows.length > 0 ? table(m.headers, rows, { numeric: [1, 2] }) : ''}`
}

function clusterBlock(record: RunRecord, w: RunReportWords): string {
  const c = w.cluster
  const experiment = record.experiment
  const cluster = experiment.cluster
  const network = experiment.network
  const workload = experiment.workload
  const mix = Object.entries(workload.mix)
    .filter(([, weight]) => weight > 0)
    .map(([f, weight]) => `${f} ${weight}`)
    .join(', ')
  const load = workload.rate !== undefined ? c.openLoop(workload.rate) : c.closedLoop(workload.clients)
  const settings: [string, string][] = [
    [c.protocol, experiment.protocol],
    [c.nodes, cluster.nodes.join(', ')],
    [c.durability, cluster.durability],
    [c.electionTimeout, `${cluster.electionTimeoutMs[0]}–${cluster.electionTimeoutMs[1]} ms`],
    [c.heartbeat, c.heartbeatValue(cluster.heartbeatMs, cluster.tickMs)],
    [c.preVote, `${cluster.preVote ? c.on : c.off} / ${cluster.checkQuorum ? c.on : c.off}`],
    [c.links, c.linksValue(network.delayMs, network.jitterMs, network.loss * 100, network.duplicate * 100, network.reorder * 100)],
    [c.workload, c.workloadValue(formatSeconds(workload.duration), workload.warmup ? formatSeconds(workload.warmup) : undefined, load)],
    [c.operations, c.operationsValue(mix, workload.keys, workload.distribution, workload.valueBytes)],
    [c.client, c.clientValue(workload.timeoutMs, workload.routing)],
  ]
  return table(c.headers, settings, { className: 'settings' })
}

function finalStatesBlock(record: RunRecord, w: RunReportWords): string {
  const s = w.finalStates
  if (record.finalStates.length === 0) return `<p>${esc(s.none)}</p>`
  const rows = record.finalStates.map((state): Cell[] => [state.node, formatCount(state.appliedIndex), state.hash, String(state.kvDigest ?? ''), state.keys === undefined ? '' : formatCount(state.keys)])
  const reported = new Set(record.finalStates.map((state) => state.node))
  const missing = record.summary.nodeNames.filter((node) => !reported.has(node))
  const note = missing.length > 0 ? `<p class="note">${esc(s.missing(missing.join(', ')))}</p>` : ''
  return `${table(s.headers, rows, { numeric: [1, 4] })}\n${note}`
}

function experimentBlock(record: RunRecord, w: RunReportWords): string {
  const source = record.experimentSource
  const text = source ?? JSON.stringify(record.experiment, null, 2)
  return `<p>${esc(source ? w.experiment.asWritten : w.experiment.resolved)}</p>\n<pre class="source">${esc(text)}</pre>`
}

function environmentBlock(records: RunRecord[], w: RunReportWords = runReportWords.en): string {
  const e = w.environment
  const labels = runLabels(records)
  const headers = records.length > 1 ? ['', ...labels] : ['', e.value]
  const rowOf = (label: string, value: (record: RunRecord) => string): Cell[] => [label, ...records.map(value)]
  const rows = [
    rowOf(e.machine, (record) => record.environment.machine),
    rowOf(e.cpus, (record) => String(record.environment.cpus)),
    rowOf(e.memory, (record) => formatBytes(record.environment.memoryBytes)),
    rowOf(e.os, (record) => record.environment.os),
    rowOf('Node.js', (record) => record.environment.node),
    rowOf('Consensus Lab', (record) => record.environment.labVersion),
  ]
  const notes = records.flatMap((record, index) => {
    const prefix = records.length > 1 ? `${labels[index]}: ` : ''
    const items: string[] = []
    if (record.environment.capturedAt === 'export') items.push(`${prefix}${e.exported}`)
    for (const note of [record.trace?.note, record.history?.note]) if (note) items.push(`${prefix}${note}.`)
    return items
  })
  const noteHtml = notes.length > 0 ? `<ul class="note">${notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>` : ''
  return `${table(headers, rows)}\n${noteHtml}`
}

// ---------------------------------------------------------------------------------------------
// Comparison report

/** `locale`: the language of the comparison's words, as a run report's (`fontCss` likewise). */
export function buildComparisonReportHtml(records: RunRecord[], baselineIndex: number, meta: ReportMeta, locale: RunReportLocale = 'en', fontCss = ''): string {
  const labels = runLabels(records)
  const baseline = records[baselineIndex]!
  const { w, lw } = wordsFor(records, locale)
  const c = w.compare
  const body = [
    comparisonHeader(records, labels, baselineIndex, w),
    section('runs', c.section.runs, comparisonRuns(records, labels, baselineIndex, w)),
    section('latency', w.section.latency, comparisonLatency(records, labels, baselineIndex, w, locale)),
    section('breakdown', w.section.breakdown, breakdownBlock(records.map((record) => record.summary), labels, w)),
    section('throughput', c.section.throughput, comparisonThroughput(records, labels, baselineIndex, w, locale)),
    section('leaderless', c.section.leaderless(lw), comparisonLeaderless(records, labels, w, lw, locale)),
    section('costs', c.section.costs, comparisonCosts(records, labels, baselineIndex, w)),
    section('verdicts', c.section.verdicts, comparisonVerdicts(records, labels, w, locale)),
    section('environment', w.section.environment, environmentBlock(records, w)),
  ].join('\n')
  return page(c.title(records.length, baseline.summary.name), body, meta, locale, fontCss)
}

function comparisonHeader(records: RunRecord[], labels: string[], baselineIndex: number, w: RunReportWords): string {
  const c = w.compare
  const differing = records.map((record, index) => (index === baselineIndex ? [] : workloadDifferences(records[baselineIndex]!, record)))
  const flags = differing
    .map((differences, index) => (differences.length > 0 ? `<li><strong>${esc(labels[index]!)}</strong>: ${esc(differences.join('; '))}</li>` : ''))
    .filter(Boolean)
  const warning =
    flags.length > 0
      ? `<div class="warning"><strong>${esc(c.differentWorkloads)}</strong> ${esc(c.differentWorkloadsNote)}<ul>${flags.join('')}</ul></div>`
      : `<p class="note">${esc(c.sameWorkload)}</p>`
  return `<header>
<p class="kicker">${esc(c.kicker)}</p>
<h1>${labels.map(esc).join(` <span class="vs">${esc(c.vs)}</span> `)}</h1>
<p class="subtitle">${esc(c.subtitle(records.length, labels[baselineIndex]!))}</p>
${warning}
</header>`
}

function swatch(index: number): string {
  return `<span class="swatch" style="background:${chartPalette[index % chartPalette.length]}"></span>`
}

function runName(labels: string[], index: number, baselineIndex: number, w: RunReportWords): Cell {
  return { html: `${swatch(index)}${esc(labels[index]!)}${index === baselineIndex ? ` <em>${esc(w.compare.baseline)}</em>` : ''}` }
}

function comparisonRuns(records: RunRecord[], labels: string[], baselineIndex: number, w: RunReportWords): string {
  const rows = records.map((record, index): Cell[] => {
    const summary = record.summary
    const word = verdictWord(summary)
    return [
      runName(labels, index, baselineIndex, w),
      summary.protocol,
      `${summary.nodes}`,
      { html: esc(workloadShape(summary, w)), className: 'nowrap' },
      `${summary.faults.length}`,
      // A Korean verdict word would wrap inside its badge in this narrow column.
      { html: badge(word, w.verdictWord[word]), className: 'nowrap' },
      (summary as Partial<RunSummary>).reads ? w.compare.staleOf(summary.reads.stale, summary.reads.total) : '–',
      summary.runId,
    ]
  })
  return table(w.compare.runsHeaders, rows, { numeric: [2, 4, 6] })
}

function comparisonLatency(records: RunRecord[], labels: string[], baselineIndex: number, w: RunReportWords, locale: RunReportLocale): string {
  const c = w.compare
  const percentiles = records.map((record) => latencyPercentiles(record))
  const base = percentiles[baselineIndex]!
  const rows = percentiles.map((latency, index): Cell[] => [
    runName(labels, index, baselineIndex, w),
    ...percentileColumns.map((column): Cell => {
      const value = latency[column.key as keyof Percentiles]
      const relative = index === baselineIndex ? '' : ` <span class="ratio">${esc(formatRatio(ratio(value, base[column.key as keyof Percentiles])))}</span>`
      return { html: `${esc(formatMs(value))}${relative}` }
    }),
    formatCount(latency.count),
  ])
  return `${table([c.run, ...percentileColumns.map((column) => w.latency.percentileMs(column.label)), c.operations], rows, { numeric: [1, 2, 3, 4, 5, 6] })}
${figure(compareCdfChartOption(records, locale), c.cdf, c.cdfCaption)}
${figure(compareP99ChartOption(records, locale), c.p99, c.p99Caption)}`
}

function comparisonThroughput(records: RunRecord[], labels: string[], baselineIndex: number, w: RunReportWords, locale: RunReportLocale): string {
  const base = records[baselineIndex]!.summary
  const rows = records.map((record, index): Cell[] => {
    const summary = record.summary
    const relative = index === baselineIndex ? '' : ` <span class="ratio">${esc(formatRatio(ratio(summary.throughput, base.throughput)))}</span>`
    return [
      runName(labels, index, baselineIndex, w),
      { html: `${esc(formatCount(summary.throughput, 1))}${relative}` },
      formatCount(summary.ops.ok),
      formatCount(summary.ops.fail),
      formatCount(summary.ops.info),
      formatSeconds(summary.durationMs),
    ]
  })
  return `${table(w.compare.throughputHeaders, rows, { numeric: [1, 2, 3, 4, 5] })}
${figure(compareThroughputChartOption(records, locale), w.compare.throughputChart, w.compare.throughputCaption)}`
}

function comparisonLeaderless(records: RunRecord[], labels: string[], w: RunReportWords, lw: LeaderWords, locale: RunReportLocale): string {
  const c = w.compare
  const rows: Cell[][] = []
  records.forEach((record, index) => {
    const around = leaderlessAroundFaults(record)
    const changes = c.leaderChanges(record.summary.leaderChanges, wordsFor([record], locale).lw)
    const totals: Cell[] = [{ html: `${swatch(index)}${esc(labels[index]!)}` }, { html: esc(c.wholeRun), className: 'nowrap' }, '', `${formatCount(record.summary.unavailableMs)} ms`, changes]
    rows.push(totals)
    for (const { fault, untilMs, leaderlessMs } of around) {
      rows.push(['', formatSeconds(fault.atMs), describeInjectedIn(fault, locale), `${formatCount(leaderlessMs)} ms`, c.until(formatSeconds(untilMs))])
    }
  })
  const ends = records.map((record, index) => `${labels[index]!} ${formatSeconds(Math.round(experimentEndMs(record)))}`).join(', ')
  return `${table(c.leaderlessHeaders(lw), rows, { numeric: [3] })}
<p class="note">${esc(c.leaderlessNote(lw, ends))}</p>`
}

function comparisonCosts(records: RunRecord[], labels: string[], baselineIndex: number, w: RunReportWords): string {
  const costs = records.map((record) => operationCosts(record.summary))
  const base = costs[baselineIndex]!
  const rows = records.map((record, index): Cell[] => {
    const cost = costs[index]!
    const relative = (value: number | null, baseValue: number | null) => (index === baselineIndex ? '' : ` <span class="ratio">${esc(formatRatio(ratio(value, baseValue)))}</span>`)
    return [
      runName(labels, index, baselineIndex, w),
      { html: `${esc(formatCount(cost.messagesPerOp, 2))}${relative(cost.messagesPerOp, base.messagesPerOp)}` },
      { html: `${esc(formatBytes(cost.bytesPerOp))}${relative(cost.bytesPerOp, base.bytesPerOp)}` },
      formatCount(record.summary.messages.total),
      formatBytes(record.summary.messages.bytes),
    ]
  })
  return table(w.compare.costsHeaders, rows, { numeric: [1, 2, 3, 4] })
}

function comparisonVerdicts(records: RunRecord[], labels: string[], w: RunReportWords, locale: RunReportLocale): string {
  return records
    .map((record, index) => {
      const summary = record.summary
      const word = verdictWord(summary)
      return `<h3>${swatch(index)}${esc(labels[index]!)} ${badge(word, w.verdictWord[word])}</h3>\n${verdictBlock(summary, w, locale)}`
    })
    .join('\n')
}

// ---------------------------------------------------------------------------------------------

const styles = `
:root { color-scheme: light; --ink: #212529; --muted: #6c757d; --line: #dee2e6; --soft: #f8f9fa; --pass: #2b8a3e; --fail: #c92a2a; --warn: #e67700; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 28px 32px 40px; }
header { border-bottom: 2px solid var(--ink); padding-bottom: 12px; margin-bottom: 16px; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; font-size: 11px; }
h1 { margin: 4px 0 4px; font-size: 26px; line-height: 1.25; }
h1 .vs { color: var(--muted); font-weight: 400; font-size: 18px; }
h2 { margin: 28px 0 8px; font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; break-after: avoid; }
h3 { margin: 18px 0 6px; font-size: 15px; break-after: avoid; }
.subtitle { margin: 0; color: #495057; }
.run-id { margin: 2px 0 0; color: var(--muted); font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.description { margin: 10px 0 0; max-width: 78ch; }
.badge { display: inline-block; vertical-align: middle; margin-left: 8px; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 700; letter-spacing: .04em; color: #fff; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h3 .badge { font-size: 11px; padding: 1px 8px; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.unknown { background: var(--warn); }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 8px; margin: 14px 0; }
.figures div { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; break-inside: avoid; }
.figures dt { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; }
.figures dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; break-inside: auto; }
tr { break-inside: avoid; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.ok { color: var(--pass); font-weight: 700; } td.bad { color: var(--fail); font-weight: 700; } td.warn { color: var(--warn); font-weight: 700; }
table.settings td:first-child { width: 28%; color: #495057; }
table.invariants td:first-child { width: 70px; }
.ratio { color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; font: 11.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.witness { border-left: 4px solid var(--fail); }
figure { margin: 12px 0 18px; break-inside: avoid; }
figcaption { font-size: 12.5px; color: #495057; margin-bottom: 2px; }
svg.chart { width: 100%; height: auto; display: block; }
.note { color: var(--muted); font-size: 12.5px; }
ul.note { padding-left: 18px; }
.warning { background: #fff4e6; border: 1px solid #ffc078; border-radius: 6px; padding: 8px 12px; margin-top: 10px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.warning ul { margin: 4px 0 0; padding-left: 18px; }
p.warning { color: #7a4100; }
.error { color: var(--fail); font-weight: 600; }
footer { margin-top: 32px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted); font-size: 11.5px; }
@page { size: A4; margin: 14mm 12mm; }
td.nowrap { white-space: nowrap; }
@media print { main { max-width: none; padding: 0; } body { font-size: 12px; } }
`
