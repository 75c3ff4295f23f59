/**
 * A lab experiment's fault schedule, played in the simulator: the experiment's protocol, node
 * names, settings and seed, its faults at their times (1 ms of the run is 1 ms of virtual time).
 * Given the run's records of its faults (pinRecordedFaults), a fault plays on the nodes the run
 * hit, when the run applied it, and a fault the run did not carry out is left out; without a
 * record, node targets such as `leader` are resolved when each fires by the runner's own rule
 * (faults/fault.ts resolveNodeTarget). The nemesis stays quiet; the network starts as the
 * experiment's `network` says; the clients are the simulator's own seeded workload, because the
 * run's history is not a schedule the cores could follow. The result is a seeded simulation's:
 * the safety checks after every step, then healing, convergence and the history check.
 *
 * What the simulator cannot play (see simFaultSupport, and the settings below) is refused before
 * the run, with the reason, never skipped.
 *
 * Pure: the experiment comes in already parsed (the CLI host reads and validates the file).
 */
import { describeFault, nodeTargetKeywords, nodeTargetOf, type ByzantineBehaviourSpec, type Fault, type LinkConditionsChange, type TimedFault } from '../faults/fault.js'
import { resolveNode } from '../api/experiment.js'
import { behaviourOfSpec, type AnyProtocol, type NodeSettings } from '../protocols/descriptor.js'
import { descriptorOf, protocolNames } from '../protocols/registry.js'
import type { NodeId } from '../protocols/types.js'
import { simFaultSupport, type SimFault } from './nemesis.js'
import { loopbackDelayUs, loopbackJitterMeanUs, ratesWithConditions } from './network.js'
import { tickUs, type NetworkRates, type ReplayedCluster } from './scenario.js'

/**
 * What the replay reads of an experiment: a structural part of api/experiment.ts's Experiment. The
 * cluster is the experiment's flat one: its protocol's options (descriptor.options) sit beside the
 * common fields, and the descriptor reads them from there.
 */
export interface ReplayExperiment {
  name: string
  protocol: string
  seed: number
  cluster: {
    nodes: string[]
    byzantine: Record<string, ByzantineBehaviourSpec>
  } & Record<string, unknown>
  network: Required<LinkConditionsChange>
  workload: { duration: number }
}

/** A schedule ready for the simulator (SimOptions.replay). */
export interface FaultReplay extends ReplayedCluster {
  /** Where it came from, as the person named it (a run directory, an experiment file). */
  source: string
  /** The command that replays it again. */
  command: string
  /** In time order; `atUs` in virtual time from the start. */
  faults: { atUs: number; fault: SimFault }[]
  /** The safety phase lasts as long as the run's workload did. */
  durationUs: number
  /** What the replay plays differently from the run, in words (printed with the result). */
  notes: string[]
}

export type ReplayPlan = { ok: true; replay: FaultReplay } | { ok: false; reasons: string[] }

const tickMs = tickUs / 1000

/** The network an experiment starts with, as the simulator's rates (no stragglers: the lab has none). */
export function replayNetwork(network: LinkConditionsChange): NetworkRates {
  const calm: NetworkRates = {
    delayMinUs: loopbackDelayUs, delayMeanUs: loopbackJitterMeanUs, delayCapUs: loopbackDelayUs + 3 * tickUs,
    fifo: true, lossPercent: 0, duplicatePercent: 0, stragglerPercent: 0,
  }
  return ratesWithConditions(calm, network)
}

export function planReplay(experiment: ReplayExperiment, schedule: readonly TimedFault[], source: { source: string; command: string }): ReplayPlan {
  const reasons: string[] = []
  const notes: string[] = []
  if (!(protocolNames as readonly string[]).includes(experiment.protocol)) {
    return { ok: false, reasons: [`the simulator has no ${experiment.protocol}`] }
  }
  const protocol = descriptorOf(experiment.protocol)
  const settings = replaySettings(protocol, experiment, reasons, notes)
  const faults = [...schedule].sort((a, b) => a.atMs - b.atMs).map(({ atMs, fault }) => ({ atUs: Math.round(atMs * 1000), fault }))
  for (const { atUs, fault } of faults) {
    const support = simFaultSupport(fault, protocol)
    if (!support.modelled) reasons.push(`the fault at ${atUs / 1e6} s (${fault.kind}): ${support.reason}`)
  }
  if (reasons.length > 0 || settings === undefined) return { ok: false, reasons }
  notes.push('clients: the simulator\'s own seeded workload, not the run\'s; times in ticks of 10 ms')
  return {
    ok: true,
    replay: {
      ...source,
      members: [...experiment.cluster.nodes],
      settings,
      network: replayNetwork(experiment.network),
      faults,
      durationUs: experiment.workload.duration * 1000,
      notes,
    },
  }
}

