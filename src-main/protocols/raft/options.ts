import type { NodeId, Random } from '../types.js'
import type { RaftPersist } from './messages.js'
import { appendBytesMax, entriesRecordBytesMax, inflightBytesMax, messageBytesMax } from '../common/wire-budget.js'

/**
 * Deliberate bugs, all off by default. The seeded simulator turns one on to prove that it notices the
 * broken property; each flag is read in exactly one place in core.ts, marked `MUTATION`.
 */
export const raftMutationNames = [
  'commitPreviousTermByCounting',
  'voteWithoutLogCheck',
  'forgetVoteOnRestart',
  'truncateOnStaleAppend',
  'readWithoutQuorumCheck',
  'leaseFromTicks',
  'snapshotPastCommit',
  'installSnapshotUnpersisted',
  // Membership changes: twoChangesPending is caught by the simulator's seeds with `--membership`;
  // configChangeWithoutNoop by none of 1000 of them, only by a crafted schedule
  // (test/sim/membership-mutations.test.ts, and the core harness's changeBeforeNoop).
  'twoChangesPending',
  'configChangeWithoutNoop',
] as const
export type RaftMutation = (typeof raftMutationNames)[number]

export interface RaftMutations {
  /** Figure 8: commit an entry of an earlier term as soon as a majority stores it (breaks state machine safety). */
  commitPreviousTermByCounting?: boolean
  /** Grant votes (and pre-votes) without the §5.4.1 up-to-date check (breaks leader completeness). */
  voteWithoutLogCheck?: boolean
  /** Recover the term but not the vote after a restart (breaks election safety: two leaders in one term). */
  forgetVoteOnRestart?: boolean
  /** A follower drops everything after a matching AppendEntries even without a conflict (a stale append erases acknowledged entries). */
  truncateOnStaleAppend?: boolean
  /** The leader serves reads at once, without a heartbeat round (a deposed leader answers stale reads). */
  readWithoutQuorumCheck?: boolean
  /** The leader lease is counted in the leader's ticks, not on its monotonic clock (a leader whose timers run late keeps it too long). */
  leaseFromTicks?: boolean
  /** Snapshot the whole log, uncommitted tail included, counting it as committed (§7 snapshots only committed state). */
  snapshotPastCommit?: boolean
  /**
   * A follower installs a leader's snapshot and acknowledges it without making it durable (§7: the
   * snapshot is saved before the reply): the leader counts entries that a crash takes away.
   */
  installSnapshotUnpersisted?: boolean
  /**
   * A new leader proposes a configuration change before it has committed an entry of its own term
   * (the single-server bug found in 2015, thesis §4.1): a change left uncommitted by an earlier
   * leader and this one's change each reach a majority that the other's configuration does not
   * overlap, so two leaders commit different entries at one index.
   */
  configChangeWithoutNoop?: boolean
  /** The leader proposes a change while another is uncommitted: two steps apart, two majorities can be disjoint. */
  twoChangesPending?: boolean
}

// Every flag has a name and every name a flag: this fails to compile when the two drift apart.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
export const raftMutationsNamed: SameKeys<RaftMutation, keyof RaftMutations> = true

/**
 * A lying node, for the lab's "Raft is not Byzantine tolerant" scenario. Unlike mutations (bugs
 * everyone shares), this is one node breaking the protocol on purpose while the others are honest.
 *   fake-ack:   acknowledges every AppendEntries as stored without storing anything;
 *   vote-twice: grants every vote request, ignoring its earlier vote and the log check.
 */
export const raftByzantineKinds = ['fake-ack', 'vote-twice'] as const
export type RaftByzantine = (typeof raftByzantineKinds)[number]

