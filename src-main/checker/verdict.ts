/**
 * The verdict of a run: is the client history linearizable, and did any protocol invariant break?
 */
import type { ProtocolName } from '../api/experiment.js'
import type { Verdict, InvariantResult } from '../api/summary.js'
import type { HistoryEvent, TraceEvent } from '../api/trace.js'
import type { ProtocolFacts } from './protocol-facts.js'
import { checkInvariants, type FinalState } from './invariants.js'
import { checkAcknowledgedWrites } from './acknowledged-writes.js'
import { checkLinearizability, type LinearizabilityOptions, type LinearizabilityResult, type OperationCounts } from './linearizability.js'
import { describeWitness } from './witness.js'

export interface VerdictOptions extends LinearizabilityOptions {
  /** The nodes' state at the end of the run, for final-state-agreement. */
  finalStates?: readonly FinalState[]
  /**
   * acknowledged-writes-kept: `true` when the run read its written keys back at the end (the final
   * reads are in the history), else why it did not (the invariant is then unknown). Undefined for a
   * history that says nothing of final reads: the invariant is left out.
   */
  finalReads?: true | string
  /** Byzantine replicas, left out of the safety invariants. */
  faultyNodes?: readonly string[]
  /** The experiment's 0 s on the trace's clock, for the times replicas-healthy reports. */
  originMs?: number
  /** The protocol's facts from its descriptor (see InvariantInput.facts). */
  facts?: ProtocolFacts
}

export interface VerdictDetails {
  verdict: Verdict
  linearizability: LinearizabilityResult
}

/** The verdict; without a trace, the protocol invariants are left out (the list holds only history checks). */
export function buildVerdict(
  history: readonly HistoryEvent[], trace: readonly TraceEvent[] | undefined, protocol: ProtocolName, options: VerdictOptions = {},
): Verdict {
  return buildVerdictDetails(history, trace, protocol, options).verdict
}

export function buildVerdictDetails(
  history: readonly HistoryEvent[], trace: readonly TraceEvent[] | undefined, protocol: ProtocolName, options: VerdictOptions = {},
): VerdictDetails {
  // The history's clock is the trace's (the run's epoch, in ns): the experiment's 0 s on it is originMs.
  const experimentZeroNs = options.experimentZeroNs ?? (options.originMs === undefined ? undefined : Math.round(options.originMs * 1e6))
  const linearizability = checkLinearizability(history, { ...options, experimentZeroNs })
  const invariants: InvariantResult[] = trace === undefined
    ? []
    : checkInvariants({ trace, protocol, finalStates: options.finalStates, faultyNodes: options.faultyNodes, originMs: options.originMs, facts: options.facts })
  if (options.finalReads !== undefined) invariants.push(checkAcknowledgedWrites(history, options.finalReads))
  return { verdict: combineVerdict(history, linearizability, invariants), linearizability }
}

/**
 * The verdict from its parts. A history with no acknowledged operation the check could use proves
 * nothing, so its answer is unknown (with why), never a vacuous "linearizable".
 */
export function combineVerdict(history: readonly HistoryEvent[], linearizability: LinearizabilityResult, invariants: InvariantResult[]): Verdict {
  const empty = nothingToJudge(history, linearizability.counts)
  if (empty !== undefined && linearizability.linearizable !== false) return { linearizable: 'unknown', invariants, witness: empty }
  const verdict: Verdict = { linearizable: linearizability.linearizable, invariants }
  const witness = witnessText(linearizability)
  if (witness !== undefined) verdict.witness = witness
  return verdict
}

/** Why the history cannot show anything, or undefined when it holds an acknowledged, checked operation. */
export function nothingToJudge(history: readonly HistoryEvent[], counts: OperationCounts): string | undefined {
  if (history.some((event) => event.type === 'ok' && event.f !== 'range')) return undefined
  const tail = 'so there is nothing to judge.'
  if (counts.total === 0) return `Unknown: the history holds no operation, ${tail}`
  if (counts.ok === 0) return `Unknown: none of the ${counts.total} operations was acknowledged (${counts.ok} ok, ${counts.fail} fail, ${counts.info} info), ${tail}`
  return `Unknown: none of the ${counts.total} operations was acknowledged and checked (acknowledged range reads span keys and are not checked), ${tail}`
}

/** The witness of the first failing key, or why the answer is unknown. */
export function witnessText(result: LinearizabilityResult): string | undefined {
  if (result.witness) return describeWitness(result.witness)
  if (result.linearizable !== 'unknown') return undefined
  const unknown = result.keys.filter((key) => key.result === 'unknown')
  const listed = unknown.slice(0, 5).map((key) => `${JSON.stringify(key.key)} (${key.ops} operations: ${key.reason ?? 'over budget'})`)
  return `Unknown: the checker could not decide ${unknown.length} of ${result.keys.length} keys within its budget: ${listed.join('; ')}${unknown.length > 5 ? '; ...' : ''}. It never guesses; rerun with a larger budget (lab check <run-dir> --budget 5m) or a shorter history.`
}

/** True when the verdict reports no definite violation and nothing undecided. */
export function verdictPassed(verdict: Verdict): boolean {
  return verdict.linearizable === true && verdict.invariants.every((invariant) => invariant.ok)
}

/** True when the verdict holds a definite violation: not linearizable, or an invariant that broke (not merely undecided). */
export function verdictViolated(verdict: Verdict): boolean {
  return verdict.linearizable === false || verdict.invariants.some((invariant) => !invariant.ok && invariant.unknown !== true)
}
