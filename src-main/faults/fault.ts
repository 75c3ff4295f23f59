/**
 * The fault vocabulary, one discriminated union shared by the lab's runner (real processes) and the
 * simulator (virtual time). An experiment file writes a fault as `{at: 2s, crash: leader}`;
 * api/experiment.ts parses that syntax into a `Fault` and prints it back. Every consumer handles
 * a fault with an exhaustive `switch (fault.kind)` ending in assertNever, so a new kind does not
 * compile until the runner's injector and the simulator both say what they do with it.
 *
 * Pure: no I/O, no clock, no randomness of its own (target resolution takes a generator).
 */
import { assertNever } from '../protocols/types.js'
import type { NodeId, Random } from '../protocols/types.js'

/** A node name, or a role resolved when the fault fires: leader, follower, minority, random, crashed, paused. */
export type NodeTarget = string
export const nodeTargetKeywords = ['leader', 'follower', 'minority', 'random', 'crashed', 'paused'] as const

/** Link conditions a fault changes; what it leaves out stays as it was. */
export interface LinkConditionsChange {
  delayMs?: number
  jitterMs?: number
  loss?: number
  duplicate?: number
  reorder?: number
}

/** A Byzantine behaviour by name, or with its options (which names exist is the protocol's business). */
export type ByzantineBehaviourSpec = string | { kind: string; forgedValue?: string; colluders?: string[]; delayMs?: number }

export type Fault =
  /** SIGKILL; the node restarts only when a `restart` says so. */
  | { kind: 'crash'; target: NodeTarget }
  /** From the node's data directory (its WAL). */
  | { kind: 'restart'; target: NodeTarget }
  /** SIGSTOP: messages wait, timers stop. */
  | { kind: 'pause'; target: NodeTarget }
  | { kind: 'resume'; target: NodeTarget }
  /** Cut off from every other node, both ways, on top of the cuts in force; clients still reach it. */
  | { kind: 'isolate'; target: NodeTarget }
  /** The node's election timer fires now (Raft). */
  | { kind: 'campaign'; target: NodeTarget }
  /**
   * Replaces every cut: nodes hear only their own group, and a node in no group hears no one,
   * except the `bridge`, which hears every group. `oneWay`: only messages from an earlier group to
   * a later one are lost (the later groups still reach the earlier ones).
   */
  | { kind: 'partition'; groups: NodeId[][]; oneWay?: true; bridge?: NodeId }
  /** Both directions between two nodes, on top of the cuts in force. */
  | { kind: 'cut'; between: [NodeId, NodeId] }
  /** Only messages from `from` to `to` are lost. */
  | { kind: 'cutOneWay'; from: NodeId; to: NodeId }
  /** Removes every cut and partition; link conditions stay. */
  | { kind: 'heal' }
  /** Every link's conditions from now on (merged into the current ones). */
  | { kind: 'network'; conditions: LinkConditionsChange }
  /** One directed link's conditions from now on. */
  | { kind: 'link'; from: NodeId; to: NodeId; conditions: LinkConditionsChange }
  /** The node's clock (timers, leases) runs at `factor` times real time. */
  | { kind: 'clockSkew'; target: NodeTarget; factor: number }
  /**
   * Every fsync of the node takes `ms` longer (0: a healthy disk again), plus, with `jitterMs`, a
   * random 0..jitterMs more drawn per fsync from the run's seed (a jittery disk).
   */
  | { kind: 'slowDisk'; target: NodeTarget; ms: number; jitterMs?: number }
  /** The node starts lying, or stops (`honest`). */
  | { kind: 'byzantine'; target: NodeTarget; behaviour: ByzantineBehaviourSpec | 'honest' }
  /**
   * Membership changes (Raft only). A fresh node (new data directory and ports) starts and joins
   * the running cluster as a learner: it catches up but does not vote.
   */
  | { kind: 'addNode'; node: NodeId }
  /** A learner added by addNode becomes a voter. */
  | { kind: 'promote'; node: NodeId }
  /** The node leaves the configuration (once that committed, its process stops for good); the leader may remove itself. */
  | { kind: 'removeNode'; target: NodeTarget }

export type FaultKind = Fault['kind']
export type FaultOf<K extends FaultKind> = Extract<Fault, { kind: K }>

/** Every kind once; `satisfies` fails to compile when the union gains a kind this list lacks. */
const faultKindSet = {
  crash: true, restart: true, pause: true, resume: true, partition: true, isolate: true, cut: true, cutOneWay: true,
  heal: true, network: true, link: true, campaign: true, clockSkew: true, byzantine: true, slowDisk: true,
  addNode: true, promote: true, removeNode: true,
} as const satisfies Record<FaultKind, true>
export const faultKinds = Object.keys(faultKindSet) as FaultKind[]

/** The node a node fault aims at (a name or a role keyword); undefined for link faults. */
export function nodeTargetOf(fault: Fault): NodeTarget | undefined {
  switch (fault.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'isolate':
    case 'campaign':
    case 'clockSkew':
    case 'slowDisk':
    case 'byzantine':
    case 'removeNode':
      return fault.target
    case 'addNode':
    case 'promote':
    case 'partition':
    case 'cut':
    case 'cutOneWay':
    case 'heal':
    case 'network':
    case 'link':
      return undefined
    default:
      return assertNever(fault, 'fault')
  }
}

