/** Raft in the simulator: the same RaftCore the replica runs, with settings drawn per seed. */
import { randomInt } from '../../protocols/common/random.js'
import { RaftCore } from '../../protocols/raft/index.js'
import type { RaftMessage, RaftMutations, RaftPersist } from '../../protocols/raft/index.js'
import { assertNever } from '../../protocols/types.js'
import type { Random } from '../../protocols/types.js'
import { raftAdapter } from '../../replica/adapters/raft.js'
import { entryKey } from '../durable-log.js'
import type { SimProtocol } from '../protocol.js'
import { tickUs } from '../scenario.js'

/** The lab's read modes (cluster.readMode): how a get is served. */
export const raftReadModes = ['log', 'readindex', 'lease', 'follower'] as const
export type RaftReadMode = (typeof raftReadModes)[number]

export interface RaftSimSettings {
  clusterSize: number
  electionTimeoutTicks: [number, number]
  heartbeatTicks: number
  preVote: boolean
  checkQuorum: boolean
  batchEntriesMax: number
  inflightAppendsMax: number
  readMode: RaftReadMode
  /**
   * Lease mode: ticks taken off the lease. Clocks here drift by up to 2% each way (scenario.ts), so
   * over a 12-tick timeout a leader's and a follower's clocks part by up to ~0.5 tick: 1 covers it.
   */
  leaseDriftTicks: number
  /** A replayed experiment's scripted first election timeouts (cluster.firstElectionTimeoutMs), by node. */
  firstElectionTimeoutTicks?: Record<string, number>
}

/** Every RaftMutations flag, by name; the type check keeps this list and the interface in step. */
const raftMutationNames = [
  'commitPreviousTermByCounting',
  'voteWithoutLogCheck',
  'forgetVoteOnRestart',
  'truncateOnStaleAppend',
  'readWithoutQuorumCheck',
  'leaseFromTicks',
] as const satisfies readonly (keyof RaftMutations)[]

function pick<T>(random: Random, values: readonly T[]): T {
  return values[randomInt(random, 0, values.length - 1)]
}

export const raftSim: SimProtocol<RaftMessage, RaftPersist, RaftSimSettings> = {
  name: 'raft',
  mutations: raftMutationNames,

  drawSettings(random) {
    // A narrow timeout range makes split votes (two candidates in one term) common: that is where
    // vote bookkeeping bugs show. A wide one gives quick, clean elections.
    const timeoutMin = pick(random, [8, 10, 12])
    const spread = pick(random, [1, 1, 2, 5, 10])
    const settings: RaftSimSettings = {
      clusterSize: pick(random, [3, 3, 5]),
      electionTimeoutTicks: [timeoutMin, timeoutMin + spread],
      heartbeatTicks: pick(random, [1, 2, 3]),
      preVote: random() < 0.5,
      checkQuorum: random() < 0.5,
      batchEntriesMax: pick(random, [1, 1, 2, 8, 64]),
      inflightAppendsMax: pick(random, [1, 2, 4, 16]),
      readMode: 'readindex',
      leaseDriftTicks: 0,
    }
    // The read mode decides where gets go (see readRoute); a lease needs check-quorum.
    settings.readMode = pick(random, ['readindex', 'readindex', 'lease', 'lease', 'log', 'follower'] as const)
    if (settings.readMode === 'lease') {
      settings.checkQuorum = true // the lease rests on check-quorum's vote rule
      settings.leaseDriftTicks = pick(random, [1, 2])
    }
    return settings
  },

  describeSettings(settings) {
    const [low, high] = settings.electionTimeoutTicks
    return `${settings.clusterSize} nodes, election timeout ${low}..${high} ticks, heartbeat ${settings.heartbeatTicks}, ` +
      `preVote ${settings.preVote ? 'on' : 'off'}, checkQuorum ${settings.checkQuorum ? 'on' : 'off'}, ` +
      `batch ${settings.batchEntriesMax}, inflight ${settings.inflightAppendsMax}, reads ${settings.readMode}` +
      (settings.readMode === 'lease' ? ` (drift ${settings.leaseDriftTicks} ticks)` : '')
  },

  createCore({ id, members, random, persisted, settings, mutations }) {
    const flags: RaftMutations = {}
    for (const name of mutations) flags[name as keyof RaftMutations] = true
    return new RaftCore({
      id,
      members,
      electionTimeoutTicks: settings.electionTimeoutTicks,
      heartbeatTicks: settings.heartbeatTicks,
      random,
      preVote: settings.preVote,
      checkQuorum: settings.checkQuorum,
      batchEntriesMax: settings.batchEntriesMax,
      inflightAppendsMax: settings.inflightAppendsMax,
      readMode: settings.readMode === 'lease' ? 'lease' : 'readindex',
      leaseDriftTicks: settings.leaseDriftTicks,
      // As the replica does, on every start: a restarted node's first timeout is scripted too.
      firstElectionTimeoutTicks: settings.firstElectionTimeoutTicks?.[id],
      tickMs: tickUs / 1000,
      persisted,
      mutations: flags,
    })
  },

  readRoute(settings) {
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
  },
  exercises: ['slow-nodes', 'big-values', 'read-heavy'],
  transferInput: (target) => ({ kind: 'transfer', target }),
  campaignInput: () => ({ kind: 'campaign' }),

  leaderRoles: ['leader'],
  leadership: 'per-term',
  readsThroughCore: true,
  clientReplies: 'origin',
  appliedTermMatters: true,
  durableQuorum: (clusterSize) => Math.floor(clusterSize / 2) + 1,

  foldDurable(log, record) {
    switch (record.kind) {
      case 'hardState':
        return
      case 'entries': {
        log.truncateFrom(record.fromIndex)
        if (log.lastIndex !== record.fromIndex - 1) {
          throw new Error(`raft record appends at ${record.fromIndex} to a durable log ending at ${log.lastIndex}`)
        }
        for (const entry of record.entries) log.append(entry.term, entryKey(entry.term, entry.command, entry.tag))
        return
      }
      default:
        return assertNever(record, 'raft persist record')
    }
  },

  logEntryAt(core, index) {
    const entry = (core as RaftCore).entryAt(index)
    return entry === undefined ? undefined : { term: entry.term, key: entryKey(entry.term, entry.command, entry.tag) }
  },

  // The replica's rule (AppendEntries may overlap the leader's own disk write), kept in one place.
  sendBeforePersist: raftAdapter.sendBeforePersist,

  livenessTicksMax: (settings) => 60 * settings.electionTimeoutTicks[1],
  clientTimeoutTicks: (settings) => 4 * settings.electionTimeoutTicks[1],
}
