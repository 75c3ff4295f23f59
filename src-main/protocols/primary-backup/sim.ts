/** The naive primary-backup protocol in the simulator: no terms, no quorums, so no durable-quorum promise. */
import { randomInt } from '../common/random.js'
import { entryKey } from '../common/entry-key.js'
import type { SimHooks } from '../descriptor.js'
import type { PrimaryBackupMessage, PrimaryBackupPersist } from './core.js'
import type { PrimaryBackupSettings } from './protocol.js'

export type PrimaryBackupSimSettings = PrimaryBackupSettings & { clusterSize: number }

export const primaryBackupSim: SimHooks<PrimaryBackupSettings, PrimaryBackupMessage, PrimaryBackupPersist, never, PrimaryBackupSimSettings> = {
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

  foldDurable(log, record) {
    for (const entry of record.entries) log.append(0, entryKey(0, entry.command, entry.tag))
  },

  livenessTicksMax: (settings) => 40 * settings.electionTimeoutTicks[1],
  clientTimeoutTicks: (settings) => 4 * settings.electionTimeoutTicks[1],
}
