/**
 * Fault injection on a running cluster. Node faults go through the cluster (SIGKILL, SIGSTOP,
 * SIGCONT, restart, slow disk); link faults become per-replica link rules, which each replica
 * applies to its own links. Targets (leader, follower, minority, random, crashed, paused) are
 * resolved at the moment of injection, random ones with the run's seed.
 *
 * A fault fires at its time. Link faults apply at once. A node fault applies on each of its nodes
 * as soon as that node's earlier faults are done: faults on one node keep their order (a crash is
 * not overtaken by the restart after it), and a slow restart of one node holds up nothing else.
 * When the run ends, faults still waiting for their node are not carried out, and say so; a
 * restart still starting when the cluster shuts down is not carried out either, never "failed".
 * Every fault's record says when it was due and when it was applied (experiment time).
 */
import type { Experiment, LinkConditions } from '../api/experiment.js'
import type { InjectedFault } from '../api/summary.js'
import { describeFault, linkFaultNodes, nodeTargetOf, partitionCuts, resolveNodeTarget, type Fault, type FaultOf, type TimedFault } from '../faults/fault.js'
import type { Random } from '../protocols/types.js'
import { assertNever } from '../protocols/types.js'
import type { LinkRules, OutgoingRule } from '../replica/transport.js'
import { StartCancelledError, type Cluster } from './cluster.js'
import type { LeaderTracker } from './leadership.js'

/** What became of a fault on one of its nodes. */
type NodeResult =
  | { node: string; outcome: 'applied'; atMs: number; doneAtMs: number }
  | { node: string; outcome: 'failed'; atMs: number; error: string }
  | { node: string; outcome: 'not-carried-out'; atMs: number; why: string }

export class FaultInjector {
  /** Directed links that lose every message, as "from>to". */
  private readonly cutLinks = new Set<string>()
  /** Conditions per directed link that differ from the network-wide ones. */
  private readonly linkOverrides = new Map<string, Partial<LinkConditions>>()
  private network: LinkConditions
  /** Every fault's record, in the order they were settled (applied, failed, or given up). */
  readonly injected: InjectedFault[] = []
  /** Per node, the fault on it in progress or queued last: the next fault on that node waits for it. */
  private readonly nodeQueues = new Map<string, { fault: string; done: Promise<void> }>()
  /** Faults fired whose record is not written yet. */
  private readonly unsettled = new Set<Promise<InjectedFault>>()
  /** Called as each record is written, in the order of `injected` (the runner traces it). */
  onRecord: (fault: InjectedFault) => void = () => undefined
  /** Why no fault is carried out any more (the run ended), once it is so. */
  private endedBecause?: string
  private signalEnded = () => undefined as void
  private readonly ended = new Promise<void>((resolve) => (this.signalEnded = resolve))
  /** Called with the directed links cut from now on, each time that set changes (the runner traces it). */
  onLinksChanged: (cut: [string, string][]) => void = () => undefined
  /** The cut links last reported, as sorted "from>to" keys. */
  private reportedCut = ''

  constructor(
    private readonly cluster: Cluster,
    private readonly leaders: LeaderTracker,
    network: LinkConditions,
    private readonly random: Random,
    /** Experiment time now (ms from 0 s), for the records. */
    private readonly clock: () => number = () => 0,
  ) {
    this.network = { ...network }
  }

  /** Sends every replica its link rules (conditions plus cuts). */
  applyLinkRules(): void {
    for (const node of this.cluster.nodeIds) this.cluster.setLinkRules(node, this.rulesFor(node))
    const cut = [...this.cutLinks].sort()
    if (cut.join(' ') === this.reportedCut) return
    this.reportedCut = cut.join(' ')
    this.onLinksChanged(cut.map((link) => link.split('>') as [string, string]))
  }

