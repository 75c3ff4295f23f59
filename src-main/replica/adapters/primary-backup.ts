/** The naive primary-backup protocol in a replica process. */
import { isPrimaryBackupMessage, PrimaryBackupCore, type PrimaryBackupMessage, type PrimaryBackupPersist } from '../../protocols/primary-backup/core.js'
import { seededRandom } from '../../protocols/common/random.js'
import type { AdapterGlue } from '../host.js'

export const primaryBackupAdapter: AdapterGlue<PrimaryBackupMessage, PrimaryBackupPersist> = {
  createCore(config, persisted) {
    const ticks = (ms: number) => Math.max(1, Math.round(ms / config.tickMs))
    return new PrimaryBackupCore({
      id: config.id,
      members: config.members,
      electionTimeoutTicks: [ticks(config.electionTimeoutMs[0]), Math.max(ticks(config.electionTimeoutMs[0]), ticks(config.electionTimeoutMs[1]))],
      heartbeatTicks: ticks(config.heartbeatMs),
      random: seededRandom(config.seed, `primary-backup:${config.id}`),
      persisted,
    })
  },
  isMessage: isPrimaryBackupMessage,
  readsThroughCore: true,
}
