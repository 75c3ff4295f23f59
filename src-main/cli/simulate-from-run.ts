/**
 * `lab simulate --from-run <run dir>`: a lab run's fault schedule played in the simulator. The CLI
 * host reads the run directory (the experiment as written, the records of its faults), builds the
 * schedule the runner built (the experiment's faults and its nemesis, lab/), and hands the pure
 * plan (sim/replay.ts) to the simulator. What replays exactly and what does not: README, "Replaying
 * a run in the simulator".
 *
 * Exit codes: 0 the replay passed; 1 it broke a property; 2 bad arguments, an unreadable run
 * directory, or a schedule the simulator cannot play (with the reasons).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Experiment } from '../api/experiment.js'
import { formatFieldErrors, validateExperimentText } from '../api/validate.js'
import { scheduledFaults } from '../lab/faults.js'
import { nemesisSchedule } from '../lab/nemesis.js'
import type { SimulateIo } from '../sim/command.js'
import { describePass } from '../sim/command.js'
import { planReplay, pinRecordedFaults, type RecordedFault } from '../sim/replay.js'
import { describeFailure } from '../sim/result.js'
import { simulate } from '../sim/simulation.js'

export const simulateFromRunUsage = `usage: npm run lab -- simulate --from-run <run dir> [--verbose] [--json]
  plays the run's faults (as it carried them out) in the simulator, with the run's cluster,
  settings and seed; the clients are the simulator's own`

export async function runSimulateFromRun(args: string[], io: SimulateIo): Promise<number> {
  const parsed = parseArgs(args)
  if (typeof parsed === 'string') {
    io.stderr(`lab simulate: ${parsed}\n${simulateFromRunUsage}\n`)
    return 2
  }
  const loaded = loadRun(parsed.runDir)
  if (typeof loaded === 'string') {
    io.stderr(`lab simulate --from-run: ${loaded}\n`)
    return 2
  }
  const { experiment, records } = loaded
  const notes: string[] = []
  const schedule = [...scheduledFaults(experiment), ...nemesisSchedule(experiment)]
  const pinned = records === undefined ? schedule : pinRecordedFaults(schedule, records, notes)
  if (records === undefined) notes.push('the run has no summary.json: faults play at their scheduled times, targets chosen again')
  const command = `npm run lab -- simulate --from-run ${parsed.runDir}`
  const plan = planReplay(experiment, pinned, { source: parsed.runDir, command })
  if (!plan.ok) {
    io.stderr(`lab simulate --from-run: the simulator cannot play this run:\n${plan.reasons.map((reason) => `  ${reason}`).join('\n')}\n`)
    return 2
  }
  plan.replay.notes.unshift(...notes)
  const result = simulate({ protocol: experiment.protocol as 'raft' | 'pbft' | 'primary-backup', seed: experiment.seed, replay: plan.replay, recordSteps: parsed.verbose })
  if (parsed.json) {
    io.stdout(`${JSON.stringify({ ...result, replayNotes: plan.replay.notes }, null, 2)}\n`)
    return result.ok ? 0 : 1
  }
  if (parsed.verbose) for (const line of result.lines ?? []) io.stdout(`${line}\n`)
  io.stdout(`replaying ${plan.replay.faults.length} faults of ${parsed.runDir} (${experiment.name})\n`)
  for (const note of plan.replay.notes) io.stdout(`  note: ${note}\n`)
  io.stdout(result.ok ? `${describePass(result)}\n` : `${describeFailure(result)}\n`)
  return result.ok ? 0 : 1
}

function parseArgs(args: readonly string[]): { runDir: string; verbose: boolean; json: boolean } | string {
  let runDir: string | undefined
  let verbose = false
  let json = false
  for (let index = 0; index < args.length; index += 1) {
    const flag = args[index]
    if (flag === '--from-run') {
      const value = args[index + 1]
      if (value === undefined || value.startsWith('--')) return '--from-run needs a run directory'
      runDir = value
      index += 1
    } else if (flag === '--verbose') verbose = true
    else if (flag === '--json') json = true
    else return `with --from-run, unknown option ${JSON.stringify(flag)} (the run fixes protocol, seed and faults)`
  }
  if (runDir === undefined) return '--from-run needs a run directory'
  return { runDir, verbose, json }
}

/** The experiment as written (re-validated, so the schedule is the runner's) and the fault records. */
function loadRun(runDir: string): { experiment: Experiment; records: RecordedFault[] | undefined } | string {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) return `${runDir}: no such run directory`
  const sourceFile = path.join(runDir, 'experiment.source.yaml')
  if (!fs.existsSync(sourceFile)) return `${sourceFile} is missing: a replay needs the experiment as written (the runner writes it for every run started from a file or the app)`
  const validated = validateExperimentText(fs.readFileSync(sourceFile, 'utf8'))
  if (!validated.ok) return `${sourceFile} no longer validates:\n${formatFieldErrors(validated.errors)}`
  const summaryFile = path.join(runDir, 'summary.json')
  if (!fs.existsSync(summaryFile)) return { experiment: validated.experiment, records: undefined }
  let summary: unknown
  try {
    summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'))
  } catch (caught) {
    return `${summaryFile}: not JSON (${(caught as Error).message})`
  }
  const faults = (summary as { faults?: unknown }).faults
  if (!Array.isArray(faults) || !faults.every(isRecord)) return `${summaryFile}: faults is not a list of fault records`
  return { experiment: validated.experiment, records: faults }
}

function isRecord(value: unknown): value is RecordedFault {
  const record = value as Partial<RecordedFault> | null
  return typeof record === 'object' && record !== null && typeof record.action === 'string' && typeof record.atMs === 'number' && Array.isArray(record.targets)
}
