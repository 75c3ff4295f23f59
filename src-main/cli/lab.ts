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
import type { KoreanUsageCommand } from './usage-ko.js'

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
  report <run-dir | run-file>... [--format html|md|csv|json|pdf] [--out FILE] [--baseline N] [--locale en|ko]
      One run: a run report; several: a comparison against the first (or the N-th).
      The format follows --out's extension when --format is not given; --locale ko: the report in Korean.
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
  exercise list | schema | run <exercise> [...] | grade <folder>... [--csv FILE] [--locale en|ko]
      The course: list the exercises, run one and check answers, grade hand-ins (lab exercise help).
  help [--locale ko]
      This text (in Korean with --locale ko).`

/** The same usage in Korean (`lab help --locale ko`): the commands and options stay as typed. */
const usageKo = `사용법: npm run lab -- <명령>
  run <experiment.yaml> [--json] [--check] [--runs-dir DIR] [--no-final-reads] [--locale en|ko]
      실험을 실제 복제본 프로세스로 실행합니다. 진행 상황은 stderr에, 요약은 stdout에 씁니다.
      --locale ko  잘못된 실험의 오류를 한국어로 말합니다
      --json   요약을 JSON으로 stdout에 씁니다
      --check  판정이 위반(선형화 불가, 깨진 불변식, 죽은 복제본)이면 1로, 판단할 수 없으면 4로 끝납니다.
               3은 실행이 끝까지 가지 못했다는 뜻입니다
      Ctrl-C, SIGTERM, SIGHUP은 실행을 멈춥니다. 실행 디렉터리는 남고 종료 코드는 128 + n입니다.
  check <run-dir | history.ndjson>... [--json] [--budget DURATION]
      기록된 이력을 판정합니다. 0 선형화 가능, 1 불가, 2 판단 불가나 읽을 수 없음. 여러 대상을 한
      프로세스에서 검사하고(표 하나), 가장 나쁜 결과의 종료 코드를 냅니다.
  report <run-dir | run-file>... [--format html|md|csv|json|pdf] [--out FILE] [--baseline N] [--locale en|ko]
      실행 하나는 실행 보고서, 여럿은 첫 번째(또는 N번째)와 비교한 보고서가 됩니다.
      --format이 없으면 --out의 확장자로 형식을 정합니다. --locale ko는 보고서를 한국어로 씁니다.
  export <run-dir> [--out FILE.json | FILE.ndjson.gz] [--no-trace] [--no-history]
      실행을 앱이 가져올 수 있는 파일 하나로 씁니다(기본: ./<run id>.ndjson.gz).
  simulate <raft | primary-backup | pbft> [--seed N] [...]
      결정론적 시뮬레이터의 시드 하나를 다시 돌립니다(README 참고).
  simulate --from-run <run dir> [--verbose] [--json]
      실제 실행에서 일어난 장애를 그대로 시뮬레이터에서 재생합니다(가상 시간, README 참고).
  sweep <sweep.yaml> [--runs-dir DIR] [--restart] [--dry-run] | sweep report <dir> [--format ...] [--locale en|ko]
      비교 스윕을 실행하거나(축의 모든 셀을 실제 프로세스로, 이어서 하기 가능) 그 보고서를 씁니다.
  validate <experiment.yaml>... [--locale en|ko]
      실험 파일을 검사합니다. 처음 잘못된 파일에서 2로 끝납니다(--locale ko면 오류를 한국어로).
  schema
      실험 형식의 JSON Schema를 출력합니다.
  exercise list | schema | run <exercise> [...] | grade <folder>... [--csv FILE] [--locale en|ko]
      과정: 연습 목록, 연습 하나를 실행하고 답 채점, 제출물 채점(lab exercise help --locale ko).
  help [--locale ko]
      이 안내(--locale ko면 한국어).`

const io = { stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) }

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  const help = args.includes('--help') || args.includes('-h')
  const usageCommand = help ? commandWithOwnUsage(command, args) : undefined
  if (usageCommand !== undefined && koreanAsked(args)) {
    const { koreanUsage } = await import('./usage-ko.js')
    process.stdout.write(`${koreanUsage(usageCommand)}\n`)
    return 0
  }
  switch (command) {
    case 'run': {
      if (help) {
        const { runUsage } = await import('./usage-ko.js')
        process.stdout.write(`${runUsage}\n`)
        return 0
      }
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
      process.stdout.write(`${koreanAsked(args) ? usageKo : usage}\n`)
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}\n${usage}\n`)
      return 2
  }
}

/** The command whose own usage `--help` shows in Korean here (report and exercise say theirs themselves). */
function commandWithOwnUsage(command: string | undefined, args: readonly string[]): KoreanUsageCommand | undefined {
  switch (command) {
    case 'run':
    case 'check':
    case 'export':
      return command
    case 'simulate':
      return args.includes('--from-run') ? 'simulate --from-run' : 'simulate'
    case 'sweep':
      // `sweep report --help` has its own usage (English).
      return args[0] === 'report' ? undefined : 'sweep'
    default:
      return undefined
  }
}

/** `--locale ko` (or `--locale=ko`) among the arguments: the reader asked for Korean. */
function koreanAsked(args: readonly string[]): boolean {
  return args.some((arg, index) => arg === '--locale=ko' || (arg === '--locale' && args[index + 1] === 'ko'))
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
