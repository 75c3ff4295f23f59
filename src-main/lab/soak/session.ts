/**
 * A real-process soak: N randomized nemesis experiments, one after another, each run on real
 * replicas, judged with the full verdict, and read back for lost writes and dead replicas. Every run
 * is bounded in time, and the session stops by itself after the last one (or at once, after the run
 * in progress, when interrupted).
 */
import fs from 'node:fs'
import path from 'node:path'
import { validateExperiment } from '../../api/validate.js'
import { ExperimentRun } from '../runner.js'
import { drawSoakExperiment, soakFaultKinds, type SoakFaultKind, type SoakProtocol } from './draw.js'
import { isClean, soakRunOutcome, type SoakRunOutcome } from './outcome.js'

/** Beyond its workload, a run may take this long (start, convergence, final reads, verdict) before it is interrupted. */
export const runOverheadMsMax = 90_000

export interface SoakOptions {
  protocol: SoakProtocol
  runs: number
  /** Run i (from 0) uses seed firstSeed + i. */
  firstSeed: number
  durationMs: number
  runsDir: string
  /** Keep the directories of clean runs too (else only those of runs that were not clean). */
  keepClean: boolean
  onRunStart?: (index: number, seed: number, description: string) => void
  onRunEnd?: (index: number, outcome: SoakRunOutcome, clean: boolean) => void
}

export interface SoakTotals {
  runs: number
  runsClean: number
  /** Runs that did not complete (a replica failed to start, the run's time bound ran out, ...). */
  runsFailed: number
  faults: Record<SoakFaultKind, number>
  faultsFailed: number
  /** Faults the run ended before (see SoakRunOutcome.faultsNotCarriedOut). */
  faultsNotCarriedOut: number
  /** Faults aimed at a role nobody held at that moment (see SoakRunOutcome.faultsMissed). */
  faultsMissed: number
  acknowledgedWrites: number
  lostWrites: number
  /** Runs whose history had no final reads to judge lost writes by. */
  runsWithoutFinalReads: number
  keysUnchecked: number
  violations: number
  unknownVerdicts: number
  replicasDied: number
  staleReads: number
}

export interface SoakReport {
  options: SoakOptions
  totals: SoakTotals
  /** Outcomes of the runs that were not clean, with their run directory and seed. */
  notClean: SoakRunOutcome[]
  interrupted?: string
  elapsedMs: number
}

export class SoakSession {
  private current?: ExperimentRun
  private interruptedBy?: string

  constructor(private readonly options: SoakOptions) {}

  /** Interrupts the run in progress and runs no more. */
  interrupt(reason: string): void {
    this.interruptedBy ??= reason
    this.current?.interrupt(reason)
  }

  async run(): Promise<SoakReport> {
    const startedMs = performance.now()
    const { options } = this
    fs.mkdirSync(options.runsDir, { recursive: true })
    const totals = emptyTotals()
    const notClean: SoakRunOutcome[] = []
    for (let index = 0; index < options.runs && this.interruptedBy === undefined; index += 1) {
      const outcome = await this.runOne(index, options.firstSeed + index)
      const clean = isClean(outcome)
      addOutcome(totals, outcome, clean)
      if (!clean) notClean.push(outcome)
      else if (!options.keepClean) fs.rmSync(outcome.runDir, { recursive: true, force: true })
      options.onRunEnd?.(index, outcome, clean)
    }
    return { options, totals, notClean, interrupted: this.interruptedBy, elapsedMs: performance.now() - startedMs }
  }

  private async runOne(index: number, seed: number): Promise<SoakRunOutcome> {
    const { protocol, durationMs, runsDir } = this.options
    const drawn = drawSoakExperiment(protocol, seed, durationMs)
    const validated = validateExperiment(drawn.input)
    // The draw builds only valid experiments: anything else is a bug in the draw, not a soak finding.
    if (!validated.ok) throw new Error(`the soak drew an invalid experiment for seed ${seed}: ${JSON.stringify(validated.errors)}`)
    this.options.onRunStart?.(index, seed, drawn.description)
    // JSON is YAML: `npm run lab -- run <run dir>/experiment.source.yaml` runs the same experiment again.
    const run = new ExperimentRun(validated.experiment, { runsDir, sourceText: `${JSON.stringify(drawn.input, null, 2)}\n` })
    this.current = run
    const boundMs = durationMs + runOverheadMsMax
    const bound = setTimeout(() => run.interrupt(`the soak's time bound for one run (${boundMs / 1000} s) ran out`), boundMs)
    try {
      const summary = await run.execute()
      return await soakRunOutcome(seed, drawn.description, validated.experiment, summary)
    } finally {
      clearTimeout(bound)
      this.current = undefined
    }
  }
}

/** The command that runs the same experiment again in a soak of one. */
export function soakReplayCommand(protocol: SoakProtocol, seed: number, durationMs: number): string {
  return `npm run soak -- ${protocol} --runs 1 --seed ${seed} --duration ${durationMs}ms`
}

export function experimentSourceOf(runDir: string): string {
  return path.join(runDir, 'experiment.source.yaml')
}

function emptyTotals(): SoakTotals {
  return {
    runs: 0,
    runsClean: 0,
    runsFailed: 0,
    faults: Object.fromEntries(soakFaultKinds.map((kind) => [kind, 0])) as Record<SoakFaultKind, number>,
    faultsFailed: 0,
    faultsNotCarriedOut: 0,
    faultsMissed: 0,
    acknowledgedWrites: 0,
    lostWrites: 0,
    runsWithoutFinalReads: 0,
    keysUnchecked: 0,
    violations: 0,
    unknownVerdicts: 0,
    replicasDied: 0,
    staleReads: 0,
  }
}

function addOutcome(totals: SoakTotals, outcome: SoakRunOutcome, clean: boolean): void {
  totals.runs += 1
  if (clean) totals.runsClean += 1
  if (!outcome.completed) totals.runsFailed += 1
  for (const kind of soakFaultKinds) totals.faults[kind] += outcome.faults[kind]
  totals.faultsFailed += outcome.faultsFailed.length
  totals.faultsNotCarriedOut += outcome.faultsNotCarriedOut.length
  totals.faultsMissed += outcome.faultsMissed
  totals.acknowledgedWrites += outcome.lostWrites?.acknowledged ?? 0
  totals.lostWrites += outcome.lostWrites?.lost ?? 0
  if (!outcome.lostWrites?.finalReadsFound) totals.runsWithoutFinalReads += 1
  totals.keysUnchecked += outcome.lostWrites?.keysUnchecked ?? 0
  if (outcome.verdict === 'violation') totals.violations += 1
  if (outcome.verdict === 'unknown') totals.unknownVerdicts += 1
  totals.replicasDied += outcome.replicasDied.length
  totals.staleReads += outcome.staleReads
}
