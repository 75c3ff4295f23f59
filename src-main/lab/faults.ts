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
 *
 * Membership changes (Raft) queue on the node they change, like node faults, and go to whoever
 * leads: a change a leader refuses (one change at a time; none before its own term's first entry
 * commits) or that a deposed leader never appended is proposed again to the leader of the moment,
 * until the leader's committed configuration shows it, within membershipChangeMaxMs.
 */
import type { Experiment, LinkConditions } from '../api/experiment.js'
import type { InjectedFault } from '../api/summary.js'
import type { FaultNote } from '../api/fault-text.js'
import { describeFault, isMembershipFault, linkFaultNodes, nodeTargetOf, partitionCuts, resolveNodeTarget, type Fault, type FaultOf, type TimedFault } from '../faults/fault.js'
import type { MembershipChange, MembershipView, NodeSettings } from '../protocols/descriptor.js'
import type { Random } from '../protocols/types.js'
import type { TraceEvent } from '../api/trace.js'
import { assertNever } from '../protocols/types.js'
import type { LinkRules, OutgoingRule } from '../replica/transport.js'
import { StartCancelledError, type Cluster } from './cluster.js'
import type { LeaderTracker } from './leadership.js'

/** How long a membership change may take from its first proposal to its commit before it failed. */
export const membershipChangeMaxMs = 20_000
/**
 * How long one proposal waits for its commit, a refusal or a new leader before it is sent again (a
 * leader busy catching a learner up may take a while, and stays leader: proposing again is harmless).
 */
const membershipAttemptMs = 3000
/**
 * How long a removal of the leader waits for the leadership it hands over to reach another voter
 * before the leader removes itself instead. The core abandons a transfer after an election timeout;
 * this only bounds the wait when the new leader's election is slow to show in the trace.
 */
export const leadershipTransferMaxMs = 2000

/** What the lab adds to a fault's record: its English words, and the same as a note (api/fault-text.ts). */
interface Said {
  text: string
  note: FaultNote | undefined
}

/** What became of a fault on one of its nodes; `whyNote`: `why` as a note, when it has one. */
type NodeResult =
  | { node: string; outcome: 'applied'; atMs: number; doneAtMs: number; note?: Said }
  | { node: string; outcome: 'failed'; atMs: number; error: string }
  | { node: string; outcome: 'not-carried-out'; atMs: number; why: string; whyNote: FaultNote | undefined }

type FaultFields = Omit<InjectedFault, 'action' | 'scheduledAtMs' | 'fault'>

/** The run's end as a note: the runner ends a run with these words only. */
function endedNote(why: string): FaultNote | undefined {
  return why === 'the run ended' ? { code: 'runEnded' } : undefined
}

/** Notes for a record only when every part of its detail has one (a Korean detail never drops a part). */
function allNotes(notes: readonly (FaultNote | undefined)[]): { notes?: FaultNote[] } {
  return notes.length > 0 && notes.every((note) => note !== undefined) ? { notes: notes as FaultNote[] } : {}
}

export class FaultInjector {
  /** Directed links that lose every message, as "from>to". */
  private readonly cutLinks = new Set<string>()
  /** Conditions per directed link that differ from the network-wide ones. */
  private readonly linkOverrides = new Map<string, Partial<LinkConditions>>()
  private network: LinkConditions
  /** Every fault's record, in the order they were settled (applied, failed, or given up). */
  readonly injected: InjectedFault[] = []
  /** Per node, the fault on it in progress or queued last: the next fault on that node waits for it. */
  private readonly nodeQueues = new Map<string, { fault: Fault; done: Promise<void> }>()
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
  /**
   * Membership changes: the settings of a node added to the running cluster, which starts from the
   * voters given (undefined: this run cannot add nodes).
   */
  joiningSettings?: (node: string, voters: readonly string[]) => NodeSettings
  /** Why this run takes no membership change (not single-group Raft); undefined where it does. */
  membershipRefusal?: string
  /** The protocol that refusal names, for its note. */
  membershipRefusalProtocol?: string
  /** Called after a node joined or left (the runner tells the workload and the frames). */
  onMembersChanged: () => void = () => undefined
  /** Per node, how many configuration changes it refused (its trace notes), to propose again. */
  private readonly refusals = new Map<string, number>()
  /** Conditions a membership change waits for, checked again whenever a replica reports. */
  private readonly watchers = new Set<() => void>()

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

