/**
 * The headless lab: `npm run lab -- <command>`.
 *   run <experiment.yaml> [--json] [--check] [--runs-dir DIR]   run an experiment on real processes
 *   check <run-dir | history.ndjson>... [--json]                 judge recorded histories
 *   report <run-dir | run-file>... --format html|md|csv|json|pdf reports and comparisons
 *   export <run-dir> --out FILE                                  one-file run for the app
 *   sweep <sweep.yaml> | sweep report <dir>                      comparison sweeps (cli/sweep.ts)
 *   validate <experiment.yaml>...                                validate experiment files
 *   schema                                                       print the experiment JSON Schema
 *   exercise list|schema|run|grade ...                           the course (src-main/lab/exercise/command.ts)
 */
import fs from 'node:fs'

const usage = `usage: npm run lab -- <command>
  run <experiment.yaml> [--json] [--check] [--runs-dir DIR] [--no-final-reads] [--locale en|ko]
      Runs the experiment on real replica processes; prints progress on stderr and a summary.
      --locale ko  say an invalid experiment's errors in Korean
      --json   print the summary as JSON on stdout
      --check  exit 1 when the verdict finds a violation (non-linearizable, a broken invariant, a
               replica that died), 4 when it is undecided; 3 means the run could not complete
      Ctrl-C, SIGTERM or SIGHUP interrupts the run: its run directory is kept; exit 128 + n.
  check <run-dir | history.ndjson>... [--json] [--budget DURATION]
      Judges recorded histories: exit 0 linearizable, 1 not, 2 unknown or unreadable; several
      targets are checked in one process (a table; the exit code of the worst).
  report <run-dir | run-file>... [--format html|md|csv|json|pdf] [--out FILE] [--baseline N]
      One run: a run report; several: a comparison against the first (or the N-th).
      The format follows --out's extension when --format is not given.
  export <run-dir> [--out FILE.json | FILE.ndjson.gz] [--no-trace] [--no-history]
      Writes the run as one file the app imports (default ./<run id>.ndjson.gz).
  simulate <raft | primary-backup | pbft> [--seed N] [...]
      Replays one seed of the deterministic simulator (see README).
  simulate --from-run <run dir> [--verbose] [--json]
      Plays a lab run's faults, as it carried them out, in the simulator (virtual time; see README).
  sweep <sweep.yaml> [--runs-dir DIR] [--restart] [--dry-run] | sweep report <dir> [--format ...]
      Runs a comparison sweep (every cell of its axes, on real processes; resumes), or reports one.
  validate <experiment.yaml>... [--locale en|ko]
      Validates experiment files; exit 2 on the first invalid one (its errors in Korean with --locale ko).
  schema
      Prints the JSON Schema of the experiment format.
  exercise list | schema | run <exercise> [...] | grade <folder>... [--csv FILE]
      The course: list the exercises, run one and check answers, grade hand-ins (lab exercise help).`

const io = { stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) }

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  switch (command) {
    case 'run': {
      const { runCommand } = await import('./lab-run.js')
      return runCommand(args, usage)
    }
    case 'check': {
      const special = specialFileAmong(args, ['--budget'])
      if (special !== undefined) return fail(`lab check: ${special}`)
      const { runCheckCommand } = await import('../lab/checker/check-command.js')
      return runCheckCommand(args, io)
    }
    case 'report': {
      const special = specialFileAmong(args, ['--format', '--out', '--baseline', '--locale'])
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
    case 'exercise': {
      const { runExerciseCommand } = await import('../lab/exercise/command.js')
      return runExerciseCommand(args, io)
    }
    case 'sweep': {
      const { runSweepCommand } = await import('./sweep.js')
      return runSweepCommand(args, io)
    }
    case 'validate': {
      const { validateCommand } = await import('./lab-run.js')
      return validateCommand(args, usage)
    }
    case 'schema': {
      const { experimentJsonSchema } = await import('../api/json-schema.js')
      process.stdout.write(`${JSON.stringify(experimentJsonSchema(), null, 2)}\n`)
      return 0
    }
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
