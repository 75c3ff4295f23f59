/**
 * Raft as the lab knows it (see descriptor.ts). MultiRaft is Raft's `groups > 1` form, not a
 * protocol of its own: the same options, words, roles, read paths and clients (each group has a
 * leader of its own, found by hints), and experiments name it `protocol: raft` with `groups: 3`.
 * Only the core (MultiRaftCore), the message check and the per-group state machines differ, and
 * they follow `settings.groups`.
 */
import { z } from 'zod'
import { electionTimingErrors, electionTimingForm, electionTimingFields, electionTimingTicks, nodeName, positiveInt, protocolMs, protocolMsOrZero } from '../common/fields.js'
import { ticksOf, type OptionError, type ProtocolDescriptor } from '../descriptor.js'
import { assertNever } from '../types.js'
import type { NodeId, ProtocolCore } from '../types.js'
import { MultiRaftCore, groupsMax, isMultiRaftMessage, type MultiRaftMessage, type MultiRaftPersist } from '../multiraft/core.js'
import { groupOfKey, type KeyRouting } from '../multiraft/routing.js'
import { RaftCore } from './core.js'
import { checkRaftMessage, type RaftMessage, type RaftPersist } from './messages.js'
import { raftByzantineKinds, raftMutationNames, type RaftByzantine, type RaftMutations } from './options.js'
import { raftSim, type RaftSimSettings } from './sim.js'
import { describeRaftAnyMessage, raftAppendedEntries } from './trace-facts.js'

/** The lab's read modes: how a get is served. */
export const raftReadModes = ['log', 'readindex', 'lease', 'follower'] as const
export type RaftReadMode = (typeof raftReadModes)[number]

/**
 * etcd snapshots every 10,000 entries (its --snapshot-count default since 3.2, from 100,000). Here
 * an entry costs a leader ~1.2 KB of memory (issue 15: 67 to 273 MB in 55 s of full load), so
 * 10,000 entries hold the log near 12 MB, and at the lab's full-load rate (a few thousand writes a
 * second) a snapshot comes every few seconds: cheap, because the KV state is small next to its log.
 */
export const snapshotEntriesDefault = 10_000
/** 64 MiB of applied entry bytes: big values (up to 256 KiB each) reach it before 10,000 entries. */
export const snapshotBytesDefault = 64 * 1024 * 1024
const snapshotEntriesMax = 100_000_000
const snapshotBytesLimit = 16 * 1024 * 1024 * 1024

const optionsSchema = z
  .object({
    ...electionTimingFields,
    /** The first election timeout of named nodes (later ones are random again), to script who times out first: {A: 150}. */
    firstElectionTimeoutMs: z.record(nodeName, protocolMs()).default({}),
    /** Thesis §9.6: ask whether an election could be won before bumping the term. */
    preVote: z.boolean().default(false),
    /** A leader steps down when a majority has not answered within an election timeout (thesis §6.2). */
    checkQuorum: z.boolean().default(false),
    /**
     * How reads are served: 'log' (ordered like writes), 'readindex' (the leader confirms its
     * leadership with a heartbeat round), 'lease' (the leader answers while its lease holds; needs
     * checkQuorum), 'follower' (any node answers from its own copy: fast, may be stale).
     */
    readMode: z.enum(raftReadModes).default('readindex'),
    /** Taken off the leader's lease for clock drift between nodes (lease reads). */
    leaseDriftMs: protocolMsOrZero('ms >= 0').default(20),
    /** Independent Raft groups on the same nodes (MultiRaft), each owning a share of the keys. */
    groups: positiveInt(groupsMax).default(1),
    /** How keys map to groups: hash (spread evenly) or range (split points, keeps prefixes together). */
    keyRouting: z.enum(['hash', 'range']).default('hash'),
    /** For keyRouting range: G - 1 sorted split points; group i owns keys from split i-1 up to split i. */
    rangeSplits: z.array(z.string()).max(groupsMax - 1, `expected at most ${groupsMax - 1} split points (${groupsMax} groups)`).default([]),
    /** Upper bound of entries in one AppendEntries. */
    batchEntriesMax: positiveInt(65_536).default(1024),
    /** AppendEntries in flight per follower before the leader waits for acks. */
    inflightAppendsMax: positiveInt(1024).default(64),
    /**
     * Raft §7: snapshot the state machine and compact the log every this many applied entries
     * (0: never). See snapshotEntriesDefault for why this many.
     */
    snapshotEntries: z.number().int('expected a whole number of entries').min(0, 'expected 0 (never) or more entries').max(snapshotEntriesMax, `expected at most ${snapshotEntriesMax} entries`).default(snapshotEntriesDefault),
    /** The same by applied entry bytes (0: never); whichever comes first. Bounds the log of a workload with big values. */
    snapshotBytes: z.number().int('expected a whole number of bytes').min(0, 'expected 0 (never) or more bytes').max(snapshotBytesLimit, `expected at most ${snapshotBytesLimit} bytes`).default(snapshotBytesDefault),
  })
  .strict()

