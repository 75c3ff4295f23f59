/**
 * Everything a seed decides before the first step: cluster and protocol settings, each node's
 * clock, the network's behaviour, how often the nemesis strikes, and the workload. As in
 * TigerBeetle's VOPR, the fault rates themselves are drawn per seed, so one seed runs a calm
 * network with frequent crashes and the next a lossy one with long partitions: the seeds together
 * explore regimes that one fixed mix would never reach.
 *
 * The draw uses its own stream, and nothing here depends on the step budget, so
 * `--steps N` replays a prefix of the same schedule.
 */
import { randomInt, seededRandom } from '../protocols/common/random.js'
import type { NodeId, Random } from '../protocols/types.js'
import type { AnyProtocol } from '../protocols/descriptor.js'

/**
 * all:        every fault (the default; what a correct consensus protocol must survive)
 * benign:     delay only, FIFO links, no loss, no partitions, no crashes (what primary-backup survives)
 * partitions: partitions (incl. one-way) and nothing else
 */
export const faultProfiles = ['all', 'benign', 'partitions'] as const
export type FaultProfile = (typeof faultProfiles)[number]

/** One nominal tick of virtual time: 10 ms, the replica's usual tick. */
export const tickUs = 10_000
/** A node's clock runs at most this much faster or slower than nominal (crystal drift, exaggerated). */
export const clockDriftMax = 0.02
/** The longest a single message may take, stragglers included, so the agenda stays bounded. */
export const delayUsMax = 30 * tickUs

export interface NodeClock {
  /** When the node's first tick fires. */
  phaseUs: number
  /** Its tick interval, drift included. */
  periodUs: number
  /**
   * Its timers fire this many times later than its clock says they should (1: on time; 3: a starved
   * event loop). Only the ticks stretch: the monotonic clock it reads (`nowMs`) stays true, drift aside.
   */
  timerFactor: number
  /** How long one fsync blocks the node, in µs (0: instant). */
  fsyncUs: number
}

/** Slow timers stretch a node's ticks by up to this factor (a starved event loop, a long GC pause). */
export const timerFactorMax = 6
/** The slowest simulated fsync: 3 ticks (30 ms; the audit's slow disk took 18 ms). */
export const fsyncUsMax = 3 * tickUs
/** The largest value a big-values seed writes (byte caps on AppendEntries must split batches of them). */
export const bigValueBytesMax = 16 * 1024

export interface NetworkRates {
  delayMinUs: number
  /** Mean of the exponential part added on top of delayMinUs. */
  delayMeanUs: number
  /** Bound on a normal message's delay (stragglers aside). */
  delayCapUs: number
  /** Per directed link, messages arrive in the order sent (TCP); otherwise they may overtake. */
  fifo: boolean
  lossPercent: number
  duplicatePercent: number
  /** A message delayed far beyond the rest (a retransmission after a lost segment, a slow path). */
  stragglerPercent: number
}

/** Mean intervals in µs; undefined means the fault never happens in this seed. */
export interface NemesisRates {
  focus: NemesisFocus
  partitionEveryUs: number | undefined
  partitionLastsUs: number
  /** Chance that a partition cuts one direction only. */
  oneWayPercent: number
  crashEveryUs: number | undefined
  /** Mean down time; 0 draws a reboot (back at once from its disk). */
  restartAfterUs: number
  /** Chance that a crash lands in the middle of handling a Ready (some of its records lost). */
  crashMidReadyPercent: number
  /** Chance that a crash or isolation targets the current leader rather than a random node. */
  targetLeaderPercent: number
  pauseEveryUs: number | undefined
  pauseLastsUs: number
  /** Reactive: a node that just cast a vote reboots (vote bookkeeping across restarts). */
  rebootVoterPercent: number
  /** Reactive: a leader that just appended client entries is isolated or crashes (they stay on a minority). */
  leaderFaultAfterAppendPercent: number
  /** Reactive: a node is cut off the moment it becomes leader (its first entries reach no one). */
  isolateNewLeaderPercent: number
  /** Reactive: a leader is cut off the moment its commit index moves (what it sends next is lost). */
  isolateLeaderOnCommitPercent: number
  /** Leadership transfers (protocols with transferInput): a leader is asked to hand over to a random node. */
  transferEveryUs: number | undefined
  /** Slow timers ('slow-nodes' protocols): a node, mostly the leader, whose ticks come late for a while. */
  slowTimersEveryUs: number | undefined
  slowTimersLastUs: number
  /**
   * Membership changes (only when asked: SimOptions.membership): a node joins as a learner, a
   * learner is promoted, or a member (the leader too) is removed, through whoever leads.
   */
  membershipEveryUs?: number
  /** Reactive: a change asked of a leader the moment it is elected, before its noop commits (the 2015 bug's window). */
  membershipOnElectionPercent?: number
  /** Share of changes asked of the leader directly, racing one under way (SimOnlyFault 'reconfigure'). */
  membershipDirectPercent?: number
}

