/**
 * Seeded schedules that change the membership amid chaos (thesis ch. 4): nodes join as learners, are
 * promoted and removed (the leader too) while messages are reordered, dropped and duplicated,
 * partitions come and go, and nodes crash and restart. A removed node is stopped once its removal
 * is committed (as the lab stops it). The harness checks election safety, leader completeness,
 * state machine safety and read freshness after every step and log matching every few steps; the
 * core's own invariants run after each of its steps. Then the liveness phase: heal, restart every
 * node still in the configuration, and demand that a leader commits a new entry on each of them.
 *
 * Replay one seed:   RAFT_MEMBERSHIP_SEED=123 npx vitest run test/protocols/raft/membership-randomized.test.ts
 * More seeds:        RAFT_MEMBERSHIP_SEEDS=2000 npx vitest run test/protocols/raft/membership-randomized.test.ts
 */
import { randomInt, seededRandom } from '../../../src-main/protocols/common/random.js'
import type { RaftMutations } from '../../../src-main/protocols/raft/index.js'
import type { NodeId, Random } from '../../../src-main/protocols/types.js'
import { Cluster, put } from './harness.js'
import { pick, seedsFromEnvironment } from './fuzz.js'
import type { TunableOptions } from './harness.js'

const seedsDefault = 150
const chaosStepsMax = 2_500
const livenessRoundsMax = 400
const logMatchingEvery = 50
/** Nodes that may join over a run, beyond the bootstrap ones. */
const sparesMax = 4

export function membershipSeedsToRun(): number[] {
  return seedsFromEnvironment('RAFT_MEMBERSHIP_SEED', 'RAFT_MEMBERSHIP_SEEDS', seedsDefault)
}

function drawConfig(random: Random) {
  const size = pick(random, [1, 3, 3, 4, 5])
  const options: TunableOptions = {
    electionTimeoutTicks: [8, 16],
    heartbeatTicks: pick(random, [1, 2, 3]),
    preVote: random() < 0.5,
    checkQuorum: random() < 0.5,
    batchEntriesMax: pick(random, [1, 2, 5, 64]),
    inflightAppendsMax: pick(random, [1, 2, 4, 16]),
    snapshotEntries: random() < 0.5 ? 0 : pick(random, [3, 8, 20]),
  }
  return {
    ids: Array.from({ length: size }, (_, index) => `n${index + 1}`),
    options,
    dropRate: random() * 0.3,
    duplicateRate: random() * 0.1,
    crashRate: random() * 0.01,
    partitionRate: random() * 0.01,
    changeRate: 0.005 + random() * 0.02,
    /**
     * How often a new leader is asked for a change at once: the 2015 bug needs a change proposed
     * before the leader's noop commits, racing one an earlier leader left uncommitted.
     */
    changeOnElectionRate: random() < 0.5 ? 0 : 0.5,
  }
}

/** One membership action at the current leader, if there is one: add, promote or remove. */
function changeMembership(cluster: Cluster, random: Random, retired: Map<NodeId, number>): void {
  const leader = cluster.leader()
  if (leader === undefined) return
  const { voters, learners } = cluster.core(leader).configuration()
  const roll = random()
  const spare = cluster.ids.length < cluster.bootstrap.length + sparesMax
  if (roll < 0.35 && spare) {
    const node = `n${cluster.ids.length + 1}`
    cluster.addNode(node)
    cluster.reconfigure(leader, { kind: 'addLearner', node })
  } else if (roll < 0.7 && learners.length > 0) {
    cluster.reconfigure(leader, { kind: 'promote', node: pick(random, learners) })
  } else if (voters.length + learners.length > 1) {
    const node = pick(random, [...voters, ...learners])
    cluster.reconfigure(leader, { kind: 'remove', node })
    const after = cluster.isUp(leader) ? cluster.core(leader).configuration() : undefined
    if (after !== undefined && !after.voters.includes(node) && !after.learners.includes(node)) retired.set(node, after.index)
  }
}

/**
 * A removed node is stopped for good once its removal is committed (the lab stops it then): the
 * newest committed configuration any up node knows (committed entries are the same everywhere, so
 * the highest index is the newest) is at or past the removal's index and does not list it.
 * `retired`: node -> the index its removal was appended at.
 */
function stopRemoved(cluster: Cluster, retired: Map<NodeId, number>, stopped: Set<NodeId>): void {
  let newest: { index: number; members: NodeId[] } | undefined
  for (const id of cluster.upIds()) {
    const config = cluster.core(id).configuration()
    if (!config.committed || (newest !== undefined && config.index <= newest.index)) continue
    newest = { index: config.index, members: [...config.voters, ...config.learners] }
  }
  if (newest === undefined) return
  for (const [node, removalIndex] of retired) {
    if (stopped.has(node) || newest.index < removalIndex || newest.members.includes(node)) continue
    stopped.add(node)
    if (cluster.isUp(node)) cluster.crash(node)
  }
}

