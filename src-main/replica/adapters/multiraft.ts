/** MultiRaft in a replica process: G Raft groups behind one core, one WAL and one set of connections. */
import { MultiRaftCore, isMultiRaftMessage, type MultiRaftMessage, type MultiRaftPersist } from '../../protocols/multiraft/core.js'
import { seededRandom } from '../../protocols/common/random.js'
import type { AdapterGlue } from '../host.js'
import { describeRaftMessage, raftTiming } from './raft.js'

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
  appendedEntries: (record) => (record.r.kind === 'entries' ? { group: record.g, fromIndex: record.r.fromIndex, entries: record.r.entries } : undefined),
  // A batch mixes groups: it is a heartbeat when every item is; its range is the items' only when one group's.
  describeMessage: (message) => {
    const facts = message.items.map((item) => describeRaftMessage(item.m))
    const groups = new Set(message.items.map((item) => item.g))
    const ranges = facts.flatMap((fact) => (fact.range ? [fact.range] : []))
    return {
      ...(facts.length > 0 && facts.every((fact) => fact.heartbeat) ? { heartbeat: true } : {}),
      ...(groups.size === 1 && ranges.length > 0 ? { range: [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))] as [number, number] } : {}),
    }
  },
  // A leader answers what an acknowledgement committed before the next batch's fdatasync (host.ts).
  settleUnpersistedPrefixFirst: true,
}