export interface WorkloadRates {
  clients: number
  keys: number
  thinkUsMean: number
  getPercent: number
  casPercent: number
  /** Share of writes that carry a big value (0 in most seeds), and the biggest such value. */
  bigValuePercent: number
  bigValueBytesMax: number
}

export interface Scenario {
  seed: number
  protocol: AnyProtocol
  profile: FaultProfile
  settings: { clusterSize: number } & Record<string, unknown>
  members: NodeId[]
  clocks: NodeClock[]
  network: NetworkRates
  nemesis: NemesisRates
  workload: WorkloadRates
}

/**
 * A benchmark's load and disks in place of the seed's draws (sim/bench.ts): two protocols then
 * run the same workload on the same modelled network and disks, and differ only in themselves.
 */
export interface SimShape {
  workload?: Partial<WorkloadRates>
  /** Every node's fsync, in µs. */
  fsyncUs?: number
  /** When the clients start (a warm-up in which the first leader is elected), in µs. */
  workloadStartUs?: number
}

export function shapedScenario(scenario: Scenario, shape: SimShape | undefined): Scenario {
  if (shape === undefined) return scenario
  const clocks = shape.fsyncUs === undefined ? scenario.clocks : scenario.clocks.map((clock) => ({ ...clock, fsyncUs: shape.fsyncUs! }))
  return { ...scenario, clocks, workload: { ...scenario.workload, ...shape.workload } }
}

/** A replayed experiment's cluster (see replay.ts): its nodes, settings and network. */
export interface ReplayedCluster {
  members: NodeId[]
  settings: { clusterSize: number } & Record<string, unknown>
  network: NetworkRates
}

export function drawScenario(seed: number, protocol: AnyProtocol, profile: FaultProfile, replay?: ReplayedCluster, membership = false): Scenario {
  if (replay !== undefined) return replayScenario(seed, protocol, replay)
  const random = seededRandom(seed, `sim:scenario:${protocol.name}`)
  const settings = protocol.sim.drawSettings(random, seededRandom(seed, `sim:scenario-later:${protocol.name}`)) as Scenario['settings']
  const members = Array.from({ length: settings.clusterSize }, (_, index) => `n${index + 1}`)
  const drift = random() * clockDriftMax
  const clocks = members.map(() => ({
    phaseUs: randomInt(random, 0, tickUs - 1),
    periodUs: Math.round(tickUs * (1 + drift * (2 * random() - 1))),
    timerFactor: 1,
    fsyncUs: 0,
  }))
  const network = drawNetwork(random, profile)
  const nemesis = drawNemesis(random, profile)
  const workload = drawWorkload(random)
  // Drawn last, and only for protocols that opt in, so every other seed draws what it always drew.
  const exercises = protocol.sim.exercises ?? []
  if (exercises.includes('slow-nodes')) drawSlowNodes(random, clocks, nemesis, profile)
  if (protocol.sim.transferInput !== undefined && profile === 'all') {
    nemesis.transferEveryUs = sometimes(random, 40, () => randomInt(random, 20 * tickUs, 150 * tickUs))
  }
  if (exercises.includes('read-heavy') && random() < 0.3) {
    // Mostly reads, as where read modes matter: a deposed leader gets many chances to answer one.
    workload.getPercent = randomInt(random, 60, 90)
    workload.casPercent = randomInt(random, 0, 100 - workload.getPercent)
  }
  if (exercises.includes('big-values') && random() < 0.1) {
    workload.bigValuePercent = randomInt(random, 10, 60)
    workload.bigValueBytesMax = randomInt(random, 1024, bigValueBytesMax)
  }
  // A stream of its own, and only when asked: every seed without membership changes draws what it drew.
  if (membership && protocol.host.reconfigureInput !== undefined) drawMembership(seededRandom(seed, 'sim:scenario-membership'), nemesis)
  return { seed, protocol, profile, settings, members, clocks, network, nemesis, workload }
}

/**
 * A replayed experiment: its nodes, settings and network; clocks and the workload drawn from the
 * seed as usual; a quiet nemesis (the faults are the schedule's); slow disks and slow timers only
 * where the schedule puts them.
 */