  /** A replica reported (events and its status): membership changes waiting for one check again. */
  observe(events: readonly TraceEvent[]): void {
    for (const event of events) {
      if (event.kind === 'note' && event.text.startsWith('configuration change (') && event.text.includes(') refused')) this.refusals.set(event.node, (this.refusals.get(event.node) ?? 0) + 1)
    }
    for (const watcher of [...this.watchers]) watcher()
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
      const injected: InjectedFault = { atMs: fields.atMs, scheduledAtMs, action: describeFault(fault), fault, targets: fields.targets, outcome: fields.outcome }
      if (fields.detail !== undefined) injected.detail = fields.detail
      if (fields.notes !== undefined) injected.notes = fields.notes
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
    const injected: InjectedFault = { atMs: this.clock(), scheduledAtMs, action: describeFault(fault), fault, targets: [], outcome: 'not-carried-out', detail: `not carried out: ${why}`, ...allNotes([endedNote(why)]) }
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

  private async fire(fault: Fault, scheduledAtMs: number): Promise<FaultFields> {
    if (this.endedBecause !== undefined) return { atMs: this.clock(), targets: [], outcome: 'not-carried-out', detail: `not carried out: ${this.endedBecause}`, ...allNotes([endedNote(this.endedBecause)]) }
    if (isMembershipFault(fault) && this.membershipRefusal !== undefined) {
      const note: FaultNote | undefined = this.membershipRefusalProtocol === undefined ? undefined : { code: 'membershipRaftOnly', protocol: this.membershipRefusalProtocol }
      return { atMs: this.clock(), targets: [], outcome: 'failed', detail: `failed: ${this.membershipRefusal}`, ...allNotes([note]) }
    }
    let targets: string[]
    try {
      targets = this.resolveTargets(fault)
      if (!isNodeFault(fault)) {
        // Synchronously, before this returns: faults at 0 s are in force before the clocks start.
        this.applyToLinks(fault, targets)
        return { atMs: this.clock(), targets, outcome: 'applied' }
      }
    } catch (caught) {
      return { atMs: this.clock(), targets: [], outcome: 'failed', detail: `failed: ${(caught as Error).message}`, notes: [{ code: 'failed', error: (caught as Error).message }] }
    }
    const nodeFault = fault
    if (targets.length === 0) return { atMs: this.clock(), targets, outcome: 'applied', detail: 'no node matched the target at that moment', notes: [{ code: 'noNodeMatched' }] }
    const results = await Promise.all(targets.map((node) => this.onNode(node, nodeFault)))
    return combineResults(fault, results, scheduledAtMs)
  }

  /** Applies a node fault on `node` after the faults queued on it before, unless the run ends first. */
  private onNode(node: string, fault: NodeFault): Promise<NodeResult> {
    const previous = this.nodeQueues.get(node)
    const begin = async (): Promise<NodeResult> => {
      if (previous !== undefined) {
        const turn = await Promise.race([previous.done.then(() => 'turn' as const), this.ended.then(() => 'ended' as const)])
        if (turn === 'ended') {
          const whyNote: FaultNote | undefined = endedNote(this.endedBecause!) && { code: 'runEndedWhileWaiting', fault: previous.fault }
          return { node, outcome: 'not-carried-out', atMs: this.clock(), why: `${this.endedBecause} while it waited for ${describeFault(previous.fault)} on ${node}`, whyNote }
        }
      }
      if (this.endedBecause !== undefined) return { node, outcome: 'not-carried-out', atMs: this.clock(), why: this.endedBecause, whyNote: endedNote(this.endedBecause) }
      const atMs = this.clock()
      try {
        const note = await this.applyOnNode(fault, node)
        return { node, outcome: 'applied', atMs, doneAtMs: this.clock(), ...(note === undefined ? {} : { note }) }
      } catch (caught) {
        if (caught instanceof RunEndedError) return { node, outcome: 'not-carried-out', atMs: this.clock(), why: caught.message, whyNote: endedNote(caught.message) }
        if (caught instanceof StartCancelledError) {
          const ms = Math.round(this.clock() - atMs)
          return { node, outcome: 'not-carried-out', atMs: this.clock(), why: `the run ended while ${node} was still starting (${ms} ms after the restart began)`, whyNote: { code: 'runEndedWhileStarting', ms } }
        }
        return { node, outcome: 'failed', atMs: this.clock(), error: (caught as Error).message }
      }
    }
    const result = begin()
    const done = result.then(() => undefined)
    const entry = { fault: fault as Fault, done }
    this.nodeQueues.set(node, entry)
    void done.then(() => {
      if (this.nodeQueues.get(node) === entry) this.nodeQueues.delete(node)
    })
    return result
  }

  /** Carries out `fault` on `node`; resolves with what its record should add, if anything. */
  private async applyOnNode(fault: NodeFault, node: string): Promise<Said | undefined> {
    switch (fault.kind) {
      case 'crash':
        await this.cluster.crash(node)
        return undefined
      case 'restart':
        await this.cluster.restart(node)
        this.applyLinkRules()
        return undefined
      case 'pause':
        await this.cluster.pause(node)
        return undefined
      case 'resume':
        await this.cluster.resume(node)
        return undefined
      case 'slowDisk':
        this.cluster.setSlowDisk(node, fault.ms, fault.jitterMs ?? 0)
        return undefined
      case 'campaign':
        this.cluster.campaign(node)
        return undefined
      case 'byzantine':
        this.cluster.setByzantine(node, fault.behaviour)
        return undefined
      case 'clockSkew':
        this.cluster.setClockRate(node, fault.factor)
        return undefined
      case 'addNode':
        await this.addNode(node)
        return undefined
      case 'promote':
        if (!this.cluster.replicas.has(node) || this.cluster.isRemoved(node)) throw new Error(`${node} is not in the cluster: add it (addNode) before promoting it`)
        await this.changeConfiguration({ kind: 'promote', node }, (configuration) => configuration.voters.includes(node))
        return undefined
      case 'removeNode':
        return this.removeNode(node)
      default:
        return assertNever(fault, 'node fault')
    }
  }

  /** Starts a fresh node that joins the running cluster, and has the leader add it as a learner. */
  private async addNode(node: string): Promise<void> {
    if (this.joiningSettings === undefined) throw new Error('this run cannot add nodes')
    if (this.cluster.replicas.has(node)) throw new Error(`the cluster already has a node ${node}`)
    const voters = (await this.committedConfiguration(membershipChangeMaxMs, 'a leader to learn the voters from')).voters
    await this.cluster.addNode(this.joiningSettings(node, voters))
    this.applyLinkRules()
    this.onMembersChanged()
    await this.changeConfiguration({ kind: 'addLearner', node }, (configuration) => configuration.learners.includes(node) || configuration.voters.includes(node))
  }

  /**
   * Has the leader commit the node's removal, then stops the node for good. The leader's own removal
   * is graceful (thesis §3.10, §4.2.2): it first hands leadership to an up-to-date voter, and the new
   * leader commits the removal, so the cluster is never without a leader for an election timeout. If
   * the transfer does not happen in time, the leader removes itself and steps down once that
   * committed; the remaining voters then elect a leader among themselves. Resolves with which way
   * a leader's removal went.
   */
  private async removeNode(node: string): Promise<Said | undefined> {
    if (this.cluster.isRemoved(node)) return undefined
    const handover = this.leaders.leader() === node ? await this.handOverLeadership(node) : undefined
    await this.changeConfiguration({ kind: 'remove', node }, (configuration) => !configuration.voters.includes(node) && !configuration.learners.includes(node))
    await this.cluster.removeNode(node)
    this.onMembersChanged()
    return handover
  }

  /**
   * Asks `leader` to hand leadership to the voter (up, not itself) with the longest log, and waits
   * (bounded) for another node to lead. Resolves with what happened, in words for the fault's record.
   */
  private async handOverLeadership(leader: string): Promise<Said> {
    const voters = this.cluster.replicas.get(leader)?.status?.configuration?.voters ?? []
    const candidates = voters
      .filter((voter) => voter !== leader && !this.cluster.isRemoved(voter) && this.cluster.replicas.get(voter)?.state === 'up')
      .sort((a, b) => (this.cluster.replicas.get(b)?.status?.lastIndex ?? 0) - (this.cluster.replicas.get(a)?.status?.lastIndex ?? 0))
    const target = candidates[0]
    if (target === undefined) return { text: 'leadership not transferred (no other voter up): the leader removed itself', note: { code: 'leadershipNotTransferred' } }
    const startedMs = this.clock()
    this.cluster.transferLeader(leader, target)
    const someoneElseLeads = () => {
      const now = this.leaders.leader()
      return now !== undefined && now !== leader && this.cluster.replicas.get(now)?.state === 'up'
    }
    if (await this.until(someoneElseLeads, leadershipTransferMaxMs)) {
      const to = this.leaders.leader()!
      const ms = Math.round(this.clock() - startedMs)
      return { text: `leadership transferred to ${to} in ${ms} ms, before the removal`, note: { code: 'leadershipTransferred', to, ms } }
    }
    return { text: `leadership transfer to ${target} not done within ${leadershipTransferMaxMs} ms: the leader removed itself`, note: { code: 'leadershipTransferTimedOut', to: target, withinMs: leadershipTransferMaxMs } }
  }

  /**
   * Proposes `change` to whoever leads until the leader's committed configuration satisfies `done`:
   * again after a refusal (once the refusing leader's commit index moved), after a change of leader,
   * or after membershipAttemptMs without an answer.
   */
  private async changeConfiguration(change: MembershipChange, done: (configuration: MembershipView) => boolean): Promise<void> {
    const deadlineMs = this.clock() + membershipChangeMaxMs
    const isDone = () => {
      const configuration = this.leaderConfiguration()
      return configuration !== undefined && configuration.committed && done(configuration)
    }
    let proposals = 0
    while (!isDone()) {
      const remainingMs = deadlineMs - this.clock()
      if (remainingMs <= 0) throw new Error(`${describeChange(change)} not committed within ${membershipChangeMaxMs} ms (${proposals} proposals to the leader of the moment)`)
      const leader = this.leaders.leader()
      if (leader === undefined || this.cluster.replicas.get(leader)?.state !== 'up') {
        await this.until(() => this.leaders.leader() !== undefined && this.cluster.replicas.get(this.leaders.leader()!)?.state === 'up', remainingMs)
        continue
      }
      const refusedBefore = this.refusals.get(leader) ?? 0
      this.cluster.reconfigure(leader, change)
      proposals += 1
      const stillLeader = () => this.leaders.leader() === leader && this.cluster.replicas.get(leader)?.state === 'up'
      await this.until(() => isDone() || !stillLeader() || (this.refusals.get(leader) ?? 0) > refusedBefore, Math.min(remainingMs, membershipAttemptMs))
      if (isDone() || !stillLeader() || (this.refusals.get(leader) ?? 0) === refusedBefore) continue
      // Refused: the leader's pending change or its own term's first entry must commit first.
      const commitIndex = this.cluster.replicas.get(leader)?.status?.commitIndex ?? 0
      await this.until(() => isDone() || !stillLeader() || (this.cluster.replicas.get(leader)?.status?.commitIndex ?? 0) > commitIndex, Math.min(deadlineMs - this.clock(), membershipAttemptMs))
    }
  }

  /** The configuration the current leader holds, if a leader is known and reports one. */
  private leaderConfiguration(): MembershipView | undefined {
    const leader = this.leaders.leader()
    return leader === undefined ? undefined : this.cluster.replicas.get(leader)?.status?.configuration
  }

  /** Waits (bounded) for a leader whose configuration is committed, and returns that configuration. */
  private async committedConfiguration(waitMs: number, what: string): Promise<MembershipView> {
    const committed = () => {
      const configuration = this.leaderConfiguration()
      return configuration?.committed === true ? configuration : undefined
    }
    if (!(await this.until(() => committed() !== undefined, waitMs))) throw new Error(`no ${what} within ${waitMs} ms`)
    return committed()!
  }

  /**
   * Resolves true once `condition` holds (checked now and whenever a replica reports), false after
   * `waitMs`; throws RunEndedError when the run ends first.
   */
  private until(condition: () => boolean, waitMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true)
    if (this.endedBecause !== undefined) return Promise.reject(new RunEndedError(this.endedBecause))
    return new Promise<boolean>((resolve, reject) => {
      const finish = (result: boolean | Error) => {
        clearTimeout(timer)
        this.watchers.delete(watcher)
        if (result instanceof Error) reject(result)
        else resolve(result)
      }
      const watcher = () => {
        if (condition()) finish(true)
      }
      const timer = setTimeout(() => finish(condition()), Math.max(0, waitMs))
      this.watchers.add(watcher)
      void this.ended.then(() => finish(new RunEndedError(this.endedBecause ?? 'the run ended')))
    })
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
    // The node an addNode or promote names need not exist yet (it is queued after the addNode).
    if (fault.kind === 'addNode' || fault.kind === 'promote') return [fault.node]
    const target = nodeTargetOf(fault)
    if (target === undefined) return linkFaultNodes(fault)
    // A removed node is no longer a member: `crashed` or `random` never picks it.
    const replicas = [...this.cluster.replicas.values()].filter((replica) => !this.cluster.isRemoved(replica.id))
    const view = {
      members: this.cluster.nodeIds.filter((node) => !this.cluster.isRemoved(node)),
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
type NodeFault = FaultOf<'crash' | 'restart' | 'pause' | 'resume' | 'slowDisk' | 'campaign' | 'byzantine' | 'clockSkew' | 'addNode' | 'promote' | 'removeNode'>
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
    case 'addNode':
    case 'promote':
    case 'removeNode':
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

/** The run ended while a membership change waited: it is not carried out (never "failed"). */
class RunEndedError extends Error {}

function describeChange(change: MembershipChange): string {
  switch (change.kind) {
    case 'addLearner':
      return `adding ${change.node} as a learner`
    case 'promote':
      return `promoting ${change.node}`
    case 'remove':
      return `removing ${change.node}`
    default:
      return assertNever(change.kind, 'membership change')
  }
}

/** One record from a fault's results on its nodes. */
function combineResults(fault: Fault, results: NodeResult[], scheduledAtMs: number): FaultFields {
  const applied = results.filter((result) => result.outcome === 'applied')
  const failed = results.filter((result) => result.outcome === 'failed')
  const dropped = results.filter((result) => result.outcome === 'not-carried-out')
  const atMs = Math.max(scheduledAtMs, ...results.map((result) => result.atMs))
  const said: Said[] = []
  if (fault.kind === 'restart' && applied.length > 0) {
    const ms = Math.round(Math.max(...applied.map((result) => result.doneAtMs - result.atMs)))
    said.push({ text: `up after ${ms} ms`, note: { code: 'upAfter', ms } })
  }
  for (const result of applied) {
    if (result.note === undefined) continue
    said.push(results.length > 1 ? { text: `${result.node}: ${result.note.text}`, note: result.note.note && { ...result.note.note, node: result.node } } : result.note)
  }
  const targets = applied.map((result) => result.node)
  const texts = said.map((part) => part.text)
  const notes = said.map((part) => part.note)
  if (failed.length > 0) {
    const errors = failed.map((result) => (results.length > 1 ? `${result.node}: ${result.error}` : result.error))
    const failedNotes: FaultNote[] = failed.map((result) => ({ code: 'failed', error: result.error, ...(results.length > 1 ? { node: result.node } : {}) }))
    return { atMs, targets, outcome: 'failed', detail: [`failed: ${errors.join('; ')}`, ...texts].join('; '), ...allNotes([...failedNotes, ...notes]) }
  }
  if (dropped.length > 0) {
    const named = applied.length > 0 || dropped.length > 1
    const why = dropped.map((result) => (named ? `on ${result.node}: ${result.why}` : result.why))
    const whyNotes = dropped.map((result) => result.whyNote && (named ? { ...result.whyNote, node: result.node } : result.whyNote))
    const outcome = applied.length > 0 ? 'applied' : 'not-carried-out'
    return { atMs, targets, outcome, detail: [...texts, `not carried out: ${why.join('; ')}`].join('; '), ...allNotes([...notes, ...whyNotes]) }
  }
  const appliedAtMs = Math.max(...applied.map((result) => result.atMs))
  return { atMs: appliedAtMs, targets, outcome: 'applied', ...(texts.length > 0 ? { detail: texts.join('; '), ...allNotes(notes) } : {}) }
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
