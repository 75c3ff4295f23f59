/**
 * Fault injection on a running cluster. Node faults go through the cluster (SIGKILL, SIGSTOP,
 * SIGCONT, restart, slow disk); link faults become per-replica link rules, which each replica
 * applies to its own links. Targets (leader, follower, minority, random, crashed, paused) are
 * resolved at the moment of injection, random ones with the run's seed.
 */
import type { Experiment, LinkConditions } from '../api/experiment.js'
import type { InjectedFault } from '../api/summary.js'
import { describeFault, linkFaultNodes, nodeTargetOf, partitionCuts, resolveNodeTarget, type Fault, type FaultOf, type TimedFault } from '../faults/fault.js'
import type { Random } from '../protocols/types.js'
import { assertNever } from '../protocols/types.js'
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

  constructor(
    private readonly cluster: Cluster,
    private readonly leaders: LeaderTracker,
    network: LinkConditions,
    private readonly random: Random,
  ) {
    this.network = { ...network }
  }

  /** Sends every replica its link rules (conditions plus cuts). */
  applyLinkRules(): void {
    for (const node of this.cluster.nodeIds) this.cluster.setLinkRules(node, this.rulesFor(node))
  }

  async inject(fault: Fault, atMs: number): Promise<InjectedFault> {
    const targets = this.resolveTargets(fault)
    const injected: InjectedFault = { atMs, action: describeFault(fault), targets }
    await this.apply(fault, targets)
    if (nodeTargetOf(fault) !== undefined && targets.length === 0) injected.detail = 'no node matched the target at that moment'
    this.injected.push(injected)
    return injected
  }

  /** Node faults go to the cluster; link faults change the rules every replica applies to its links. */
  private async apply(fault: Fault, targets: string[]): Promise<void> {
    switch (fault.kind) {
      case 'crash':
        return void (await Promise.all(targets.map((node) => this.cluster.crash(node))))
      case 'restart':
        await Promise.all(targets.map((node) => this.cluster.restart(node)))
        return this.applyLinkRules()
      case 'pause':
        return targets.forEach((node) => this.cluster.pause(node))
      case 'resume':
        return targets.forEach((node) => this.cluster.resume(node))
      case 'slowDisk':
        return targets.forEach((node) => this.cluster.setSlowDisk(node, fault.ms))
      case 'campaign':
        return targets.forEach((node) => this.cluster.campaign(node))
      case 'byzantine':
        return targets.forEach((node) => this.cluster.setByzantine(node, fault.behaviour))
      case 'clockSkew':
        return targets.forEach((node) => this.cluster.setClockRate(node, fault.factor))
      case 'partition':
        this.partition(fault)
        return this.applyLinkRules()
      case 'isolate':
        for (const node of targets)
          for (const peer of this.cluster.nodeIds) if (peer !== node) this.cutLinks.add(`${node}>${peer}`).add(`${peer}>${node}`)
        return this.applyLinkRules()
      case 'cut': {
        const [a, b] = fault.between
        this.cutLinks.add(`${a}>${b}`).add(`${b}>${a}`)
        return this.applyLinkRules()
      }
      case 'cutOneWay':
        this.cutLinks.add(`${fault.from}>${fault.to}`)
        return this.applyLinkRules()
      case 'heal':
        this.cutLinks.clear()
        return this.applyLinkRules()
      case 'network':
        this.network = { ...this.network, ...fault.conditions }
        return this.applyLinkRules()
      case 'link': {
        const key = `${fault.from}>${fault.to}`
        this.linkOverrides.set(key, { ...this.linkOverrides.get(key), ...fault.conditions })
        return this.applyLinkRules()
      }
      default:
        return assertNever(fault, 'fault')
    }
  }

  resolveTargets(fault: Fault): string[] {
    const target = nodeTargetOf(fault)
    if (target === undefined) return linkFaultNodes(fault)
    const replicas = [...this.cluster.replicas.values()]
    const view = {
      members: this.cluster.nodeIds,
      up: replicas.filter((replica) => replica.state === 'up').map((replica) => replica.id),
      crashed: replicas.filter((replica) => replica.state === 'crashed' || replica.state === 'exited').map((replica) => replica.id),
      paused: replicas.filter((replica) => replica.state === 'paused').map((replica) => replica.id),
      leader: this.leaders.leader(),
    }
    return resolveNodeTarget(target, view, this.random)
  }

  private partition(fault: FaultOf<'partition'>): void {
    this.cutLinks.clear()
    for (const [from, to] of partitionCuts(fault, this.cluster.nodeIds)) this.cutLinks.add(`${from}>${to}`)
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
}

/** The schedule of an experiment as faults, in time order. */
export function scheduledFaults(experiment: Experiment): TimedFault[] {
  return experiment.faults
    .map((scheduled) => {
      const { at, ...fault } = scheduled
      return { atMs: at, fault: fault as Fault }
    })
    .sort((a, b) => a.atMs - b.atMs)
}
