/** PBFT as the lab knows it (see descriptor.ts). */
import { z } from 'zod'
import { positiveInt, protocolMs } from '../common/fields.js'
import { encodedBytesMax, frameBytesMax } from '../common/wire-budget.js'
import { ticksOf, type ByzantineSpec, type ClusterFacts, type MessageFacts, type OptionError, type ProtocolDescriptor } from '../descriptor.js'
import type { Command, NodeId } from '../types.js'
import { logWindowFor, maxFaults, pbftDefaults, pbftRequestBytesMax, primaryOf } from './config.js'
import { resultDigestOf } from './canonical.js'
import { PbftCore } from './core.js'
import { pbftSim, type PbftSimSettings } from './sim.js'
import { committedReaderOf, hasTentativeWork, tentativeReplies } from './tentative.js'
import { byzantineKinds, pbftMutationNames } from './types.js'
import type { ByzantineBehaviour, ByzantineKind, PbftMessage, PbftMutations, PbftPersist, PbftReady, Reply } from './types.js'

const optionsSchema = z
  .object({
    /** Faults tolerated; n must be at least 3f + 1. Default: the most n allows. */
    f: z.number().int('expected a whole number').min(0, 'expected f >= 0').optional(),
    /** A backup suspects the primary after this long without progress on a request. */
    requestTimeoutMs: protocolMs().default(500),
    /** A checkpoint every this many sequence numbers. */
    checkpointInterval: positiveInt(1024).default(32),
    /**
     * Read-only requests (TOCS §5.1.3): a get goes to every replica, which answers it without
     * ordering it, and the client takes 2f+1 matching replies (else it has the get ordered).
     * Off: gets are ordered like writes.
     */
    readOnlyRequests: z.boolean().default(true),
    /**
     * Digest replies (TOCS §5.1.1): one replica, designated by the request, answers in full; the
     * others send the result's digest (until the client asks again). Off: every reply is full.
     */
    digestReplies: z.boolean().default(true),
  })
  .strict()

export type PbftExperimentOptions = z.output<typeof optionsSchema>

/** PBFT's settings in ticks, for the whole cluster: what a replica runs with and what a simulator seed draws. */
export interface PbftSettings {
  f: number
  requestTimeoutTicks: number
  statusIntervalTicks: number
  checkpointInterval: number
  /** L: the high water mark is h + L (logWindowFor(checkpointInterval) in a replica). */
  logWindowMax: number
  batchMax: number
  /** Gets are read-only requests (TOCS §5.1.3) rather than ordered ones. */
  readOnly: boolean
  /** Replicas but the designated one answer with the result's digest (TOCS §5.1.1). */
  digestReplies: boolean
}

/** A slow primary holds each pre-prepare this long when the experiment does not say. */
const slowPrimaryDelayMsDefault = 200

function check(options: PbftExperimentOptions, cluster: ClusterFacts): OptionError[] {
  const n = cluster.nodes.length
  if (n < 4) return [{ path: 'cluster.nodes', message: `PBFT needs at least 4 replicas (n >= 3f + 1 with f >= 1), got ${n}`, code: 'pbftTooFewReplicas', params: { n } }]
  if (options.f !== undefined && n < 3 * options.f + 1) {
    const params = { n, fMax: maxFaults(n), f: options.f, needed: 3 * options.f + 1 }
    return [{ path: 'cluster.f', message: `PBFT with ${n} replicas tolerates at most f = ${params.fMax} (n >= 3f + 1); f = ${options.f} needs ${params.needed}`, code: 'pbftFaultsTooMany', params }]
  }
  return checkpointErrors(options, cluster.nodes)
}

/**
 * PBFT's view changes carry whole batches: a new-view holds up to (2f+2)·L of them, so a batch, and
 * with it the largest command, gets a share of a frame that shrinks with n and L. When not even the
 * smallest request fits, the checkpoint interval (which sets L) is what to change.
 */
