/**
 * The outcome of one simulated run, and the command that replays it exactly.
 */
import type { HistoryEvent } from '../api/trace.js'
import { checkLinearizability } from '../checker/linearizability.js'
import { witnessText } from '../checker/verdict.js'
import type { ClientStats } from './clients.js'
import type { Violation } from './monitor.js'
import type { NetworkStats } from './network.js'
import type { ProtocolName } from '../protocols/registry.js'
import type { FaultProfile, NemesisFocus } from './scenario.js'

/**
 * The checker's budgets for a simulated history. Histories here are small (historyOpsMax), so the
 * search finishes far below them; they exist so that a pathological history ends as a clear
 * 'unknown' failure instead of a hung test.
 */
export const linearizabilityBudget = { stepsPerKeyMax: 5_000_000, msPerKeyMax: 60_000, msTotalMax: 120_000 }

export interface SimRunCounts {
  crashes: number
  crashesMidReady: number
  restarts: number
  cuts: number
  pauses: number
  coreSteps: number
  /** Leadership transfers asked of a running leader. */
  transfers: number
  /** Readies whose records took a slow fsync (the node blocked meanwhile). */
  slowSyncs: number
  /** Follower reads that returned a state older than an index already applied somewhere: allowed, counted. */
  staleReadsAllowed: number
  /** Follower reads served (all kept out of the history). */
  followerReads: number
  /** Raft §7: snapshots a state machine took, and snapshots a node installed from its leader. */
  snapshotsTaken: number
  snapshotsInstalled: number
  /**
   * Membership changes (with membership faults or SimOptions.membership): nodes that joined, changes
   * of the schedule that committed (of them, removals, and removals of the node that led when
   * asked), and changes asked of a leader directly.
   */
  joins?: number
  changesCommitted?: number
  removals?: number
  leaderRemovals?: number
  changesAskedDirectly?: number
}

export interface SimResult {
  protocol: ProtocolName
  seed: number
  mutations: readonly string[]
  faults: FaultProfile
  ok: boolean
  /** The first broken property; absent when ok. */
  violation?: Violation
  /** The first violation of each broken check (more than one only with keepGoing). */
  violations?: Violation[]
  steps: number
  /** Steps spent in the liveness phase (undefined if the safety phase never ended). */
  livenessSteps?: number
  timeUs: number
  /** Hash of every step's line: same seed and options ⇒ same hash. */
  traceHash: string
  /** Undefined when the run stopped before the history was checked. */
  linearizable?: boolean | 'unknown'
  committedIndex: number
  /** The protocol settings this seed drew (cluster size, timeouts, options). */
  settings: { clusterSize: number } & Record<string, unknown>
  /** What the reactive nemesis aimed at in this seed. */
  focus: NemesisFocus
  scenario: string[]
  network: NetworkStats
  clients: ClientStats
  counts: SimRunCounts
  replay: string
  /** Every step's line, when recordSteps was set. */
  lines?: string[]
}

export interface ReplayOptions {
  protocol: ProtocolName
  seed: number
  mutations?: readonly string[]
  faults?: FaultProfile
  stepsMax?: number
  keepGoing?: boolean
  membership?: boolean
}

/** `npm run lab -- simulate raft --seed 1234 [--mutation m] [--faults f] [--steps n]`; defaults are left out. */
export function replayCommand(options: ReplayOptions, stepsDefault: number): string {
  const parts = ['npm run lab -- simulate', options.protocol, '--seed', String(options.seed)]
  for (const mutation of options.mutations ?? []) parts.push('--mutation', mutation)
  if (options.faults !== undefined && options.faults !== 'all') parts.push('--faults', options.faults)
  if (options.stepsMax !== undefined && options.stepsMax !== stepsDefault) parts.push('--steps', String(options.stepsMax))
  if (options.keepGoing === true) parts.push('--keep-going')
  if (options.membership === true) parts.push('--membership')
  return parts.join(' ')
}

/** The history check at the end of a run; a violation if it is not linearizable or undecided. */
export function checkHistory(history: readonly HistoryEvent[]): { linearizable: boolean | 'unknown'; violation?: Omit<Violation, 'step' | 'timeUs'> } {
  const result = checkLinearizability(history, linearizabilityBudget)
  if (result.linearizable === true) return { linearizable: true }
  const witness = witnessText(result) ?? 'no witness'
  const what = result.linearizable === false ? 'the client history is not linearizable' : 'the checker could not decide the client history'
  return { linearizable: result.linearizable, violation: { check: 'linearizability', detail: `${what}: ${witness}` } }
}

/** A multi-line report of a failed run: what broke, where, and how to replay it. */
export function describeFailure(result: SimResult, vitestReplay?: string): string {
  const violation = result.violation
  const lines = [
    `${result.protocol} seed ${result.seed}${result.mutations.length > 0 ? ` with mutation ${result.mutations.join(', ')}` : ''}: ` +
      (violation === undefined ? 'passed' : `${violation.check} broken at step ${violation.step} (t=${(violation.timeUs / 1000).toFixed(1)} ms)`),
  ]
  if (violation !== undefined) lines.push(`  ${violation.detail}`)
  for (const other of (result.violations ?? []).slice(1)) {
    lines.push(`  also ${other.check} at step ${other.step}: ${other.detail}`)
  }
  for (const line of result.scenario) lines.push(`  ${line}`)
  lines.push(`  trace hash ${result.traceHash} after ${result.steps} steps`)
  lines.push(`  replay: ${result.replay} --verbose`)
  if (vitestReplay !== undefined) lines.push(`  or:     ${vitestReplay}`)
  return lines.join('\n')
}