export interface RaftOptions {
  id: NodeId
  /**
   * The bootstrap configuration's voters: the cluster as it was created, the same on every node.
   * Configuration entries in the log and the configuration in a snapshot supersede it. A node added
   * later (thesis §4.1) is started with the same list, which does not include it: it waits, never
   * campaigning, for a leader to send it the log that makes it a learner.
   */
  members: readonly NodeId[]
  /** [min, max]: each election timer is drawn uniformly from this range with `random` (§5.2). */
  electionTimeoutTicks: readonly [number, number]
  /**
   * Overrides the first election timeout only (scenarios: "A times out first", "A and C time out
   * together"); every later timeout is drawn from electionTimeoutTicks.
   */
  firstElectionTimeoutTicks?: number
  /** A leader sends AppendEntries to every follower at least this often; must be < electionTimeoutTicks[0]. */
  heartbeatTicks: number
  random: Random
  /** Thesis §9.6: ask whether an election could be won before bumping the term. */
  preVote: boolean
  /** A leader steps down if a majority has not answered within electionTimeoutTicks[0] (thesis §6.2). */
  checkQuorum: boolean
  /** Entries per AppendEntries. */
  batchEntriesMax: number
  /**
   * Entry bytes per AppendEntries (etcd's MaxSizePerMsg); a request always carries at least one
   * entry. Default appendBytesMax of wire-budget.ts.
   */
  appendBytesMax?: number
  /** Unacknowledged AppendEntries per follower in replicate state (pipelining depth). */
  inflightAppendsMax: number
  /** Unacknowledged entry bytes per follower (etcd's MaxInflightBytes). Default inflightBytesMax of wire-budget.ts. */
  inflightBytesMax?: number
  /** Entry bytes per persisted record; a larger append is split into several. Default entriesRecordBytesMax of wire-budget.ts. */
  entriesRecordBytesMax?: number
  /**
   * How the leader makes reads linearizable: 'readindex' (a heartbeat round per batch, thesis §6.4)
   * or 'lease' (no round while a majority acknowledged this leader within the last election timeout
   * minus leaseDriftTicks, thesis §6.4.1; needs checkQuorum, whose vote rule makes the lease hold,
   * and clocks that drift less than the allowance).
   */
  readMode?: 'readindex' | 'lease'
  /** Ticks taken off the lease for clock drift between nodes. */
  leaseDriftTicks?: number
  /**
   * How long a tick is meant to last on the driver's monotonic clock (the inputs' `nowMs`). Turns
   * tick-counted timeouts into the milliseconds that the leader lease and a restarted node's vote
   * hold are measured in. Required for readMode lease.
   */
  tickMs?: number
  /** Reads waiting at the leader; beyond this a read is rejected as 'dropped'. Default readsPendingMaxDefault. */
  readsPendingMax?: number
  /**
   * Raft §7: ask the driver for a snapshot once this many entries were applied since the last one
   * (0 or undefined: never compact). The driver answers with a 'snapshot' input.
   */
  snapshotEntries?: number
  /** The same, counted in applied entry bytes (whichever threshold comes first). */
  snapshotBytes?: number
  /**
   * Entries kept in memory below a snapshot's index (etcd's SnapshotCatchUpEntries), so a follower
   * slightly behind catches up by AppendEntries instead of a whole snapshot. Default 0.
   */
  snapshotCatchUpEntries?: number
  /** Bytes per InstallSnapshot chunk. Default appendBytesMax of wire-budget.ts (etcd's MaxSizePerMsg). */
  snapshotChunkBytesMax?: number
  /** The node's persisted records, oldest first, replayed to rebuild term, vote and log after a restart. */
  persisted?: readonly RaftPersist[]
  mutations?: RaftMutations
  byzantine?: RaftByzantine
}

export const readsPendingMaxDefault = 100_000
/** The largest snapshot a follower accepts from a leader: bounds the buffer of chunks it assembles. */
export const snapshotBytesMax = 1024 * 1024 * 1024

/** The byte budgets a core runs with: the options' values, or the lab's (wire-budget.ts). */
export function byteBudgets(options: RaftOptions): { appendBytesMax: number; inflightBytesMax: number; entriesRecordBytesMax: number } {
  return {
    appendBytesMax: options.appendBytesMax ?? appendBytesMax,
    inflightBytesMax: options.inflightBytesMax ?? inflightBytesMax,
    entriesRecordBytesMax: options.entriesRecordBytesMax ?? entriesRecordBytesMax,
  }
}

/** Bounds that keep a misconfigured node from running at all rather than misbehaving later. */
const membersMax = 64
const ticksMax = 1_000_000
const batchEntriesLimit = 1_000_000
const inflightAppendsLimit = 10_000

