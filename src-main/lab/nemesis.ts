/**
 * The nemesis: a fault schedule drawn from the run's seed. Each fault is healed after
 * faultDuration, the next one starts an exponential gap later, and everything is healed before the
 * workload ends, so the end of a run always sees a whole cluster (the liveness phase).
 */
import type { Experiment, FaultAction } from '../api/experiment.js'
import { seededRandom } from '../protocols/common/random.js'
import type { Random } from '../protocols/types.js'

/** The cluster gets at least this long whole before the workload ends. */
const healedTailMs = 1000
/** Extra fsync latency of a slow disk. */
const slowDiskMs = 20
/** Clock rates a skewed node is given: slow clocks stretch a leader's lease, fast ones hurry elections. */
const clockSkewFactors = [0.25, 0.5, 2, 4] as const

export function nemesisSchedule(experiment: Experiment): { atMs: number; action: FaultAction }[] {
  const nemesis = experiment.nemesis
  if (!nemesis) return []
  const random = seededRandom(experiment.seed, 'nemesis')
  const nodes = experiment.cluster.nodes
  const schedule: { atMs: number; action: FaultAction }[] = []
  let atMs = gap(random, nemesis.meanInterval)
  while (atMs + nemesis.faultDuration <= experiment.workload.duration - healedTailMs) {
    const kind = nemesis.faults[Math.floor(random() * nemesis.faults.length)]!
    const [start, heal] = faultPair(kind, nodes, experiment, random)
    schedule.push({ atMs: Math.round(atMs), action: start }, { atMs: Math.round(atMs + nemesis.faultDuration), action: heal })
    atMs += nemesis.faultDuration + gap(random, nemesis.meanInterval)
  }
  return schedule
}

function faultPair(kind: NonNullable<Experiment['nemesis']>['faults'][number], nodes: string[], experiment: Experiment, random: Random): [FaultAction, FaultAction] {
  const someNode = () => nodes[Math.floor(random() * nodes.length)]!
  switch (kind) {
    case 'crash':
      return [{ crash: random() < 0.5 ? 'leader' : 'random' }, { restart: 'crashed' }]
    case 'pause':
      return [{ pause: random() < 0.5 ? 'leader' : 'random' }, { resume: 'paused' }]
    case 'partition': {
      const shuffled = nodes.slice().sort(() => random() - 0.5)
      const minoritySize = 1 + Math.floor(random() * Math.max(1, Math.floor((nodes.length - 1) / 2)))
      return [{ partition: [shuffled.slice(0, minoritySize), shuffled.slice(minoritySize)] }, { heal: 'all' }]
    }
    case 'cut': {
      const from = someNode()
      const to = nodes.filter((node) => node !== from)[Math.floor(random() * (nodes.length - 1))]!
      return [{ cut: [from, to] }, { heal: 'all' }]
    }
    case 'loss':
      return [{ network: { loss: 0.3 } }, { network: { loss: experiment.network.loss } }]
    case 'delay':
      return [{ network: { delayMs: 40, jitterMs: 20 } }, { network: { delayMs: experiment.network.delayMs, jitterMs: experiment.network.jitterMs } }]
    case 'slowDisk': {
      const node = someNode()
      return [{ slowDisk: { node, ms: slowDiskMs } }, { slowDisk: { node, ms: 0 } }]
    }
    case 'clockSkew': {
      // A named node, not `leader`: the heal must give the clock back to the node that lost it.
      const node = someNode()
      const factor = clockSkewFactors[Math.floor(random() * clockSkewFactors.length)]!
      return [{ clockSkew: { node, factor } }, { clockSkew: { node, factor: 1 } }]
    }
  }
}

function gap(random: Random, meanMs: number): number {
  return (-Math.log(1 - random()) * meanMs)
}
