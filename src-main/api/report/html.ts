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
  describeInjected,
  describePlannedFault,
  describeReads,
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
import { describeReplicaExit, escapeHtml as esc, formatBytes, formatCount, formatLinearizable, formatMs, formatRatio, formatSeconds } from './format.js'
import { renderChartSvg } from './svg.js'
import { leadershipWords } from './words.js'
import { koreanFontFamily } from './fonts.js'
import { phaseDescriptions } from '../latency-breakdown.js'
import type { EChartsOption } from 'echarts'

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

function badge(word: VerdictWord): string {
  const tone = word === 'PASS' ? 'pass' : word === 'FAIL' || word === 'INCOMPLETE' ? 'fail' : 'unknown'
  return `<span class="badge ${tone}">${esc(word)}</span>`
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
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Consensus Lab ${esc(meta.labVersion)}">
<title>${esc(title)}</title>
<style>${fontCss}${styles}${gridCss}${fontCss ? `\nbody { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "${koreanFontFamily}", sans-serif; }` : ''}</style>
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

function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC')
}

function percentOf(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '–'
}

// ---------------------------------------------------------------------------------------------
// Run report

export function buildRunReportHtml(record: RunRecord, meta: ReportMeta): string {
  const summary = record.summary
  const word = verdictWord(summary)
  const body = [
    runHeader(record, word),
    keyFigures(record),
    section('verdict', 'Verdict', verdictBlock(summary)),
    section('charts', 'Over time', runCharts(record)),
    section('latency', 'Latency', latencyBlock(record)),
    section('breakdown', 'Where the latency goes', breakdownBlock([record.summary], [record.summary.name])),
    section('faults', 'Fault schedule', faultBlock(record)),
    ...logSections(record),
    section('messages', 'Messages', messageBlock(summary)),
    section('cluster', 'Cluster, network and workload', clusterBlock(record)),
    section('final-states', 'Final states', finalStatesBlock(record)),
    section('experiment', 'Experiment', experimentBlock(record)),
    section('environment', 'Environment', environmentBlock([record])),
  ].join('\n')
  return page(`${summary.name} — ${word} — Consensus Lab run report`, body, meta)
}

function logSections(record: RunRecord): string[] {
  const log = logSectionHtml(record)
  return log === undefined ? [] : [section('log', leadershipWords([record]).term === 'view' ? 'The slots' : 'The log', log)]
}

function runHeader(record: RunRecord, word: VerdictWord): string {
  const summary = record.summary
  const description = record.experiment.description ? `<p class="description">${esc(record.experiment.description)}</p>` : ''
  const subtitle = [
    summary.protocol,
    `${summary.nodes} nodes (${summary.nodeNames.join(', ')})`,
    workloadShape(summary),
    `seed ${summary.seed}`,
    `started ${formatTime(summary.startedAt)}`,
  ]
  return `<header>
<p class="kicker">Consensus Lab · run report</p>
<h1>${esc(summary.name)} ${badge(word)}</h1>
<p class="subtitle">${subtitle.map(esc).join(' · ')}</p>
<p class="run-id">run ${esc(summary.runId)}</p>
${description}
</header>`
}

function workloadShape(summary: RunSummary): string {
  return summary.rate !== undefined ? `open loop at ${summary.rate} ops/s` : `${summary.clients} client${summary.clients === 1 ? '' : 's'}`
}

function keyFigures(record: RunRecord): string {
  const summary = record.summary
  const latency = latencyPercentiles(record)
  const costs = operationCosts(summary)
  const { leader, term } = leadershipWords([record])
  return figures([
    ['operations', `${formatCount(summary.ops.ok)} ok · ${formatCount(summary.ops.fail)} fail · ${formatCount(summary.ops.info)} unknown`],
    ['throughput', `${formatCount(summary.throughput, 1)} ops/s over ${formatSeconds(summary.durationMs)}`],
    ['latency p50 / p99', `${formatMs(latency.p50)} / ${formatMs(latency.p99)} ms`],
    [`without a ${leader}`, `${formatCount(summary.unavailableMs)} ms (${percentOf(summary.unavailableMs, summary.durationMs)})`],
    [`${leader} changes`, `${summary.leaderChanges} (highest ${term} ${summary.terms})`],
    ['per acknowledged op', `${formatCount(costs.messagesPerOp, 1)} messages · ${formatBytes(costs.bytesPerOp)}`],
  ])
}

