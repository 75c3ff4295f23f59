/**
 * The nemesis: decides which fault strikes, where, and when the cluster recovers from it. It owns
 * its random stream, so the fault schedule of a seed does not shift when, say, the workload draws
 * one more number.
 *
 * Three periodic kinds (partition, crash, pause), each with a per-seed mean interval, and reactive
 * ones that aim at the moments where Raft's subtle bugs live (random schedules alone rarely reach
 * them; each is on in a share of the seeds, at a rate drawn per seed):
 *   - a node that just voted for another reboots at once (a vote forgotten across a restart lets the
 *     same term elect two leaders);
 *   - a leader that just appended client entries is isolated or crashes, so they sit on a minority;
 *   - a node is isolated the moment it becomes leader, so its first entries reach no one;
 *   - a leader is isolated the moment its commit index moves, so what it sends next is lost.
 * Together the last three build Raft's Figure 8: an old-term entry that reaches a majority without
 * an entry of the new leader's term, and a rival whose later-term entries win the next election.
 *
 * What it draws is the lab's own fault union (src-main/faults/fault.ts), with concrete node names:
 * crash, restart, pause, resume, partition (an isolation is a partition of one node; one-way and
 * bridged splits are partitions with options) and heal; with membership changes on, addNode,
 * promote and removeNode. Three kinds are the simulator's alone (SimOnlyFault), because a lab run
 * cannot inject them: a leadership transfer (the replica has no control message for it), slow
 * timers (a real process cannot make its timers late while its clock stays true; the lab's nearest
 * fault, clockSkew, changes both), and a change asked of the leader directly, racing one under way
 * (the lab's injector waits for each change to commit).
 */
import type { Fault, FaultOf } from '../faults/fault.js'
import { randomInt } from '../protocols/common/random.js'
import { assertNever } from '../protocols/types.js'
import type { CoreEvent, NodeId, Random } from '../protocols/types.js'
import type { MembershipChange } from '../protocols/descriptor.js'
import { tickUs, timerFactorMax, type NemesisRates } from './scenario.js'

/** Faults only the simulator draws (see above); a lab experiment cannot write them. */
export type SimOnlyFault =
  /** The leader `node` is asked to hand leadership to `target` (through the core's input door). */
  | { kind: 'transfer'; node: NodeId; target: NodeId }
  /** The node's timers fire `timerFactor` times late from now on (1: on time again); its clock stays true. */
  | { kind: 'slow-timers'; node: NodeId; timerFactor: number }
  /**
   * The leader `node` is asked for a change at once, whatever else is under way (the lab's injector
   * waits for each change to commit first): the core alone must refuse what it cannot take.
   */
  | { kind: 'reconfigure'; node: NodeId; change: MembershipChange }

export type SimFault = Fault | SimOnlyFault

/** What simFaultSupport reads of a protocol's descriptor. */
export interface SupportedProtocol {
  readonly name: string
  readonly label: string
  readonly host: { readonly reconfigureInput?: unknown; readonly configuration?: unknown }
}

/**
 * Whether the simulator can play a lab fault: every kind has its case, and the ones it cannot
 * model say why (a replayed schedule that holds one is refused before it runs).
 */
export function simFaultSupport(fault: Fault, protocol: SupportedProtocol): { modelled: true; reason?: undefined } | { modelled: false; reason: string } {
  switch (fault.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'isolate':
    case 'partition':
    case 'cut':
    case 'cutOneWay':
    case 'heal':
    case 'network':
    case 'link':
    case 'clockSkew':
    case 'slowDisk':
    // Where the protocol has no election to start, a campaign does nothing, as in the lab.
    case 'campaign':
      return { modelled: true }
    case 'byzantine':
      return { modelled: false, reason: `a ${protocol.name} node gets its Byzantine behaviour when the simulated cluster starts (cluster.byzantine), not in the middle of a run` }
    case 'addNode':
    case 'promote':
    case 'removeNode':
      // Carried out as the lab does (simulation.ts onMembership): through whoever leads, until committed.
      if (protocol.host.reconfigureInput !== undefined && protocol.host.configuration !== undefined) return { modelled: true }
      return { modelled: false, reason: `${fault.kind} is a membership change, and ${protocol.label} has none` }
    default:
      return assertNever(fault, 'fault')
  }
}

/**
 * How the simulator lands a crash it drew: inside the node's next Ready (after some of its
 * effects), and with a restart `restartAfterUs` later. A replayed lab crash has none: it lands at
 * once, and its restart is a fault of the schedule.
 */
export interface CrashLanding {
  midReady: boolean
  restartAfterUs: number
}

export type NemesisAction = 'partition' | 'crash' | 'pause' | 'transfer' | 'slow-timers' | 'membership'
export const nemesisActions: readonly NemesisAction[] = ['partition', 'crash', 'pause', 'transfer', 'slow-timers', 'membership']