function replayScenario(seed: number, protocol: AnyProtocol, replay: ReplayedCluster): Scenario {
  const random = seededRandom(seed, `sim:replay:${protocol.name}`)
  const members = [...replay.members]
  const drift = random() * clockDriftMax
  const clocks = members.map(() => ({
    phaseUs: randomInt(random, 0, tickUs - 1),
    periodUs: Math.round(tickUs * (1 + drift * (2 * random() - 1))),
    timerFactor: 1,
    fsyncUs: 0,
  }))
  const nemesis: NemesisRates = {
    focus: 'scattered', partitionEveryUs: undefined, partitionLastsUs: 0, oneWayPercent: 0, crashEveryUs: undefined, restartAfterUs: 0,
    crashMidReadyPercent: 0, targetLeaderPercent: 0, pauseEveryUs: undefined, pauseLastsUs: 0, rebootVoterPercent: 0,
    leaderFaultAfterAppendPercent: 0, isolateNewLeaderPercent: 0, isolateLeaderOnCommitPercent: 0, transferEveryUs: undefined,
    slowTimersEveryUs: undefined, slowTimersLastUs: 0,
  }
  const workload = drawWorkload(random)
  return { seed, protocol, profile: 'all', settings: replay.settings, members, clocks, network: { ...replay.network }, nemesis, workload }
}

/**
 * Slow disks (one node, or all: a shared disk) and slow timers (one node, whose event loop is
 * starved): where the old tick-counted leader lease went wrong. Only under the 'all' profile.
 */
function drawSlowNodes(random: Random, clocks: NodeClock[], nemesis: NemesisRates, profile: FaultProfile): void {
  if (profile !== 'all') return
  nemesis.slowTimersEveryUs = sometimes(random, 70, () => randomInt(random, 20 * tickUs, 100 * tickUs))
  nemesis.slowTimersLastUs = randomInt(random, 10 * tickUs, 60 * tickUs)
  if (random() < 0.3) {
    const fsyncUs = randomInt(random, tickUs / 5, fsyncUsMax)
    const one = randomInt(random, 0, clocks.length - 1)
    const all = random() < 0.4
    clocks.forEach((clock, index) => {
      if (all || index === one) clock.fsyncUs = fsyncUs
    })
  }
  if (random() < 0.3) {
    const one = randomInt(random, 0, clocks.length - 1)
    clocks[one].timerFactor = 1.5 + random() * (timerFactorMax - 1.5)
  }
}

/** With probability `percent`, a value from `draw`; otherwise undefined (the fault is off). */
function sometimes(random: Random, percent: number, draw: () => number): number | undefined {
  return random() * 100 < percent ? draw() : undefined
}

function drawNetwork(random: Random, profile: FaultProfile): NetworkRates {
  const delayMinUs = randomInt(random, 100, 2_000)
  const delayMeanUs = randomInt(random, 200, tickUs * 1.5)
  const faulty = profile === 'all'
  const rates: NetworkRates = {
    delayMinUs,
    delayMeanUs,
    delayCapUs: delayMinUs + 3 * tickUs,
    fifo: faulty ? random() < 0.5 : true,
    lossPercent: faulty ? (sometimes(random, 70, () => random() * 20) ?? 0) : 0,
    duplicatePercent: faulty ? (sometimes(random, 50, () => random() * 10) ?? 0) : 0,
    stragglerPercent: faulty ? (sometimes(random, 50, () => random() * 5) ?? 0) : 0,
  }
  return rates
}

/**
 * What the reactive part of the nemesis aims at in this seed (swarm testing: a seed that does a
 * few things hard finds more than one that does everything a little, because the bugs it hunts
 * need several of those things to line up).
 *   scattered     periodic faults only
 *   leader-churn  leaders isolated or crashed right after they are elected, append or commit
 *   vote-churn    voters rebooted right after they vote
 */
export const nemesisFocuses = ['scattered', 'leader-churn', 'vote-churn'] as const
export type NemesisFocus = (typeof nemesisFocuses)[number]

function drawNemesis(random: Random, profile: FaultProfile): NemesisRates {
  const partitions = profile === 'all' || profile === 'partitions'
  const nodeFaults = profile === 'all'
  const ticks = (low: number, high: number): number => randomInt(random, low * tickUs, high * tickUs)
  const focus: NemesisFocus = nodeFaults ? nemesisFocuses[randomInt(random, 0, nemesisFocuses.length - 1)] : 'scattered'
  const rate = (on: boolean, low: number, high: number): number => (on ? randomInt(random, low, high) : 0)
  return {
    focus,
    partitionEveryUs: partitions ? sometimes(random, profile === 'partitions' ? 100 : 70, () => ticks(15, 120)) : undefined,
    partitionLastsUs: ticks(5, 80),
    oneWayPercent: random() * 40,
    crashEveryUs: nodeFaults ? sometimes(random, 70, () => ticks(20, 150)) : undefined,
    restartAfterUs: random() < 0.3 ? 0 : ticks(1, 40),
    crashMidReadyPercent: nodeFaults ? random() * 50 : 0,
    targetLeaderPercent: random() * 80,
    pauseEveryUs: nodeFaults ? sometimes(random, 40, () => ticks(30, 200)) : undefined,
    pauseLastsUs: ticks(3, 40),
    rebootVoterPercent: rate(focus === 'vote-churn', 20, 50),
    leaderFaultAfterAppendPercent: rate(focus === 'leader-churn', 40, 80),
    isolateNewLeaderPercent: rate(focus === 'leader-churn', 40, 80),
    isolateLeaderOnCommitPercent: rate(focus === 'leader-churn', 40, 80),
    transferEveryUs: undefined,
    slowTimersEveryUs: undefined,
    slowTimersLastUs: 0,
  }
}

