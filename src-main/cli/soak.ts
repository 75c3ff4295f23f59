/**
 * `npm run soak -- <command>`: long sweeps that CI does not run.
 *   sim <raft|pbft|...> [--seeds A..B | N] [--steps N] [--faults all] [--jobs N]
 *   raft|pbft --runs N [--seed S] [--duration 8s] [--runs-dir DIR] [--keep] [--json]
 * Exit codes: 0 everything passed, 1 a seed failed or a run was not clean, 2 bad arguments,
 * 128 + n when stopped by signal n (what was done so far is still reported).
 */
import os from 'node:os'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMainThread } from 'node:worker_threads'
import { parseDurationMs } from '../api/duration.js'
import { descriptorOf, protocolNames, type ProtocolName } from '../protocols/registry.js'
import { faultProfiles, type FaultProfile } from '../sim/scenario.js'
import { soakFaultKinds, soakProtocols, type SoakProtocol } from '../lab/soak/draw.js'
import { experimentSourceOf, soakReplayCommand, SoakSession, type SoakReport } from '../lab/soak/session.js'
import { isLiveness, runSimSweep, seconds, serveSimWorker, soakSimStepsDefault, type SimSweepOptions, type SweepReport } from './soak-sim.js'
import { onStopSignal, signalExitCode, type StopSignal } from '../lab/signals.js'

const usage = `usage: npm run soak -- <command>
  sim <${protocolNames.join('|')}> [--seeds A..B | N] [--steps N] [--faults ${faultProfiles.join('|')}] [--jobs N] [--mutation NAME]
      The simulator over many seeds (default 1..1000), ${soakSimStepsDefault} steps each (CI: 3000);
      prints each failing seed with the command that replays it; --jobs runs seeds on N threads;
      --mutation builds the core with a deliberate bug (see lab simulate --help), to see it caught.
  ${soakProtocols.join('|')} --runs N [--seed S] [--duration 8s] [--runs-dir DIR] [--keep] [--json]
      N randomized nemesis experiments on real processes (${soakFaultKinds.join(', ')}),
      seeds S..S+N-1 (default S = 1); each judged by the full verdict and read back for lost writes.
      Runs go to a scratch folder (kept: the runs that were not clean) unless --runs-dir is given;
      --keep keeps every run.`

/** A typo must not start a week-long soak. */
const soakRunsMax = 100_000
const soakSeedsMax = 10_000_000

const io = { stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) }

export async function soakMain(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  if (command === undefined || command === '--help' || command === 'help') {
    io.stdout(`${usage}\n`)
    return command === undefined ? 2 : 0
  }
  if (command === 'sim') return simCommand(args)
  if ((soakProtocols as readonly string[]).includes(command)) return realCommand(command as SoakProtocol, args)
  return refuse(`unknown command ${JSON.stringify(command)}`)
}

function refuse(message: string): number {
  io.stderr(`soak: ${message}\n${usage}\n`)
  return 2
}

/** --flag value pairs and bare flags; anything else is an error message. */
function readFlags(args: string[], valued: string[], bare: string[]): Map<string, string> | string {
  const flags = new Map<string, string>()
  for (let index = 0; index < args.length; index += 1) {
    const flag = args[index]!
    if (bare.includes(flag)) flags.set(flag, '')
    else if (valued.includes(flag)) {
      const value = args[index + 1]
      if (value === undefined || value.startsWith('--')) return `${flag} needs a value`
      flags.set(flag, value)
      index += 1
    } else return `unknown option ${JSON.stringify(flag)}`
  }
  return flags
}

function wholeNumber(text: string | undefined, fallback: number, flag: string, low: number, high: number): number | string {
  if (text === undefined) return fallback
  const value = /^\d+$/.test(text) ? Number(text) : NaN
  return Number.isSafeInteger(value) && value >= low && value <= high ? value : `${flag} must be a whole number from ${low} to ${high}, got ${JSON.stringify(text)}`
}

function seedRange(text: string | undefined): number[] | string {
  const match = /^(\d+)(?:\.\.(\d+))?$/.exec(text ?? '1..1000')
  const low = match === null ? NaN : match[2] === undefined ? 1 : Number(match[1])
  const high = match === null ? NaN : Number(match[2] ?? match[1])
  if (!(Number.isSafeInteger(low) && Number.isSafeInteger(high) && low <= high)) return `--seeds must be A..B or N (seeds 1..N), got ${JSON.stringify(text)}`
  if (high - low + 1 > soakSeedsMax) return `--seeds covers ${high - low + 1} seeds; at most ${soakSeedsMax}`
  return Array.from({ length: high - low + 1 }, (_, offset) => low + offset)
}

