/**
 * `lab report` and `lab export`.
 *
 *   report <run-dir | run-file>... [--format html|md|csv|json|pdf] [--out FILE] [--baseline N] [--locale en|ko]
 *     One run: a run report; several: a comparison report against the first (or the N-th, from 1); in Korean with --locale ko.
 *     The format defaults to the --out file's extension, else html; without --out the report goes
 *     to stdout (pdf needs --out).
 *   export <run-dir> [--out FILE.json | FILE.ndjson.gz] [--no-trace] [--no-history]
 *     Writes the run as one file, the format the app imports (default ./<run id>.ndjson.gz).
 *
 * Exit codes: 0 written; 2 bad input (unknown option or format, missing or unreadable run, corrupt
 * or foreign run file), one line on stderr; 3 the report could not be produced (Chromium missing or
 * failed, the output could not be written).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { RunFileError, runFileEncodingFor, type RunRecord } from '../../api/run-file.js'
import { buildReportText, reportFileExtensions, reportFormats, type ReportFormat, type RunReportLocale } from '../../api/report/index.js'
import { reportFontCss } from './fonts.js'
import { formatBytes } from '../../api/report/format.js'
import { labVersion } from './environment.js'
import { ChromiumMissingError, htmlToPdf } from './pdf.js'
import { RunInputError, loadRun, loadRunDirectory, writeRunFileToDisk } from './run-directory.js'

export interface CommandIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

export const exitOk = 0
export const exitBadInput = 2
export const exitFailed = 3

export const reportUsage = `usage: lab report <run-dir | run-file>... [--format html|md|csv|json|pdf] [--out FILE] [--baseline N] [--locale en|ko]
  One run gives a run report; several give a comparison report against the first (or --baseline N, counting from 1).
  The format follows --out's extension when --format is not given (else html); without --out the report goes to stdout.
  --locale ko writes a run or comparison report in Korean (HTML and PDF embed the Korean font; CSV and JSON are data).`

/** The same in Korean (`lab report --help --locale ko`). */
export const reportUsageKo = `사용법: lab report <run-dir | run-file>... [--format html|md|csv|json|pdf] [--out FILE] [--baseline N] [--locale en|ko]
  실행 하나는 실행 보고서, 여럿은 첫 번째(또는 --baseline N, 1부터 셈)와 비교한 보고서가 됩니다.
  --format이 없으면 --out의 확장자로 형식을 정하고(없으면 html), --out이 없으면 stdout에 씁니다.
  --locale ko는 실행 보고서와 비교 보고서를 한국어로 씁니다(HTML과 PDF에는 한국어 글꼴을 넣고, CSV와 JSON은 데이터입니다).`

export const exportUsage = `usage: lab export <run-dir> [--out FILE.json | FILE.ndjson.gz] [--no-trace] [--no-history]
  Writes the run as a single file that the app imports (default: ./<run id>.ndjson.gz).`

interface ParsedArgs {
  positional: string[]
  options: Map<string, string>
  flags: Set<string>
}

/** Splits arguments into positionals, `--name value` / `--name=value` options and bare flags. */
function parseArgs(args: string[], valued: string[], bare: string[]): { ok: true; value: ParsedArgs } | { ok: false; error: string } {
  const parsed: ParsedArgs = { positional: [], options: new Map(), flags: new Set() }
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg)
      continue
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    if (bare.includes(name)) parsed.flags.add(name)
    else if (valued.includes(name)) {
      const value = inline ?? args[++index]
      if (value === undefined || value === '') return { ok: false, error: `${name} needs a value` }
      parsed.options.set(name, value)
    } else return { ok: false, error: `unknown option ${name}` }
  }
  return { ok: true, value: parsed }
}

function formatFromFile(file: string): ReportFormat | undefined {
  const lower = file.toLowerCase()
  if (lower.endsWith('.htm')) return 'html'
  if (lower.endsWith('.markdown')) return 'md'
  return reportFormats.find((format) => lower.endsWith(reportFileExtensions[format]))
}