export type RaftExperimentOptions = z.output<typeof optionsSchema>

/** Raft's settings in ticks, for the whole cluster: what a replica runs with and what a simulator seed draws. */
export interface RaftSettings {
  electionTimeoutTicks: [number, number]
  heartbeatTicks: number
  /** Scripted first election timeouts by node (each node reads its own). */
  firstElectionTimeoutTicks?: Record<NodeId, number>
  preVote: boolean
  checkQuorum: boolean
  readMode: RaftReadMode
  /** Lease reads: ticks taken off the lease for clock drift. */
  leaseDriftTicks: number
  batchEntriesMax: number
  inflightAppendsMax: number
  /** Raft §7: compact every this many applied entries or bytes (0: never); every MultiRaft group by itself. */
  snapshotEntries: number
  snapshotBytes: number
  /** Bytes per InstallSnapshot chunk; undefined: appendBytesMax (the simulator draws small ones). */
  snapshotChunkBytesMax?: number
  /** MultiRaft: groups on the same nodes (1: plain Raft), and how keys map to them. */
  groups: number
  keyRouting: KeyRouting
}

function check(options: RaftExperimentOptions, cluster: { nodes: readonly NodeId[]; tickMs: number; byzantine: Readonly<Record<NodeId, unknown>>; leasesAndWatches: boolean }): OptionError[] {
  const errors: OptionError[] = []
  for (const name of Object.keys(options.firstElectionTimeoutMs)) {
    if (!cluster.nodes.includes(name)) {
      const params = { name, nodes: cluster.nodes.join(', ') }
      errors.push({ path: `cluster.firstElectionTimeoutMs.${name}`, message: `unknown node ${JSON.stringify(name)}: expected one of ${params.nodes}`, code: 'unknownNode', params })
    }
  }
  if (options.readMode === 'lease' && !options.checkQuorum) {
    errors.push({ path: 'cluster.readMode', message: 'lease reads need checkQuorum: true (followers must ignore votes while they hear from a leader)', code: 'leaseNeedsCheckQuorum' })
  }
  if (options.readMode === 'lease' && options.leaseDriftMs >= options.electionTimeoutMs[0]) {
    errors.push({ path: 'cluster.leaseDriftMs', message: `expected less than the election timeout (${options.electionTimeoutMs[0]} ms)`, code: 'leaseDriftBelowTimeout', params: { timeoutMs: options.electionTimeoutMs[0] } })
  }
  errors.push(...electionTimingErrors(options, cluster.tickMs))
  if (options.groups > 1) errors.push(...groupErrors(options, cluster))
  return errors
}