/** What the nemesis may look at: who is up, who leads. */
export interface ClusterView {
  members: readonly NodeId[]
  up: readonly NodeId[]
  leader: NodeId | undefined
  /** With membership changes: the newest committed configuration, and the name a joining node may take (none: enough joined). */
  configuration?: { voters: readonly NodeId[]; learners: readonly NodeId[] }
  spare?: NodeId
  /** A membership change of the schedule is under way (queued changes go one at a time). */
  changing?: boolean
}

/** Voters a membership strike leaves at least: it removes no voter from a cluster this small. */
const membersMin = 2

/** A fault to apply `afterUs` from now (0: at once). */
export interface Scheduled {
  afterUs: number
  fault: SimFault
  landing?: CrashLanding
}

/** A reactive crash waits at most this long after the append that triggered it. */
const crashAfterAppendUsMax = 2 * tickUs

export class Nemesis {
  constructor(
    private readonly rates: NemesisRates,
    /** The cluster's nodes now (membership changes add and remove some). */
    private readonly members: () => readonly NodeId[],
    private readonly random: Random,
    /** Membership strikes draw from a stream of their own. */
    private readonly membershipRandom: Random = random,
  ) {}

  /** The mean interval of an action; undefined when this seed never does it. */
  everyUs(action: NemesisAction): number | undefined {
    switch (action) {
      case 'partition':
        return this.rates.partitionEveryUs
      case 'crash':
        return this.rates.crashEveryUs
      case 'pause':
        return this.rates.pauseEveryUs
      case 'transfer':
        return this.rates.transferEveryUs
      case 'slow-timers':
        return this.rates.slowTimersEveryUs
      case 'membership':
        return this.rates.membershipEveryUs
      default:
        return assertNever(action, 'nemesis action')
    }
  }

  /** Time until the next occurrence of an action (exponential: a Poisson process per action). */
  nextUs(action: NemesisAction): number | undefined {
    const every = this.everyUs(action)
    return every === undefined ? undefined : this.exponentialUs(every) + 1
  }

  /** The faults one occurrence of `action` brings, the recovery included. */
  strike(action: NemesisAction, view: ClusterView): Scheduled[] {
    switch (action) {
      case 'partition':
        return [
          { afterUs: 0, fault: this.drawCut(view) },
          { afterUs: this.exponentialUs(this.rates.partitionLastsUs) + 1, fault: { kind: 'heal' } },
        ]
      case 'crash': {
        if (view.up.length === 0) return []
        const node = this.target(view)
        const midReady = this.percent(this.rates.crashMidReadyPercent)
        return [{ afterUs: 0, fault: { kind: 'crash', target: node }, landing: { midReady, restartAfterUs: this.restartAfterUs() } }]
      }
      case 'pause': {
        if (view.up.length === 0) return []
        const node = this.target(view)
        return [
          { afterUs: 0, fault: { kind: 'pause', target: node } },
          { afterUs: this.exponentialUs(this.rates.pauseLastsUs) + 1, fault: { kind: 'resume', target: node } },
        ]
      }
      case 'transfer': {
        const leader = view.leader
        if (leader === undefined) return []
        const others = view.members.filter((member) => member !== leader)
        return [{ afterUs: 0, fault: { kind: 'transfer', node: leader, target: others[randomInt(this.random, 0, others.length - 1)] } }]
      }
      case 'slow-timers': {
        // Mostly the leader, and often cut off as well: a starved leader whose lease was counted in
        // ticks kept it long after the others had elected someone else (the audit's case).
        if (view.up.length === 0) return []
        const leader = view.leader !== undefined && view.up.includes(view.leader) && this.random() < 0.7 ? view.leader : undefined
        const node = leader ?? this.target(view)
        const timerFactor = 1.5 + this.random() * (timerFactorMax - 1.5)
        const slow: Scheduled[] = [
          { afterUs: 0, fault: { kind: 'slow-timers', node, timerFactor } },
          { afterUs: this.exponentialUs(this.rates.slowTimersLastUs) + 1, fault: { kind: 'slow-timers', node, timerFactor: 1 } },
        ]
        return leader !== undefined && this.random() < 0.6 ? [...slow, ...this.isolate(leader)] : slow
      }
      case 'membership':
        return this.strikeMembership(view)
      default:
        return assertNever(action, 'nemesis action')
    }
  }

  /**
   * Reactive faults after a node's step. `leading`: the node is a leader after the step;
   * `appendedAsLeader`: it stored client entries as leader in this step.
   */
  react(node: NodeId, events: readonly CoreEvent[], leading: boolean, appendedAsLeader: boolean, view?: () => ClusterView): Scheduled[] {
    const elected = leading && events.some((event) => event.kind === 'role')
    const committed = leading && events.some((event) => event.kind === 'commit')
    const votedForOther = events.some((event) => event.kind === 'vote' && event.votedFor !== node)
    if (votedForOther && this.percent(this.rates.rebootVoterPercent)) {
      return [{ afterUs: 0, fault: { kind: 'crash', target: node }, landing: { midReady: false, restartAfterUs: 0 } }]
    }
    if (elected && this.percent(this.rates.isolateNewLeaderPercent)) return this.isolate(node)
    if (committed && this.percent(this.rates.isolateLeaderOnCommitPercent)) return this.isolate(node)
    if (appendedAsLeader && this.percent(this.rates.leaderFaultAfterAppendPercent)) {
      // Isolated at once, what it just sent is lost; crashed a little later, some of it may arrive.
      if (this.random() < 0.5) return this.isolate(node)
      const afterUs = randomInt(this.random, 0, crashAfterAppendUsMax)
      return [{ afterUs, fault: { kind: 'crash', target: node }, landing: { midReady: false, restartAfterUs: this.restartAfterUs() } }]
    }
    // Before its noop commits, a change it proposes races one an earlier leader left uncommitted (the 2015 bug).
    if (elected && view !== undefined && this.percent(this.rates.membershipOnElectionPercent ?? 0)) return this.strikeMembership(view())
    return []
  }

