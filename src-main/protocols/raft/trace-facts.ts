/**
 * What the replica's trace says of Raft's and MultiRaft's messages and records (descriptor.ts
 * HostHooks.describeMessage and appendedEntries), so a diagram can follow one request's messages
 * and the log pictures can draw each append.
 */
import type { AppendedEntries, MessageFacts } from '../descriptor.js'
import type { MultiRaftMessage, MultiRaftPersist } from '../multiraft/core.js'
import type { LogEntry, RaftMessage, RaftPersist } from './messages.js'

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

/** A MultiRaft batch mixes groups: it is a heartbeat when every item is; its range is the items' only when one group's. */
function describeBatch(message: MultiRaftMessage): MessageFacts {
  const facts = message.items.map((item) => describeRaftMessage(item.m))
  const groups = new Set(message.items.map((item) => item.g))
  const ranges = facts.flatMap((fact) => (fact.range ? [fact.range] : []))
  return {
    ...(facts.length > 0 && facts.every((fact) => fact.heartbeat) ? { heartbeat: true } : {}),
    ...(groups.size === 1 && ranges.length > 0 ? { range: [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))] as [number, number] } : {}),
  }
}

export function describeRaftAnyMessage(message: RaftMessage | MultiRaftMessage): MessageFacts {
  return message.type === 'Batch' ? describeBatch(message) : describeRaftMessage(message)
}

export function raftAppendedEntries(record: RaftPersist | MultiRaftPersist): AppendedEntries | undefined {
  if ('g' in record) return record.r.kind === 'entries' ? { group: record.g, fromIndex: record.r.fromIndex, entries: labelled(record.r.entries) } : undefined
  return record.kind === 'entries' ? { fromIndex: record.fromIndex, entries: labelled(record.entries) } : undefined
}

/**
 * A configuration entry carries a noop command: without a label of its own the log grid drew a
 * membership change as a second NOOP of the leader's term.
 */
function labelled(entries: readonly LogEntry[]): AppendedEntries['entries'] {
  if (!entries.some((entry) => entry.config)) return entries
  return entries.map((entry) => {
    if (!entry.config) return entry
    const { voters, learners } = entry.config
    return { ...entry, label: `CONFIG voters ${voters.join(',')}${learners.length > 0 ? ` learners ${learners.join(',')}` : ''}` }
  })
}