function groupErrors(options: RaftExperimentOptions, cluster: { byzantine: Readonly<Record<NodeId, unknown>>; leasesAndWatches: boolean }): OptionError[] {
  const errors: OptionError[] = []
  if (cluster.leasesAndWatches) errors.push({ path: 'workload.discovery', message: 'leases and watches need a single group (cluster.groups: 1)', code: 'singleGroupForLeases' })
  for (const node of Object.keys(cluster.byzantine)) {
    errors.push({ path: `cluster.byzantine.${node}`, message: 'lying Raft nodes need a single group (cluster.groups: 1): MultiRaft has no Byzantine behaviours', code: 'singleGroupForByzantine' })
  }
  if (options.keyRouting === 'range' && options.rangeSplits.length !== options.groups - 1) {
    const params = { expected: options.groups - 1, groups: options.groups, got: options.rangeSplits.length }
    errors.push({ path: 'cluster.rangeSplits', message: `expected ${params.expected} split points for ${params.groups} groups, got ${params.got}`, code: 'rangeSplitCount', params })
  }
  if (options.rangeSplits.some((split, index) => index > 0 && split <= options.rangeSplits[index - 1]!)) {
    errors.push({ path: 'cluster.rangeSplits', message: 'expected split points in increasing order', code: 'rangeSplitOrder' })
  }
  return errors
}

function settingsOf(options: RaftExperimentOptions, cluster: { tickMs: number }): RaftSettings {
  const ticks = (ms: number) => ticksOf(ms, cluster.tickMs)
  const timing = electionTimingTicks(options, cluster.tickMs)
  const timeoutMin = timing.electionTimeoutTicks[0]
  const first = Object.entries(options.firstElectionTimeoutMs).map(([node, ms]) => [node, ticks(ms)] as const)
  return {
    ...timing,
    ...(first.length > 0 ? { firstElectionTimeoutTicks: Object.fromEntries(first) } : {}),
    preVote: options.preVote,
    checkQuorum: options.checkQuorum || options.readMode === 'lease',
    readMode: options.readMode,
    leaseDriftTicks: Math.min(timeoutMin - 1, ticks(options.leaseDriftMs)),
    batchEntriesMax: options.batchEntriesMax,
    inflightAppendsMax: options.inflightAppendsMax,
    snapshotEntries: options.snapshotEntries,
    snapshotBytes: options.snapshotBytes,
    groups: options.groups,
    keyRouting: options.keyRouting === 'range' ? { kind: 'range', splits: options.rangeSplits } : { kind: 'hash' },
  }
}

/** An experiment's spec as the core's behaviour. */
function behaviourOf(spec: string | { kind: string }): RaftByzantine {
  const kind = typeof spec === 'string' ? spec : spec.kind
  if ((raftByzantineKinds as readonly string[]).includes(kind)) return kind as RaftByzantine
  throw new Error(`${kind} is not a Raft behaviour: expected ${raftByzantineKinds.join(' or ')}`)
}

function routeOf(settings: RaftSettings): 'core' | 'log' | 'local' {
  switch (settings.readMode) {
    case 'readindex':
    case 'lease':
      return 'core'
    case 'log':
      return 'log'
    case 'follower':
      return 'local'
    default:
      return assertNever(settings.readMode, 'raft read mode')
  }
}

type RaftAnyMessage = RaftMessage | MultiRaftMessage
type RaftAnyPersist = RaftPersist | MultiRaftPersist

