/**
 * `lab run` and `lab validate`: loaded by lab.ts only for those commands (the runner and the
 * experiment schema are most of the CLI's start-up time, which `lab check` does without).
 */
import fs from 'node:fs'
import path from 'node:path'
import { loadExperimentFile } from '../lab/experiment-file.js'
import { ExperimentRun, RunStartError, describeScriptStep } from '../lab/runner.js'
import { formatSummary, ProgressLine } from './format.js'
import { onStopSignal, signalExitCode, type StopSignal } from '../lab/signals.js'
import type { RunSummary } from '../api/summary.js'
import { verdictWord } from '../api/report/analysis.js'
import { assertNever } from '../protocols/types.js'
import { validationLocales, type ValidationLocale } from '../api/validation-text.js'

/** `lab run` exit codes (README): 2 is an invalid experiment file, nothing started. */
const exitCompleted = 0
const exitViolation = 1
const exitIncomplete = 3
const exitUndecided = 4

/** `--locale en|ko` (the language of validation errors), taken out of the arguments. */
export function takeLocale(args: string[]): { ok: true; locale: ValidationLocale; rest: string[] } | { ok: false; message: string } {
  const index = args.indexOf('--locale')
  if (index < 0) return { ok: true, locale: 'en', rest: args }
  const value = args[index + 1]
  if (!(validationLocales as readonly string[]).includes(value ?? '')) return { ok: false, message: `--locale: expected ${validationLocales.join(' or ')}, got ${JSON.stringify(value ?? '')}` }
  return { ok: true, locale: value as ValidationLocale, rest: [...args.slice(0, index), ...args.slice(index + 2)] }
}

export async function runCommand(allArgs: string[], usage: string): Promise<number> {
  const localeOption = takeLocale(allArgs)
  if (!localeOption.ok) return fail(localeOption.message)
  const { locale, rest: args } = localeOption
  const flags = new Set(args.filter((arg) => arg.startsWith('--')))
  const runsDirIndex = args.indexOf('--runs-dir')
  const runsDir = runsDirIndex >= 0 ? args[runsDirIndex + 1] : undefined
  if (runsDirIndex >= 0 && !runsDir) return fail('--runs-dir needs a directory')
  const known = new Set(['--json', '--check', '--runs-dir', '--no-final-reads', '--no-check'])
  const unknown = [...flags].filter((flag) => !known.has(flag))
  if (unknown.length > 0) return fail(`unknown option ${unknown.join(', ')}\n${usage}`)
  const files = args.filter((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--runs-dir')
  if (files.length !== 1) return fail(`run needs exactly one experiment file\n${usage}`)
  const loaded = loadExperimentFile(files[0]!, locale)
  if (!loaded.ok) return fail(loaded.message)
  const experiment = loaded.experiment
  const runsRoot = path.resolve(runsDir ?? 'runs')
  const runsDirProblem = runsDirectoryProblem(runsRoot)
  if (runsDirProblem !== undefined) return fail(`--runs-dir ${runsDir ?? 'runs'}: ${runsDirProblem}`)
  const progress = new ProgressLine(process.stderr, experiment.workload.duration, experiment.protocol)
  let run: ExperimentRun
  try {
    run = new ExperimentRun(experiment, {
      runsDir: runsRoot,
      sourceText: loaded.text,
      check: !flags.has('--no-check'),
      finalReads: !flags.has('--no-final-reads'),
      onMessage: (message) => {
        if (message.kind === 'frame') progress.update(message)
      },
      onScriptStep: (step) => progress.note(describeScriptStep(step)),
    })
  } catch (error) {
    if (!(error instanceof RunStartError)) throw error
    process.stderr.write(`lab run: ${error.message}\n`)
    return exitIncomplete
  }
  progress.note(`run ${run.id}: ${experiment.protocol}, ${experiment.cluster.nodes.length} nodes (${experiment.cluster.nodes.join(', ')})`)
  let stoppedBy: StopSignal | undefined
  const removeSignalHandlers = onStopSignal((signal) => {
    stoppedBy = signal
    run.interrupt(`interrupted by ${signal}`)
  })
  const summary = await run.execute()
  removeSignalHandlers()
  progress.done()
  if (flags.has('--json')) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  else process.stdout.write(formatSummary(summary))
  if (!summary.completed) {
    process.stderr.write(`the run did not complete: ${summary.error}\n(run directory kept: ${summary.runDir})\n`)
    return stoppedBy === undefined ? exitIncomplete : signalExitCode(stoppedBy)
  }
  return flags.has('--check') ? checkedExitCode(summary) : exitCompleted
}

/** `lab run --check`: only a verdict that passed is 0; one that could not decide is not a pass either. */
function checkedExitCode(summary: RunSummary): number {
  const word = verdictWord(summary)
  switch (word) {
    case 'PASS':
      return exitCompleted
    case 'FAIL':
      return exitViolation
    case 'UNDECIDED':
    case 'NOT CHECKED':
      return exitUndecided
    case 'INCOMPLETE':
      return exitIncomplete
    default:
      return assertNever(word, 'verdict')
  }
}

export function validateCommand(args: string[], usage: string): number {
  const localeOption = takeLocale(args)
  if (!localeOption.ok) return fail(localeOption.message)
  const { locale, rest: files } = localeOption
  if (files.length === 0) return fail(`validate needs at least one file\n${usage}`)
  for (const file of files) {
    const loaded = loadExperimentFile(file, locale)
    if (!loaded.ok) return fail(loaded.message)
    process.stdout.write(`${file}: ok (${loaded.experiment.protocol}, ${loaded.experiment.cluster.nodes.length} nodes)\n`)
  }
  return 0
}

/** Why runs cannot be kept in `dir`, or undefined when they can (it is created if missing). */
function runsDirectoryProblem(dir: string): string | undefined {
  try {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) return 'not a directory'
    fs.mkdirSync(dir, { recursive: true })
    // Root passes access checks that a real write would fail (a read-only mount): try one.
    fs.rmdirSync(fs.mkdtempSync(path.join(dir, '.write-test-')))
    return undefined
  } catch (error) {
    return `cannot create a run directory there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`
  }
}

function fail(message: string): number {
  process.stderr.write(`${message}\n`)
  return 2
}