  /** One single-server change: a spare node joins, a learner is promoted, or a member (the leader, often) leaves. */
  private strikeMembership(view: ClusterView): Scheduled[] {
    const config = view.configuration
    if (config === undefined) return []
    const random = this.membershipRandom
    // Asked of the leader directly (racing whatever is under way), or queued as the lab's faults are.
    const direct = view.leader !== undefined && random() * 100 < (this.rates.membershipDirectPercent ?? 0)
    if (!direct && view.changing === true) return []
    const roll = random()
    if (roll < 0.35 && view.spare !== undefined && !direct) return [{ afterUs: 0, fault: { kind: 'addNode', node: view.spare } }]
    let change: MembershipChange | undefined
    if (roll < 0.7 && config.learners.length > 0) {
      change = { kind: 'promote', node: config.learners[randomInt(random, 0, config.learners.length - 1)] }
    } else {
      // Voters stay at least membersMin (the last voter cannot leave, and one alone makes dull schedules).
      const members = config.voters.length > membersMin ? [...config.voters, ...config.learners] : [...config.learners]
      if (members.length === 0) return []
      const leader = view.leader !== undefined && members.includes(view.leader) && random() < 0.4 ? view.leader : undefined
      change = { kind: 'remove', node: leader ?? members[randomInt(random, 0, members.length - 1)] }
    }
    if (direct) return [{ afterUs: 0, fault: { kind: 'reconfigure', node: view.leader!, change } }]
    return [{ afterUs: 0, fault: change.kind === 'promote' ? { kind: 'promote', node: change.node } : { kind: 'removeNode', target: change.node } }]
  }

  /**
   * Cuts `node` off both ways at once (what it has in flight is lost too), healed later. A
   * partition, not the lab's additive `isolate`: as every cut the nemesis draws, it replaces the one
   * before.
   */
  private isolate(node: NodeId): Scheduled[] {
    return [
      { afterUs: 0, fault: { kind: 'partition', groups: [[node], this.members().filter((member) => member !== node)] } },
      { afterUs: this.exponentialUs(this.rates.partitionLastsUs) + 1, fault: { kind: 'heal' } },
    ]
  }

  restartAfterUs(): number {
    return this.rates.restartAfterUs === 0 ? 0 : this.exponentialUs(this.rates.restartAfterUs)
  }

  private target(view: ClusterView): NodeId {
    if (view.leader !== undefined && view.up.includes(view.leader) && this.percent(this.rates.targetLeaderPercent)) return view.leader
    return view.up[randomInt(this.random, 0, view.up.length - 1)]
  }

  /** Isolation of one node (often the leader), a random split, or a bridge; sometimes one-way. */
  private drawCut(view: ClusterView): FaultOf<'partition'> {
    const members = view.members
    const shuffled = this.shuffle(members)
    let sideA: NodeId[]
    let sideB: NodeId[]
    let bridge: NodeId | undefined
    const roll = this.random()
    if (roll < 0.4) {
      const node = this.target({ ...view, up: members })
      sideA = [node]
      sideB = members.filter((member) => member !== node)
    } else if (roll < 0.8 || members.length < 3) {
      const cut = randomInt(this.random, 1, members.length - 1)
      sideA = shuffled.slice(0, cut)
      sideB = shuffled.slice(cut)
    } else {
      // A bridge: one node still talks to both halves, which do not talk to each other.
      const cut = randomInt(this.random, 1, members.length - 2)
      sideA = shuffled.slice(1, cut + 1)
      sideB = shuffled.slice(cut + 1)
      bridge = shuffled[0]
    }
    const oneWay = this.percent(this.rates.oneWayPercent)
    return { kind: 'partition', groups: [sideA, sideB], ...(oneWay ? { oneWay: true as const } : {}), ...(bridge === undefined ? {} : { bridge }) }
  }

  private shuffle(values: readonly NodeId[]): NodeId[] {
    const copy = [...values]
    for (let index = copy.length - 1; index > 0; index -= 1) {
      const other = randomInt(this.random, 0, index)
      ;[copy[index], copy[other]] = [copy[other], copy[index]]
    }
    return copy
  }

  private exponentialUs(meanUs: number): number {
    return Math.floor(-Math.log(1 - this.random()) * meanUs)
  }

  private percent(value: number): boolean {
    return value > 0 && this.random() * 100 < value
  }
}