export async function runReportCommand(args: string[], io: CommandIo): Promise<number> {
  const fail = (message: string, code = exitBadInput) => {
    io.stderr(`lab report: ${message}\n`)
    return code
  }
  if (args.includes('--help') || args.includes('-h')) {
    const korean = args.some((arg, index) => arg === '--locale=ko' || (arg === '--locale' && args[index + 1] === 'ko'))
    io.stdout(`${korean ? reportUsageKo : reportUsage}\n`)
    return exitOk
  }
  const parsed = parseArgs(args, ['--format', '--out', '--baseline', '--locale'], [])
  if (!parsed.ok) return fail(`${parsed.error}\n${reportUsage}`)
  const { positional, options } = parsed.value
  if (positional.length === 0) return fail(`expected at least one run directory or run file\n${reportUsage}`)
  const out = options.get('--out')
  const requested = options.get('--format')
  if (requested !== undefined && !(reportFormats as readonly string[]).includes(requested)) {
    return fail(`unknown format ${JSON.stringify(requested)}: expected one of ${reportFormats.join(', ')}`)
  }
  const format: ReportFormat | undefined = (requested as ReportFormat | undefined) ?? (out ? formatFromFile(out) : 'html')
  if (!format) return fail(`cannot tell the format from ${out}: add --format ${reportFormats.join('|')}`)
  if (format === 'pdf' && !out) return fail('a PDF report needs --out FILE.pdf')
  const locale = options.get('--locale') ?? 'en'
  if (locale !== 'en' && locale !== 'ko') return fail(`--locale expects en or ko, got ${JSON.stringify(locale)}`)
  const baselineText = options.get('--baseline') ?? '1'
  const baseline = Number(baselineText)
  if (!Number.isInteger(baseline) || baseline < 1 || baseline > positional.length) {
    return fail(`--baseline expects a run's position, 1 to ${positional.length}, got ${JSON.stringify(baselineText)}`)
  }
  let records: RunRecord[]
  try {
    records = await Promise.all(positional.map((target) => loadRun(target)))
  } catch (error) {
    if (error instanceof RunInputError || error instanceof RunFileError) return fail(error.message)
    throw error
  }
  const meta = { generatedAt: new Date().toISOString(), labVersion: labVersion() }
  const baselineIndex = baseline - 1
  let output: string | Uint8Array
  const request = { records, baselineIndex, meta, locale: locale as RunReportLocale }
  if (format === 'pdf') {
    const html = await buildReportText({ ...request, format: 'html' }, reportFontCss)
    try {
      output = await htmlToPdf(html)
    } catch (error) {
      if (error instanceof ChromiumMissingError) return fail(error.message, exitFailed)
      return fail(`Chromium could not print the report: ${(error as Error).message.split('\n')[0]}`, exitFailed)
    }
  } else output = await buildReportText({ ...request, format }, reportFontCss)
  if (!out) {
    io.stdout(output as string)
    return exitOk
  }
  const written = await writeOutput(out, output)
  if (written !== undefined) return fail(written, exitFailed)
  const what = records.length === 1 ? `run report of ${records[0]!.summary.name}` : `comparison of ${records.length} runs (baseline ${records[baselineIndex]!.summary.name})`
  const csvNote = format === 'csv' ? '; rows: summary, the latency percentile distribution from the HdrHistogram (per-operation latencies are not stored), and the series per 100 ms frame' : ''
  io.stderr(`wrote ${out}: ${format} ${what}, ${formatBytes(typeof output === 'string' ? Buffer.byteLength(output) : output.byteLength)}${csvNote}\n`)
  return exitOk
}

/** Writes the file (making its folder); returns a message when that fails. */
async function writeOutput(file: string, content: string | Uint8Array): Promise<string | undefined> {
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true })
    await writeFile(file, content)
    return undefined
  } catch (error) {
    return `cannot write ${file}: ${(error as Error).message}`
  }
}

export async function runExportCommand(args: string[], io: CommandIo): Promise<number> {
  const fail = (message: string, code = exitBadInput) => {
    io.stderr(`lab export: ${message}\n`)
    return code
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${exportUsage}\n`)
    return exitOk
  }
  const parsed = parseArgs(args, ['--out'], ['--no-trace', '--no-history'])
  if (!parsed.ok) return fail(`${parsed.error}\n${exportUsage}`)
  const { positional, options, flags } = parsed.value
  if (positional.length !== 1) return fail(`expected one run directory\n${exportUsage}`)
  const requestedOut = options.get('--out')
  if (requestedOut !== undefined && !runFileEncodingFor(requestedOut)) return fail(`--out must end in .json or .ndjson.gz, got ${requestedOut}`)
  let record: RunRecord
  try {
    record = await loadRunDirectory(positional[0]!, { trace: !flags.has('--no-trace'), history: !flags.has('--no-history') })
  } catch (error) {
    if (error instanceof RunInputError) return fail(error.message)
    throw error
  }
  const out = requestedOut ?? `${record.summary.runId}.ndjson.gz`
  try {
    await mkdir(path.dirname(path.resolve(out)), { recursive: true })
    await writeRunFileToDisk(out, record)
  } catch (error) {
    return fail(`cannot write ${out}: ${(error as Error).message}`, exitFailed)
  }
  const parts = [`${record.series.length} series points`]
  if (record.trace) parts.push(`${record.trace.events.length} trace events${record.trace.omitted > 0 ? ` (${record.trace.omitted} left out)` : ''}`)
  if (record.history) parts.push(`${record.history.events.length} history events${record.history.omitted > 0 ? ` (${record.history.omitted} left out)` : ''}`)
  io.stderr(`wrote ${out}: ${record.summary.name} (${record.summary.runId}), ${parts.join(', ')}\n`)
  for (const note of [record.trace?.note, record.history?.note]) if (note) io.stderr(`note: ${note}\n`)
  return exitOk
}
