/** ParallelRaft in a replica process: the core built through its descriptor, reads through the core. */
import { parallelRaftProtocol } from '../../protocols/parallel-raft/protocol.js'
import { checkParallelRaftMessage, type ParallelRaftMessage, type ParallelRaftPersist } from '../../protocols/parallel-raft/messages.js'
import { seededRandom } from '../../protocols/common/random.js'
import type { MessageAuth } from '../../protocols/descriptor.js'
import type { AdapterGlue } from '../host.js'

/** ParallelRaft trusts its peers (crash faults only): nothing is signed, so nothing may ask. */
const unsigned: MessageAuth = {
  digest: () => { throw new Error('parallel-raft signs nothing') },
  mac: () => { throw new Error('parallel-raft signs nothing') },
  verify: () => { throw new Error('parallel-raft signs nothing') },
}

export const parallelRaftAdapter: AdapterGlue<ParallelRaftMessage, ParallelRaftPersist> = {
  createCore(config, persisted) {
    const options = parallelRaftProtocol.options.schema.parse({
      electionTimeoutMs: config.electionTimeoutMs,
      heartbeatMs: config.heartbeatMs,
      ...(config.extra.lookBehindEntries === undefined ? {} : { lookBehindEntries: config.extra.lookBehindEntries }),
    }) as Parameters<typeof parallelRaftProtocol.settingsOf>[0]
    const settings = parallelRaftProtocol.settingsOf(options, { nodes: config.members, tickMs: config.tickMs })
    const mutations = Array.isArray(config.extra.mutations) ? (config.extra.mutations as string[]) : []
    return parallelRaftProtocol.createCore(settings, persisted, {
      id: config.id,
      members: config.members,
      tickMs: config.tickMs,
      random: (stream) => seededRandom(config.seed, stream),
      auth: unsigned,
      mutations,
      byzantine: undefined,
    })
  },
  isMessage: (value): value is ParallelRaftMessage => checkParallelRaftMessage(value) === null,
  readsThroughCore: true,
  // As Raft's: a leader answers what an acknowledgement committed before the next batch's fdatasync
  // (host.ts); what it applies then was written in an earlier flush.
  settleUnpersistedPrefixFirst: true,
}
