/**
 * What one soak run showed, read from its summary and its run directory: the faults injected by
 * kind, acknowledged and lost writes, the verdict, and replicas that died without being told to.
 */
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import type { Experiment } from '../../api/experiment.js'
import { describeFault, nodeTargetOf, type Fault } from '../../faults/fault.js'
import { assertNever } from '../../protocols/types.js'
import type { RunSummary } from '../../api/summary.js'
import type { TraceEvent } from '../../api/trace.js'
import { parseHistoryNdjson } from '../checker/history.js'
import { nemesisSchedule } from '../nemesis.js'
import { findLostWrites, type LostWrites } from './lost-writes.js'
import { soakFaultKinds, type SoakFaultKind } from './draw.js'

/** The verdict's invariant for replicas that exited on their own (added by the verdict's owner). */
export const replicasHealthyInvariant = 'replicas-healthy'

export type VerdictClass = 'pass' | 'violation' | 'unknown' | 'none'

export interface SoakRunOutcome {
  seed: number
  runDir: string
  description: string
  completed: boolean
  error?: string
  faults: Record<SoakFaultKind, number>
  /** Faults (or heals) the lab could not carry out while the workload ran, with why. */
  faultsFailed: string[]
  /**
   * Faults due during the run that the lab reached, or that failed, only after the workload had
   * ended (injections queue: a slow restart holds up the ones after it; a restart still starting
   * when the run shuts down fails): not part of the test.
   */
  faultsLate: string[]
  /** Faults aimed at a role no node held at that moment (a leader to crash during an election). */
  faultsMissed: number
  lostWrites: LostWrites | undefined
  verdict: VerdictClass
  /** The first broken property, in one line. */
  verdictDetail?: string
  /** Replicas that exited without a crash fault: one line each. */
  replicasDied: string[]
  staleReads: number
}

export async function soakRunOutcome(seed: number, description: string, experiment: Experiment, summary: RunSummary): Promise<SoakRunOutcome> {
  const { verdict, detail } = classifyVerdict(summary)
  const trace = await readTraceFacts(summary.runDir)
  return {
    seed,
    runDir: summary.runDir,
    description,
    completed: summary.completed,
    error: summary.error,
    ...faultsOf(experiment, summary, trace),
    lostWrites: lostWritesOf(summary.runDir),
    verdict,
    verdictDetail: detail,
    replicasDied: replicasDied(summary, trace),
    staleReads: summary.reads.stale,
  }
}

/** Clean: completed, judged linearizable with every invariant holding, nothing lost, nobody died. */
export function isClean(outcome: SoakRunOutcome): boolean {
  return (
    outcome.completed &&
    outcome.verdict === 'pass' &&
    outcome.lostWrites !== undefined &&
    outcome.lostWrites.finalReadsFound &&
    outcome.lostWrites.lost === 0 &&
    outcome.replicasDied.length === 0 &&
    outcome.faultsFailed.length === 0 &&
    outcome.staleReads === 0
  )
}

function classifyVerdict(summary: RunSummary): { verdict: VerdictClass; detail?: string } {
  const verdict = summary.verdict
  if (verdict === undefined) return { verdict: 'none', detail: summary.error ?? 'no verdict' }
  const broken = verdict.invariants.find((invariant) => !invariant.ok)
  if (verdict.linearizable === false) return { verdict: 'violation', detail: `not linearizable: ${firstLine(verdict.witness)}` }
  if (broken !== undefined) return { verdict: 'violation', detail: `${broken.name}: ${firstLine(broken.detail)}` }
  if (verdict.linearizable === 'unknown') return { verdict: 'unknown', detail: firstLine(verdict.witness) }
  return { verdict: 'pass' }
}

/**
 * Pairs the nemesis schedule with what the run says it injected (the same order: injections queue),
 * counting the faults that took effect while the workload ran.
 */