async function simCommand(args: string[]): Promise<number> {
  const [protocol, ...rest] = args
  if (protocol === undefined || !(protocolNames as readonly string[]).includes(protocol)) return refuse(`sim needs a protocol: ${protocolNames.join(', ')}`)
  const mutations = rest.flatMap((arg, index) => (rest[index - 1] === '--mutation' ? [arg] : []))
  const flags = readFlags(rest.filter((arg, index) => arg !== '--mutation' && rest[index - 1] !== '--mutation'), ['--seeds', '--steps', '--faults', '--jobs'], [])
  if (typeof flags === 'string') return refuse(flags)
  if (rest.at(-1) === '--mutation') return refuse('--mutation needs a value')
  const known = descriptorOf(protocol as ProtocolName).mutations as readonly string[]
  const unknownMutation = mutations.find((mutation) => !known.includes(mutation))
  if (unknownMutation !== undefined) return refuse(`unknown mutation ${JSON.stringify(unknownMutation)} for ${protocol} (known: ${known.join(', ') || 'none'})`)
  const seeds = seedRange(flags.get('--seeds'))
  const steps = wholeNumber(flags.get('--steps'), soakSimStepsDefault, '--steps', 1, 10_000_000)
  const jobs = wholeNumber(flags.get('--jobs'), 1, '--jobs', 1, Math.max(1, os.availableParallelism()))
  const faults = flags.get('--faults') ?? 'all'
  for (const problem of [seeds, steps, jobs]) if (typeof problem === 'string') return refuse(problem)
  if (!(faultProfiles as readonly string[]).includes(faults)) return refuse(`--faults must be one of ${faultProfiles.join(', ')}, got ${JSON.stringify(faults)}`)
  const options: SimSweepOptions = { protocol: protocol as ProtocolName, seeds: seeds as number[], stepsMax: steps as number, faults: faults as FaultProfile, mutations, jobs: jobs as number }
  let stoppedBy: StopSignal | undefined
  const removeHandlers = onStopSignal((signal) => (stoppedBy = signal))
  io.stderr(`${options.protocol}: seeds ${options.seeds[0]}..${options.seeds.at(-1)}, ${options.stepsMax} steps each, ${options.jobs} thread(s)\n`)
  const report = await runSimSweep(options, io, () => stoppedBy !== undefined)
  removeHandlers()
  io.stdout(simSummary(options, report, stoppedBy))
  if (stoppedBy !== undefined) return signalExitCode(stoppedBy)
  return report.failed.length === 0 ? 0 : 1
}

function simSummary(options: SimSweepOptions, report: SweepReport, stoppedBy: StopSignal | undefined): string {
  const liveness = report.failed.filter(isLiveness)
  const range = `seeds ${options.seeds[0]}..${options.seeds.at(-1)}`
  const mutated = options.mutations.length > 0 ? ` with mutation ${options.mutations.join(', ')}` : ''
  const lines = [
    `${options.protocol}${mutated} ${range}, ${options.stepsMax} steps each, faults ${options.faults}: ${report.done - report.failed.length} passed, ` +
      `${report.failed.length} failed (${report.failed.length - liveness.length} safety, ${liveness.length} liveness) in ${seconds(report.elapsedMs)}` +
      (stoppedBy ? ` (stopped by ${stoppedBy} after ${report.done} of ${options.seeds.length} seeds)` : ''),
    `  exercised: ${report.counts.crashes} crashes, ${report.counts.pauses} pauses, ${report.counts.cuts} cuts, ${report.counts.clientOk} acknowledged client operations`,
  ]
  const failed = report.failed.slice().sort((a, b) => a.seed - b.seed)
  if (failed.length > 0) lines.push(`  failing seeds: ${failed.map((outcome) => `${outcome.seed} (${outcome.check})`).join(', ')}`)
  return `${lines.join('\n')}\n`
}