/** How often the membership changes, and in half the seeds, a change asked of each new leader at once half the time. */
function drawMembership(random: Random, nemesis: NemesisRates): void {
  nemesis.membershipEveryUs = randomInt(random, 20 * tickUs, 150 * tickUs)
  nemesis.membershipOnElectionPercent = random() < 0.5 ? 0 : 50
  nemesis.membershipDirectPercent = random() < 0.5 ? 0 : 40
}

function drawWorkload(random: Random): WorkloadRates {
  const getPercent = randomInt(random, 10, 50)
  return {
    clients: randomInt(random, 1, 5),
    keys: randomInt(random, 1, 4),
    thinkUsMean: randomInt(random, tickUs / 10, 3 * tickUs),
    getPercent,
    casPercent: randomInt(random, 0, Math.min(30, 100 - getPercent)),
    bigValuePercent: 0,
    bigValueBytesMax: 0,
  }
}

/** One line per concern, for --verbose and failure reports. */
export function describeScenario(scenario: Scenario): string[] {
  const { network, nemesis, workload, clocks, members } = scenario
  const every = (us: number | undefined): string => (us === undefined ? 'never' : `every ~${(us / tickUs).toFixed(0)} ticks`)
  const percent = (value: number): string => `${value.toFixed(1)}%`
  return [
    `cluster: ${scenario.protocol.sim.describeSettings(scenario.settings)}; faults: ${scenario.profile}`,
    `network: delay ${network.delayMinUs}µs + exp(${network.delayMeanUs}µs) ≤ ${network.delayCapUs}µs, ` +
      `${network.fifo ? 'FIFO' : 'reordering'}, loss ${percent(network.lossPercent)}, duplicates ${percent(network.duplicatePercent)}, ` +
      `stragglers ${percent(network.stragglerPercent)}`,
    `nemesis: partitions ${every(nemesis.partitionEveryUs)} (one-way ${percent(nemesis.oneWayPercent)}), ` +
      `crashes ${every(nemesis.crashEveryUs)} (mid-Ready ${percent(nemesis.crashMidReadyPercent)}, leader ${percent(nemesis.targetLeaderPercent)}), ` +
      `pauses ${every(nemesis.pauseEveryUs)}; focus ${nemesis.focus}: voter reboots ${percent(nemesis.rebootVoterPercent)}, ` +
      `leader fault after append ${percent(nemesis.leaderFaultAfterAppendPercent)}, ` +
      `new leader isolated ${percent(nemesis.isolateNewLeaderPercent)}, leader isolated on commit ${percent(nemesis.isolateLeaderOnCommitPercent)}`,
    `workload: ${workload.clients} clients on ${workload.keys} keys, think ~${workload.thinkUsMean}µs, ` +
      `get ${workload.getPercent}%, cas ${workload.casPercent}%` +
      (workload.bigValuePercent > 0 ? `, ${workload.bigValuePercent}% of writes big (up to ${workload.bigValueBytesMax} bytes)` : ''),
    `nodes: ${members.map((id, index) => describeClock(id, clocks[index])).join(', ')}; transfers ${every(nemesis.transferEveryUs)}; ` +
      `slow timers ${every(nemesis.slowTimersEveryUs)}`,
    ...(nemesis.membershipEveryUs === undefined
      ? []
      : [`membership: changes ${every(nemesis.membershipEveryUs)}, at a new leader ${percent(nemesis.membershipOnElectionPercent ?? 0)}, ` +
          `asked directly ${percent(nemesis.membershipDirectPercent ?? 0)}`]),
  ]
}

function describeClock(id: NodeId, clock: NodeClock): string {
  const slow: string[] = []
  if (clock.timerFactor !== 1) slow.push(`timers ${clock.timerFactor.toFixed(1)}x late`)
  if (clock.fsyncUs > 0) slow.push(`fsync ${clock.fsyncUs}µs`)
  return slow.length === 0 ? id : `${id} (${slow.join(', ')})`
}
