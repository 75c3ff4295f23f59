/**
 * PBFT in the simulator: the same PbftCore the replicas run, with up to f Byzantine replicas drawn
 * per seed (they are left out of every safety check), requests ordered like writes (gets included:
 * PBFT has no read path through the core), replicas that answer tentatively once a request is
 * prepared (TOCS §5.1.3, as the replica process does), and clients that wait for f+1 matching
 * committed replies or 2f+1 matching tentative ones of one view, and retransmit to every replica
 * when they hear nothing (§4.1).
 */
import { randomInt } from '../../protocols/common/random.js'
import { maxFaults, PbftCore, primaryOf, byzantineKinds, pbftMutationNames } from '../../protocols/pbft/index.js'
import type { ByzantineBehaviour, PbftCrypto, PbftMessage, PbftMutations, PbftPersist, PbftReady, PbftStatus } from '../../protocols/pbft/index.js'
import { committedReaderOf, hasTentativeWork, tentativeReplies } from '../../protocols/pbft/tentative.js'
import { assertNever } from '../../protocols/types.js'
import type { NodeId, Random } from '../../protocols/types.js'
import { entryKey } from '../durable-log.js'
import type { SimProtocol } from '../protocol.js'

export interface PbftSimSettings {
  clusterSize: number
  f: number
  /** Byzantine replicas and what each does; at most f. */
  byzantine: Record<NodeId, ByzantineBehaviour>
  requestTimeoutTicks: number
  statusIntervalTicks: number
  checkpointInterval: number
  logWindowMax: number
  batchMax: number
}

/** Chance that a seed has Byzantine replicas at all (then 1..f of them). */
const byzantineSeedsPercent = 60

function pick<T>(random: Random, values: readonly T[]): T {
  return values[randomInt(random, 0, values.length - 1)]
}

function drawByzantine(random: Random, clusterSize: number, f: number): Record<NodeId, ByzantineBehaviour> {
  if (random() * 100 >= byzantineSeedsPercent) return {}
  const members = Array.from({ length: clusterSize }, (_, index) => `n${index + 1}`)
  const count = randomInt(random, 1, f)
  const liars: NodeId[] = []
  while (liars.length < count) {
    const candidate = pick(random, members)
    if (!liars.includes(candidate)) liars.push(candidate)
  }
  const kinds = liars.map(() => pick(random, byzantineKinds))
  // Equivocators collude: they split the honest replicas the same way (still at most f of them).
  const equivocators = liars.filter((_, index) => kinds[index] === 'equivocate')
  const behaviours: Record<NodeId, ByzantineBehaviour> = {}
  liars.forEach((id, index) => {
    behaviours[id] = behaviourOf(kinds[index], equivocators, random)
  })
  return behaviours
}

function behaviourOf(kind: (typeof byzantineKinds)[number], equivocators: NodeId[], random: Random): ByzantineBehaviour {
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
      return { kind }
    default:
      return assertNever(kind, 'Byzantine kind')
  }
}

/**
 * Authenticators for the simulator: a keyed 64-bit hash instead of HMAC-SHA256. The simulator
 * checks the protocol, not the cryptography: a Byzantine replica here never computes another
 * replica's MAC (forge-auth sends garbage), so a fast, deterministic stand-in is enough.
 */
export function simCrypto(members: readonly NodeId[]): PbftCrypto {
  const hash = (key: string, bytes: Uint8Array): string => {
    let low = 0x811c9dc5
    let high = 0x9e3779b9
    for (let index = 0; index < key.length; index += 1) {
      low = Math.imul(low ^ key.charCodeAt(index), 0x01000193)
      high = Math.imul(high ^ key.charCodeAt(index), 0x5bd1e995)
    }
    for (let index = 0; index < bytes.length; index += 1) {
      low = Math.imul(low ^ bytes[index], 0x01000193)
      high = Math.imul(high ^ bytes[index], 0x5bd1e995) ^ (high >>> 15)
    }
    return (low >>> 0).toString(16).padStart(8, '0') + (high >>> 0).toString(16).padStart(8, '0')
  }
  const mac = (from: NodeId, to: NodeId, bytes: Uint8Array): string => hash(`mac:${from}>${to}`, bytes)
  return {
    digest: (bytes) => hash('digest', bytes),
    mac,
    verify: (from, to, bytes, received) => members.includes(from) && members.includes(to) && mac(from, to, bytes) === received,
  }
}

