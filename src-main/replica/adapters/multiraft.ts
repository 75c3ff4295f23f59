/** MultiRaft in a replica process: G Raft groups behind one core, one WAL and one set of connections. */
import { MultiRaftCore, isMultiRaftMessage, type MultiRaftMessage, type MultiRaftPersist } from '../../protocols/multiraft/core.js'
import { seededRandom } from '../../protocols/common/random.js'
import type { AdapterGlue } from '../host.js'
import { raftTiming } from './raft.js'

export const multiRaftAdapter: AdapterGlue<MultiRaftMessage, MultiRaftPersist> = {
  createCore(config, persisted) {
    return new MultiRaftCore({
      ...raftTiming(config).options,
      id: config.id,
      members: config.members,
      groups: config.groups,
      routing: config.keyRouting,
      randomFor: (group) => seededRandom(config.seed, `raft:${config.id}:${group}`),
      persisted,
    })
  },
  isMessage: (value): value is MultiRaftMessage => isMultiRaftMessage(value, 64),
  readsThroughCore: true,
  groupOfKey: (core, key) => (core as MultiRaftCore).groupOf(key),
  // A leader answers what an acknowledgement committed before the next batch's fdatasync (host.ts).
  settleUnpersistedPrefixFirst: true,
}