export function runMembershipSeed(seed: number, mutations: RaftMutations = {}): Cluster {
  const random = seededRandom(seed, 'membership-schedule')
  const config = drawConfig(random)
  const cluster = new Cluster({ ids: config.ids, seed, options: { ...config.options, mutations }, failFast: true })
  const retired = new Map<NodeId, number>()
  const stopped = new Set<NodeId>()
  let nextValue = 0
  let nextReadId = 0
  let leaderSeen: string | undefined
  for (let step = 1; step <= chaosStepsMax; step += 1) {
    const leaderNow = cluster.leader()
    const leaderKey = leaderNow === undefined ? undefined : `${leaderNow}@${cluster.term(leaderNow)}`
    if (leaderKey !== undefined && leaderKey !== leaderSeen && random() < config.changeOnElectionRate) changeMembership(cluster, random, retired)
    leaderSeen = leaderKey
    const roll = random()
    const up = cluster.upIds()
    if (roll < 0.3 && up.length > 0) {
      cluster.tick(pick(random, up))
    } else if (roll < 0.75 && cluster.network.length > 0) {
      const position = randomInt(random, 0, cluster.network.length - 1)
      if (random() < config.dropRate) cluster.network.splice(position, 1)
      else cluster.deliverAt(position, random() < config.duplicateRate)
    } else if (roll < 0.85 && up.length > 0) {
      const commands = Array.from({ length: randomInt(random, 1, 3) }, () => put(`k${nextValue % 5}`, `v${(nextValue += 1)}`))
      cluster.propose(pick(random, up), ...commands)
    } else if (roll < 0.87 && up.length > 0) {
      cluster.read(pick(random, up), (nextReadId += 1))
    } else if (roll < 0.87 + config.crashRate && up.length > 0) {
      if (random() < 0.5) cluster.crash(pick(random, up))
      else cluster.restart(pick(random, up))
    } else if (roll < 0.89) {
      const down = cluster.ids.filter((id) => !cluster.isUp(id) && !stopped.has(id))
      if (down.length > 0) cluster.restart(pick(random, down))
    } else if (roll < 0.89 + config.partitionRate) {
      const shuffled = [...cluster.ids].sort(() => random() - 0.5)
      const cut = randomInt(random, 1, shuffled.length - 1)
      if (shuffled.length > 1) cluster.partition(shuffled.slice(0, cut), shuffled.slice(cut))
    } else if (roll < 0.92) {
      cluster.heal()
    } else if (roll < 0.92 + config.changeRate) {
      changeMembership(cluster, random, retired)
    } else if (roll < 0.952) {
      const leader = cluster.leader()
      if (leader !== undefined) cluster.transfer(leader, pick(random, cluster.ids))
    }
    stopRemoved(cluster, retired, stopped)
    if (step % logMatchingEvery === 0) cluster.checkLogMatching()
  }
  cluster.checkLogMatching()
  checkLiveness(cluster, seed, retired, stopped)
  return cluster
}

/**
 * Heal, restart every node not stopped for good, and demand a leader whose configuration is
 * committed and that commits a new entry on each member of it.
 */
function checkLiveness(cluster: Cluster, seed: number, retired: Map<NodeId, number>, stopped: Set<NodeId>): void {
  cluster.heal()
  const isFinal = (command: { op: string; key?: string }): boolean => command.op === 'put' && command.key === 'final'
  for (let round = 0; round < livenessRoundsMax; round += 1) {
    for (const id of cluster.ids) if (!cluster.isUp(id) && !stopped.has(id)) cluster.restart(id)
    cluster.tickAll()
    cluster.stabilize()
    stopRemoved(cluster, retired, stopped)
    const leader = cluster.leader()
    if (leader === undefined) continue
    if (!cluster.log(leader).some((entry) => isFinal(entry.command))) {
      cluster.propose(leader, put('final', `seed-${seed}`))
      cluster.stabilize()
    }
    const config = cluster.core(leader).configuration()
    const members = [...config.voters, ...config.learners]
    if (config.committed && members.every((id) => cluster.isUp(id) && cluster.applied.get(id)!.some((entry) => isFinal(entry.command)))) {
      cluster.checkLogMatching()
      return
    }
  }
  const states = cluster.upIds().map((id) => `${JSON.stringify(cluster.core(id).status())} ${JSON.stringify(cluster.core(id).configuration())}`).join('\n')
  throw new Error(`liveness: no entry committed on every member within ${livenessRoundsMax} healed rounds\n${states}`)
}
