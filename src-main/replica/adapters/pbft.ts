/** PBFT in a replica process: node:crypto authenticators, ticks from milliseconds, replies to every client. */
import { PbftCore, byzantineKinds } from '../../protocols/pbft/index.js'
import { logWindowFor, maxFaults, pbftRequestBytesMax } from '../../protocols/pbft/config.js'
import { nodeCrypto } from '../node-crypto.js'
import { committedReaderOf, hasTentativeWork, tentativeReplies } from '../../protocols/pbft/tentative.js'
import type { ByzantineBehaviour, ByzantineKind, PbftMessage, PbftPersist, PbftReady } from '../../protocols/pbft/index.js'
import { seededRandom } from '../../protocols/common/random.js'
import type { ReplicaConfig } from '../config.js'
import type { AdapterGlue } from '../host.js'

const messageTypes = new Set(['Request', 'PrePrepare', 'Prepare', 'Commit', 'Checkpoint', 'ViewChange', 'ViewChangeAck', 'NewView', 'Status', 'CatchUp'])

export const pbftAdapter: AdapterGlue<PbftMessage, PbftPersist> = {
  createCore(config, persisted) {
    const ticks = (ms: number) => Math.max(1, Math.round(ms / config.tickMs))
    return new PbftCore({
      id: config.id,
      members: config.members,
      f: config.f,
      crypto: nodeCrypto(config.secret, config.members),
      random: seededRandom(config.seed, `pbft:${config.id}`),
      requestTimeoutTicks: ticks(config.requestTimeoutMs),
      checkpointInterval: config.checkpointInterval,
      logWindowMax: logWindowFor(config.checkpointInterval),
      persisted,
      byzantine: behaviourFor(config, config.byzantine[config.id]),
    })
  },
  // The core checks every field of a message before reading it and drops what is malformed.
  isMessage: (value): value is PbftMessage => typeof value === 'object' && value !== null && messageTypes.has((value as { type?: string }).type ?? ''),
  // A batch holds at least one request, and view changes carry batches: a request may take no more than one batch.
  commandBytesMax: (config) => pbftRequestBytesMax(config.members.length, config.f ?? maxFaults(config.members.length), logWindowFor(config.checkpointInterval)),
  // PBFT orders reads like writes (the read-only optimization is not implemented).
  readsThroughCore: false,
  setByzantine: (core, behaviour) => (core as PbftCore).setByzantine(behaviour as ByzantineBehaviour | undefined),
  // The three phases and checkpoints name their sequence number; Status is the periodic liveness beat.
  describeMessage: (message) => {
    switch (message.type) {
      case 'PrePrepare':
      case 'Prepare':
      case 'Commit':
      case 'Checkpoint':
        return { range: [message.seq, message.seq] }
      case 'Status':
        return { heartbeat: true }
      default:
        return {}
    }
  },
  replies: {
    afterApply(core, entry, result) {
      const reply = (core as PbftCore).reply(entry, result)
      return reply ? { clientId: reply.clientId, pbft: reply } : undefined
    },
    fromReady: (ready) => (ready as PbftReady).replies.map((reply) => ({ clientId: reply.clientId, pbft: reply })),
    pending: (ready) => {
      const pbft = ready as PbftReady
      return pbft.replies.length > 0 || hasTentativeWork(pbft)
    },
    // TOCS §5.1.3: replies once a request is prepared, from the committed store plus the tentative batches before it.
    afterTurn: (core, readies, store) =>
      tentativeReplies(core as PbftCore, readies as PbftReady[], committedReaderOf(store)).map(({ reply }) => ({ clientId: reply.clientId, pbft: reply })),
  },
}

/** An experiment's Byzantine entry as the core's behaviour, with milliseconds turned into ticks. */
export function behaviourFor(config: ReplicaConfig, spec: unknown): ByzantineBehaviour | undefined {
  if (spec === undefined || spec === 'honest') return undefined
  const fields = typeof spec === 'string' ? { kind: spec } : (spec as { kind: string; forgedValue?: string; colluders?: string[]; delayMs?: number })
  if (!(byzantineKinds as readonly string[]).includes(fields.kind)) throw new Error(`${fields.kind} is not a PBFT behaviour`)
  const kind = fields.kind as ByzantineKind
  switch (kind) {
    case 'equivocate':
      return { kind, forgedValue: fields.forgedValue, colluders: fields.colluders ?? Object.keys(config.byzantine) }
    case 'slow-primary':
      return { kind, delayTicks: Math.max(1, Math.round((fields.delayMs ?? 200) / config.tickMs)) }
    default:
      return { kind } as ByzantineBehaviour
  }
}

