/**
 * The nemesis: a fault schedule drawn from the run's seed. Each fault is healed after
 * faultDuration, the next one starts an exponential gap later, and everything is healed before the
 * workload ends, so the end of a run always sees a whole cluster (the liveness phase).
 */
import type { Experiment } from '../api/experiment.js'
import type { Fault, TimedFault } from '../faults/fault.js'
import { seededRandom } from '../protocols/common/random.js'
import type { Random } from '../protocols/types.js'

/** The cluster gets at least this long whole before the workload ends. */
const healedTailMs = 1000
/** Extra fsync latency of a slow disk. */
const slowDiskMs = 20
/** Clock rates a skewed node is given: slow clocks stretch a leader's lease, fast ones hurry elections. */
const clockSkewFactors = [0.25, 0.5, 2, 4] as const

export function nemesisSchedule(experiment: Experiment): TimedFault[] {
  const nemesis = experiment.nemesis
  if (!nemesis) return []
  const random = seededRandom(experiment.seed, 'nemesis')
  const nodes = experiment.cluster.nodes
  const schedule: TimedFault[] = []
  let atMs = gap(random, nemesis.meanInterval)
  while (atMs + nemesis.faultDuration <= experiment.workload.duration - healedTailMs) {
    const kind = nemesis.faults[Math.floor(random() * nemesis.faults.length)]!
    const [start, heal] = faultPair(kind, nodes, experiment, random)
    schedule.push({ atMs: Math.round(atMs), fault: start }, { atMs: Math.round(atMs + nemesis.faultDuration), fault: heal })
    atMs += nemesis.faultDuration + gap(random, nemesis.meanInterval)
  }
  return schedule
}

function faultPair(kind: NonNullable<Experiment['nemesis']>['faults'][number], nodes: string[], experiment: Experiment, random: Random): [Fault, Fault] {
  const someNode = () => nodes[Math.floor(random() * nodes.length)]!
  switch (kind) {
    case 'crash':
      return [{ kind: 'crash', target: random() < 0.5 ? 'leader' : 'random' }, { kind: 'restart', target: 'crashed' }]
    case 'pause':
      return [{ kind: 'pause', target: random() < 0.5 ? 'leader' : 'random' }, { kind: 'resume', target: 'paused' }]
    case 'partition': {
      const shuffled = nodes.slice().sort(() => random() - 0.5)
      const minoritySize = 1 + Math.floor(random() * Math.max(1, Math.floor((nodes.length - 1) / 2)))
      return [{ kind: 'partition', groups: [shuffled.slice(0, minoritySize), shuffled.slice(minoritySize)] }, { kind: 'heal' }]
    }
    case 'cut': {
      const from = someNode()
      const to = nodes.filter((node) => node !== from)[Math.floor(random() * (nodes.length - 1))]!
      return [{ kind: 'cut', between: [from, to] }, { kind: 'heal' }]
    }
    case 'loss':
      return [{ kind: 'network', conditions: { loss: 0.3 } }, { kind: 'network', conditions: { loss: experiment.network.loss } }]
    case 'delay':
      return [
        { kind: 'network', conditions: { delayMs: 40, jitterMs: 20 } },
        { kind: 'network', conditions: { delayMs: experiment.network.delayMs, jitterMs: experiment.network.jitterMs } },
      ]
    case 'slowDisk': {
      const node = someNode()
      return [{ kind: 'slowDisk', target: node, ms: slowDiskMs }, { kind: 'slowDisk', target: node, ms: 0 }]
    }
    case 'clockSkew': {
      // A named node, not `leader`: the heal must give the clock back to the node that lost it.
      const node = someNode()
      const factor = clockSkewFactors[Math.floor(random() * clockSkewFactors.length)]!
      return [{ kind: 'clockSkew', target: node, factor }, { kind: 'clockSkew', target: node, factor: 1 }]
    }
  }
}

function gap(random: Random, meanMs: number): number {
  return (-Math.log(1 - random()) * meanMs)
}