async function realCommand(protocol: SoakProtocol, args: string[]): Promise<number> {
  const flags = readFlags(args, ['--runs', '--seed', '--duration', '--runs-dir'], ['--keep', '--json'])
  if (typeof flags === 'string') return refuse(flags)
  if (!flags.has('--runs')) return refuse('say how many runs: --runs N')
  const runs = wholeNumber(flags.get('--runs'), 0, '--runs', 1, soakRunsMax)
  const firstSeed = wholeNumber(flags.get('--seed'), 1, '--seed', 0, 2 ** 31)
  for (const problem of [runs, firstSeed]) if (typeof problem === 'string') return refuse(problem)
  const durationMs = parseDurationMs(flags.get('--duration') ?? '8s')
  if (durationMs === undefined || durationMs < 2000) return refuse(`--duration must be a duration of 2s or more, like 8s, got ${JSON.stringify(flags.get('--duration'))}`)
  const runsDir = path.resolve(flags.get('--runs-dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), `consensus-lab-soak-${protocol}-`)))
  const session = new SoakSession({
    protocol,
    runs: runs as number,
    firstSeed: firstSeed as number,
    durationMs,
    runsDir,
    keepClean: flags.has('--keep') || flags.has('--runs-dir'),
    onRunStart: (index, seed, description) => io.stderr(`run ${index + 1}/${runs} seed ${seed}: ${description}\n`),
    onRunEnd: (_index, outcome, clean) =>
      io.stderr(
        `  ${clean ? 'clean' : 'NOT CLEAN'}: ${outcome.lostWrites?.acknowledged ?? 0} acknowledged writes, ${Object.values(outcome.faults).reduce((a, b) => a + b, 0)} faults` +
          `${outcome.faultsNotCarriedOut.length > 0 ? ` (${outcome.faultsNotCarriedOut.length} not carried out: the run ended first)` : ''}${clean ? '' : ` (${outcome.runDir})`}\n`,
      ),
  })
  let stoppedBy: StopSignal | undefined
  const removeHandlers = onStopSignal((signal) => {
    stoppedBy = signal
    session.interrupt(`interrupted by ${signal}`)
  })
  io.stderr(`${protocol} soak: ${runs} runs of ${durationMs / 1000} s, seeds ${firstSeed}..${(firstSeed as number) + (runs as number) - 1}, runs in ${runsDir}\n`)
  const report = await session.run()
  removeHandlers()
  // A scratch folder of clean runs only is empty by now: nothing to keep.
  if (!flags.has('--runs-dir') && fs.readdirSync(runsDir).length === 0) fs.rmdirSync(runsDir)
  io.stdout(flags.has('--json') ? `${JSON.stringify(report, null, 2)}\n` : soakTable(report))
  if (stoppedBy !== undefined) return signalExitCode(stoppedBy)
  return report.totals.runsClean === report.totals.runs ? 0 : 1
}

export function soakTable(report: SoakReport): string {
  const { totals, options } = report
  const faultsByKind = soakFaultKinds.map((kind) => `${kind} ${totals.faults[kind]}`).join(', ')
  const faultCount = Object.values(totals.faults).reduce((sum, count) => sum + count, 0)
  const rows: [string, string][] = [
    ['runs', `${totals.runs}${report.interrupted ? ` of ${options.runs} (${report.interrupted})` : ''}; ${totals.runsClean} clean, ${totals.runsFailed} did not complete`],
    [
      'faults injected',
      `${faultCount} (${faultsByKind})${totals.faultsFailed > 0 ? `; ${totals.faultsFailed} could not be carried out` : ''}` +
        `${totals.faultsMissed > 0 ? `; ${totals.faultsMissed} found no target (no leader at that moment; not counted)` : ''}` +
        `${totals.faultsNotCarriedOut > 0 ? `; ${totals.faultsNotCarriedOut} not carried out: the run ended first (not counted)` : ''}`,
    ],
    ['acknowledged writes', String(totals.acknowledgedWrites)],
    ['lost writes', `${totals.lostWrites}${totals.runsWithoutFinalReads > 0 ? ` (${totals.runsWithoutFinalReads} runs without final reads: not judged)` : ''}${totals.keysUnchecked > 0 ? ` (${totals.keysUnchecked} keys whose final read failed: not judged)` : ''}`],
    ['violations', String(totals.violations)],
    ['unknown verdicts', String(totals.unknownVerdicts)],
    ['replicas died', String(totals.replicasDied)],
    ['stale reads', String(totals.staleReads)],
  ]
  const width = Math.max(...rows.map(([name]) => name.length))
  const lines = [`${options.protocol} soak, ${options.durationMs / 1000} s runs, seeds from ${options.firstSeed}, in ${seconds(report.elapsedMs)}:`, ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)]
  if (report.notClean.length > 0) lines.push('', 'runs that were not clean:')
  for (const outcome of report.notClean) {
    const problems = [
      !outcome.completed ? `did not complete: ${outcome.error}` : undefined,
      outcome.verdict !== 'pass' ? `verdict ${outcome.verdict}: ${outcome.verdictDetail}` : undefined,
      outcome.lostWrites && outcome.lostWrites.lost > 0 ? `${outcome.lostWrites.lost} lost writes: ${outcome.lostWrites.examples[0]}` : undefined,
      outcome.lostWrites?.finalReadsFound === false ? 'no final reads: lost writes not judged' : undefined,
      ...outcome.replicasDied.map((line) => `replica died: ${line}`),
      ...outcome.faultsFailed.map((line) => `fault failed: ${line}`),
      ...outcome.faultsNotCarriedOut.map((line) => `fault not carried out, the run ended first: ${line}`),
      outcome.staleReads > 0 ? `${outcome.staleReads} stale reads` : undefined,
    ].filter((problem): problem is string => problem !== undefined)
    lines.push(`  seed ${outcome.seed}: ${outcome.description}`, ...problems.map((problem) => `    ${problem}`))
    lines.push(`    run directory: ${outcome.runDir}`, `    replay: ${soakReplayCommand(options.protocol, outcome.seed, options.durationMs)}`, `       or: npm run lab -- run ${experimentSourceOf(outcome.runDir)}`)
  }
  return `${lines.join('\n')}\n`
}

function isEntryPoint(): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  try {
    return fs.realpathSync(entry) === fs.realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (!isMainThread) serveSimWorker()
else if (isEntryPoint()) {
  // A terminal that went away must not stop the soak from cleaning up its run in progress.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined)
  soakMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: Error) => {
      process.stderr.write(`soak: ${process.env.CONSENSUS_LAB_DEBUG ? (error.stack ?? error.message) : error.message}\n`)
      process.exitCode = 3
    },
  )
}