function verdictBlock(summary: RunSummary): string {
  const parts: string[] = []
  if (!summary.completed) parts.push(`<p class="error">The run did not complete: ${esc(summary.error ?? 'no reason recorded')}</p>`)
  const exits = summary.replicaExits ?? []
  if (exits.length > 0) {
    const items = exits.map((exit) => `<li>${esc(describeReplicaExit(exit))}</li>`).join('\n')
    parts.push(`<p class="error">Replicas that exited on their own (not by the experiment): the run broke.</p>\n<ul class="replica-exits">\n${items}\n</ul>`)
  }
  const verdict = summary.verdict
  if (!verdict) {
    parts.push('<p>The run was not checked (no verdict recorded).</p>')
    return parts.join('\n')
  }
  parts.push(`<p>Linearizable: <strong>${esc(formatLinearizable(verdict.linearizable))}</strong></p>`)
  if (verdict.invariants.length > 0) {
    const rows = verdict.invariants.map((invariant): Cell[] => [
      { html: { ok: 'ok', broken: 'BROKEN', unknown: 'unknown' }[invariantState(invariant)], className: { ok: 'ok', broken: 'bad', unknown: 'warn' }[invariantState(invariant)] },
      { html: esc(invariant.name), className: 'nowrap' },
      invariant.detail,
    ])
    parts.push(table(['', 'invariant', 'detail'], rows, { className: 'invariants' }))
  }
  if (verdict.witness) parts.push(`<h3>Witness</h3>\n<pre class="witness">${esc(verdict.witness)}</pre>`)
  if (summary.script && summary.script.length > 0) {
    const rows = summary.script.map((step): Cell[] => [String(step.index + 1), step.command, step.outcome, step.value === undefined ? '' : JSON.stringify(step.value), step.error ?? ''])
    parts.push(`<h3>Scripted commands</h3>\n${table(['#', 'command', 'outcome', 'value', 'error'], rows, { numeric: [0] })}`)
  }
  return parts.join('\n')
}

function runCharts(record: RunRecord): string {
  const shading = `Red: fault windows (crash to restart, partition to heal) and dashed lines at each injected fault; grey: no ${leadershipWords([record]).leader}.`
  return [
    '<p class="note">Time 0 is the start of the workload, the clock the fault schedule counts from; the processes\' start-up before it is left out.</p>',
    figure(throughputChartOption(record), 'Throughput.', `Acknowledged operations per second. ${shading}`),
    figure(latencyChartOption(record), 'Latency over time.', `p50 and p99 of the operations completed in each 100 ms frame (sampled). ${shading}`),
    figure(commitIndexChartOption(record), 'Commit index per node.', `As each replica last reported it; a crashed node's line stays flat. ${shading}`),
    figure(cdfChartOption(record), 'Latency CDF.', 'Share of measured operations completed within a latency, from the HdrHistogram (µs precision).'),
  ].join('\n')
}

function latencyBlock(record: RunRecord): string {
  const latency = latencyPercentiles(record)
  const warmup = record.experiment.workload.warmup ? ` after a ${formatSeconds(record.experiment.workload.warmup)} warm-up` : ''
  const rows: Cell[][] = [[...percentileColumns.map((column) => formatMs(latency[column.key])), formatMs(latency.mean), formatCount(latency.count)]]
  const parts = [
    table([...percentileColumns.map((column) => `${column.label} (ms)`), 'mean (ms)', 'operations'], rows, { numeric: [0, 1, 2, 3, 4, 5, 6] }),
    `<p class="note">Every acknowledged operation${esc(warmup)} is in the histogram; failed and unknown-outcome operations are not.</p>`,
  ]
  const byOperation = operationLatencies(record.summary)
  if (byOperation.length > 0) {
    const operationRows = byOperation.map((operation): Cell[] => [operation.operation, formatCount(operation.count), ...percentileColumns.map((column) => formatMs(operation[column.key]))])
    parts.push(`<h3>By operation</h3>\n${table(['operation', 'count', ...percentileColumns.map((column) => `${column.label} (ms)`)], operationRows, { numeric: [1, 2, 3, 4, 5, 6] })}`)
  }
  const reads = describeReads(record.summary)
  if (reads) parts.push(`<p>Reads: ${esc(reads)}.</p>`)
  return parts.join('\n')
}