/** The nodes a link fault names (fixed names, never keywords); empty for node faults. */
export function linkFaultNodes(fault: Fault): NodeId[] {
  switch (fault.kind) {
    case 'partition':
      return [...fault.groups.flat(), ...(fault.bridge === undefined ? [] : [fault.bridge])]
    case 'cut':
      return [...fault.between]
    case 'cutOneWay':
    case 'link':
      return [fault.from, fault.to]
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'isolate':
    case 'campaign':
    case 'clockSkew':
    case 'slowDisk':
    case 'byzantine':
    case 'heal':
    case 'network':
    case 'addNode':
    case 'promote':
    case 'removeNode':
      return []
    default:
      return assertNever(fault, 'fault')
  }
}

/**
 * Directed links ("from>to") a partition cuts among `members`: between groups (one way when
 * `oneWay`), and every link of a node in no group, the bridge aside.
 */
export function partitionCuts(fault: FaultOf<'partition'>, members: readonly NodeId[]): [NodeId, NodeId][] {
  const groupOf = new Map<NodeId, number>()
  fault.groups.forEach((group, index) => group.forEach((node) => groupOf.set(node, index)))
  const cuts: [NodeId, NodeId][] = []
  for (const from of members) {
    for (const to of members) {
      if (from === to || from === fault.bridge || to === fault.bridge) continue
      const a = groupOf.get(from)
      const b = groupOf.get(to)
      if (a === undefined || b === undefined) cuts.push([from, to])
      else if (a !== b && (fault.oneWay !== true || a < b)) cuts.push([from, to])
    }
  }
  return cuts
}

/** What the cluster looks like when a fault fires, for resolving its target. */
export interface TargetView {
  /** Every node, in the experiment's order. */
  members: readonly NodeId[]
  /** Running (not crashed, not paused). */
  up: readonly NodeId[]
  crashed: readonly NodeId[]
  paused: readonly NodeId[]
  leader: NodeId | undefined
}

/**
 * The nodes a target names at this moment; random choices (follower, random, minority) draw from
 * `random`. The runner and the simulator both resolve through here, so a replayed schedule picks
 * its nodes by the same rule. An unknown name throws.
 */
export function resolveNodeTarget(target: NodeTarget, view: TargetView, random: Random): NodeId[] {
  switch (target) {
    case 'leader':
      return view.leader === undefined ? [] : [view.leader]
    case 'follower':
      return pick(view.up.filter((node) => node !== view.leader), 1, random)
    case 'random':
      return pick(view.up, 1, random)
    case 'minority':
      return pick(view.up, Math.floor((view.members.length - 1) / 2), random)
    case 'crashed':
      return [...view.crashed]
    case 'paused':
      return [...view.paused]
    default:
      if (!view.members.includes(target)) throw new Error(`unknown node ${target}`)
      return [target]
  }
}

function pick(candidates: readonly NodeId[], count: number, random: Random): NodeId[] {
  const pool = candidates.slice()
  const chosen: NodeId[] = []
  while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!)
  return chosen
}

/** One line for summaries, traces and reports ("crash leader", "partition {A,B} | {C,D,E}"). */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'isolate':
    case 'campaign':
      return `${fault.kind} ${fault.target}`
    case 'partition': {
      const groups = fault.groups.map((group) => `{${group.join(',')}}`).join(fault.oneWay ? ' -/-> ' : ' | ')
      return `partition ${groups}${fault.bridge === undefined ? '' : ` bridged by ${fault.bridge}`}`
    }
    case 'cut':
      return `cut ${fault.between[0]} <-> ${fault.between[1]}`
    case 'cutOneWay':
      return `cut ${fault.from} -> ${fault.to}`
    case 'heal':
      return 'heal all'
    case 'network':
      return `network ${describeConditions(fault.conditions)}`
    case 'link':
      return `link ${fault.from} -> ${fault.to} ${describeConditions(fault.conditions)}`
    case 'clockSkew':
      return `clock of ${fault.target} runs at ${fault.factor}x`
    case 'slowDisk':
      return `slow disk ${fault.target} +${fault.ms} ms per fsync${fault.jitterMs ? ` and 0..${fault.jitterMs} ms more at random` : ''}`
    case 'byzantine':
      return `byzantine ${fault.target}: ${typeof fault.behaviour === 'string' ? fault.behaviour : fault.behaviour.kind}`
    case 'addNode':
      return `add node ${fault.node} (learner)`
    case 'promote':
      return `promote ${fault.node} to voter`
    case 'removeNode':
      return `remove node ${fault.target}`
    default:
      return assertNever(fault, 'fault')
  }
}

export function describeConditions(conditions: LinkConditionsChange): string {
  const parts: string[] = []
  if (conditions.delayMs !== undefined) parts.push(`delay ${conditions.delayMs} ms`)
  if (conditions.jitterMs !== undefined) parts.push(`jitter ${conditions.jitterMs} ms`)
  if (conditions.loss !== undefined) parts.push(`loss ${Math.round(conditions.loss * 100)}%`)
  if (conditions.duplicate !== undefined) parts.push(`duplicate ${Math.round(conditions.duplicate * 100)}%`)
  if (conditions.reorder !== undefined) parts.push(`reorder ${Math.round(conditions.reorder * 100)}%`)
  return parts.join(', ') || 'unchanged'
}

/** A fault and when it fires, in ms from the experiment's 0 s. */
export interface TimedFault {
  atMs: number
  fault: Fault
}

/** Membership changes: Raft only, and carried out through the leader (not on a process or a link). */
export function isMembershipFault(fault: Fault): fault is FaultOf<'addNode' | 'promote' | 'removeNode'> {
  return fault.kind === 'addNode' || fault.kind === 'promote' || fault.kind === 'removeNode'
}
