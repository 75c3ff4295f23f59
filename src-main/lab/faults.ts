/**
 * Fault injection on a running cluster: resolves targets (a name, leader, follower, minority,
 * random, crashed, paused) at the moment of injection, applies node faults through the cluster and
 * link faults as per-replica link rules, and reports what it did.
 */
import type { Experiment, LinkConditions } from '../api/experiment.js'
import type { FaultAction } from '../api/lab-api.js'
import type { InjectedFault } from '../api/summary.js'
import type { Random } from '../protocols/types.js'
import type { LinkRules, OutgoingRule } from '../replica/transport.js'
import type { Cluster } from './cluster.js'
import type { LeaderTracker } from './leadership.js'

export class FaultInjector {
  /** Directed links cut by partitions, as "from>to". */
  private readonly cutLinks = new Set<string>()
  readonly injected: InjectedFault[] = []

  constructor(
    private readonly cluster: Cluster,
    private readonly leaders: LeaderTracker,
    private readonly network: LinkConditions,
    private readonly random: Random,
  ) {}

  /** Sends every replica its link rules (network conditions plus cuts). */
  applyLinkRules(): void {
    for (const node of this.cluster.nodeIds) this.cluster.setLinkRules(node, this.rulesFor(node))
  }

  async inject(action: FaultAction, atMs: number): Promise<InjectedFault> {
    const targets = this.resolveTargets(action)
    const fault: InjectedFault = { atMs, action: describeAction(action), targets }
    if ('crash' in action) await Promise.all(targets.map((node) => this.cluster.crash(node)))
    else if ('restart' in action) {
      await Promise.all(targets.map((node) => this.cluster.restart(node)))
      this.applyLinkRules()
    } else if ('pause' in action) targets.forEach((node) => this.cluster.pause(node))
    else if ('resume' in action) targets.forEach((node) => this.cluster.resume(node))
    else if ('partition' in action) {
      this.partition(action.partition)
      this.applyLinkRules()
    } else if ('heal' in action) {
      this.cutLinks.clear()
      this.applyLinkRules()
    }
    if (targets.length === 0 && !('heal' in action)) fault.detail = 'no node matched the target at that moment'
    this.injected.push(fault)
    return fault
  }

  resolveTargets(action: FaultAction): string[] {
    if ('partition' in action) return action.partition.flat()
    if ('heal' in action) return []
    const target = 'crash' in action ? action.crash : 'restart' in action ? action.restart : 'pause' in action ? action.pause : action.resume
    const replicas = [...this.cluster.replicas.values()]
    const up = replicas.filter((replica) => replica.state === 'up').map((replica) => replica.id)
    const leader = this.leaders.leader()
    switch (target) {
      case 'leader':
        return leader ? [leader] : []
      case 'follower':
        return this.pick(up.filter((node) => node !== leader), 1)
      case 'random':
        return this.pick(up, 1)
      case 'minority':
        return this.pick(up, Math.floor((this.cluster.nodeIds.length - 1) / 2))
      case 'crashed':
        return replicas.filter((replica) => replica.state === 'crashed' || replica.state === 'exited').map((replica) => replica.id)
      case 'paused':
        return replicas.filter((replica) => replica.state === 'paused').map((replica) => replica.id)
      default:
        if (!this.cluster.replicas.has(target)) throw new Error(`unknown node ${target}`)
        return [target]
    }
  }

  private partition(groups: string[][]): void {
    this.cutLinks.clear()
    const groupOf = new Map<string, number>()
    groups.forEach((group, index) => group.forEach((node) => groupOf.set(node, index)))
    // A node named in no group is cut off from everyone: a group of its own.
    let nextGroup = groups.length
    for (const node of this.cluster.nodeIds) if (!groupOf.has(node)) groupOf.set(node, nextGroup++)
    for (const from of this.cluster.nodeIds)
      for (const to of this.cluster.nodeIds) if (from !== to && groupOf.get(from) !== groupOf.get(to)) this.cutLinks.add(`${from}>${to}`)
  }

  private rulesFor(node: string): LinkRules {
    const outgoing: Record<string, Partial<OutgoingRule>> = {}
    const incomingBlocked: string[] = []
    for (const peer of this.cluster.nodeIds) {
      if (peer === node) continue
      outgoing[peer] = { ...this.network, blocked: this.cutLinks.has(`${node}>${peer}`) }
      if (this.cutLinks.has(`${peer}>${node}`)) incomingBlocked.push(peer)
    }
    return { outgoing, incomingBlocked }
  }

  private pick(candidates: string[], count: number): string[] {
    const pool = candidates.slice()
    const chosen: string[] = []
    while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(this.random() * pool.length), 1)[0]!)
    return chosen
  }
}

export function describeAction(action: FaultAction): string {
  if ('partition' in action) return `partition ${action.partition.map((group) => `{${group.join(',')}}`).join(' | ')}`
  if ('heal' in action) return 'heal all'
  const [kind, target] = Object.entries(action)[0] as [string, string]
  return `${kind} ${target}`
}

/** The schedule of an experiment as actions, in time order. */
export function scheduledFaults(experiment: Experiment): { atMs: number; action: FaultAction }[] {
  return experiment.faults
    .map((fault) => {
      const { at, ...action } = fault
      return { atMs: at, action: action as FaultAction }
    })
    .sort((a, b) => a.atMs - b.atMs)
}
