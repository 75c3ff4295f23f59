/** Raft in the simulator: settings drawn per seed, and what the simulator's checks read of a Raft node. */
import { randomInt } from '../common/random.js'
import { entryKey } from '../common/entry-key.js'
import type { SimHooks } from '../descriptor.js'
import { assertNever } from '../types.js'
import type { Random } from '../types.js'
import type { MultiRaftMessage, MultiRaftPersist } from '../multiraft/core.js'
import { RaftCore } from './core.js'
import type { RaftMessage, RaftPersist } from './messages.js'
import type { RaftByzantine } from './options.js'
import type { RaftSettings } from './protocol.js'

/**
 * A seed's Raft settings. Lease mode takes leaseDriftTicks off the lease: clocks here drift by up
 * to 2% each way (sim/scenario.ts), so over a 12-tick timeout a leader's and a follower's clocks
 * part by up to ~0.5 tick: 1 covers it.
 */
export type RaftSimSettings = RaftSettings & { clusterSize: number }

function pick<T>(random: Random, values: readonly T[]): T {
  return values[randomInt(random, 0, values.length - 1)]
}

export const raftSim: SimHooks<RaftSettings, RaftMessage | MultiRaftMessage, RaftPersist | MultiRaftPersist, RaftByzantine, RaftSimSettings> = {
  drawSettings(random, laterRandom) {
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
      // Half the seeds compact, often (a handful of entries), and send snapshots in small chunks,
      // so InstallSnapshot meets crashes, partitions and loss; the other half never compact.
      snapshotEntries: laterRandom() < 0.5 ? 0 : pick(laterRandom, [3, 8, 20, 50]),
      snapshotBytes: 0,
      snapshotChunkBytesMax: pick(laterRandom, [4096, 32_768, 262_144]),
      // The simulator drives one group: its checks read one log per node.
      groups: 1,
      keyRouting: { kind: 'hash' },
    }
    // The read mode decides where gets go (see the descriptor's reads.routeOf); a lease needs check-quorum.
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
      (settings.readMode === 'lease' ? ` (drift ${settings.leaseDriftTicks} ticks)` : '') +
      (settings.snapshotEntries > 0 ? `, snapshot every ${settings.snapshotEntries} entries (chunks of ${settings.snapshotChunkBytesMax} bytes)` : '')
  },

  exercises: ['slow-nodes', 'big-values', 'read-heavy'],
  transferInput: (target) => ({ kind: 'transfer', target }),
  durableQuorum: (clusterSize) => Math.floor(clusterSize / 2) + 1,

  foldDurable(log, record) {
    if ('g' in record) throw new Error('the simulator drives one Raft group')
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
      case 'snapshot':
        if (log.installSnapshot === undefined) throw new Error('this durable log cannot take a snapshot record')
        return log.installSnapshot(record.index, record.term)
      default:
        return assertNever(record, 'raft persist record')
    }
  },

  logBaseIndex: (core) => (core as RaftCore).logBaseIndex(),

  logEntryAt(core, index) {
    const entry = (core as RaftCore).entryAt(index)
    return entry === undefined ? undefined : { term: entry.term, key: entryKey(entry.term, entry.command, entry.tag) }
  },

  livenessTicksMax: (settings) => 60 * settings.electionTimeoutTicks[1],
  clientTimeoutTicks: (settings) => 4 * settings.electionTimeoutTicks[1],
}