/** The latency breakdown: stacked means, then each run's p50 and p99 per phase and what they cover. */
function breakdownBlock(summaries: RunSummary[], labels: string[]): string {
  const parts: string[] = []
  if (summaries.some((summary) => summary.latencyBreakdown)) {
    const caption = 'Mean time of each phase of the acknowledged operations split; a bar adds up to their mean latency. Each phase is cut at instants the run recorded (history and trace, one clock).'
    parts.push(figure(latencyBreakdownChartOption(summaries, labels), 'Latency by phase.', caption))
  }
  summaries.forEach((summary, index) => {
    const heading = summaries.length > 1 ? `<h3>${esc(labels[index]!)}</h3>\n` : ''
    const rows = (summary.latencyBreakdown ?? []).map((row): Cell[] => [phaseDescriptions[row.phase].label, formatMs(row.p50Ms), formatMs(row.p99Ms), formatMs(row.meanMs), phaseDescriptions[row.phase].meaning])
    const phaseTable = rows.length > 0 ? table(['phase', 'p50 (ms)', 'p99 (ms)', 'mean (ms)', 'from … to'], rows, { numeric: [1, 2, 3] }) : ''
    const note = summary.latencyBreakdownNote ?? 'this run was recorded before the lab split latency by phase'
    parts.push(`${heading}${phaseTable}<p class="note">${esc(rows.length > 0 ? note : `No breakdown: ${note}.`)}</p>`)
  })
  return parts.join('\n')
}

function faultBlock(record: RunRecord): string {
  const experiment = record.experiment
  const planned = (experiment.faults as unknown as Record<string, unknown>[]).map((spec): Cell[] => [formatSeconds(spec.at as number), describePlannedFault(spec)])
  const parts: string[] = []
  parts.push('<h3>Scheduled (the experiment file)</h3>')
  parts.push(planned.length > 0 ? table(['at', 'fault'], planned, { numeric: [0] }) : '<p>No scheduled faults.</p>')
  if (experiment.nemesis) {
    const nemesis = experiment.nemesis
    parts.push(`<p>Nemesis: random ${esc(nemesis.faults.join(', '))} faults, one every ${esc(formatSeconds(nemesis.meanInterval))} on average, each lasting ${esc(formatSeconds(nemesis.faultDuration))} (seed ${experiment.seed}).</p>`)
  }
  parts.push('<h3>Injected (what happened, and on whom)</h3>')
  const { leader } = leadershipWords([record])
  const around = leaderlessAroundFaults(record)
  if (around.length === 0) parts.push('<p>No faults were injected.</p>')
  else {
    const details = around.some(({ fault }) => fault.detail)
    const rows = around.map(({ fault, untilMs, leaderlessMs }): Cell[] => [
      formatSeconds(fault.atMs),
      describeInjected(fault),
      fault.targets.join(', ') || '(all links)',
      ...(details ? [fault.detail ?? ''] : []),
      `${formatCount(leaderlessMs)} of ${formatCount(untilMs - fault.atMs)} ms`,
    ])
    const headers = ['at', 'fault', 'on', ...(details ? ['detail'] : []), `no ${leader} until the next fault`]
    parts.push(table(headers, rows, { numeric: [0, headers.length - 1] }))
    parts.push(`<p class="note">Time without a ${leader} is read from the 100 ms series; the run's exact total, from the trace, is ${esc(`${formatCount(record.summary.unavailableMs)} ms`)}.</p>`)
  }
  if (planned.length > around.length) parts.push(`<p class="warning">${planned.length - around.length} scheduled fault(s) are not among the injected ones: the run may have ended first, or an injection failed.</p>`)
  return parts.join('\n')
}

function messageBlock(summary: RunSummary): string {
  const costs = operationCosts(summary)
  const types = Object.entries(summary.messages.byType).sort((a, b) => b[1] - a[1])
  const rows = types.map(([type, count]): Cell[] => [type, formatCount(count), percentOf(count, summary.messages.total)])
  return `${figures([
    ['messages sent', formatCount(summary.messages.total)],
    ['bytes sent', formatBytes(summary.messages.bytes)],
    ['messages per acknowledged op', formatCount(costs.messagesPerOp, 2)],
    ['bytes per acknowledged op', formatBytes(costs.bytesPerOp)],
  ])}
${rows.length > 0 ? table(['message type', 'sent', 'share'], rows, { numeric: [1, 2] }) : ''}`
}