  /**
   * Fires a fault whose time has come (`scheduledAtMs`: its time in the schedule; by hand, now).
   * A link fault is in force when this returns; a node fault once its node's earlier faults are
   * done. Resolves with the fault's record (also in `injected`); never rejects.
   */
  inject(fault: Fault, scheduledAtMs = this.clock()): Promise<InjectedFault> {
    const record = this.fire(fault, scheduledAtMs).then((fields) => {
      const injected: InjectedFault = { atMs: fields.atMs, scheduledAtMs, action: describeFault(fault), targets: fields.targets, outcome: fields.outcome }
      if (fields.detail !== undefined) injected.detail = fields.detail
      this.record(injected)
      return injected
    })
    this.unsettled.add(record)
    void record.then(() => this.unsettled.delete(record))
    return record
  }

  /**
   * Records a fault whose time never came before the run ended (a schedule is recorded whole: a
   * fault is applied, failed, or not carried out, never silently absent).
   */
  notCarriedOut(fault: Fault, scheduledAtMs: number, why: string): InjectedFault {
    const injected: InjectedFault = { atMs: this.clock(), scheduledAtMs, action: describeFault(fault), targets: [], outcome: 'not-carried-out', detail: `not carried out: ${why}` }
    this.record(injected)
    return injected
  }

  private record(fault: InjectedFault): void {
    this.injected.push(fault)
    this.onRecord(fault)
  }

  /** The run ended (`why`): faults waiting for their node, and any fired from now on, are not carried out. */
  end(why: string): void {
    if (this.endedBecause !== undefined) return
    this.endedBecause = why
    this.signalEnded()
  }

  /** Resolves once every fault fired so far has its record (call after the cluster shut down). */
  async settled(): Promise<void> {
    while (this.unsettled.size > 0) await Promise.all([...this.unsettled])
  }

  private async fire(fault: Fault, scheduledAtMs: number): Promise<Omit<InjectedFault, 'action' | 'scheduledAtMs'>> {
    if (this.endedBecause !== undefined) return { atMs: this.clock(), targets: [], outcome: 'not-carried-out', detail: `not carried out: ${this.endedBecause}` }
    let targets: string[]
    try {
      targets = this.resolveTargets(fault)
      if (!isNodeFault(fault)) {
        // Synchronously, before this returns: faults at 0 s are in force before the clocks start.
        this.applyToLinks(fault, targets)
        return { atMs: this.clock(), targets, outcome: 'applied' }
      }
    } catch (caught) {
      return { atMs: this.clock(), targets: [], outcome: 'failed', detail: `failed: ${(caught as Error).message}` }
    }
    const nodeFault = fault
    if (targets.length === 0) return { atMs: this.clock(), targets, outcome: 'applied', detail: 'no node matched the target at that moment' }
    const results = await Promise.all(targets.map((node) => this.onNode(node, nodeFault)))
    return combineResults(fault, results, scheduledAtMs)
  }

  /** Applies a node fault on `node` after the faults queued on it before, unless the run ends first. */
  private onNode(node: string, fault: NodeFault): Promise<NodeResult> {
    const previous = this.nodeQueues.get(node)
    const begin = async (): Promise<NodeResult> => {
      if (previous !== undefined) {
        const turn = await Promise.race([previous.done.then(() => 'turn' as const), this.ended.then(() => 'ended' as const)])
        if (turn === 'ended') return { node, outcome: 'not-carried-out', atMs: this.clock(), why: `${this.endedBecause} while it waited for ${previous.fault} on ${node}` }
      }
      if (this.endedBecause !== undefined) return { node, outcome: 'not-carried-out', atMs: this.clock(), why: this.endedBecause }
      const atMs = this.clock()
      try {
        await this.applyOnNode(fault, node)
        return { node, outcome: 'applied', atMs, doneAtMs: this.clock() }
      } catch (caught) {
        if (caught instanceof StartCancelledError) return { node, outcome: 'not-carried-out', atMs: this.clock(), why: `the run ended while ${node} was still starting (${Math.round(this.clock() - atMs)} ms after the restart began)` }
        return { node, outcome: 'failed', atMs: this.clock(), error: (caught as Error).message }
      }
    }
    const result = begin()
    const done = result.then(() => undefined)
    const entry = { fault: describeFault(fault), done }
    this.nodeQueues.set(node, entry)
    void done.then(() => {
      if (this.nodeQueues.get(node) === entry) this.nodeQueues.delete(node)
    })
    return result
  }

