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
import { witnessFacts } from './witness.js'
import { sayChecker, sayWitnessFacts, type CheckerMessage, type VerdictWitnessFacts } from '../api/checker-text.js'

export interface VerdictOptions extends LinearizabilityOptions {
  /** The nodes' state at the end of the run, for final-state-agreement. */
  finalStates?: readonly FinalState[]
  /**
   * acknowledged-writes-kept: `true` when the run read its written keys back at the end (the final
   * reads are in the history), else why it did not (the invariant is then unknown). Undefined for a
   * history that says nothing of final reads: the invariant is left out.
   */
  finalReads?: true | string | CheckerMessage
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
 * nothing, so its answer is unknown (with why), never a vacuous "linearizable". The witness is
 * stored twice: as English text (what the CLI prints, what older runs have) and as facts
 * (`witnessFacts`, for the Korean panel and reports).
 */
export function combineVerdict(history: readonly HistoryEvent[], linearizability: LinearizabilityResult, invariants: InvariantResult[]): Verdict {
  const empty = nothingToJudgeMessage(history, linearizability.counts)
  if (empty !== undefined && linearizability.linearizable !== false) {
    return withWitness({ linearizable: 'unknown', invariants }, { kind: 'message', message: empty })
  }
  return withWitness({ linearizable: linearizability.linearizable, invariants }, witnessFactsOf(linearizability))
}

function withWitness(verdict: Verdict, facts: VerdictWitnessFacts | undefined): Verdict {
  if (facts === undefined) return verdict
  return { ...verdict, witness: sayWitnessFacts(facts, 'en'), witnessFacts: facts }
}

/** Why the history cannot show anything, or undefined when it holds an acknowledged, checked operation. */
export function nothingToJudge(history: readonly HistoryEvent[], counts: OperationCounts): string | undefined {
  const message = nothingToJudgeMessage(history, counts)
  return message === undefined ? undefined : sayChecker(message, 'en')
}

function nothingToJudgeMessage(history: readonly HistoryEvent[], counts: OperationCounts): CheckerMessage | undefined {
  if (history.some((event) => event.type === 'ok' && event.f !== 'range')) return undefined
  if (counts.total === 0) return { code: 'nothingInHistory', params: {} }
  if (counts.ok === 0) return { code: 'noneAcknowledged', params: { total: counts.total, ok: counts.ok, fail: counts.fail, info: counts.info } }
  return { code: 'noneChecked', params: { total: counts.total } }
}

/** The witness of the first failing key, or why the answer is unknown. */
export function witnessText(result: LinearizabilityResult): string | undefined {
  const facts = witnessFactsOf(result)
  return facts === undefined ? undefined : sayWitnessFacts(facts, 'en')
}

/** Undecided keys a witness names; the rest are counted. */
const undecidedKeysListedMax = 5

function witnessFactsOf(result: LinearizabilityResult): VerdictWitnessFacts | undefined {
  if (result.witness) return { kind: 'key', witness: witnessFacts(result.witness) }
  if (result.linearizable !== 'unknown') return undefined
  const unknown = result.keys.filter((key) => key.result === 'unknown')
  const listed = unknown.slice(0, undecidedKeysListedMax).map((key): CheckerMessage =>
    ({ code: 'keyUndecided', params: { key: key.key, ops: key.ops, reason: key.reason === undefined ? null : reasonMessage(key.reason) } }))
  return { kind: 'message', message: { code: 'keysUndecided', params: { unknown: unknown.length, keys: result.keys.length, listed, more: unknown.length > undecidedKeysListedMax } } }
}

/** The search's reason for giving up a key (wgl.ts, linearizability.ts), as a code where it is one of theirs. */
function reasonMessage(reason: string): CheckerMessage {
  const steps = /^search exceeded (\d+) steps$/.exec(reason)
  if (steps) return { code: 'searchExceededSteps', params: { steps: Number(steps[1]) } }
  if (reason === 'search ran out of time') return { code: 'searchOutOfTime', params: {} }
  if (reason === 'search space too large for memory') return { code: 'searchTooLarge', params: {} }
  if (reason === 'not checked: the time budget for the whole history ran out') return { code: 'historyOutOfTime', params: {} }
  return { code: 'reasonText', params: { text: reason } }
}

/** True when the verdict reports no definite violation and nothing undecided. */
export function verdictPassed(verdict: Verdict): boolean {
  return verdict.linearizable === true && verdict.invariants.every((invariant) => invariant.ok)
}

/** True when the verdict holds a definite violation: not linearizable, or an invariant that broke (not merely undecided). */
export function verdictViolated(verdict: Verdict): boolean {
  return verdict.linearizable === false || verdict.invariants.some((invariant) => !invariant.ok && invariant.unknown !== true)
}
