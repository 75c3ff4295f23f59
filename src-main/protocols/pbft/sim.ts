/**
 * PBFT in the simulator: up to f Byzantine replicas drawn per seed (they are left out of every
 * safety check); on half the seeds gets are read-only requests (TOCS §5.1.3: multicast, answered
 * through the core's read path, 2f+1 matching replies, ordered on retransmission), on the others
 * they are ordered like writes; replicas answer tentatively once a request is prepared (TOCS §5.1.3, as the replica process
 * does), and clients wait for f+1 matching committed replies or 2f+1 matching tentative ones of one
 * view, and retransmit to every replica when they hear nothing (§4.1), as the descriptor's quorum
 * style says.
 */
import { randomInt } from '../common/random.js'
import { entryKey } from '../common/entry-key.js'
import type { SimHooks } from '../descriptor.js'
import { assertNever } from '../types.js'
import type { NodeId, Random } from '../types.js'
import { maxFaults } from './config.js'
import type { PbftStatus } from './core.js'
import type { PbftSettings } from './protocol.js'
import { byzantineKinds } from './types.js'
import type { ByzantineBehaviour, ByzantineKind, PbftMessage, PbftPersist } from './types.js'

/** A seed's PBFT settings: the replicas' own, and the Byzantine replicas it draws. */
export type PbftSimSettings = PbftSettings & {
  clusterSize: number
  /** Byzantine replicas and what each does; at most f. */
  byzantine: Record<NodeId, ByzantineBehaviour>
}

/** Chance that a seed has Byzantine replicas at all (then 1..f of them). */
const byzantineSeedsPercent = 60

function pick<T>(random: Random, values: readonly T[]): T {
  return values[randomInt(random, 0, values.length - 1)]
}

/** The kinds every seed drew before the reply liars existed; drawn from the seed's first stream, so those seeds keep their liars. */
const messageLiarKinds = byzantineKinds.filter((kind) => kind !== 'lie-reply' && kind !== 'lie-reply-digest')
const replyLiarKinds = ['lie-reply', 'lie-reply-digest'] as const
/** Chance that a drawn liar lies to clients instead (drawn from the later stream). */
const replyLiarPercent = 30

/**
 * `laterRandom` turns some liars into reply liars, whose forgeries agree with each other (the f+1
 * reply rule's test), without reshuffling what the other seeds draw.
 */
function drawByzantine(random: Random, laterRandom: Random, clusterSize: number, f: number): Record<NodeId, ByzantineBehaviour> {
  if (random() * 100 >= byzantineSeedsPercent) return {}
  const members = Array.from({ length: clusterSize }, (_, index) => `n${index + 1}`)
  const count = randomInt(random, 1, f)
  const liars: NodeId[] = []
  while (liars.length < count) {
    const candidate = pick(random, members)
    if (!liars.includes(candidate)) liars.push(candidate)
  }
  const kinds: ByzantineKind[] = liars.map(() => pick(random, messageLiarKinds))
  liars.forEach((_, index) => {
    if (laterRandom() * 100 < replyLiarPercent) kinds[index] = pick(laterRandom, replyLiarKinds)
  })
  // Equivocators collude: they split the honest replicas the same way (still at most f of them).
  const equivocators = liars.filter((_, index) => kinds[index] === 'equivocate')
  const behaviours: Record<NodeId, ByzantineBehaviour> = {}
  liars.forEach((id, index) => {
    behaviours[id] = behaviourOf(kinds[index], equivocators, random)
  })
  return behaviours
}

function behaviourOf(kind: ByzantineKind, equivocators: NodeId[], random: Random): ByzantineBehaviour {
  switch (kind) {
    case 'equivocate':
      return { kind, colluders: equivocators }
    case 'slow-primary':
      return { kind, delayTicks: randomInt(random, 1, 30) }
    case 'silent':
    case 'corrupt-digest':
    case 'phantom':
    case 'forge-auth':
    case 'lie-checkpoint':
    case 'forge-view-change':
    case 'lie-reply':
    case 'lie-reply-digest':
      return { kind }
    default:
      return assertNever(kind, 'Byzantine kind')
  }
}

export const pbftSim: SimHooks<PbftSettings, PbftMessage, PbftPersist, ByzantineBehaviour, PbftSimSettings> = {
  drawSettings(random, laterRandom) {
    const clusterSize = pick(random, [4, 4, 7])
    const f = maxFaults(clusterSize)
    const checkpointInterval = pick(random, [4, 8, 16])
    const byzantine = drawByzantine(random, laterRandom, clusterSize, f)
    const requestTimeoutTicks = randomInt(random, 20, 40)
    const statusIntervalTicks = randomInt(random, 5, 20)
    return {
      clusterSize,
      f,
      byzantine,
      requestTimeoutTicks,
      statusIntervalTicks,
      checkpointInterval,
      logWindowMax: checkpointInterval * pick(random, [2, 4]),
      batchMax: pick(random, [1, 4, 16]),
      // Read from a value already drawn, not drawn anew: every later draw of a seed (clocks,
      // network, faults, workload) stays what it was before read-only requests existed.
      readOnly: requestTimeoutTicks % 2 === 0,
      digestReplies: statusIntervalTicks % 2 === 0,
    }
  },

  describeSettings(settings) {
    const liars = Object.entries(settings.byzantine).map(([id, behaviour]) => `${id} ${behaviour.kind}`)
    return `${settings.clusterSize} replicas (f=${settings.f}), Byzantine: ${liars.length > 0 ? liars.join(', ') : 'none'}, ` +
      `request timeout ${settings.requestTimeoutTicks} ticks, status every ${settings.statusIntervalTicks}, ` +
      `checkpoint every ${settings.checkpointInterval}, window ${settings.logWindowMax}, batch ${settings.batchMax}, gets ${settings.readOnly ? 'read-only' : 'ordered'}, ${settings.digestReplies ? 'digest' : 'full'} replies`
  },

  byzantineOf: (settings, id) => settings.byzantine[id],
  // Client requests carry no signature (see the PBFT README): an equivocating primary's forgeries execute.
  unsignedRequests: true,

  foldDurable(log, record) {
    if (record.type !== 'executed') return
    for (const request of record.batch) log.append(0, entryKey(0, request.command, request.tag))
  },

  faultyNodes: (settings) => Object.keys(settings.byzantine),

  /**
   * As the core's own randomized test has it: every honest replica in a normal view has executed as
   * far as any honest replica; one still changing view on its own (PBFT lets no single replica force
   * a view change, and a quiet cluster gives the others no reason to follow) must at least have
   * caught up to the latest stable checkpoint by state transfer.
   */
  converged(statuses) {
    const all = statuses as PbftStatus[]
    if (all.every((status) => status.role === 'view-changing')) return false
    const executedMax = Math.max(...all.map((status) => status.lastExecuted))
    const stableMax = Math.max(...all.map((status) => status.lowWaterMark))
    return all.every((status) => (status.role === 'view-changing' ? status.lastExecuted >= stableMax : status.lastExecuted === executedMax))
  },

  // View changes back off exponentially (up to 64 request timeouts) after a stormy safety phase.
  livenessTicksMax: (settings) => 160 * settings.requestTimeoutTicks,
  clientTimeoutTicks: (settings) => 2 * settings.requestTimeoutTicks,
}