  private async applyOnNode(fault: NodeFault, node: string): Promise<void> {
    switch (fault.kind) {
      case 'crash':
        return this.cluster.crash(node)
      case 'restart':
        await this.cluster.restart(node)
        return this.applyLinkRules()
      case 'pause':
        return this.cluster.pause(node)
      case 'resume':
        return this.cluster.resume(node)
      case 'slowDisk':
        return this.cluster.setSlowDisk(node, fault.ms, fault.jitterMs ?? 0)
      case 'campaign':
        return this.cluster.campaign(node)
      case 'byzantine':
        return this.cluster.setByzantine(node, fault.behaviour)
      case 'clockSkew':
        return this.cluster.setClockRate(node, fault.factor)
      default:
        return assertNever(fault, 'node fault')
    }
  }

  private applyToLinks(fault: LinkFault, targets: string[]): void {
    switch (fault.kind) {
      case 'partition':
        this.partition(fault)
        break
      case 'isolate':
        for (const node of targets)
          for (const peer of this.cluster.nodeIds) if (peer !== node) this.cutLinks.add(`${node}>${peer}`).add(`${peer}>${node}`)
        break
      case 'cut': {
        const [a, b] = fault.between
        this.cutLinks.add(`${a}>${b}`).add(`${b}>${a}`)
        break
      }
      case 'cutOneWay':
        this.cutLinks.add(`${fault.from}>${fault.to}`)
        break
      case 'heal':
        this.cutLinks.clear()
        break
      case 'network':
        this.network = { ...this.network, ...fault.conditions }
        break
      case 'link': {
        const key = `${fault.from}>${fault.to}`
        this.linkOverrides.set(key, { ...this.linkOverrides.get(key), ...fault.conditions })
        break
      }
      default:
        return assertNever(fault, 'link fault')
    }
    this.applyLinkRules()
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

/** Faults on a node's process, carried out one at a time per node. */
type NodeFault = FaultOf<'crash' | 'restart' | 'pause' | 'resume' | 'slowDisk' | 'campaign' | 'byzantine' | 'clockSkew'>
/** Faults on links (isolate too: it only changes link rules), in force at once. */
type LinkFault = Exclude<Fault, NodeFault>

function isNodeFault(fault: Fault): fault is NodeFault {
  switch (fault.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'slowDisk':
    case 'campaign':
    case 'byzantine':
    case 'clockSkew':
      return true
    case 'isolate':
    case 'partition':
    case 'cut':
    case 'cutOneWay':
    case 'heal':
    case 'network':
    case 'link':
      return false
    default:
      return assertNever(fault, 'fault')
  }
}

/** One record from a fault's results on its nodes. */
function combineResults(fault: Fault, results: NodeResult[], scheduledAtMs: number): Omit<InjectedFault, 'action' | 'scheduledAtMs'> {
  const applied = results.filter((result) => result.outcome === 'applied')
  const failed = results.filter((result) => result.outcome === 'failed')
  const dropped = results.filter((result) => result.outcome === 'not-carried-out')
  const atMs = Math.max(scheduledAtMs, ...results.map((result) => result.atMs))
  const notes: string[] = []
  if (fault.kind === 'restart' && applied.length > 0) notes.push(`up after ${Math.round(Math.max(...applied.map((result) => result.doneAtMs - result.atMs)))} ms`)
  const targets = applied.map((result) => result.node)
  if (failed.length > 0) {
    const errors = failed.map((result) => (results.length > 1 ? `${result.node}: ${result.error}` : result.error))
    return { atMs, targets, outcome: 'failed', detail: [`failed: ${errors.join('; ')}`, ...notes].join('; ') }
  }
  if (dropped.length > 0) {
    const why = dropped.map((result) => (applied.length > 0 || dropped.length > 1 ? `on ${result.node}: ${result.why}` : result.why))
    const outcome = applied.length > 0 ? 'applied' : 'not-carried-out'
    return { atMs, targets, outcome, detail: [...notes, `not carried out: ${why.join('; ')}`].join('; ') }
  }
  const appliedAtMs = Math.max(...applied.map((result) => result.atMs))
  return { atMs: appliedAtMs, targets, outcome: 'applied', ...(notes.length > 0 ? { detail: notes.join('; ') } : {}) }
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
