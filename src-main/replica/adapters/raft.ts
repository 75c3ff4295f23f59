/**
 * Raft in a replica process: milliseconds become ticks, the seed becomes the core's generator. The
 * host stamps every input with its monotonic clock (`nowMs`), which the lease and the restart vote
 * hold are measured on; `tickMs` tells the core how long a tick is meant to be on that clock.
 */
import { RaftCore } from '../../protocols/raft/core.js'
import type { RaftByzantine } from '../../protocols/raft/options.js'
import { checkRaftMessage, type RaftMessage, type RaftPersist } from '../../protocols/raft/messages.js'
import { seededRandom } from '../../protocols/common/random.js'
import type { AdapterGlue, MessageFacts } from '../host.js'
import type { ReplicaConfig } from '../config.js'

export const raftAdapter: AdapterGlue<RaftMessage, RaftPersist> = {
  createCore(config, persisted) {
    const timing = raftTiming(config)
    const firstTimeoutMs = config.firstElectionTimeoutMs[config.id]
    return new RaftCore({
      ...timing.options,
      id: config.id,
      members: config.members,
      firstElectionTimeoutTicks: firstTimeoutMs === undefined ? undefined : timing.ticks(firstTimeoutMs),
      random: seededRandom(config.seed, `raft:${config.id}`),
      persisted,
      byzantine: raftByzantine(config.byzantine[config.id]),
    })
  },
  isMessage: (value): value is RaftMessage => checkRaftMessage(value).ok,
  readsThroughCore: true,
  campaign: (core, nowMs) => (core as RaftCore).step({ kind: 'campaign', nowMs }),
  setByzantine: (core, behaviour) => (core as RaftCore).setByzantine(raftByzantine(behaviour)),
  describeMessage: describeRaftMessage,
  appendedEntries: (record) => (record.kind === 'entries' ? { fromIndex: record.fromIndex, entries: record.entries } : undefined),
  // A leader answers what an acknowledgement committed before the next batch's fdatasync (host.ts).
  settleUnpersistedPrefixFirst: true,
}

/** The entries an AppendEntries carries, the index a success acknowledges; an empty AppendEntries is a heartbeat. */
export function describeRaftMessage(message: RaftMessage): MessageFacts {
  switch (message.type) {
    case 'AppendEntries':
      return message.entries.length === 0 ? { heartbeat: true } : { range: [message.prevLogIndex + 1, message.prevLogIndex + message.entries.length] }
    case 'AppendEntriesResponse':
      return message.success && message.matchIndex > 0 ? { range: [message.matchIndex, message.matchIndex] } : {}
    default:
      return {}
  }
}

/** The replica config's milliseconds as the Raft core's ticks, shared by Raft and MultiRaft. */
export function raftTiming(config: ReplicaConfig) {
  const ticks = (ms: number) => Math.max(1, Math.round(ms / config.tickMs))
  const timeoutMin = Math.max(2, ticks(config.electionTimeoutMs[0]))
  const timeoutMax = Math.max(timeoutMin, ticks(config.electionTimeoutMs[1]))
  return {
    ticks,
    options: {
      electionTimeoutTicks: [timeoutMin, timeoutMax] as [number, number],
      heartbeatTicks: Math.min(timeoutMin - 1, ticks(config.heartbeatMs)),
      preVote: config.preVote,
      checkQuorum: config.checkQuorum || config.readMode === 'lease',
      readMode: config.readMode === 'lease' ? ('lease' as const) : ('readindex' as const),
      leaseDriftTicks: Math.min(timeoutMin - 1, ticks(config.leaseDriftMs)),
      tickMs: config.tickMs,
      batchEntriesMax: config.batchEntriesMax,
      inflightAppendsMax: config.inflightAppendsMax,
    },
  }
}

function raftByzantine(spec: unknown): RaftByzantine | undefined {
  const kind = typeof spec === 'object' && spec !== null ? (spec as { kind: string }).kind : spec
  if (kind === undefined || kind === 'honest') return undefined
  if (kind === 'fake-ack' || kind === 'vote-twice') return kind
  throw new Error(`${String(kind)} is not a Raft behaviour: expected fake-ack or vote-twice`)
}