export const raftProtocol: ProtocolDescriptor<'raft', RaftExperimentOptions, RaftSettings, RaftAnyMessage, RaftAnyPersist, RaftByzantine, RaftSimSettings> = {
  name: 'raft',
  label: 'Raft',
  vocabulary: { term: 'term', leader: 'leader' },
  roles: [
    { name: 'leader', kind: 'leading' },
    { name: 'candidate', kind: 'electing' },
    { name: 'precandidate', kind: 'pre-electing' },
    { name: 'follower', kind: 'following' },
  ],
  leaderRoles: ['leader'],
  options: {
    schema: optionsSchema,
    check,
    form: [
      ...electionTimingForm,
      { field: 'preVote', input: 'toggle' },
      { field: 'readMode', input: 'choice', choices: raftReadModes },
      { field: 'checkQuorum', input: 'toggle' },
      { field: 'snapshotEntries', input: 'number' },
    ],
  },
  settingsOf,
  reads: { modes: raftReadModes, modeOf: (settings) => settings.readMode, routeOf },
  byzantine: { kinds: raftByzantineKinds, behaviourOf: (spec) => behaviourOf(spec) },
  mutations: raftMutationNames,
  invariants: ['election-safety', 'state-machine-safety', 'committed-never-lost', 'commit-monotonic', 'leader-append-only', 'leader-completeness', 'final-state-agreement'],
  leadership: 'per-term',
  operationSteps: 'log',
  appliedTermMatters: true,
  clients: { kind: 'leader' },

  createCore(settings, persisted, env) {
    const options = {
      id: env.id,
      members: env.members,
      electionTimeoutTicks: settings.electionTimeoutTicks,
      heartbeatTicks: settings.heartbeatTicks,
      preVote: settings.preVote,
      checkQuorum: settings.checkQuorum,
      // The core knows only how a leader confirms a read; 'log' and 'follower' reads never reach it.
      readMode: settings.readMode === 'lease' ? ('lease' as const) : ('readindex' as const),
      leaseDriftTicks: settings.leaseDriftTicks,
      tickMs: env.tickMs,
      batchEntriesMax: settings.batchEntriesMax,
      inflightAppendsMax: settings.inflightAppendsMax,
      // Raft §7, every group by the same settings (MultiRaft: each group counts its own entries).
      snapshotEntries: settings.snapshotEntries,
      snapshotBytes: settings.snapshotBytes,
      // Half a snapshot interval stays in memory for followers a little behind (etcd keeps 5,000 of 10,000).
      snapshotCatchUpEntries: Math.floor(settings.snapshotEntries / 2),
      ...(settings.snapshotChunkBytesMax !== undefined ? { snapshotChunkBytesMax: settings.snapshotChunkBytesMax } : {}),
    }
    if (settings.groups > 1) {
      const multi = new MultiRaftCore({ ...options, groups: settings.groups, routing: settings.keyRouting, randomFor: (group) => env.random(`raft:${env.id}:${group}`), persisted: persisted as MultiRaftPersist[] })
      return multi as ProtocolCore<RaftAnyMessage, RaftAnyPersist>
    }
    const mutations: RaftMutations = {}
    for (const name of env.mutations) mutations[name as keyof RaftMutations] = true
    const core = new RaftCore({
      ...options,
      firstElectionTimeoutTicks: settings.firstElectionTimeoutTicks?.[env.id],
      random: env.random(`raft:${env.id}`),
      persisted: persisted as RaftPersist[],
      mutations,
      byzantine: env.byzantine,
    })
    return core as unknown as ProtocolCore<RaftAnyMessage, RaftAnyPersist>
  },

  host: {
    isMessage: (value, settings): value is RaftAnyMessage => (settings.groups > 1 ? isMultiRaftMessage(value, settings.groups) : checkRaftMessage(value).ok),
    sharding(settings) {
      if (settings.groups <= 1) return undefined
      return { groups: settings.groups, groupOf: (key) => groupOfKey(key, settings.groups, settings.keyRouting) }
    },
    campaignInput: { kind: 'campaign' },
    snapshotInput: (index, data, group) => (group === undefined ? { kind: 'snapshot', index, data } : { kind: 'snapshot', group, index, data }),
    recoveredSnapshot: (core, group) => (core instanceof MultiRaftCore ? core.latestSnapshot(group ?? 0) : core instanceof RaftCore ? core.latestSnapshot() : undefined),
    // Membership changes exist for single-group Raft only (validation refuses them for MultiRaft).
    reconfigureInput: (change) => ({ kind: 'reconfigure', change }),
    configuration: (core) => (core instanceof RaftCore ? core.configuration() : undefined),
    setByzantine(core, behaviour) {
      // Validation keeps lying nodes to single-group clusters; a MultiRaft core has no liars.
      if (core instanceof RaftCore) core.setByzantine(behaviour)
    },
    describeMessage: describeRaftAnyMessage,
    appendedEntries: raftAppendedEntries,
    // A leader answers what an acknowledgement committed before the next batch's fdatasync (replica/host.ts).
    settleUnpersistedPrefixFirst: true,
  },

  sim: raftSim,
}
