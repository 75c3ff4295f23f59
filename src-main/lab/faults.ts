/**
 * Fault injection on a running cluster. Node faults go through the cluster (SIGKILL, SIGSTOP,
 * SIGCONT, restart, slow disk); link faults become per-replica link rules, which each replica
 * applies to its own links. Targets (leader, follower, minority, random, crashed, paused) are
 * resolved at the moment of injection, random ones with the run's seed.
 */
import { nodeTargetOf, type Experiment, type FaultAction, type LinkConditions } from '../api/experiment.js'
import type { InjectedFault } from '../api/summary.js'
import type { Random } from '../protocols/types.js'
import type { LinkRules, OutgoingRule } from '../replica/transport.js'
import type { Cluster } from './cluster.js'
import type { LeaderTracker } from './leadership.js'

export class FaultInjector {
  /** Directed links that lose every message, as "from>to". */
  private readonly cutLinks = new Set<string>()
  /** Conditions per directed link that differ from the network-wide ones. */
  private readonly linkOverrides = new Map<string, Partial<LinkConditions>>()
  private network: LinkConditions
  readonly injected: InjectedFault[] = []
  /** The cut links last reported (see onLinksChanged), as sorted "from>to" keys. */
  private reportedCut = ''

  /** `onLinksChanged`: the directed links cut from now on, each time the set changes (for the trace). */
  constructor(
    private readonly cluster: Cluster,
    private readonly leaders: LeaderTracker,
    network: LinkConditions,
    private readonly random: Random,
    private readonly onLinksChanged?: (cut: [string, string][]) => void,
  ) {
    this.network = { ...network }
  }

  /** Sends every replica its link rules (conditions plus cuts). */
  applyLinkRules(): void {
    for (const node of this.cluster.nodeIds) this.cluster.setLinkRules(node, this.rulesFor(node))
    const cut = [...this.cutLinks].sort()
    if (cut.join(' ') === this.reportedCut) return
    this.reportedCut = cut.join(' ')
    this.onLinksChanged?.(cut.map((link) => link.split('>') as [string, string]))
  }

  async inject(action: FaultAction, atMs: number): Promise<InjectedFault> {
    const targets = this.resolveTargets(action)
    const fault: InjectedFault = { atMs, action: describeAction(action), targets }
    await this.apply(action, targets)
    if (nodeTargetOf(action) !== undefined && targets.length === 0) fault.detail = 'no node matched the target at that moment'
    this.injected.push(fault)
    return fault
  }

  private async apply(action: FaultAction, targets: string[]): Promise<void> {
    if ('crash' in action) return void (await Promise.all(targets.map((node) => this.cluster.crash(node))))
    if ('restart' in action) {
      await Promise.all(targets.map((node) => this.cluster.restart(node)))
      return this.applyLinkRules()
    }
    if ('pause' in action) return targets.forEach((node) => this.cluster.pause(node))
    if ('resume' in action) return targets.forEach((node) => this.cluster.resume(node))
    if ('slowDisk' in action) return targets.forEach((node) => this.cluster.setSlowDisk(node, action.slowDisk.ms))
    if ('campaign' in action) return targets.forEach((node) => this.cluster.campaign(node))
    if ('byzantine' in action) return targets.forEach((node) => this.cluster.setByzantine(node, action.byzantine.behaviour))
    if ('clockSkew' in action) return targets.forEach((node) => this.cluster.setClockRate(node, action.clockSkew.factor))
    if ('partition' in action) this.partition(action.partition)
    else if ('isolate' in action) {
      for (const node of targets)
        for (const peer of this.cluster.nodeIds) if (peer !== node) this.cutLinks.add(`${node}>${peer}`).add(`${peer}>${node}`)
    }
    else if ('cut' in action) {
      const [a, b] = action.cut
      this.cutLinks.add(`${a}>${b}`).add(`${b}>${a}`)
    } else if ('cutOneWay' in action) this.cutLinks.add(`${action.cutOneWay[0]}>${action.cutOneWay[1]}`)
    else if ('heal' in action) this.cutLinks.clear()
    else if ('network' in action) this.network = { ...this.network, ...action.network }
    else if ('link' in action) {
      const { from, to, ...conditions } = action.link
      const key = `${from}>${to}`
      this.linkOverrides.set(key, { ...this.linkOverrides.get(key), ...conditions })
    }
    this.applyLinkRules()
  }

  resolveTargets(action: FaultAction): string[] {
    if ('partition' in action) return action.partition.flat()
    if ('cut' in action) return [...action.cut]
    if ('cutOneWay' in action) return [...action.cutOneWay]
    if ('link' in action) return [action.link.from, action.link.to]
    const target = nodeTargetOf(action)
    if (target === undefined) return []
    return this.resolveNodeTarget(target)
  }

  private resolveNodeTarget(target: string): string[] {
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
      outgoing[peer] = { ...this.network, ...this.linkOverrides.get(`${node}>${peer}`), blocked: this.cutLinks.has(`${node}>${peer}`) }
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
  if ('cut' in action) return `cut ${action.cut[0]} <-> ${action.cut[1]}`
  if ('cutOneWay' in action) return `cut ${action.cutOneWay[0]} -> ${action.cutOneWay[1]}`
  if ('network' in action) return `network ${describeConditions(action.network)}`
  if ('link' in action) {
    const { from, to, ...conditions } = action.link
    return `link ${from} -> ${to} ${describeConditions(conditions)}`
  }
  if ('byzantine' in action) {
    const behaviour = action.byzantine.behaviour
    return `byzantine ${action.byzantine.node}: ${typeof behaviour === 'string' ? behaviour : behaviour.kind}`
  }
  if ('clockSkew' in action) return `clock of ${action.clockSkew.node} runs at ${action.clockSkew.factor}x`
  if ('slowDisk' in action) return `slow disk ${action.slowDisk.node} +${action.slowDisk.ms} ms per fsync`
  const [kind, target] = Object.entries(action)[0] as [string, string]
  return `${kind} ${target}`
}

function describeConditions(conditions: Partial<LinkConditions>): string {
  const parts: string[] = []
  if (conditions.delayMs !== undefined) parts.push(`delay ${conditions.delayMs} ms`)
  if (conditions.jitterMs !== undefined) parts.push(`jitter ${conditions.jitterMs} ms`)
  if (conditions.loss !== undefined) parts.push(`loss ${Math.round(conditions.loss * 100)}%`)
  if (conditions.duplicate !== undefined) parts.push(`duplicate ${Math.round(conditions.duplicate * 100)}%`)
  if (conditions.reorder !== undefined) parts.push(`reorder ${Math.round(conditions.reorder * 100)}%`)
  return parts.join(', ') || 'unchanged'
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