function faultsOf(experiment: Experiment, summary: RunSummary, trace: TraceFacts): Pick<SoakRunOutcome, 'faults' | 'faultsFailed' | 'faultsLate' | 'faultsMissed'> {
  const outcome = { faults: Object.fromEntries(soakFaultKinds.map((kind) => [kind, 0])) as Record<SoakFaultKind, number>, faultsFailed: [] as string[], faultsLate: [] as string[], faultsMissed: 0 }
  const workloadEndMs = experiment.workload.duration
  const schedule = nemesisSchedule(experiment)
  summary.faults.forEach((injected, index) => {
    const failed = injected.detail?.startsWith('failed') === true
    // A failure is recorded in the trace when it happened, on the run's clock.
    const failedAtMs = failed ? (trace.failureAtMs.get(`${injected.action}\n${injected.detail}`) ?? summary.workloadStartMs + injected.atMs) - summary.workloadStartMs : undefined
    const line = `${injected.action} at ${Math.round(injected.atMs)} ms${failed ? ` (${injected.detail} at ${Math.round(failedAtMs!)} ms)` : ''}`
    if (injected.atMs >= workloadEndMs || (failedAtMs !== undefined && failedAtMs >= workloadEndMs)) return void outcome.faultsLate.push(line)
    if (failed) return void outcome.faultsFailed.push(line)
    const planned = schedule[index]
    if (planned === undefined || describeFault(planned.fault) !== injected.action) return
    if (nodeTargetOf(planned.fault) !== undefined && injected.targets.length === 0) return void (outcome.faultsMissed += 1)
    const kind = faultKindOf(planned.fault)
    if (kind !== undefined) outcome.faults[kind] += 1
  })
  return outcome
}

/** The kind of a nemesis fault that starts trouble; undefined for the heals. */
function faultKindOf(fault: Fault): SoakFaultKind | undefined {
  switch (fault.kind) {
    case 'crash':
    case 'pause':
    case 'partition':
      return fault.kind
    case 'network':
      return (fault.conditions.loss ?? 0) > 0 ? 'loss' : undefined
    case 'slowDisk':
      return fault.ms > 0 ? 'slowDisk' : undefined
    case 'clockSkew':
      return fault.factor !== 1 ? 'clockSkew' : undefined
    case 'restart':
    case 'resume':
    case 'isolate':
    case 'campaign':
    case 'cut':
    case 'cutOneWay':
    case 'heal':
    case 'link':
    case 'byzantine':
      return undefined
    default:
      return assertNever(fault, 'fault')
  }
}

function lostWritesOf(runDir: string): LostWrites | undefined {
  const file = path.join(runDir, 'history.ndjson')
  if (!fs.existsSync(file)) return undefined
  const history = parseHistoryNdjson(fs.readFileSync(file, 'utf8'), file)
  return history.ok ? findLostWrites(history.value) : undefined
}

/**
 * Replicas that exited on their own during the run: the verdict's replicas-healthy invariant when
 * the verdict has it, else the trace's process events (the cluster records `exited` only for an exit
 * it did not cause, before shutdown).
 */
function replicasDied(summary: RunSummary, trace: TraceFacts): string[] {
  const invariant = summary.verdict?.invariants.find((candidate) => candidate.name === replicasHealthyInvariant)
  if (invariant !== undefined) return invariant.ok ? [] : [firstLine(invariant.detail)]
  return trace.exits
}

interface TraceFacts {
  /** Replicas' own exits, one line each. */
  exits: string[]
  /** When each failed fault failed (ms on the run's clock), by `${fault}\n${detail}`. */
  failureAtMs: Map<string, number>
}

/** One pass over trace.ndjson (it may be large), keeping only process exits and failed faults. */
async function readTraceFacts(runDir: string): Promise<TraceFacts> {
  const facts: TraceFacts = { exits: [], failureAtMs: new Map() }
  const file = path.join(runDir, 'trace.ndjson')
  if (!fs.existsSync(file)) return facts
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.includes('"kind":"process"') && line.includes('"state":"exited"')) {
      const event = JSON.parse(line) as Extract<TraceEvent, { kind: 'process' }>
      facts.exits.push(`${event.node} exited at ${Math.round(event.t)} ms: ${event.detail ?? 'no reason given'}`)
    } else if (line.includes('"kind":"fault"') && line.includes('"detail":"failed')) {
      const event = JSON.parse(line) as Extract<TraceEvent, { kind: 'fault' }>
      facts.failureAtMs.set(`${event.fault}\n${event.detail}`, event.t)
    }
  }
  return facts
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.slice(0, 300)
}