function clusterBlock(record: RunRecord): string {
  const experiment = record.experiment
  const cluster = experiment.cluster
  const network = experiment.network
  const workload = experiment.workload
  const mix = Object.entries(workload.mix)
    .filter(([, weight]) => weight > 0)
    .map(([f, weight]) => `${f} ${weight}`)
    .join(', ')
  const settings: [string, string][] = [
    ['protocol', experiment.protocol],
    ['nodes', cluster.nodes.join(', ')],
    ['durability', cluster.durability],
    ['election timeout', `${cluster.electionTimeoutMs[0]}–${cluster.electionTimeoutMs[1]} ms`],
    ['heartbeat', `${cluster.heartbeatMs} ms (tick ${cluster.tickMs} ms)`],
    ['pre-vote / check quorum', `${cluster.preVote ? 'on' : 'off'} / ${cluster.checkQuorum ? 'on' : 'off'}`],
    ['links', `delay ${network.delayMs} ms ± ${network.jitterMs} ms, loss ${network.loss * 100} %, duplicate ${network.duplicate * 100} %, reorder ${network.reorder * 100} %`],
    ['workload', `${formatSeconds(workload.duration)}${workload.warmup ? ` after ${formatSeconds(workload.warmup)} warm-up` : ''}, ${workload.rate !== undefined ? `${workload.rate} ops/s open loop` : `${workload.clients} closed-loop clients`}`],
    ['operations', `${mix} on ${workload.keys} keys (${workload.distribution}), ${workload.valueBytes}-byte values`],
    ['client', `timeout ${workload.timeoutMs} ms, routing ${workload.routing}`],
  ]
  return table(['setting', 'value'], settings, { className: 'settings' })
}

function finalStatesBlock(record: RunRecord): string {
  if (record.finalStates.length === 0) return '<p>No final states were recorded (the run ended before the replicas reported them).</p>'
  const rows = record.finalStates.map((state): Cell[] => [state.node, formatCount(state.appliedIndex), state.hash, String(state.kvDigest ?? ''), state.keys === undefined ? '' : formatCount(state.keys)])
  const reported = new Set(record.finalStates.map((state) => state.node))
  const missing = record.summary.nodeNames.filter((node) => !reported.has(node))
  const note = missing.length > 0 ? `<p class="note">No final state from ${esc(missing.join(', '))} (down at the end of the run).</p>` : ''
  return `${table(['node', 'applied index', 'applied hash', 'KV digest', 'keys'], rows, { numeric: [1, 4] })}\n${note}`
}

function experimentBlock(record: RunRecord): string {
  const source = record.experimentSource
  const text = source ?? JSON.stringify(record.experiment, null, 2)
  const what = source ? 'The experiment file as written:' : 'The resolved experiment (the original file was not kept):'
  return `<p>${what}</p>\n<pre class="source">${esc(text)}</pre>`
}

function environmentBlock(records: RunRecord[]): string {
  const labels = runLabels(records)
  const headers = records.length > 1 ? ['', ...labels] : ['', 'value']
  const rowOf = (label: string, value: (record: RunRecord) => string): Cell[] => [label, ...records.map(value)]
  const rows = [
    rowOf('machine', (record) => record.environment.machine),
    rowOf('CPUs', (record) => String(record.environment.cpus)),
    rowOf('memory', (record) => formatBytes(record.environment.memoryBytes)),
    rowOf('OS', (record) => record.environment.os),
    rowOf('Node.js', (record) => record.environment.node),
    rowOf('Consensus Lab', (record) => record.environment.labVersion),
  ]
  const notes = records.flatMap((record, index) => {
    const prefix = records.length > 1 ? `${labels[index]}: ` : ''
    const items: string[] = []
    if (record.environment.capturedAt === 'export') items.push(`${prefix}the run directory did not record its environment; this is the machine that exported it.`)
    for (const note of [record.trace?.note, record.history?.note]) if (note) items.push(`${prefix}${note}.`)
    return items
  })
  const noteHtml = notes.length > 0 ? `<ul class="note">${notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>` : ''
  return `${table(headers, rows)}\n${noteHtml}`
}

