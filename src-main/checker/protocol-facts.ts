/**
 * What the checker needs to know of each protocol: which roles lead, what its term and leader are
 * called, and which trace invariants it promises. The descriptors (protocols/<name>/protocol.ts)
 * state the same; this copy exists so `lab check` starts without the schema library and every
 * protocol core (issue 13: start-up was most of a check's time). test/checker/protocol-facts.test.ts
 * fails when the two disagree.
 */
import type { ProtocolName } from '../api/protocol-names.js'
import type { TraceInvariantName, Vocabulary } from '../protocols/descriptor.js'

export interface ProtocolFacts {
  leaderRoles: readonly string[]
  vocabulary: Vocabulary
  invariants: readonly TraceInvariantName[]
}

const everyProtocolKeeps = ['election-safety', 'state-machine-safety', 'committed-never-lost', 'commit-monotonic', 'final-state-agreement'] as const

export const protocolFacts: Record<ProtocolName, ProtocolFacts> = {
  raft: {
    leaderRoles: ['leader'],
    vocabulary: { term: 'term', leader: 'leader' },
    invariants: ['election-safety', 'state-machine-safety', 'committed-never-lost', 'commit-monotonic', 'leader-append-only', 'leader-completeness', 'final-state-agreement'],
  },
  pbft: { leaderRoles: ['primary'], vocabulary: { term: 'view', leader: 'primary' }, invariants: everyProtocolKeeps },
  'primary-backup': { leaderRoles: ['primary'], vocabulary: { term: 'term', leader: 'primary' }, invariants: everyProtocolKeeps },
  // Holes and out-of-order apply are the point: only these two of the trace's checks hold.
  'parallel-raft': { leaderRoles: ['leader'], vocabulary: { term: 'term', leader: 'leader' }, invariants: ['election-safety', 'commit-monotonic'] },
}

/** An unknown protocol: either word means leader, and checks that only some protocols promise are skipped. */
export const unknownProtocolFacts: ProtocolFacts = {
  leaderRoles: ['leader', 'primary'],
  vocabulary: { term: 'term', leader: 'primary' },
  invariants: everyProtocolKeeps,
}
