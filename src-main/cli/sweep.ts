/**
 * `lab sweep`: run a sweep file's cells on real processes (resuming an interrupted sweep), and
 * report a finished one.
 */
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { sweepEta, sweepSchema } from '../api/sweep.js'
import { formatMs, formatCount, formatRatio } from '../api/report/format.js'
import { sweepExportText } from '../api/report/sweep-report.js'
import type { SweepSummary } from '../api/report/sweep-results.js'
import { reportFontCss } from '../lab/report/fonts.js'
import { takeLocale } from './lab-run.js'
import { onStopSignal, signalExitCode, type StopSignal } from '../lab/signals.js'
import { csvFileName, loadSweepFile, SweepSession, summaryFileName, stateFileName, sweepRuns } from '../lab/sweep/session.js'
import { labVersion } from '../lab/report/environment.js'
import { ChromiumMissingError, htmlToPdf } from '../lab/report/pdf.js'

export const sweepUsage = `usage: npm run lab -- sweep <sweep.yaml> [--runs-dir DIR] [--restart] [--dry-run] [--locale en|ko]
       npm run lab -- sweep report <sweep dir> [--format html|md|csv|json|pdf] [--out FILE] [--locale en|ko]
       npm run lab -- sweep schema
  Runs every cell of the sweep on real replica processes, one run after another, into DIR
  (default runs/sweeps/<sweep name>); run the same command again to resume an interrupted sweep
  (runs that completed are not run again; --restart forgets them). --dry-run lists the cells.
  Exit 0 when every run completed, 3 when some did not, 2 for an invalid sweep file.`

