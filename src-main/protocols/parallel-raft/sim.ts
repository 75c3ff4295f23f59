/** ParallelRaft in the simulator: settings drawn per seed, and what the simulator's checks read of a node. */
import { randomInt } from '../common/random.js'
import { entryKey } from '../common/entry-key.js'
import type { SimHooks } from '../descriptor.js'
import { assertNever } from '../types.js'
import type { Random } from '../types.js'
import { ParallelRaftCore } from './core.js'
import { keysOf } from './keys.js'
import type { ParallelRaftMessage, ParallelRaftPersist } from './messages.js'
import type { ParallelRaftSettings } from './protocol.js'

export type ParallelRaftSimSettings = ParallelRaftSettings & { clusterSize: number }

function pick<T>(random: Random, values: readonly T[]): T {
  return values[randomInt(random, 0, values.length - 1)]
}

export const parallelRaftSim: SimHooks<ParallelRaftSettings, ParallelRaftMessage, ParallelRaftPersist, never, ParallelRaftSimSettings> = {
  drawSettings(random) {
    const timeoutMin = pick(random, [8, 10, 12])
    return {
      clusterSize: pick(random, [3, 3, 5]),
      electionTimeoutTicks: [timeoutMin, timeoutMin + pick(random, [1, 2, 5, 10])],
      heartbeatTicks: pick(random, [1, 2, 3]),
      lookBehindEntries: pick(random, [1, 2, 2, 4]),
    }
  },

  describeSettings(settings) {
    const [low, high] = settings.electionTimeoutTicks
    return `${settings.clusterSize} nodes, election timeout ${low}..${high} ticks, heartbeat ${settings.heartbeatTicks}, look-behind ${settings.lookBehindEntries}`
  },

  exercises: ['slow-nodes', 'big-values', 'read-heavy'],
  durableQuorum: (clusterSize) => Math.floor(clusterSize / 2) + 1,
  appliesOutOfOrder: { keysOf },

  foldDurable(log, record) {
    switch (record.kind) {
      case 'state':
        return
      case 'slots':
        if (log.place === undefined) throw new Error('parallel-raft needs a durable log that takes slots at any index')
        for (const slot of record.slots) log.place(slot.index, slot.term, entryKey(slot.term, slot.command, slot.tag))
        return
      default:
        return assertNever(record, 'parallel-raft persist record')
    }
  },

  logEntryAt(core, index) {
    const entry = (core as ParallelRaftCore).entryAt(index)
    return entry === undefined ? undefined : { term: entry.term, key: entryKey(entry.term, entry.command, entry.tag) }
  },

  livenessTicksMax: (settings) => 60 * settings.electionTimeoutTicks[1],
  clientTimeoutTicks: (settings) => 4 * settings.electionTimeoutTicks[1],
}