/**
 * The experiment's settings as the replica gets them (api/experiment.ts resolveNode), in the
 * simulator's ticks, with the cluster's size and, for a protocol with liars in the simulator
 * (PBFT), each liar's behaviour as its core takes it. Where the simulator differs, the reasons.
 */
function replaySettings(protocol: AnyProtocol, experiment: ReplayExperiment, reasons: string[], notes: string[]): ({ clusterSize: number } & Record<string, unknown>) | undefined {
  const atSimTicks = { ...experiment, cluster: { ...experiment.cluster, tickMs } }
  let nodes: NodeSettings[]
  try {
    nodes = experiment.cluster.nodes.map((id) => resolveNode(atSimTicks, id))
  } catch (error) {
    reasons.push((error as Error).message)
    return undefined
  }
  // Every node of a cluster runs with the same protocol settings; only how it lies is its own.
  const settings = nodes[0]!.settings as Record<string, unknown>
  const groups = settings.groups
  if (typeof groups === 'number' && groups > 1) reasons.push(`MultiRaft (cluster.groups ${groups}) is not in the simulator`)
  const liars = nodes.filter((node) => node.byzantine !== undefined)
  const clusterSize = nodes.length
  if (protocol.byzantine === undefined || protocol.sim.byzantineOf === undefined) {
    if (liars.length > 0) reasons.push(`the simulator has no lying ${protocol.label} nodes (cluster.byzantine)`)
    return { ...settings, clusterSize }
  }
  const byzantine: Record<NodeId, unknown> = {}
  for (const node of liars) {
    try {
      byzantine[node.id] = behaviourOfSpec(protocol, node.byzantine, { tickMs: node.tickMs, liars: node.liars })
    } catch (error) {
      reasons.push(`cluster.byzantine.${node.id}: ${(error as Error).message}`)
    }
  }
  notes.push(`${protocol.label}: authenticators are the simulator's keyed hash, not HMAC-SHA256`)
  // The run's liars, by node, where a seed's are drawn (PbftSimSettings.byzantine).
  return { ...settings, clusterSize, byzantine }
}

/** What a run recorded of one fault (summary.json's `faults`, api/summary.ts InjectedFault). */
export interface RecordedFault {
  action: string
  atMs: number
  scheduledAtMs?: number
  targets: string[]
  outcome?: 'applied' | 'failed' | 'not-carried-out'
  detail?: string
}

/**
 * The schedule as the run carried it out: each fault paired with its record (by its words and due
 * time, as the soak pairs them), at the time it was applied, on the nodes it hit (a role such as
 * `leader` becomes the node it named then); faults the run failed or did not carry out are left
 * out. A fault without a record keeps its time and target. `notes` says what changed, in words.
 */
export function pinRecordedFaults(schedule: readonly TimedFault[], records: readonly RecordedFault[], notes: string[]): TimedFault[] {
  const unpaired = [...records]
  const pinned: TimedFault[] = []
  for (const { atMs, fault } of [...schedule].sort((a, b) => a.atMs - b.atMs)) {
    const words = describeFault(fault)
    const at = `${words} due at ${atMs / 1000} s`
    const position = unpaired.findIndex((record) => record.action === words && (record.scheduledAtMs === undefined || record.scheduledAtMs === atMs))
    if (position < 0) {
      notes.push(`${at}: no record in the run; played at its time, its target chosen again`)
      pinned.push({ atMs, fault })
      continue
    }
    const [record] = unpaired.splice(position, 1) as [RecordedFault]
    const outcome = record.outcome ?? (record.detail?.startsWith('failed') === true ? 'failed' : 'applied')
    if (outcome !== 'applied') {
      notes.push(`${at}: left out, the run did not carry it out (${record.detail ?? outcome})`)
      continue
    }
    const target = nodeTargetOf(fault)
    if (target === undefined || !(nodeTargetKeywords as readonly string[]).includes(target)) {
      pinned.push({ atMs: record.atMs, fault })
      continue
    }
    if (record.targets.length === 0) notes.push(`${at}: left out, no node matched ${target} in the run`)
    for (const node of record.targets) pinned.push({ atMs: record.atMs, fault: { ...fault, target: node } as Fault })
  }
  return pinned
}
