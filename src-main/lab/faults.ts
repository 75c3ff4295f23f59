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
import { nodeTargetOf, type Experiment, type FaultAction, type LinkConditions } from '../api/experiment.js'
import type { InjectedFault } from '../api/summary.js'
import type { Random } from '../protocols/types.js'
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
  inject(action: FaultAction, scheduledAtMs = this.clock()): Promise<InjectedFault> {
    const record = this.fire(action, scheduledAtMs).then((fields) => {
      const fault: InjectedFault = { atMs: fields.atMs, scheduledAtMs, action: describeAction(action), targets: fields.targets, outcome: fields.outcome }
      if (fields.detail !== undefined) fault.detail = fields.detail
      this.record(fault)
      return fault
    })
    this.unsettled.add(record)
    void record.then(() => this.unsettled.delete(record))
    return record
  }

  /**
   * Records a fault whose time never came before the run ended (a schedule is recorded whole: a
   * fault is applied, failed, or not carried out, never silently absent).
   */
  notCarriedOut(action: FaultAction, scheduledAtMs: number, why: string): InjectedFault {
    const fault: InjectedFault = { atMs: this.clock(), scheduledAtMs, action: describeAction(action), targets: [], outcome: 'not-carried-out', detail: `not carried out: ${why}` }
    this.record(fault)
    return fault
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

  private async fire(action: FaultAction, scheduledAtMs: number): Promise<Omit<InjectedFault, 'action' | 'scheduledAtMs'>> {
    if (this.endedBecause !== undefined) return { atMs: this.clock(), targets: [], outcome: 'not-carried-out', detail: `not carried out: ${this.endedBecause}` }
    let targets: string[]
    try {
      targets = this.resolveTargets(action)
      if (!isNodeAction(action)) {
        // Synchronously, before this returns: faults at 0 s are in force before the clocks start.
        this.applyToLinks(action, targets)
        return { atMs: this.clock(), targets, outcome: 'applied' }
      }
    } catch (caught) {
      return { atMs: this.clock(), targets: [], outcome: 'failed', detail: `failed: ${(caught as Error).message}` }
    }
    if (targets.length === 0) return { atMs: this.clock(), targets, outcome: 'applied', detail: 'no node matched the target at that moment' }
    const results = await Promise.all(targets.map((node) => this.onNode(node, action, describeAction(action))))
    return combineResults(action, results, scheduledAtMs)
  }

  /** Applies a node fault on `node` after the faults queued on it before, unless the run ends first. */
  private onNode(node: string, action: FaultAction, fault: string): Promise<NodeResult> {
    const previous = this.nodeQueues.get(node)
    const begin = async (): Promise<NodeResult> => {
      if (previous !== undefined) {
        const turn = await Promise.race([previous.done.then(() => 'turn' as const), this.ended.then(() => 'ended' as const)])
        if (turn === 'ended') return { node, outcome: 'not-carried-out', atMs: this.clock(), why: `${this.endedBecause} while it waited for ${previous.fault} on ${node}` }
      }
      if (this.endedBecause !== undefined) return { node, outcome: 'not-carried-out', atMs: this.clock(), why: this.endedBecause }
      const atMs = this.clock()
      try {
        await this.applyOnNode(action, node)
        return { node, outcome: 'applied', atMs, doneAtMs: this.clock() }
      } catch (caught) {
        if (caught instanceof StartCancelledError) return { node, outcome: 'not-carried-out', atMs: this.clock(), why: `the run ended while ${node} was still starting (${Math.round(this.clock() - atMs)} ms after the restart began)` }
        return { node, outcome: 'failed', atMs: this.clock(), error: (caught as Error).message }
      }
    }
    const result = begin()
    const done = result.then(() => undefined)
    const entry = { fault, done }
    this.nodeQueues.set(node, entry)
    void done.then(() => {
      if (this.nodeQueues.get(node) === entry) this.nodeQueues.delete(node)
    })
    return result
  }

  private async applyOnNode(action: FaultAction, node: string): Promise<void> {
    if ('crash' in action) return this.cluster.crash(node)
    if ('restart' in action) {
      await this.cluster.restart(node)
      return this.applyLinkRules()
    }
    if ('pause' in action) return this.cluster.pause(node)
    if ('resume' in action) return this.cluster.resume(node)
    if ('slowDisk' in action) return this.cluster.setSlowDisk(node, action.slowDisk.ms)
    if ('campaign' in action) return this.cluster.campaign(node)
    if ('byzantine' in action) return this.cluster.setByzantine(node, action.byzantine.behaviour)
    if ('clockSkew' in action) return this.cluster.setClockRate(node, action.clockSkew.factor)
    throw new Error(`not a node fault: ${describeAction(action)}`)
  }

  private applyToLinks(action: FaultAction, targets: string[]): void {
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

/** Faults carried out on nodes, one node at a time per node; the rest act on links. */
function isNodeAction(action: FaultAction): boolean {
  return nodeTargetOf(action) !== undefined && !('isolate' in action)
}

/** One record from a fault's results on its nodes. */
function combineResults(action: FaultAction, results: NodeResult[], scheduledAtMs: number): Omit<InjectedFault, 'action' | 'scheduledAtMs'> {
  const applied = results.filter((result) => result.outcome === 'applied')
  const failed = results.filter((result) => result.outcome === 'failed')
  const dropped = results.filter((result) => result.outcome === 'not-carried-out')
  const atMs = Math.max(scheduledAtMs, ...results.map((result) => result.atMs))
  const notes: string[] = []
  if ('restart' in action && applied.length > 0) notes.push(`up after ${Math.round(Math.max(...applied.map((result) => result.doneAtMs - result.atMs)))} ms`)
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

/** The schedule of an experiment as actions, in time order. */
export function scheduledFaults(experiment: Experiment): { atMs: number; action: FaultAction }[] {
  return experiment.faults
    .map((fault) => {
      const { at, ...action } = fault
      return { atMs: at, action: action as FaultAction }
    })
    .sort((a, b) => a.atMs - b.atMs)
}
