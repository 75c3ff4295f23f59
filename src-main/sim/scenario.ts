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
import type { AnySimProtocol } from './protocol.js'

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
}

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
}

export interface WorkloadRates {
  clients: number
  keys: number
  thinkUsMean: number
  getPercent: number
  casPercent: number
}

export interface Scenario {
  seed: number
  protocol: AnySimProtocol
  profile: FaultProfile
  settings: { clusterSize: number } & Record<string, unknown>
  members: NodeId[]
  clocks: NodeClock[]
  network: NetworkRates
  nemesis: NemesisRates
  workload: WorkloadRates
}

export function drawScenario(seed: number, protocol: AnySimProtocol, profile: FaultProfile): Scenario {
  const random = seededRandom(seed, `sim:scenario:${protocol.name}`)
  const settings = protocol.drawSettings(random) as Scenario['settings']
  const members = Array.from({ length: settings.clusterSize }, (_, index) => `n${index + 1}`)
  const drift = random() * clockDriftMax
  const clocks = members.map(() => ({
    phaseUs: randomInt(random, 0, tickUs - 1),
    periodUs: Math.round(tickUs * (1 + drift * (2 * random() - 1))),
  }))
  const network = drawNetwork(random, profile)
  const nemesis = drawNemesis(random, profile)
  const workload = drawWorkload(random)
  return { seed, protocol, profile, settings, members, clocks, network, nemesis, workload }
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
  }
}

function drawWorkload(random: Random): WorkloadRates {
  const getPercent = randomInt(random, 10, 50)
  return {
    clients: randomInt(random, 1, 5),
    keys: randomInt(random, 1, 4),
    thinkUsMean: randomInt(random, tickUs / 10, 3 * tickUs),
    getPercent,
    casPercent: randomInt(random, 0, Math.min(30, 100 - getPercent)),
  }
}

/** One line per concern, for --verbose and failure reports. */
export function describeScenario(scenario: Scenario): string[] {
  const { network, nemesis, workload } = scenario
  const every = (us: number | undefined): string => (us === undefined ? 'never' : `every ~${(us / tickUs).toFixed(0)} ticks`)
  const percent = (value: number): string => `${value.toFixed(1)}%`
  return [
    `cluster: ${scenario.protocol.describeSettings(scenario.settings)}; faults: ${scenario.profile}`,
    `network: delay ${network.delayMinUs}µs + exp(${network.delayMeanUs}µs) ≤ ${network.delayCapUs}µs, ` +
      `${network.fifo ? 'FIFO' : 'reordering'}, loss ${percent(network.lossPercent)}, duplicates ${percent(network.duplicatePercent)}, ` +
      `stragglers ${percent(network.stragglerPercent)}`,
    `nemesis: partitions ${every(nemesis.partitionEveryUs)} (one-way ${percent(nemesis.oneWayPercent)}), ` +
      `crashes ${every(nemesis.crashEveryUs)} (mid-Ready ${percent(nemesis.crashMidReadyPercent)}, leader ${percent(nemesis.targetLeaderPercent)}), ` +
      `pauses ${every(nemesis.pauseEveryUs)}; focus ${nemesis.focus}: voter reboots ${percent(nemesis.rebootVoterPercent)}, ` +
      `leader fault after append ${percent(nemesis.leaderFaultAfterAppendPercent)}, ` +
      `new leader isolated ${percent(nemesis.isolateNewLeaderPercent)}, leader isolated on commit ${percent(nemesis.isolateLeaderOnCommitPercent)}`,
    `workload: ${workload.clients} clients on ${workload.keys} keys, think ~${workload.thinkUsMean}µs, ` +
      `get ${workload.getPercent}%, cas ${workload.casPercent}%`,
  ]
}
