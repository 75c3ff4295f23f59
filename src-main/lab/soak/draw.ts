/**
 * The experiment of one soak run, drawn from its seed: cluster size and options, workload, and a
 * nemesis with a random set of fault kinds and rates. The same seed draws the same experiment (the
 * processes' timing still varies from run to run: these are real processes).
 *
 * Read modes are drawn among those safe under the faults drawn: clock skew breaks lease reads by
 * design (scenario 12 shows it), so a run with clock skew never reads by lease, and no run reads
 * from followers. Durability is always fsync: a crash without it may lose acknowledged writes.
 */
import type { ExperimentInput } from '../../api/experiment.js'
import { randomInt, seededRandom } from '../../protocols/common/random.js'
import type { Random } from '../../protocols/types.js'

export const soakProtocols = ['raft', 'pbft'] as const
export type SoakProtocol = (typeof soakProtocols)[number]

export const soakFaultKinds = ['crash', 'pause', 'partition', 'loss', 'slowDisk', 'clockSkew'] as const
export type SoakFaultKind = (typeof soakFaultKinds)[number]

/** Each fault kind joins a run's nemesis with this chance (at least one always does). */
const faultKindChance = 0.5

export interface DrawnExperiment {
  input: ExperimentInput
  /** One line: what was drawn, for the progress and the report. */
  description: string
}

export function drawSoakExperiment(protocol: SoakProtocol, seed: number, durationMs: number): DrawnExperiment {
  const random = seededRandom(seed, 'soak')
  const faults = drawFaultKinds(random)
  const meanIntervalMs = randomInt(random, 500, 1500)
  const faultDurationMs = randomInt(random, 300, 1200)
  const nemesis = { meanInterval: `${meanIntervalMs}ms`, faultDuration: `${faultDurationMs}ms`, faults }
  const workload = {
    duration: `${durationMs}ms`,
    clients: randomInt(random, 2, 8),
    keys: randomInt(random, 3, 20),
    mix: { get: 0.4, put: 0.4, delete: 0.05, cas: 0.15 },
    timeoutMs: 1000,
  }
  const cluster = protocol === 'raft' ? drawRaftCluster(random, faults) : { nodes: 4, durability: 'fsync' as const }
  const name = `soak-${protocol}-${seed}`
  const input: ExperimentInput = { name, protocol, seed, cluster, workload, nemesis }
  const readMode = 'readMode' in cluster ? `, ${cluster.readMode} reads` : ''
  const description =
    `${protocol} ${cluster.nodes} nodes${readMode}, ${workload.clients} clients on ${workload.keys} keys, ` +
    `${faults.join('+')} every ~${meanIntervalMs} ms for ${faultDurationMs} ms`
  return { input, description }
}

function drawFaultKinds(random: Random): SoakFaultKind[] {
  const kinds = soakFaultKinds.filter(() => random() < faultKindChance)
  return kinds.length > 0 ? kinds : [soakFaultKinds[randomInt(random, 0, soakFaultKinds.length - 1)]!]
}

function drawRaftCluster(random: Random, faults: readonly SoakFaultKind[]) {
  const readModes = faults.includes('clockSkew') ? (['log', 'readindex'] as const) : (['log', 'readindex', 'lease'] as const)
  const readMode = readModes[randomInt(random, 0, readModes.length - 1)]!
  const preVote = random() < 0.5
  // Lease reads need check-quorum (followers ignore votes while they hear from a leader).
  const checkQuorum = readMode === 'lease' || random() < 0.5
  return { nodes: random() < 0.5 ? 3 : 5, durability: 'fsync' as const, readMode, preVote, checkQuorum }
}
