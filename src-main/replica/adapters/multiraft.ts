/** MultiRaft in a replica process: G Raft groups behind one core, one WAL and one set of connections. */
import { MultiRaftCore, isMultiRaftMessage, type MultiRaftMessage, type MultiRaftPersist } from '../../protocols/multiraft/core.js'
import { seededRandom } from '../../protocols/common/random.js'
import type { ProtocolAdapter } from '../host.js'

export const multiRaftAdapter: ProtocolAdapter<MultiRaftMessage, MultiRaftPersist> = {
  createCore(config, persisted) {
    const ticks = (ms: number) => Math.max(1, Math.round(ms / config.tickMs))
    const timeoutMin = Math.max(2, ticks(config.electionTimeoutMs[0]))
    const timeoutMax = Math.max(timeoutMin, ticks(config.electionTimeoutMs[1]))
    return new MultiRaftCore({
      id: config.id,
      members: config.members,
      groups: config.groups,
      routing: config.keyRouting,
      electionTimeoutTicks: [timeoutMin, timeoutMax],
      heartbeatTicks: Math.min(timeoutMin - 1, ticks(config.heartbeatMs)),
      randomFor: (group) => seededRandom(config.seed, `raft:${config.id}:${group}`),
      preVote: config.preVote,
      checkQuorum: config.checkQuorum || config.readMode === 'lease',
      readMode: config.readMode === 'lease' ? 'lease' : 'readindex',
      leaseDriftTicks: Math.min(timeoutMin - 1, ticks(config.leaseDriftMs)),
      batchEntriesMax: config.batchEntriesMax,
      inflightAppendsMax: config.inflightAppendsMax,
      persisted,
    })
  },
  isMessage: (value): value is MultiRaftMessage => isMultiRaftMessage(value, 64),
  readsThroughCore: true,
  // A node leads some groups and follows in others; clients learn each group's leader from hints.
  leaderRoles: [],
  groupOfKey: (core, key) => (core as MultiRaftCore).groupOf(key),
  sendBeforePersist: (message, persist) =>
    persist.every((record) => record.r.kind === 'entries') && message.items.every((item) => item.m.type === 'AppendEntries'),
}