// ---------------------------------------------------------------------------------------------
// Comparison report

export function buildComparisonReportHtml(records: RunRecord[], baselineIndex: number, meta: ReportMeta): string {
  const labels = runLabels(records)
  const baseline = records[baselineIndex]!
  const body = [
    comparisonHeader(records, labels, baselineIndex),
    section('runs', 'Runs', comparisonRuns(records, labels, baselineIndex)),
    section('latency', 'Latency', comparisonLatency(records, labels, baselineIndex)),
    section('breakdown', 'Where the latency goes', breakdownBlock(records.map((record) => record.summary), labels)),
    section('throughput', 'Throughput', comparisonThroughput(records, labels, baselineIndex)),
    section('leaderless', `Time without a ${leadershipWords(records).leader} around each fault`, comparisonLeaderless(records, labels)),
    section('costs', 'Messages and bytes per acknowledged operation', comparisonCosts(records, labels, baselineIndex)),
    section('verdicts', 'Verdicts', comparisonVerdicts(records, labels)),
    section('environment', 'Environment', environmentBlock(records)),
  ].join('\n')
  return page(`Comparison of ${records.length} runs (baseline ${baseline.summary.name}) — Consensus Lab`, body, meta)
}

function comparisonHeader(records: RunRecord[], labels: string[], baselineIndex: number): string {
  const differing = records.map((record, index) => (index === baselineIndex ? [] : workloadDifferences(records[baselineIndex]!, record)))
  const flags = differing
    .map((differences, index) => (differences.length > 0 ? `<li><strong>${esc(labels[index]!)}</strong>: ${esc(differences.join('; '))}</li>` : ''))
    .filter(Boolean)
  const warning =
    flags.length > 0
      ? `<div class="warning"><strong>Different workloads.</strong> These runs did not face the same load, so their numbers are not like for like:<ul>${flags.join('')}</ul></div>`
      : '<p class="note">All runs ran the same workload and link conditions.</p>'
  return `<header>
<p class="kicker">Consensus Lab · comparison report</p>
<h1>${labels.map(esc).join(' <span class="vs">vs</span> ')}</h1>
<p class="subtitle">${records.length} runs · baseline: ${esc(labels[baselineIndex]!)} · ratios are each run's value divided by the baseline's</p>
${warning}
</header>`
}

function swatch(index: number): string {
  return `<span class="swatch" style="background:${chartPalette[index % chartPalette.length]}"></span>`
}

function runName(labels: string[], index: number, baselineIndex: number): Cell {
  return { html: `${swatch(index)}${esc(labels[index]!)}${index === baselineIndex ? ' <em>(baseline)</em>' : ''}` }
}

function comparisonRuns(records: RunRecord[], labels: string[], baselineIndex: number): string {
  const rows = records.map((record, index): Cell[] => {
    const summary = record.summary
    return [
      runName(labels, index, baselineIndex),
      summary.protocol,
      `${summary.nodes}`,
      { html: esc(workloadShape(summary)), className: 'nowrap' },
      `${summary.faults.length}`,
      { html: badge(verdictWord(summary)) },
      (summary as Partial<RunSummary>).reads ? `${summary.reads.stale} of ${summary.reads.total}` : '–',
      summary.runId,
    ]
  })
  return table(['run', 'protocol', 'nodes', 'load', 'faults', 'verdict', 'stale reads', 'run id'], rows, { numeric: [2, 4, 6] })
}

function comparisonLatency(records: RunRecord[], labels: string[], baselineIndex: number): string {
  const percentiles = records.map((record) => latencyPercentiles(record))
  const base = percentiles[baselineIndex]!
  const rows = percentiles.map((latency, index): Cell[] => [
    runName(labels, index, baselineIndex),
    ...percentileColumns.map((column): Cell => {
      const value = latency[column.key as keyof Percentiles]
      const relative = index === baselineIndex ? '' : ` <span class="ratio">${esc(formatRatio(ratio(value, base[column.key as keyof Percentiles])))}</span>`
      return { html: `${esc(formatMs(value))}${relative}` }
    }),
    formatCount(latency.count),
  ])
  return `${table(['run', ...percentileColumns.map((column) => `${column.label} (ms)`), 'operations'], rows, { numeric: [1, 2, 3, 4, 5, 6] })}
${figure(compareCdfChartOption(records), 'Latency CDF.', 'Share of measured operations completed within a latency, per run, from each run\'s HdrHistogram.')}
${figure(compareP99ChartOption(records), 'p99 latency over time.', 'Per 100 ms frame (sampled), on each run\'s experiment time.')}`
}

