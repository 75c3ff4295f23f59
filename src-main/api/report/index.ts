/**
 * Reports of one run (a run report) or several (a comparison report against a baseline), in the
 * formats that need no browser: HTML, Markdown, CSV and JSON. PDF is the HTML printed by Chromium
 * (the CLI: src-main/lab/report/pdf.ts; the app: Electron's printToPDF).
 */
import type { RunRecord } from '../run-file.js'
import { latencyPercentiles, operationCosts, ratio, verdictWord, workloadDifferences } from './analysis.js'
import { buildReportCsv } from './csv.js'
import { buildComparisonReportHtml, buildRunReportHtml, type ReportMeta } from './html.js'
import { buildComparisonReportMarkdown, buildRunReportMarkdown } from './markdown.js'
import type { RunReportLocale } from './run-report-words.js'

export type { ReportMeta } from './html.js'
export { buildComparisonReportHtml, buildRunReportHtml } from './html.js'
export { buildComparisonReportMarkdown, buildRunReportMarkdown } from './markdown.js'
export { buildReportCsv } from './csv.js'
export { runReportWords, type RunReportLocale } from './run-report-words.js'

export const reportFormats = ['html', 'md', 'csv', 'json', 'pdf'] as const
export type ReportFormat = (typeof reportFormats)[number]
export type TextReportFormat = Exclude<ReportFormat, 'pdf'>

export const reportFileExtensions: Record<ReportFormat, string> = { html: '.html', md: '.md', csv: '.csv', json: '.json', pdf: '.pdf' }

export interface ReportRequest {
  records: RunRecord[]
  format: TextReportFormat
  /** Index into records of the run the others are compared with (default 0). */
  baselineIndex?: number
  meta: ReportMeta
  /**
   * The language of a run or comparison report (HTML, Markdown, and the PDF printed from the HTML);
   * default English. CSV and JSON are data.
   */
  locale?: RunReportLocale
  /** @font-face rules for a Korean HTML report (buildReportText fills them in). */
  fontCss?: string
}

export function buildReport(request: ReportRequest): string {
  const { records, format, meta } = request
  if (records.length === 0) throw new Error('a report needs at least one run')
  const baselineIndex = request.baselineIndex ?? 0
  if (baselineIndex < 0 || baselineIndex >= records.length) throw new Error(`the baseline must be one of the ${records.length} runs`)
  const single = records.length === 1
  const locale = request.locale ?? 'en'
  switch (format) {
    case 'html':
      return single ? buildRunReportHtml(records[0]!, meta, locale, request.fontCss) : buildComparisonReportHtml(records, baselineIndex, meta, locale, request.fontCss)
    case 'md':
      return single ? buildRunReportMarkdown(records[0]!, meta, locale) : buildComparisonReportMarkdown(records, baselineIndex, meta, locale)
    case 'csv':
      return buildReportCsv(records)
    case 'json':
      return `${JSON.stringify(single ? records[0]!.summary : comparisonJson(records, baselineIndex), null, 2)}\n`
  }
}

/**
 * The report, with the Korean font embedded where its text needs it: `fontCssFor` turns a draft's
 * text into @font-face rules (the CLI reads the slices from disk, the app from its bundle).
 */
export async function buildReportText(request: ReportRequest, fontCssFor: (draft: string) => Promise<string>): Promise<string> {
  const draft = buildReport(request)
  if (request.format !== 'html' || (request.locale ?? 'en') === 'en') return draft
  return buildReport({ ...request, fontCss: await fontCssFor(draft) })
}

/** Several runs as JSON: their summaries, and each run's key figures with ratios to the baseline. */
export function comparisonJson(records: RunRecord[], baselineIndex: number) {
  const baseline = records[baselineIndex]!
  const baseLatency = latencyPercentiles(baseline)
  const baseCosts = operationCosts(baseline.summary)
  return {
    baseline: baseline.summary.runId,
    runs: records.map((record, index) => {
      const latency = latencyPercentiles(record)
      const costs = operationCosts(record.summary)
      return {
        runId: record.summary.runId,
        name: record.summary.name,
        verdict: verdictWord(record.summary),
        latencyMs: latency,
        latencyRatio: {
          p50: ratio(latency.p50, baseLatency.p50),
          p90: ratio(latency.p90, baseLatency.p90),
          p99: ratio(latency.p99, baseLatency.p99),
          p999: ratio(latency.p999, baseLatency.p999),
          max: ratio(latency.max, baseLatency.max),
        },
        throughputRatio: ratio(record.summary.throughput, baseline.summary.throughput),
        messagesPerOp: costs.messagesPerOp,
        bytesPerOp: costs.bytesPerOp,
        messagesPerOpRatio: ratio(costs.messagesPerOp, baseCosts.messagesPerOp),
        bytesPerOpRatio: ratio(costs.bytesPerOp, baseCosts.bytesPerOp),
        workloadDifferences: index === baselineIndex ? [] : workloadDifferences(baseline, record),
      }
    }),
    summaries: records.map((record) => record.summary),
  }
}