export const pbftSim: SimProtocol<PbftMessage, PbftPersist, PbftSimSettings> = {
  name: 'pbft',
  mutations: pbftMutationNames,

  drawSettings(random) {
    const clusterSize = pick(random, [4, 4, 7])
    const f = maxFaults(clusterSize)
    const checkpointInterval = pick(random, [4, 8, 16])
    return {
      clusterSize,
      f,
      byzantine: drawByzantine(random, clusterSize, f),
      requestTimeoutTicks: randomInt(random, 20, 40),
      statusIntervalTicks: randomInt(random, 5, 20),
      checkpointInterval,
      logWindowMax: checkpointInterval * pick(random, [2, 4]),
      batchMax: pick(random, [1, 4, 16]),
    }
  },

  describeSettings(settings) {
    const liars = Object.entries(settings.byzantine).map(([id, behaviour]) => `${id} ${behaviour.kind}`)
    return `${settings.clusterSize} replicas (f=${settings.f}), Byzantine: ${liars.length > 0 ? liars.join(', ') : 'none'}, ` +
      `request timeout ${settings.requestTimeoutTicks} ticks, status every ${settings.statusIntervalTicks}, ` +
      `checkpoint every ${settings.checkpointInterval}, window ${settings.logWindowMax}, batch ${settings.batchMax}`
  },

  createCore({ id, members, random, persisted, settings, mutations }) {
    const flags: PbftMutations = {}
    for (const name of mutations) flags[name as keyof PbftMutations] = true
    return new PbftCore({
      mutations: flags,
      id,
      members: [...members],
      f: settings.f,
      crypto: simCrypto(members),
      random,
      requestTimeoutTicks: settings.requestTimeoutTicks,
      statusIntervalTicks: settings.statusIntervalTicks,
      checkpointInterval: settings.checkpointInterval,
      logWindowMax: settings.logWindowMax,
      batchMax: settings.batchMax,
      persisted: [...persisted],
      byzantine: settings.byzantine[id],
    })
  },

  leaderRoles: ['primary'],
  leadership: 'per-term',
  readsThroughCore: false,
  // Client requests carry no signature (see the PBFT README): an equivocating primary's forgeries execute.
  unsignedRequests: true,
  // The view an entry was executed in is not part of it: a request committed in view v at one
  // replica may be executed by another after a view change, in view v + 1.
  appliedTermMatters: false,

  foldDurable(log, record) {
    if (record.type !== 'executed') return
    for (const request of record.batch) log.append(0, entryKey(0, request.command, request.tag))
  },

  faultyNodes: (settings) => Object.keys(settings.byzantine),

  clientReplies: 'quorum',
  replyQuorum: (settings) => settings.f + 1,
  replyFor(core, entry, result) {
    const reply = (core as PbftCore).reply(entry, result)
    return reply === undefined ? undefined : { clientId: reply.clientId, seq: reply.timestamp, result: reply.result, view: reply.view, command: entry.command }
  },
  cachedReplies: (ready) => (ready as PbftReady).replies.map((reply) => ({ clientId: reply.clientId, seq: reply.timestamp, result: reply.result, view: reply.view })),
  leaderOfView: (members, view) => primaryOf(members, view),
  hasTentativeWork: (ready) => hasTentativeWork(ready as PbftReady),
  tentativeReplies: (core, ready, kv) =>
    tentativeReplies(core as PbftCore, [ready as PbftReady], committedReaderOf(kv)).map(({ reply, command }) => ({
      clientId: reply.clientId, seq: reply.timestamp, result: reply.result, view: reply.view, command, tentative: true,
    })),
  tentativeReplyQuorum: (settings) => 2 * settings.f + 1,

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
