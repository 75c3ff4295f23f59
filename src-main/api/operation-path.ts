/**
 * Follow one operation: its path through the cluster, read from the trace around it. Raft: the
 * leader's and each follower's persist of its entry, the quorum whose acknowledgements committed
 * it, the commit, each node's apply, the messages that carried or acknowledged its index. PBFT:
 * each replica reaching pre-prepared, prepared, committed and executed for its sequence number, the
 * messages of that sequence number. With the phases of the latency breakdown, cut the same way.
 */
import { BreakdownEvents, pbftMarks, phasesOf, raftMarks, type AcknowledgedOperation, type LatencyPhase } from './latency-breakdown.js'
import type { ProtocolName } from './experiment.js'
import type { TraceEvent } from './trace.js'

export type PathStepKind = 'invoke' | 'persist' | 'commit' | 'apply' | 'reply' | 'pre-prepared' | 'prepared' | 'committed' | 'executed'

export interface PathStep {
  /** ms after the operation was invoked. */
  afterMs: number
  node: string
  step: PathStepKind
  /** persist: how long the write and fsync took, ms. */
  persistMs?: number
}

export interface OperationPath {
  steps: PathStep[]
  /** The phases, in order, adding up to the latency; absent when the trace cannot cut it (`missing` says why). */
  phases?: { phase: LatencyPhase; ms: number }[]
  missing?: string
  /** Raft: the nodes whose durable copy made the majority that committed it (the leader first). */
  quorum: string[]
  /** The messages that carried or acknowledged its index or sequence number: "sender:id". */
  messageKeys: string[]
  latencyMs: number
}

/** Slowest acknowledged operations first: the outliers worth following. */
export function slowestOperations(operations: readonly AcknowledgedOperation[], count: number): AcknowledgedOperation[] {
  return [...operations].sort((a, b) => b.okMs - b.invokeMs - (a.okMs - a.invokeMs)).slice(0, count)
}

/** `events`: the trace around the operation (at least from its invoke to its answer), any order. */
export function operationPath(operation: AcknowledgedOperation, events: readonly TraceEvent[], protocol: ProtocolName, nodes: number): OperationPath {
  const sorted = [...events].sort((a, b) => a.t - b.t)
  const breakdown = new BreakdownEvents()
  for (const event of sorted) breakdown.add(event)
  const position = protocol === 'pbft' ? operation.seq : operation.index
  const covers = (range: [number, number] | undefined) => position !== undefined && range !== undefined && range[0] <= position && position <= range[1]
  const after = (t: number) => Math.round((t - operation.invokeMs) * 1000) / 1000
  const steps: PathStep[] = [{ afterMs: 0, node: 'client', step: 'invoke' }]
  const sentKeys = new Set<string>()
  const reached = new Set<string>()
  const acknowledged = new Set<string>()
  /**
   * A Raft follower's acknowledgement names only its match index, which under batching is past the
   * entry: the first acknowledgement a follower sends after it persisted the entry, at or past it,
   * is the one that acknowledged it. (PBFT's messages name their own sequence number.)
   */
  const acknowledges = (event: Extract<TraceEvent, { kind: 'send' }>): boolean => {
    if (protocol === 'pbft' || position === undefined || event.node === operation.node || event.range === undefined) return false
    if (acknowledged.has(event.node) || !reached.has(`${event.node}:persist`) || event.range[1] < position) return false
    acknowledged.add(event.node)
    return true
  }
  for (const event of sorted) {
    if (event.t < operation.invokeMs) continue
    const step = pathStep(event, operation, position, after)
    // PBFT's commit and apply reports count executed sequence numbers and requests: its slots say it all.
    if (protocol === 'pbft' && (step?.step === 'commit' || step?.step === 'apply')) continue
    // A node's commit and apply of the entry: the first report that covers it.
    if (step && (step.step === 'persist' || step.step === 'commit' || step.step === 'apply' ? !reached.has(`${step.node}:${step.step}`) : true)) {
      reached.add(`${step.node}:${step.step}`)
      steps.push(step)
    }
    if (event.kind === 'send' && event.id !== undefined && (covers(event.range) || acknowledges(event))) sentKeys.add(`${event.node}:${event.id}`)
  }
  steps.push({ afterMs: after(operation.okMs), node: 'client', step: 'reply' })
  const f = Math.floor((nodes - 1) / 3)
  const marks = protocol === 'pbft' ? pbftMarks(operation, breakdown, f) : raftMarks(operation, breakdown)
  const names = phasesOf(protocol)
  const phases = 'marksMs' in marks && names ? names.map((phase, index) => ({ phase, ms: round3(marks.marksMs[index + 1]! - marks.marksMs[index]!) })) : undefined
  const commit = steps.find((step) => step.step === 'commit' && step.node === operation.node)
  return {
    steps: steps.sort((a, b) => a.afterMs - b.afterMs),
    ...(phases ? { phases } : { missing: 'missing' in marks ? marks.missing : 'primary-backup records no step inside the primary' }),
    quorum: protocol === 'pbft' ? [] : raftQuorum(steps, operation.node, commit?.afterMs, Math.floor(nodes / 2) + 1),
    messageKeys: [...sentKeys],
    latencyMs: round3(operation.okMs - operation.invokeMs),
  }
}

/** The step an event is for this operation, if it is one. */
function pathStep(event: TraceEvent, operation: AcknowledgedOperation, position: number | undefined, after: (t: number) => number): PathStep | undefined {
  if (position === undefined || (event as { group?: number }).group !== operation.group) return undefined
  switch (event.kind) {
    case 'append':
      return event.fromIndex <= position && position <= event.toIndex ? { afterMs: after(event.t), node: event.node, step: 'persist', persistMs: event.persistMs } : undefined
    case 'commit':
    case 'apply':
      return event.index >= position ? { afterMs: after(event.t), node: event.node, step: event.kind } : undefined
    case 'slot':
      return event.seq === position ? { afterMs: after(event.t), node: event.node, step: event.phase } : undefined
    default:
      return undefined
  }
}

/** The leader, then the earliest followers durable by the commit: the majority that committed it. */
function raftQuorum(steps: PathStep[], leader: string | undefined, commitAfterMs: number | undefined, majority: number): string[] {
  if (leader === undefined || commitAfterMs === undefined) return []
  const durable = steps.filter((step) => step.step === 'persist' && step.afterMs <= commitAfterMs && step.node !== leader).map((step) => step.node)
  return [leader, ...new Set(durable)].slice(0, majority)
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