export function validateOptions(options: RaftOptions): void {
  const fail = (what: string): never => {
    throw new Error(`raft options for ${JSON.stringify(options.id)}: ${what}`)
  }
  const members = options.members
  if (members.length < 1 || members.length > membersMax) fail(`members must list 1..${membersMax} nodes`)
  if (new Set(members).size !== members.length) fail(`members must be distinct, got ${members.join(', ')}`)
  const [timeoutMin, timeoutMax] = options.electionTimeoutTicks
  if (!isInRange(timeoutMin, 2, ticksMax) || !isInRange(timeoutMax, timeoutMin, ticksMax)) {
    fail(`electionTimeoutTicks must be integers with 2 <= min <= max, got [${timeoutMin}, ${timeoutMax}]`)
  }
  if (!isInRange(options.heartbeatTicks, 1, timeoutMin - 1)) {
    fail(`heartbeatTicks must be an integer in [1, ${timeoutMin - 1}] (below the election timeout), got ${options.heartbeatTicks}`)
  }
  if (options.firstElectionTimeoutTicks !== undefined && !isInRange(options.firstElectionTimeoutTicks, 1, ticksMax)) {
    fail(`firstElectionTimeoutTicks must be an integer in [1, ${ticksMax}]`)
  }
  if (!isInRange(options.batchEntriesMax, 1, batchEntriesLimit)) fail(`batchEntriesMax must be in [1, ${batchEntriesLimit}]`)
  if (!isInRange(options.inflightAppendsMax, 1, inflightAppendsLimit)) {
    fail(`inflightAppendsMax must be in [1, ${inflightAppendsLimit}]`)
  }
  // A request carries at least one entry, so an AppendEntries is at most max(budget, one entry) plus
  // its fixed fields: a budget near a whole frame would leave no room for those.
  const budgets = byteBudgets(options)
  if (!isInRange(budgets.appendBytesMax, 1, messageBytesMax / 2)) fail(`appendBytesMax must be in [1, ${messageBytesMax / 2}]`)
  if (!isInRange(budgets.inflightBytesMax, 1, Number.MAX_SAFE_INTEGER)) fail('inflightBytesMax must be a positive integer')
  if (!isInRange(budgets.entriesRecordBytesMax, 1, Number.MAX_SAFE_INTEGER)) fail('entriesRecordBytesMax must be a positive integer')
  if (options.readMode === 'lease' && !options.checkQuorum) fail('readMode lease needs checkQuorum: followers must ignore votes while they hear from a leader')
  if (options.readMode === 'lease' && options.tickMs === undefined) fail('readMode lease needs tickMs: the lease is measured on the driver\'s clock')
  if (options.tickMs !== undefined && !(Number.isFinite(options.tickMs) && options.tickMs > 0)) fail(`tickMs must be a positive number, got ${options.tickMs}`)
  if (options.leaseDriftTicks !== undefined && !isInRange(options.leaseDriftTicks, 0, timeoutMin - 1)) {
    fail(`leaseDriftTicks must be an integer in [0, ${timeoutMin - 1}]`)
  }
  for (const name of ['snapshotEntries', 'snapshotBytes', 'snapshotCatchUpEntries'] as const) {
    const value = options[name]
    if (value !== undefined && !isInRange(value, 0, Number.MAX_SAFE_INTEGER)) fail(`${name} must be a non-negative integer (0: never snapshot), got ${value}`)
  }
  if (options.snapshotChunkBytesMax !== undefined && !isInRange(options.snapshotChunkBytesMax, 1, messageBytesMax / 2)) {
    fail(`snapshotChunkBytesMax must be in [1, ${messageBytesMax / 2}]`)
  }
  const readsPendingMax = options.readsPendingMax ?? readsPendingMaxDefault
  if (!isInRange(readsPendingMax, 1, Number.MAX_SAFE_INTEGER)) fail('readsPendingMax must be a positive integer')
  if (typeof options.random !== 'function') fail('random must be a function')
}

function isInRange(value: number, low: number, high: number): boolean {
  return Number.isInteger(value) && value >= low && value <= high
}
