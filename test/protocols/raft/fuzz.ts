/**
 * The randomized schedule behind randomized.test.ts. Randomized schedules over many seeds: random delivery order (reordering), drops, duplicates,
 * partitions, crash-restarts, leadership transfers, proposals and reads, with the harness checking
 * election safety, leader completeness, state machine safety and read freshness after every step and
 * log matching every few steps. Then a liveness phase: heal everything, and demand that a leader
 * emerges and commits a new entry on every node.
 *
 * Replay one seed:   RAFT_SEED=123 npx vitest run test/protocols/raft/randomized.test.ts
 * More seeds:        RAFT_SEEDS=2000 npx vitest run test/protocols/raft/randomized.test.ts
 */
import { randomInt, seededRandom } from '../../../src-main/protocols/common/random.js'
import type { RaftMutations } from '../../../src-main/protocols/raft/index.js'
import type { Random } from '../../../src-main/protocols/types.js'
import { Cluster, put } from './harness.js'
import type { TunableOptions } from './harness.js'

const seedsDefault = 200
const chaosStepsMax = 2_500
const livenessRoundsMax = 400
const logMatchingEvery = 50

export function seedsToRun(): number[] {
  return seedsFromEnvironment('RAFT_SEED', 'RAFT_SEEDS', seedsDefault)
}

/** One seed to replay (`replayVariable`), or seeds 1..n (`countVariable`, else `count`). */
export function seedsFromEnvironment(replayVariable: string, countVariable: string, count: number): number[] {
  const replay = process.env[replayVariable]
  if (replay !== undefined && replay !== '') return [Number(replay)]
  return Array.from({ length: Number(process.env[countVariable] ?? count) }, (_, index) => index + 1)
}

export function pick<T>(random: Random, values: readonly T[]): T {
  return values[randomInt(random, 0, values.length - 1)]
}

/** Fault rates and protocol settings drawn per seed, so seeds explore different regimes. */
function drawConfig(random: Random) {
  const size = pick(random, [3, 3, 5])
  const options: TunableOptions = {
    electionTimeoutTicks: [8, 16],
    heartbeatTicks: pick(random, [1, 2, 3]),
    preVote: random() < 0.5,
    checkQuorum: random() < 0.5,
    batchEntriesMax: pick(random, [1, 2, 5, 64]),
    inflightAppendsMax: pick(random, [1, 2, 4, 16]),
  }
  return {
    ids: Array.from({ length: size }, (_, index) => `n${index + 1}`),
    options,
    dropRate: random() * 0.3,
    duplicateRate: random() * 0.1,
    crashRate: random() * 0.01,
    partitionRate: random() * 0.01,
  }
}

export function runSeed(seed: number, mutations: RaftMutations = {}): Cluster {
  const random = seededRandom(seed, 'schedule')
  const config = drawConfig(random)
  const options = { ...config.options, mutations }
  const cluster = new Cluster({ ids: config.ids, seed, options, failFast: true })
  let nextValue = 0
  let nextReadId = 0
  for (let step = 1; step <= chaosStepsMax; step += 1) {
    const roll = random()
    const up = cluster.upIds()
    if (roll < 0.3 && up.length > 0) {
      cluster.tick(pick(random, up))
    } else if (roll < 0.75 && cluster.network.length > 0) {
      const position = randomInt(random, 0, cluster.network.length - 1)
      if (random() < config.dropRate) cluster.network.splice(position, 1)
      else cluster.deliverAt(position, random() < config.duplicateRate)
    } else if (roll < 0.85 && up.length > 0) {
      const count = randomInt(random, 1, 3)
      const commands = Array.from({ length: count }, () => put(`k${nextValue % 5}`, `v${(nextValue += 1)}`))
      cluster.propose(pick(random, up), ...commands)
    } else if (roll < 0.9 && up.length > 0) {
      cluster.read(pick(random, up), (nextReadId += 1))
    } else if (roll < 0.9 + config.crashRate && up.length > 0) {
      // A crash, or a reboot: back at once from its records, with whatever was in flight to it lost.
      if (random() < 0.5) cluster.crash(pick(random, up))
      else cluster.restart(pick(random, up))
    } else if (roll < 0.92) {
      const down = cluster.ids.filter((id) => !cluster.isUp(id))
      if (down.length > 0) cluster.restart(pick(random, down))
    } else if (roll < 0.92 + config.partitionRate) {
      const shuffled = [...cluster.ids].sort(() => random() - 0.5)
      const cut = randomInt(random, 1, shuffled.length - 1)
      cluster.partition(shuffled.slice(0, cut), shuffled.slice(cut))
    } else if (roll < 0.95) {
      cluster.heal()
    } else if (roll < 0.952) {
      const leader = cluster.leader()
      if (leader !== undefined) cluster.transfer(leader, pick(random, cluster.ids))
    }
    if (step % logMatchingEvery === 0) cluster.checkLogMatching()
  }
  cluster.checkLogMatching()
  checkLiveness(cluster, () => put('final', `seed-${seed}`))
  return cluster
}

/** Heal the network, bring every node back, and demand a leader that commits a new entry everywhere. */
function checkLiveness(cluster: Cluster, finalCommand: () => ReturnType<typeof put>): void {
  cluster.heal()
  for (const id of cluster.ids) if (!cluster.isUp(id)) cluster.restart(id)
  const isFinal = (command: ReturnType<typeof put> | { op: string }): boolean => command.op === 'put' && 'key' in command && command.key === 'final'
  for (let round = 0; round < livenessRoundsMax; round += 1) {
    cluster.tickAll()
    cluster.stabilize()
    const leader = cluster.leader()
    if (leader === undefined) continue
    // (Re)propose until the leader holds it: a proposal is refused during a leadership transfer.
    if (!cluster.log(leader).some((entry) => isFinal(entry.command))) {
      cluster.propose(leader, finalCommand())
      cluster.stabilize()
    }
    const everyoneApplied = cluster.ids.every((id) => cluster.applied.get(id)!.some((entry) => isFinal(entry.command)))
    if (everyoneApplied) {
      cluster.checkLogMatching()
      return
    }
  }
  const states = cluster.ids.map((id) => JSON.stringify(cluster.core(id).status())).join('\n')
  throw new Error(`liveness: no entry committed on every node within ${livenessRoundsMax} healed rounds\n${states}`)
}

