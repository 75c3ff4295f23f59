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
import { parseHistoryNdjson } from '../../checker/history.js'
import { nemesisSchedule } from '../nemesis.js'
import { findLostWrites, type AcknowledgedWrites } from '../../checker/acknowledged-writes.js'
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
  /** Faults (or heals) the lab could not carry out while the run went on, with why. */
  faultsFailed: string[]
  /**
   * Faults the run ended before: still waiting for their node (a slow restart of that node), or a
   * restart still starting when the cluster shut down. Not part of the test, and no failure.
   */
  faultsNotCarriedOut: string[]
  /** Faults aimed at a role no node held at that moment (a leader to crash during an election). */
  faultsMissed: number
  lostWrites: AcknowledgedWrites | undefined
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
    ...faultsOf(experiment, summary),
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
  const broken = verdict.invariants.find((invariant) => !invariant.ok && invariant.unknown !== true)
  const undecided = verdict.invariants.find((invariant) => invariant.unknown === true)
  if (verdict.linearizable === false) return { verdict: 'violation', detail: `not linearizable: ${firstLine(verdict.witness)}` }
  if (broken !== undefined) return { verdict: 'violation', detail: `${broken.name}: ${firstLine(broken.detail)}` }
  if (verdict.linearizable === 'unknown') return { verdict: 'unknown', detail: firstLine(verdict.witness) }
  if (undecided !== undefined) return { verdict: 'unknown', detail: `${undecided.name}: ${firstLine(undecided.detail)}` }
  return { verdict: 'pass' }
}

/**
 * Pairs each record of the run's faults with the nemesis fault it carried out (by its due time and
 * action; records come in the order they settled, not in the schedule's), counting by kind those
 * that took effect.
 */
function faultsOf(experiment: Experiment, summary: RunSummary): Pick<SoakRunOutcome, 'faults' | 'faultsFailed' | 'faultsNotCarriedOut' | 'faultsMissed'> {
  const outcome = { faults: Object.fromEntries(soakFaultKinds.map((kind) => [kind, 0])) as Record<SoakFaultKind, number>, faultsFailed: [] as string[], faultsNotCarriedOut: [] as string[], faultsMissed: 0 }
  const unpaired = nemesisSchedule(experiment).map((planned) => ({ ...planned, description: describeFault(planned.fault) }))
  for (const injected of summary.faults) {
    const due = injected.scheduledAtMs ?? injected.atMs
    const line = `${injected.action} due at ${Math.round(due)} ms${injected.detail ? ` (${injected.detail} at ${Math.round(injected.atMs)} ms)` : ''}`
    const result = injected.outcome ?? (injected.detail?.startsWith('failed') === true ? 'failed' : 'applied')
    if (result === 'not-carried-out') {
      outcome.faultsNotCarriedOut.push(line)
      continue
    }
    if (result === 'failed') {
      outcome.faultsFailed.push(line)
      continue
    }
    // Records without a due time (older runs) came in schedule order: the first unpaired alike.
    const position = unpaired.findIndex((planned) => planned.description === injected.action && (injected.scheduledAtMs === undefined || planned.atMs === injected.scheduledAtMs))
    if (position < 0) continue
    const [planned] = unpaired.splice(position, 1)
    if (nodeTargetOf(planned!.fault) !== undefined && injected.targets.length === 0) outcome.faultsMissed += 1
    else {
      const kind = faultKindOf(planned!.fault)
      if (kind !== undefined) outcome.faults[kind] += 1
    }
  }
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
      return fault.ms > 0 || (fault.jitterMs ?? 0) > 0 ? 'slowDisk' : undefined
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
    case 'addNode':
    case 'promote':
    case 'removeNode':
      return undefined
    default:
      return assertNever(fault, 'fault')
  }
}

function lostWritesOf(runDir: string): AcknowledgedWrites | undefined {
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
}

/** One pass over trace.ndjson (it may be large), keeping only process exits. */
async function readTraceFacts(runDir: string): Promise<TraceFacts> {
  const facts: TraceFacts = { exits: [] }
  const file = path.join(runDir, 'trace.ndjson')
  if (!fs.existsSync(file)) return facts
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.includes('"kind":"process"') && line.includes('"state":"exited"')) {
      const event = JSON.parse(line) as Extract<TraceEvent, { kind: 'process' }>
      facts.exits.push(`${event.node} exited at ${Math.round(event.t)} ms: ${event.detail ?? 'no reason given'}`)
    }
  }
  return facts
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.slice(0, 300)
}
