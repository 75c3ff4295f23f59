/**
 * Files the app hands to the person: run files (the format `lab export` writes) and reports of one
 * run or a comparison (the builders `lab report` uses; PDF printed by the host's Chromium).
 */
import { reportHtmlCharsMax, type LabApi } from '../../../src-main/api/lab-api'
import { encodeRunFile, type RunFileEncoding, type RunRecord } from '../../../src-main/api/run-file'
import { buildReportText, reportFileExtensions, type ReportFormat, type ReportMeta, type RunReportLocale } from '../../../src-main/api/report/index'

export const appReportFormats = ['html', 'md', 'csv', 'json', 'pdf'] as const satisfies readonly ReportFormat[]
export const runFileEncodings = ['json', 'ndjson.gz'] as const satisfies readonly RunFileEncoding[]

const mimeTypes: Record<ReportFormat, string> = {
  html: 'text/html;charset=utf-8',
  md: 'text/markdown;charset=utf-8',
  csv: 'text/csv;charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
}

export interface FileToSave {
  blob: Blob
  fileName: string
}

/** A file-name-safe slug of a run name ("raft 3 / crash" → "raft-3-crash"); Hangul and other letters stay. */
export function fileSlug(text: string, max = 60): string {
  const slug = text
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
  return slug || 'run'
}

export function reportFileName(records: readonly RunRecord[], format: ReportFormat): string {
  const base = records.length === 1 ? `${fileSlug(records[0]!.summary.name)}-report` : `comparison-${fileSlug(records.map((record) => record.summary.name).join(' vs '), 80)}`
  return `${base}${reportFileExtensions[format]}`
}

export async function buildReportFile(request: {
  records: RunRecord[]
  format: ReportFormat
  baselineIndex?: number
  meta: ReportMeta
  api: Pick<LabApi, 'renderPdf'>
  /** The page's language: a run report is written in it (a comparison stays English). */
  locale?: RunReportLocale
  /** @font-face rules for a Korean HTML report's text (the app's own font slices). */
  fontCssFor?: (draft: string) => Promise<string>
}): Promise<FileToSave> {
  const { records, format, meta } = request
  const fileName = reportFileName(records, format)
  const fontCssFor = request.fontCssFor ?? (async () => '')
  const textRequest = { records, baselineIndex: request.baselineIndex, meta, locale: request.locale }
  if (format === 'pdf') {
    const html = await buildReportText({ ...textRequest, format: 'html' }, fontCssFor)
    if (html.length > reportHtmlCharsMax) throw new Error(`the report is too large to print (${html.length} characters, at most ${reportHtmlCharsMax}); export it as HTML and print that from a browser`)
    const bytes = base64ToBytes(await request.api.renderPdf(html))
    return { blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mimeTypes.pdf }), fileName }
  }
  const text = await buildReportText({ ...textRequest, format }, fontCssFor)
  return { blob: new Blob([text], { type: mimeTypes[format] }), fileName }
}

export async function buildRunFile(record: RunRecord, encoding: RunFileEncoding): Promise<FileToSave> {
  const bytes = await encodeRunFile(record, encoding)
  const type = encoding === 'json' ? 'application/json' : 'application/gzip'
  return { blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), fileName: `${record.summary.runId}.${encoding}` }
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index)
  return bytes
}

/** Hands the file to the browser's (or Electron's) download: a blob URL on a clicked anchor. */
export function saveFile(file: FileToSave, doc: Document = document): void {
  const url = URL.createObjectURL(file.blob)
  const anchor = doc.createElement('a')
  anchor.href = url
  anchor.download = file.fileName
  anchor.rel = 'noopener'
  anchor.style.display = 'none'
  doc.body.appendChild(anchor)
  anchor.click()
  anchor.remove()
  // The download has taken the URL by the time this fires; revoking frees the blob.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