function checkpointErrors(options: PbftExperimentOptions, nodes: readonly NodeId[]): OptionError[] {
  const n = nodes.length
  const f = options.f ?? maxFaults(n)
  const smallest = encodedBytesMax({ op: 'put', key: 'k0', value: 'v' } satisfies Command)
  if (pbftRequestBytesMax(n, f, logWindowFor(options.checkpointInterval)) >= smallest) return []
  let fitting = options.checkpointInterval - 1
  while (fitting >= 1 && pbftRequestBytesMax(n, f, logWindowFor(fitting)) < smallest) fitting -= 1
  const advice = fitting >= 1 ? `use checkpointInterval of at most ${fitting}, or fewer replicas` : 'use fewer replicas'
  const why = newViewBatches(n, f, options.checkpointInterval)
  const window = logWindowFor(options.checkpointInterval)
  const params = { n, f, interval: options.checkpointInterval, window, batches: (2 * f + 2) * window, frameBytes: frameBytesMax, fitting: fitting >= 1 ? fitting : undefined }
  return [{ path: 'cluster.checkpointInterval', message: `${why}: even a batch of one small request would not fit in a frame (${frameBytesMax} bytes): ${advice}`, code: 'pbftCheckpointTooLarge', params }]
}

function newViewBatches(n: number, f: number, checkpointInterval: number, window = logWindowFor(checkpointInterval)): string {
  return `PBFT with ${n} replicas (f = ${f}) and checkpointInterval ${checkpointInterval} (a log window of ${window}) puts up to ${(2 * f + 2) * window} batches in one new-view message`
}

function settingsOf(options: PbftExperimentOptions, cluster: { nodes: readonly NodeId[]; tickMs: number }): PbftSettings {
  return {
    f: options.f ?? maxFaults(cluster.nodes.length),
    requestTimeoutTicks: ticksOf(options.requestTimeoutMs, cluster.tickMs),
    statusIntervalTicks: pbftDefaults.statusIntervalTicks,
    checkpointInterval: options.checkpointInterval,
    logWindowMax: logWindowFor(options.checkpointInterval),
    batchMax: pbftDefaults.batchMax,
    readOnly: options.readOnlyRequests,
    digestReplies: options.digestReplies,
  }
}

/** An experiment's spec as the core's behaviour, with milliseconds turned into ticks. */
function behaviourOf(spec: ByzantineSpec, context: { tickMs: number; liars: readonly NodeId[] }): ByzantineBehaviour {
  const fields = typeof spec === 'string' ? { kind: spec } : spec
  if (!(byzantineKinds as readonly string[]).includes(fields.kind)) throw new Error(`${fields.kind} is not a PBFT behaviour: expected one of ${byzantineKinds.join(', ')}`)
  const kind = fields.kind as ByzantineKind
  switch (kind) {
    case 'equivocate':
      return { kind, forgedValue: fields.forgedValue, colluders: fields.colluders ?? [...context.liars] }
    case 'slow-primary':
      return { kind, delayTicks: ticksOf(fields.delayMs ?? slowPrimaryDelayMsDefault, context.tickMs) }
    case 'lie-reply':
    case 'lie-reply-digest':
      return { kind, forgedValue: fields.forgedValue }
    default:
      return { kind } as ByzantineBehaviour
  }
}

const messageTypes = new Set<string>(['Request', 'PrePrepare', 'Prepare', 'Commit', 'Checkpoint', 'ViewChange', 'ViewChangeAck', 'NewView', 'Status', 'CatchUp'] satisfies PbftMessage['type'][])

/** The three phases and checkpoints name their sequence number; Status is the periodic liveness beat. */
function describeMessage(message: PbftMessage): MessageFacts {
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
}

function quorumReply(reply: Reply) {
  return {
    clientId: reply.clientId,
    seq: reply.timestamp,
    ...(reply.result === undefined ? {} : { result: reply.result }),
    ...(reply.resultDigest === undefined ? {} : { resultDigest: reply.resultDigest }),
    view: reply.view,
    wire: reply,
  }
}

