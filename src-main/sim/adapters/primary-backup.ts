/** The naive primary-backup protocol in the simulator: no terms, no quorums, so no durable-quorum promise. */
import { randomInt } from '../../protocols/common/random.js'
import { PrimaryBackupCore } from '../../protocols/primary-backup/core.js'
import type { PrimaryBackupMessage, PrimaryBackupPersist } from '../../protocols/primary-backup/core.js'
import { entryKey } from '../durable-log.js'
import type { SimProtocol } from '../protocol.js'

export interface PrimaryBackupSimSettings {
  clusterSize: number
  electionTimeoutTicks: [number, number]
  heartbeatTicks: number
}

export const primaryBackupSim: SimProtocol<PrimaryBackupMessage, PrimaryBackupPersist, PrimaryBackupSimSettings> = {
  name: 'primary-backup',
  mutations: [],

  drawSettings(random) {
    const timeoutMin = randomInt(random, 8, 12)
    return {
      clusterSize: random() < 0.7 ? 3 : 5,
      electionTimeoutTicks: [timeoutMin, timeoutMin + randomInt(random, 2, 10)],
      heartbeatTicks: randomInt(random, 1, 3),
    }
  },

  describeSettings(settings) {
    const [low, high] = settings.electionTimeoutTicks
    return `${settings.clusterSize} nodes, election timeout ${low}..${high} ticks, heartbeat ${settings.heartbeatTicks}`
  },

  createCore({ id, members, random, persisted, settings }) {
    return new PrimaryBackupCore({
      id,
      members,
      electionTimeoutTicks: settings.electionTimeoutTicks,
      heartbeatTicks: settings.heartbeatTicks,
      random,
      persisted,
    })
  },

  leaderRoles: ['primary'],
  leadership: 'at-once',
  readsThroughCore: true,
  clientReplies: 'origin',
  appliedTermMatters: false,

  foldDurable(log, record) {
    for (const entry of record.entries) log.append(0, entryKey(0, entry.command, entry.tag))
  },

  livenessTicksMax: (settings) => 40 * settings.electionTimeoutTicks[1],
  clientTimeoutTicks: (settings) => 4 * settings.electionTimeoutTicks[1],
}
