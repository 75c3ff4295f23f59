/**
 * An experiment's shape measured in the simulator: the same cores, the experiment's cluster,
 * settings, links and link faults, a closed-loop workload of its clients, keys and mix, and every
 * node's fsync blocking it for `fsyncUs`. Time is virtual, so the only costs are the modelled
 * network and disks: no CPU, no process hops, no other load on the machine. That is what it is for:
 * a protocol effect (ParallelRaft's out-of-order acks on a lossy link) shown apart from what a
 * loaded 2-core machine adds to real runs, and the same figures on any machine.
 *
 * The run is a full simulation (safety checks at every step, healing, convergence and the history
 * check), so a figure is only reported for a run whose history is linearizable.
 *
 * Pure: the experiment comes in already validated.
 */
import type { TimedFault } from '../faults/fault.js'
import type { HistoryEvent } from '../api/trace.js'
import { planReplay, type ReplayExperiment } from './replay.js'
import { Simulation } from './simulation.js'
import { historyOpsMax } from './clients.js'
import type { SimResult } from './result.js'

export interface SimBenchExperiment extends ReplayExperiment {
  workload: { duration: number; warmup: number; clients: number; keys: number; mix: { get: number; put: number; cas?: number } }
}

export interface SimBenchOptions {
  seed: number
  /** How long one fsync blocks a node, in µs (0: durability none). */
  fsyncUs: number
}

export interface SimBenchResult {
  protocol: string
  seed: number
  /** Operations that completed ok after the cluster first served one (the warm-up is the first election). */
  measuredOps: number
  /** In virtual time. */
  throughput: number
  p50Ms: number
  p99Ms: number
  virtualSeconds: number
  /** Messages sent over the whole run (the liveness phase's few included) per operation completed ok. */
  messagesPerOp: number
  linearizable: boolean | 'unknown'
  /** The simulation's verdict when something broke (never a figure then). */
  violation?: string
}

/** `faults`: the experiment's schedule, as the runner would carry it out (lab/faults.ts scheduledFaults). */
export function simulateExperiment(experiment: SimBenchExperiment, faults: readonly TimedFault[], options: SimBenchOptions): SimBenchResult {
  const plan = planReplay(experiment, faults, { source: experiment.name, command: 'npm run bench -- raft-vs-parallel-raft --sim' })
  if (!plan.ok) throw new Error(`the simulator cannot run ${experiment.name}: ${plan.reasons.join('; ')}`)
  const { mix, clients, keys } = experiment.workload
  const simulation = new Simulation({
    protocol: experiment.protocol as never,
    seed: options.seed,
    replay: plan.replay,
    shape: {
      workload: { clients, keys, thinkUsMean: 0, getPercent: Math.round(mix.get * 100), casPercent: Math.round((mix.cas ?? 0) * 100), bigValuePercent: 0 },
      fsyncUs: options.fsyncUs,
      workloadStartUs: experiment.workload.warmup * 1000,
    },
  })
  const result = simulation.run()
  return { protocol: experiment.protocol, seed: options.seed, ...measure(result, simulation.workload.history, clients) }
}

/** The workload's clients are processes 0..clients-1; the probe that checks liveness after the load is not measured. */
function measure(result: SimResult, history: readonly HistoryEvent[], clients: number): Omit<SimBenchResult, 'protocol' | 'seed'> {
  const latenciesUs: number[] = []
  const invoked = new Map<number, HistoryEvent>()
  let servedFromUs: number | undefined
  let lastUs = 0
  for (const event of history) {
    if (event.process >= clients) continue
    if (event.type === 'invoke') {
      invoked.set(event.process, event)
      continue
    }
    const invoke = invoked.get(event.process)
    invoked.delete(event.process)
    if (event.type !== 'ok' || invoke === undefined || event.error === 'forged') continue
    const [startUs, endUs] = [invoke.time / 1000, event.time / 1000]
    if (servedFromUs === undefined) {
      servedFromUs = endUs
      continue
    }
    if (startUs < servedFromUs) continue
    latenciesUs.push(endUs - startUs)
    lastUs = Math.max(lastUs, endUs)
  }
  latenciesUs.sort((a, b) => a - b)
  const quantileMs = (q: number) => (latenciesUs.length === 0 ? Number.NaN : latenciesUs[Math.min(latenciesUs.length - 1, Math.floor(q * latenciesUs.length))]! / 1000)
  const measuredUs = servedFromUs === undefined ? 0 : lastUs - servedFromUs
  const broken = result.violation !== undefined || result.linearizable !== true
  const messagesPerOp = latenciesUs.length === 0 ? Number.NaN : result.network.sent / result.clients.ok
  return {
    messagesPerOp,
    measuredOps: latenciesUs.length,
    throughput: broken || measuredUs <= 0 ? Number.NaN : latenciesUs.length / (measuredUs / 1e6),
    p50Ms: broken ? Number.NaN : quantileMs(0.5),
    p99Ms: broken ? Number.NaN : quantileMs(0.99),
    virtualSeconds: result.timeUs / 1e6,
    linearizable: result.linearizable ?? 'unknown',
    ...(result.violation !== undefined ? { violation: `${result.violation.check}: ${result.violation.detail}` } : {}),
  }
}

/** Closed-loop clients stop after this many operations (the history the checker must judge). */
export const simBenchOpsMax = historyOpsMax