export const pbftProtocol: ProtocolDescriptor<'pbft', PbftExperimentOptions, PbftSettings, PbftMessage, PbftPersist, ByzantineBehaviour, PbftSimSettings> = {
  name: 'pbft',
  label: 'PBFT',
  vocabulary: { term: 'view', leader: 'primary' },
  roles: [
    { name: 'primary', kind: 'leading' },
    { name: 'view-changing', kind: 'electing' },
    { name: 'backup', kind: 'following' },
  ],
  leaderRoles: ['primary'],
  options: {
    schema: optionsSchema,
    check,
    form: [
      { field: 'f', input: 'faults' },
      { field: 'requestTimeoutMs', input: 'number', unit: 'ms' },
      { field: 'checkpointInterval', input: 'number' },
      { field: 'readOnlyRequests', input: 'toggle' },
      { field: 'digestReplies', input: 'toggle' },
    ],
  },
  settingsOf,
  // Read-only requests go through the core's read path (it holds each until what was prepared before it executed); otherwise a get is ordered like a write.
  reads: {
    modes: ['ordered', 'read-only'],
    modeOf: (settings) => (settings.readOnly ? 'read-only' : 'ordered'),
    routeOf: (settings) => (settings.readOnly ? 'core' : 'log'),
  },
  byzantine: { kinds: byzantineKinds, behaviourOf },
  mutations: pbftMutationNames,
  invariants: ['election-safety', 'state-machine-safety', 'committed-never-lost', 'commit-monotonic', 'final-state-agreement'],
  leadership: 'per-term',
  operationSteps: 'slots',
  // The view an entry was executed in is not part of it: a request committed in view v at one
  // replica may be executed by another after a view change, in view v + 1.
  appliedTermMatters: false,
  clients: {
    kind: 'quorum',
    // f+1: at least one of them is honest. The mutation trusts f, which f liars can all be.
    replyQuorum: (settings, mutations) => (mutations.includes('acceptFMatchingReplies') ? settings.f : settings.f + 1),
    replyFor(core, entry, result) {
      const reply = (core as PbftCore).reply(entry, result)
      return reply === undefined ? undefined : quorumReply(reply)
    },
    cachedReplies: (ready) => (ready as PbftReady).replies.map(quorumReply),
    leaderOfView: primaryOf,
    // TOCS §5.1.3: a replica answers once a request is prepared; the client needs 2f+1 matching tentative replies of one view.
    tentative: {
      hasWork: (ready) => hasTentativeWork(ready as PbftReady),
      replies: (core, readies, committed) =>
        tentativeReplies(core as PbftCore, readies as PbftReady[], committedReaderOf(committed)).map(({ reply, command }) => ({ ...quorumReply(reply), command })),
      quorum: (settings) => 2 * settings.f + 1,
    },
    resultDigest: (result, digest) => resultDigestOf(digest, result),
    // TOCS §5.1.3: a read-only request needs 2f+1 matching replies.
    readOnly: {
      replyFor(core, tag, result) {
        const reply = (core as PbftCore).readOnlyReply(tag, result)
        return reply === undefined ? undefined : quorumReply(reply)
      },
      quorum: (settings) => 2 * settings.f + 1,
    },
  },

  createCore(settings, persisted, env) {
    const { f, requestTimeoutTicks, statusIntervalTicks, checkpointInterval, logWindowMax, batchMax, digestReplies } = settings
    const mutations: PbftMutations = {}
    for (const name of env.mutations) mutations[name as keyof PbftMutations] = true
    return new PbftCore({
      mutations,
      f,
      requestTimeoutTicks,
      statusIntervalTicks,
      checkpointInterval,
      logWindowMax,
      batchMax,
      digestReplies,
      id: env.id,
      members: [...env.members],
      crypto: env.auth,
      random: env.random(`pbft:${env.id}`),
      persisted: [...persisted],
      byzantine: env.byzantine,
    })
  },

  host: {
    // The core checks every field of a message before reading it and drops what is malformed.
    isMessage: (value): value is PbftMessage => typeof value === 'object' && value !== null && messageTypes.has((value as { type?: string }).type ?? ''),
    // A batch holds at least one request, and view changes carry batches: a request may take no more than one batch.
    commandLimit(settings, members) {
      const whyParams = { n: members.length, f: settings.f, interval: settings.checkpointInterval, window: settings.logWindowMax, batches: (2 * settings.f + 2) * settings.logWindowMax }
      return { bytesMax: pbftRequestBytesMax(members.length, settings.f, settings.logWindowMax), why: newViewBatches(members.length, settings.f, settings.checkpointInterval, settings.logWindowMax), whyParams }
    },
    setByzantine: (core, behaviour) => (core as PbftCore).setByzantine(behaviour),
    describeMessage,
  },

  sim: pbftSim,
}