function comparisonThroughput(records: RunRecord[], labels: string[], baselineIndex: number): string {
  const base = records[baselineIndex]!.summary
  const rows = records.map((record, index): Cell[] => {
    const summary = record.summary
    const relative = index === baselineIndex ? '' : ` <span class="ratio">${esc(formatRatio(ratio(summary.throughput, base.throughput)))}</span>`
    return [
      runName(labels, index, baselineIndex),
      { html: `${esc(formatCount(summary.throughput, 1))}${relative}` },
      formatCount(summary.ops.ok),
      formatCount(summary.ops.fail),
      formatCount(summary.ops.info),
      formatSeconds(summary.durationMs),
    ]
  })
  return `${table(['run', 'ops/s', 'ok', 'fail', 'unknown', 'measured for'], rows, { numeric: [1, 2, 3, 4, 5] })}
${figure(compareThroughputChartOption(records), 'Throughput over time.', 'Acknowledged operations per second, on each run\'s experiment time (0 = workload start).')}`
}

function comparisonLeaderless(records: RunRecord[], labels: string[]): string {
  const rows: Cell[][] = []
  records.forEach((record, index) => {
    const around = leaderlessAroundFaults(record)
    const changes = record.summary.leaderChanges
    const changeWord = `${leadershipWords([record]).leader} change${changes === 1 ? '' : 's'}`
    const totals: Cell[] = [{ html: `${swatch(index)}${esc(labels[index]!)}` }, { html: 'whole run', className: 'nowrap' }, '', `${formatCount(record.summary.unavailableMs)} ms`, `${changes} ${changeWord}`]
    rows.push(totals)
    for (const { fault, untilMs, leaderlessMs } of around) {
      rows.push(['', formatSeconds(fault.atMs), describeInjected(fault), `${formatCount(leaderlessMs)} ms`, `until ${formatSeconds(untilMs)}`])
    }
  })
  const { leader } = leadershipWords(records)
  return `${table(['run', 'at', 'fault', `no ${leader}`, 'window'], rows, { numeric: [3] })}
<p class="note">Per fault: time without a ${leader} from the fault until the next fault (or the end), read from the 100 ms series. Whole run: exact, from the trace. Each run ends at ${records.map((record, index) => `${esc(labels[index]!)} ${formatSeconds(Math.round(experimentEndMs(record)))}`).join(', ')}.</p>`
}

function comparisonCosts(records: RunRecord[], labels: string[], baselineIndex: number): string {
  const costs = records.map((record) => operationCosts(record.summary))
  const base = costs[baselineIndex]!
  const rows = records.map((record, index): Cell[] => {
    const cost = costs[index]!
    const relative = (value: number | null, baseValue: number | null) => (index === baselineIndex ? '' : ` <span class="ratio">${esc(formatRatio(ratio(value, baseValue)))}</span>`)
    return [
      runName(labels, index, baselineIndex),
      { html: `${esc(formatCount(cost.messagesPerOp, 2))}${relative(cost.messagesPerOp, base.messagesPerOp)}` },
      { html: `${esc(formatBytes(cost.bytesPerOp))}${relative(cost.bytesPerOp, base.bytesPerOp)}` },
      formatCount(record.summary.messages.total),
      formatBytes(record.summary.messages.bytes),
    ]
  })
  return table(['run', 'messages / op', 'bytes / op', 'messages', 'bytes'], rows, { numeric: [1, 2, 3, 4] })
}

function comparisonVerdicts(records: RunRecord[], labels: string[]): string {
  return records
    .map((record, index) => {
      const summary = record.summary
      return `<h3>${swatch(index)}${esc(labels[index]!)} ${badge(verdictWord(summary))}</h3>\n${verdictBlock(summary)}`
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
