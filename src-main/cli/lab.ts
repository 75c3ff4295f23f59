/**
 * The headless lab: `npm run lab -- <command>`.
 *   run <experiment.yaml> [--json] [--check] [--runs-dir DIR]   run an experiment on real processes
 *   check <run-dir | history.ndjson> [--json]                    judge a recorded history
 *   report <run-dir | run-file>... --format html|md|csv|json|pdf reports and comparisons
 *   export <run-dir> --out FILE                                  one-file run for the app
 *   validate <experiment.yaml>...                                validate experiment files
 *   schema                                                       print the experiment JSON Schema
 */
import fs from 'node:fs'
import path from 'node:path'
import { loadExperimentFile } from '../lab/experiment-file.js'
import { ExperimentRun, RunStartError, describeScriptStep } from '../lab/runner.js'
import { experimentJsonSchema } from '../api/json-schema.js'
import { formatSummary, ProgressLine } from './format.js'
import { onStopSignal, signalExitCode, type StopSignal } from '../lab/signals.js'
import type { RunSummary } from '../api/summary.js'
import { verdictWord } from '../api/report/analysis.js'
import { assertNever } from '../protocols/types.js'

/** `lab run` exit codes (README): 2 is an invalid experiment file, nothing started. */
const exitCompleted = 0
const exitViolation = 1
const exitIncomplete = 3
const exitUndecided = 4

const usage = `usage: npm run lab -- <command>
  run <experiment.yaml> [--json] [--check] [--runs-dir DIR] [--no-final-reads]
      Runs the experiment on real replica processes; prints progress on stderr and a summary.
      --json   print the summary as JSON on stdout
      --check  exit 1 when the verdict finds a violation (non-linearizable, a broken invariant, a
               replica that died), 4 when it is undecided; 3 means the run could not complete
      Ctrl-C, SIGTERM or SIGHUP interrupts the run: its run directory is kept; exit 128 + n.
  check <run-dir | history.ndjson> [--json] [--budget DURATION]
      Judges a recorded history: exit 0 linearizable, 1 not, 2 unknown or unreadable.
  report <run-dir | run-file>... [--format html|md|csv|json|pdf] [--out FILE] [--baseline N]
      One run: a run report; several: a comparison against the first (or the N-th).
      The format follows --out's extension when --format is not given.
  export <run-dir> [--out FILE.json | FILE.ndjson.gz] [--no-trace] [--no-history]
      Writes the run as one file the app imports (default ./<run id>.ndjson.gz).
  simulate <raft | primary-backup | pbft> [--seed N] [...]
      Replays one seed of the deterministic simulator (see README).
  simulate --from-run <run dir> [--verbose] [--json]
      Plays a lab run's faults, as it carried them out, in the simulator (virtual time; see README).
  validate <experiment.yaml>...
      Validates experiment files; exit 2 on the first invalid one.
  schema
      Prints the JSON Schema of the experiment format.`

const io = { stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) }

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  switch (command) {
    case 'run':
      return runCommand(args)
    case 'check': {
      const special = specialFileAmong(args, ['--budget'])
      if (special !== undefined) return fail(`lab check: ${special}`)
      const { runCheckCommand } = await import('../lab/checker/check-command.js')
      return runCheckCommand(args, io)
    }
    case 'report': {
      const special = specialFileAmong(args, ['--format', '--out', '--baseline'])
      if (special !== undefined) return fail(`lab report: ${special}`)
      const { runReportCommand } = await import('../lab/report/command.js')
      return runReportCommand(args, io)
    }
    case 'export': {
      const { runExportCommand } = await import('../lab/report/command.js')
      return runExportCommand(args, io)
    }
    case 'simulate': {
      if (args.includes('--from-run')) {
        const { runSimulateFromRun } = await import('./simulate-from-run.js')
        return runSimulateFromRun(args, io)
      }
      const { runSimulateCommand } = await import('../sim/command.js')
      return runSimulateCommand(args, io)
    }
    case 'validate':
      return validateCommand(args)
    case 'schema':
      process.stdout.write(`${JSON.stringify(experimentJsonSchema(), null, 2)}\n`)
      return 0
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${usage}\n`)
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}\n${usage}\n`)
      return 2
  }
}

async function runCommand(args: string[]): Promise<number> {
  const flags = new Set(args.filter((arg) => arg.startsWith('--')))
  const runsDirIndex = args.indexOf('--runs-dir')
  const runsDir = runsDirIndex >= 0 ? args[runsDirIndex + 1] : undefined
  if (runsDirIndex >= 0 && !runsDir) return fail('--runs-dir needs a directory')
  const known = new Set(['--json', '--check', '--runs-dir', '--no-final-reads', '--no-check'])
  const unknown = [...flags].filter((flag) => !known.has(flag))
  if (unknown.length > 0) return fail(`unknown option ${unknown.join(', ')}\n${usage}`)
  const files = args.filter((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--runs-dir')
  if (files.length !== 1) return fail(`run needs exactly one experiment file\n${usage}`)
  const loaded = loadExperimentFile(files[0]!)
  if (!loaded.ok) return fail(loaded.message)
  const experiment = loaded.experiment
  const runsRoot = path.resolve(runsDir ?? 'runs')
  const runsDirProblem = runsDirectoryProblem(runsRoot)
  if (runsDirProblem !== undefined) return fail(`--runs-dir ${runsDir ?? 'runs'}: ${runsDirProblem}`)
  const progress = new ProgressLine(process.stderr, experiment.workload.duration)
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

function validateCommand(files: string[]): number {
  if (files.length === 0) return fail(`validate needs at least one file\n${usage}`)
  for (const file of files) {
    const loaded = loadExperimentFile(file)
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

/**
 * A path argument that is neither a file nor a directory (a FIFO would block the read forever), as
 * a message; `valued` are the options whose next argument is their value, not a path.
 */
function specialFileAmong(args: string[], valued: string[]): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!
    if (valued.includes(arg)) index += 1
    if (arg.startsWith('-')) continue
    const info = fs.statSync(arg, { throwIfNoEntry: false })
    if (info !== undefined && !info.isFile() && !info.isDirectory()) return `${arg}: not a regular file or directory`
  }
  return undefined
}

function fail(message: string): number {
  process.stderr.write(`${message}\n`)
  return 2
}

// A terminal that went away (EIO) or a closed pipe (EPIPE) must not stop a run from cleaning up.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined)

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: Error) => {
    // One line for a person; the stack when asked for (CONSENSUS_LAB_DEBUG=1).
    const detail = process.env.CONSENSUS_LAB_DEBUG ? (error.stack ?? error.message) : String(error.message).split('\n')[0]
    process.stderr.write(`lab: ${detail}\n`)
    process.exitCode = 3
  },
)
