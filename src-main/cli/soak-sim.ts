/**
 * `npm run soak -- sim <protocol> --seeds A..B`: the deterministic simulator over many seeds, with a
 * longer safety phase than CI's sweep, on one or more worker threads. Prints each failing seed with
 * the first line of what broke and the command that replays it, progress on stderr, and a summary.
 */
import { Worker, parentPort, workerData } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { simulate, type SimResult } from '../sim/index.js'
import type { ProtocolName } from '../protocols/registry.js'
import type { FaultProfile } from '../sim/scenario.js'

/** CI runs 3,000 steps a seed; the soak looks further into each schedule. */
export const soakSimStepsDefault = 10_000
/** Progress goes to stderr at most this often. */
const progressEveryMs = 5000

export interface SimSweepOptions {
  protocol: ProtocolName
  seeds: number[]
  stepsMax: number
  faults: FaultProfile
  /** Deliberate bugs to build the core with (to see the sweep catch one). */
  mutations: string[]
  jobs: number
}

type SeedOptions = Pick<SimSweepOptions, 'protocol' | 'stepsMax' | 'faults' | 'mutations'>

/** What a worker sends back for one seed: small, so thousands of seeds cost nothing to collect. */
export interface SeedOutcome {
  seed: number
  ok: boolean
  check?: string
  detail?: string
  replay: string
  crashes: number
  pauses: number
  cuts: number
  clientOk: number
}

export interface SweepIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

export interface SweepReport {
  done: number
  failed: SeedOutcome[]
  elapsedMs: number
  counts: { crashes: number; pauses: number; cuts: number; clientOk: number }
}

function runSeed(options: SeedOptions, seed: number): SeedOutcome {
  let result: SimResult
  try {
    result = simulate({ protocol: options.protocol, seed, stepsMax: options.stepsMax, faults: options.faults, mutations: options.mutations })
  } catch (error) {
    // A core that throws is a finding like any other, not the end of the sweep.
    const replay = `npm run lab -- simulate ${options.protocol} --seed ${seed} --steps ${options.stepsMax}`
    return { seed, ok: false, check: 'exception', detail: (error as Error).message, replay, crashes: 0, pauses: 0, cuts: 0, clientOk: 0 }
  }
  const { crashes, pauses, cuts } = result.counts
  const outcome: SeedOutcome = { seed, ok: result.ok, replay: result.replay, crashes, pauses, cuts, clientOk: result.clients.ok }
  if (!result.ok) {
    outcome.check = result.violation!.check
    outcome.detail = result.violation!.detail.split('\n')[0]
  }
  return outcome
}

/** A worker thread's side: seeds in, outcomes out, until it is told `null`. */
export function serveSimWorker(): void {
  const options = workerData as SeedOptions
  parentPort!.on('message', (seed: number | null) => {
    if (seed === null) parentPort!.close()
    else parentPort!.postMessage(runSeed(options, seed))
  })
}

export function isLiveness(outcome: SeedOutcome): boolean {
  return outcome.check === 'liveness'
}

/**
 * Runs every seed (or until `stopped()` says so); `jobs` worker threads share them, each taking the
 * next seed as it finishes one. Outcomes are reported as they come, in completion order.
 */
export async function runSimSweep(options: SimSweepOptions, io: SweepIo, stopped: () => boolean): Promise<SweepReport> {
  const startedMs = performance.now()
  const report: SweepReport = { done: 0, failed: [], elapsedMs: 0, counts: { crashes: 0, pauses: 0, cuts: 0, clientOk: 0 } }
  let lastProgressMs = startedMs
  const record = (outcome: SeedOutcome) => {
    report.done += 1
    report.counts.crashes += outcome.crashes
    report.counts.pauses += outcome.pauses
    report.counts.cuts += outcome.cuts
    report.counts.clientOk += outcome.clientOk
    if (!outcome.ok) {
      report.failed.push(outcome)
      io.stdout(`seed ${outcome.seed}: ${outcome.check}: ${outcome.detail}\n  replay: ${outcome.replay} --verbose\n`)
    }
    const nowMs = performance.now()
    if (nowMs - lastProgressMs >= progressEveryMs) {
      lastProgressMs = nowMs
      io.stderr(progressLine(options, report, nowMs - startedMs))
    }
  }
  if (options.jobs <= 1) await sweepHere(options, record, stopped)
  else await sweepOnWorkers(options, record, stopped)
  report.elapsedMs = performance.now() - startedMs
  return report
}

async function sweepHere(options: SimSweepOptions, record: (outcome: SeedOutcome) => void, stopped: () => boolean): Promise<void> {
  for (const seed of options.seeds) {
    if (stopped()) return
    record(runSeed(options, seed))
    // Lets a signal's handler run between seeds.
    await new Promise((resolve) => setImmediate(resolve))
  }
}

function sweepOnWorkers(options: SimSweepOptions, record: (outcome: SeedOutcome) => void, stopped: () => boolean): Promise<void> {
  const queue = options.seeds.slice().reverse()
  const entry = fileURLToPath(import.meta.url)
  const workerOptions: SeedOptions = { protocol: options.protocol, stepsMax: options.stepsMax, faults: options.faults, mutations: options.mutations }
  const workers = Array.from({ length: Math.min(options.jobs, options.seeds.length) }, () => new Worker(entry, { workerData: workerOptions }))
  return new Promise((resolve, reject) => {
    let running = workers.length
    const feed = (worker: Worker) => {
      const seed = stopped() ? undefined : queue.pop()
      if (seed !== undefined) return worker.postMessage(seed)
      worker.postMessage(null)
      void worker.terminate()
      running -= 1
      if (running === 0) resolve()
    }
    for (const worker of workers) {
      worker.on('message', (outcome: SeedOutcome) => {
        record(outcome)
        feed(worker)
      })
      worker.on('error', (error) => {
        for (const other of workers) void other.terminate()
        reject(error)
      })
      feed(worker)
    }
  })
}

function progressLine(options: SimSweepOptions, report: SweepReport, elapsedMs: number): string {
  const leftMs = (elapsedMs / report.done) * (options.seeds.length - report.done)
  return `${options.protocol}: ${report.done}/${options.seeds.length} seeds, ${report.failed.length} failed, ${seconds(elapsedMs)} elapsed, ~${seconds(leftMs)} left\n`
}

export function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`
}
