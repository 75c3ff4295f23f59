/**
 * What sits on the simulator's agenda. Every step handles exactly one of these; the UI's
 * step-by-step replay shows them as they are (messages included), and describeEvent gives the
 * one-line form that --verbose prints and the trace hash folds.
 */
import type { Command, NodeId, RequestTag } from '../protocols/types.js'
import { assertNever } from '../protocols/types.js'
import type { Outcome } from './clients.js'
import { describeFault } from '../faults/fault.js'
import type { CrashLanding, NemesisAction, SimFault } from './nemesis.js'

export type SimEvent =
  /** A node's timer fires; `token` tells a live timer from one that died with a crash or pause. */
  | { kind: 'tick'; node: NodeId; token: number }
  /** A node's slow fsync finishes: the rest of its Ready goes out (`incarnation`: unless it crashed meanwhile). */
  | { kind: 'synced'; node: NodeId; incarnation: number }
  /**
   * Raft §7: a node's state machine, serialized after it applied `index` as its core asked, goes
   * back to the core (a step of its own, as a replica would hand it back after the Ready).
   */
  | { kind: 'snapshot'; node: NodeId; incarnation: number; index: number; data: Uint8Array }
  /** `received`: it already reached the node, which was paused; it is handled now, on resume. */
  | { kind: 'deliver'; from: NodeId; to: NodeId; message: { type: string }; received?: true }
  /**
   * A client's request reaches a node. It carries the command, because the node acts on it even
   * if the client has given up meanwhile (that is why a timed-out write is indefinite).
   * `requiredIndex`: the highest index applied anywhere when the client invoked it (read freshness).
   * `ordered`: a get to be ordered like a write even where reads have a path of their own (a quorum
   * client's retransmission of a read-only request, TOCS §5.1.3).
   */
  | { kind: 'request'; client: number; opId: number; node: NodeId; command: Command; tag: RequestTag; requiredIndex: number; ordered?: true }
  /**
   * A node's answer reaches a client. 'quorum' style replies also carry the result's identity
   * (JSON), which f+1 replicas must agree on, and the replica's view. A digest reply (PBFT, TOCS
   * §5.1.1) has no outcome: it counts toward its result only once a full reply brought the outcome.
   */
  | { kind: 'reply'; client: number; opId: number; node: NodeId; outcome?: Outcome; resultKey?: string; view?: number; quorum?: number }
  /** A client starts its next operation. */
  | { kind: 'invoke'; client: number }
  | { kind: 'timeout'; client: number; opId: number }
  /** The nemesis strikes (it picks the fault's shape and target when it fires). */
  | { kind: 'nemesis'; action: NemesisAction }
  /** `landing`: how a crash the nemesis drew lands (inside a Ready, with a restart later). */
  | { kind: 'fault'; fault: SimFault; landing?: CrashLanding }
  /** The safety phase ends: everything is healed and restarted. */
  | { kind: 'phase'; phase: 'liveness' }
  /** The membership change at the head of the queue is looked at: done, proposed (again) to the leader, or given up. */
  | { kind: 'membership' }

export function describeEvent(event: SimEvent): string {
  switch (event.kind) {
    case 'tick':
      return `tick ${event.node}`
    case 'synced':
      return `fsync done ${event.node}`
    case 'snapshot':
      return `snapshot ${event.node} through ${event.index} (${event.data.length} bytes)`
    case 'deliver':
      return `${event.from}->${event.to} ${describeMessage(event.message)}`
    case 'request':
      return `request op${event.opId} client ${event.client} -> ${event.node}`
    case 'reply':
      return `reply op${event.opId} ${event.node} -> client ${event.client}: ${event.outcome === undefined ? `digest ${event.resultKey ?? ''}` : describeOutcome(event.outcome)}`
    case 'invoke':
      return `invoke client ${event.client}`
    case 'timeout':
      return `timeout op${event.opId} client ${event.client}`
    case 'nemesis':
      return `nemesis ${event.action}`
    case 'fault':
      return describeSimFault(event.fault, event.landing)
    case 'phase':
      return `phase ${event.phase}: heal, restart, resume; loss off`
    case 'membership':
      return 'membership change'
    default:
      return assertNever(event, 'sim event')
  }
}

/** The message's type with its term or view and, for batches, how many entries it carries. */
export function describeMessage(message: { type: string }): string {
  const fields = message as { type: string; term?: unknown; view?: unknown; entries?: unknown }
  const parts = [fields.type]
  if (typeof fields.term === 'number') parts.push(`t${fields.term}`)
  if (typeof fields.view === 'number') parts.push(`v${fields.view}`)
  if (Array.isArray(fields.entries) && fields.entries.length > 0) parts.push(`+${fields.entries.length}`)
  // Raft's snapshot chunks and their answers: which bytes, and how far the follower got.
  const chunk = message as { snapshotIndex?: unknown; offset?: unknown; totalBytes?: unknown; data?: unknown; receivedBytes?: unknown; done?: unknown }
  if (typeof chunk.snapshotIndex === 'number') parts.push(`@${chunk.snapshotIndex}`)
  if (typeof chunk.offset === 'number' && chunk.data instanceof Uint8Array) parts.push(`[${chunk.offset}+${chunk.data.length}/${String(chunk.totalBytes)}]`)
  if (typeof chunk.receivedBytes === 'number') parts.push(chunk.done === true ? 'done' : `has ${chunk.receivedBytes} (chunk ${String(chunk.offset)})`)
  return parts.join(' ')
}

/** The lab's words for the lab's faults; the simulator's own for the rest and for how a crash lands. */
export function describeSimFault(fault: SimFault, landing?: CrashLanding): string {
  switch (fault.kind) {
    case 'transfer':
      return `transfer leadership ${fault.node} -> ${fault.target}`
    case 'reconfigure':
      return `${fault.change.kind} ${fault.change.node} asked of ${fault.node} directly`
    case 'slow-timers':
      return fault.timerFactor === 1 ? `timers of ${fault.node} on time again` : `timers of ${fault.node} ${fault.timerFactor.toFixed(1)}x late`
    case 'crash':
      return `${describeFault(fault)}${landing?.midReady ? ' inside its next Ready' : ''}`
    default:
      return describeFault(fault)
  }
}

function describeOutcome(outcome: Outcome): string {
  switch (outcome.type) {
    case 'ok':
      return outcome.value === undefined ? 'ok' : `ok ${outcome.value ?? '∅'}`
    case 'fail':
    case 'info':
      return `${outcome.type} ${outcome.error}`
    default:
      return assertNever(outcome, 'outcome')
  }
}