interface IO {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

const barWidth = 24

export async function runSweepCommand(allArgs: string[], io: IO): Promise<number> {
  const fail = (message: string, code = 2) => {
    io.stderr(`lab sweep: ${message}\n`)
    return code
  }
  if (allArgs[0] === 'schema') {
    io.stdout(`${JSON.stringify(sweepJsonSchema(), null, 2)}\n`)
    return 0
  }
  if (allArgs[0] === 'report') return reportCommand(allArgs.slice(1), io, fail)
  if (allArgs.includes('--help') || allArgs.includes('-h')) {
    io.stdout(`${sweepUsage}\n`)
    return 0
  }
  // --locale ko: an invalid sweep file's errors (and its cells') in Korean.
  const localeOption = takeLocale(allArgs)
  if (!localeOption.ok) return fail(localeOption.message)
  const { locale, rest: args } = localeOption
  const known = new Set(['--runs-dir', '--restart', '--dry-run'])
  const unknown = args.filter((arg) => arg.startsWith('--') && !known.has(arg))
  if (unknown.length > 0) return fail(`unknown option ${unknown.join(', ')}\n${sweepUsage}`)
  const runsDirIndex = args.indexOf('--runs-dir')
  const runsDir = runsDirIndex >= 0 ? args[runsDirIndex + 1] : undefined
  if (runsDirIndex >= 0 && (runsDir === undefined || runsDir.startsWith('--'))) return fail('--runs-dir needs a directory')
  const files = args.filter((arg, index) => !arg.startsWith('--') && (runsDirIndex < 0 || index !== runsDirIndex + 1))
  if (files.length !== 1) return fail(`expected one sweep file\n${sweepUsage}`)
  const loaded = loadSweepFile(files[0]!, locale)
  if (!loaded.ok) {
    io.stderr(`${loaded.message}\n`)
    return 2
  }
  const sweep = loaded.loaded
  const runs = sweepRuns(sweep)
  if (args.includes('--dry-run')) {
    for (const cell of sweep.cells) io.stdout(`${cell.id}: ${cell.label} (${cell.experiment.protocol}, ${cell.experiment.cluster.nodes.length} nodes)\n`)
    io.stdout(`${sweep.cells.length} cells × ${sweep.sweep.repetitions} repetitions = ${runs.length} runs\n`)
    return 0
  }
  const dir = path.resolve(runsDir ?? path.join('runs', 'sweeps', sweep.sweep.name.replace(/[^A-Za-z0-9_.-]+/g, '-')))
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) return fail(`--runs-dir ${dir}: not a directory`)
  if (args.includes('--restart')) fs.rmSync(path.join(dir, stateFileName), { force: true })
  const session = new SweepSession(sweep, {
    dir,
    onRunStart: (progress) => {
      const filled = Math.round((progress.index / progress.total) * barWidth)
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`
      const repetition = sweep.sweep.repetitions > 1 ? `, repetition ${progress.run.repetition}/${sweep.sweep.repetitions}` : ''
      io.stderr(`${bar} ${progress.index + 1}/${progress.total} ${progress.run.cell.label}${repetition} (seed ${progress.run.experiment.seed}); about ${formatEta(progress.etaMs)} left\n`)
    },
    onRunEnd: (result) => {
      const figures = result.completed ? `p50 ${formatMs(result.p50Ms)}, p99 ${formatMs(result.p99Ms)}, ${formatCount(result.throughput)} ops/s, ${result.verdict}` : `did not complete: ${result.error ?? 'unknown error'}`
      io.stderr(`  ${figures}\n`)
    },
  })
  const previous = fs.existsSync(path.join(dir, stateFileName))
  io.stderr(`sweep ${sweep.sweep.name}: ${sweep.cells.length} cells × ${sweep.sweep.repetitions} = ${runs.length} runs into ${dir}${previous ? ' (resuming)' : ''}\n`)
  let stoppedBy: StopSignal | undefined
  const removeHandlers = onStopSignal((signal) => {
    stoppedBy = signal
    session.interrupt(`interrupted by ${signal}`)
  })
  const outcome = await session.run().finally(removeHandlers)
  io.stdout(formatSweepTable(outcome.summary))
  io.stdout(`${outcome.ran} runs made, ${outcome.reused} kept from before; results in ${path.join(dir, summaryFileName)} and ${csvFileName}\n`)
  io.stdout(`report: npm run lab -- sweep report ${path.relative(process.cwd(), dir) || '.'} --out ${sweep.sweep.name}.html\n`)
  if (stoppedBy !== undefined) {
    io.stderr(`interrupted: run the same command again to resume\n`)
    return signalExitCode(stoppedBy)
  }
  const incomplete = outcome.summary.cells.some((cell) => cell.runsCompleted < cell.runs)
  return incomplete ? 3 : 0
}

function formatEta(ms: number): string {
  const eta = sweepEta(ms)
  return eta.unit === 'seconds' ? `${eta.n} s` : `${eta.n} min`
}

export function formatSweepTable(summary: SweepSummary): string {
  const rows = summary.cells.map((cell) => [
    cell.label,
    `${cell.runsCompleted}/${cell.runs}`,
    formatMs(cell.p50Ms?.median ?? null),
    formatMs(cell.p99Ms?.median ?? null),
    formatCount(cell.throughput?.median ?? null),
    Object.entries(cell.verdicts).map(([word, count]) => `${word}${count > 1 ? ` ×${count}` : ''}`).join(', '),
  ])
  const header = ['cell', 'runs', 'p50', 'p99', 'ops/s', 'verdicts']
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  const format = (row: string[]) => row.map((value, column) => (column === 0 || column === 5 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!))).join('  ').trimEnd()
  const lines = [format(header), ...rows.map(format)]
  for (const ratio of summary.ratios) {
    const apart = ratio.p50Distinguishable === undefined ? '' : ratio.p50Distinguishable ? ' (apart at 95%)' : ' (not distinguishable at 95%)'
    lines.push(`${ratio.other} / ${ratio.baseline}: p50 ${formatRatio(ratio.p50)}${apart}, throughput ${formatRatio(ratio.throughput)}`)
  }
  return `${lines.join('\n')}\n`
}

async function reportCommand(allArgs: string[], io: IO, fail: (message: string, code?: number) => number): Promise<number> {
  // --locale ko: the report's words in Korean (the HTML and PDF embed the Korean font they need).
  const localeOption = takeLocale(allArgs)
  if (!localeOption.ok) return fail(localeOption.message)
  const { locale, rest: args } = localeOption
  const formats = ['html', 'md', 'csv', 'json', 'pdf'] as const
  let format: (typeof formats)[number] | undefined
  let out: string | undefined
  const positional: string[] = []
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!
    if (arg === '--format' || arg === '--out') {
      const value = args[index + 1]
      if (value === undefined) return fail(`${arg} needs a value`)
      if (arg === '--out') out = value
      else if ((formats as readonly string[]).includes(value)) format = value as (typeof formats)[number]
      else return fail(`unknown format ${JSON.stringify(value)}: expected one of ${formats.join(', ')}`)
      index += 1
    } else if (arg.startsWith('--')) return fail(`unknown option ${arg}\n${sweepUsage}`)
    else positional.push(arg)
  }
  if (positional.length !== 1) return fail(`sweep report needs one sweep directory\n${sweepUsage}`)
  format ??= (formats.find((candidate) => out?.toLowerCase().endsWith(`.${candidate}`)) ?? 'html')
  if (format === 'pdf' && out === undefined) return fail('a PDF report needs --out FILE.pdf')
  const file = path.join(positional[0]!, summaryFileName)
  let summary: SweepSummary
  try {
    summary = JSON.parse(fs.readFileSync(file, 'utf8')) as SweepSummary
  } catch (error) {
    return fail(`${file}: cannot read a sweep summary (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); run the sweep first`)
  }
  const meta = { generatedAt: new Date().toISOString(), labVersion: labVersion() }
  let output: string | Uint8Array
  switch (format) {
    case 'html':
    case 'md':
    case 'csv':
      output = await sweepExportText(summary, format, meta, locale, reportFontCss)
      break
    case 'json':
      output = `${JSON.stringify(summary, null, 2)}\n`
      break
    case 'pdf':
      try {
        output = await htmlToPdf(await sweepExportText(summary, 'html', meta, locale, reportFontCss))
      } catch (error) {
        if (error instanceof ChromiumMissingError) return fail(error.message, 3)
        return fail(`Chromium could not print the report: ${(error as Error).message.split('\n')[0]}`, 3)
      }
  }
  if (out === undefined) {
    io.stdout(output as string)
    return 0
  }
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true })
  fs.writeFileSync(out, output)
  io.stderr(`wrote ${out}: ${format} report of sweep ${summary.name} (${summary.cells.length} cells)\n`)
  return 0
}

/** The sweep format as JSON Schema, for editors (experiments/sweeps/sweep.schema.json). */
export function sweepJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(sweepSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return {
    ...schema,
    $id: 'https://consensus-lab.local/sweep.schema.json',
    title: 'Consensus Lab sweep',
    description: 'A base experiment and the axes to vary (protocol, faultTolerance or nodes, delayMs, clients or rate, durability, variant); every cell is run `repetitions` times.',
  }
}
