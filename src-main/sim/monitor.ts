/**
 * The safety checks the simulator runs after every step. All are incremental (a step touches one
 * node, so only what it changed is checked), which is what lets them run after *every* step and
 * still leave time for thousands of seeds.
 *
 *   election-safety        'per-term' protocols: at most one leader per term, ever
 *   split-brain            'at-once' protocols (no terms): at most one leader at any instant
 *   state-machine-safety   every node applies, at each index, the same (term, command, tag) as
 *                          whoever applied that index first: applied sequences are prefixes of one
 *                          another, across nodes and across restarts (a restarted node re-applies)
 *   applied-in-order       a node applies index i + 1 right after i (the core contract); for a
 *                          protocol that applies out of order (ParallelRaft), each index once per
 *                          incarnation, and entries touching a common key in index order
 *   leader-completeness    a new leader's log holds every entry applied anywhere so far in an
 *                          earlier term
 *   committed-on-quorum    an entry applied anywhere stays on a quorum of durable logs, forever
 *   log-matching           two durable logs with the same term at an index agree on every entry up
 *                          to it (checked where a log was written: a log changes only by dropping a
 *                          suffix and appending, so an entry below the write cannot have changed)
 *   commit-regression      a node's commit index never goes down within one incarnation
 *   read-freshness         a read served through the core reflects every entry applied anywhere
 *                          before the read was invoked
 *   validity               an applied request is one a client issued, under the tag it issued it
 *                          with (checked by the simulation, which knows what clients issued)
 *   configurations         (membership changes) a new leader's configuration is the newest one known
 *                          committed or one change from it (checker/configurations.ts)
 *
 * Byzantine nodes (`faulty`) are left out of every check: safety is promised to correct nodes only.
 * "Applied anywhere" stands for "committed": a correct node applies only what is committed.
 */
import type { AppliedEntry, CoreStatus, NodeId, ProtocolCore } from '../protocols/types.js'
import { entryKey, type DurableLog } from './durable-log.js'
import type { AnyProtocol, MembershipView } from '../protocols/descriptor.js'
import { leaderConfigurationProblem, majorityOf, type IndexedConfiguration } from '../checker/configurations.js'

export const checkNames = [
  'election-safety',
  'split-brain',
  'state-machine-safety',
  'applied-in-order',
  'leader-completeness',
  'committed-on-quorum',
  'log-matching',
  'commit-regression',
  'read-freshness',
  'validity',
  'configurations',
  'core-assertion',
  'linearizability',
  'liveness',
  'committed-never-lost',
] as const
export type CheckName = (typeof checkNames)[number]

export interface Violation {
  check: CheckName
  detail: string
  step: number
  timeUs: number
}

/** Where the run is, for the violation record; the simulation updates it before each step. */
export interface Clock {
  step: number
  timeUs: number
}

export class SafetyMonitor {
  /** The first violation of each check, in the order found. */
  readonly violations: Violation[] = []
  /** committed[i]: the key of the entry first applied at index i (index 0 unused). */
  private readonly committed: string[] = ['']
  private readonly committedBy: string[] = ['']
  /**
   * committedTerm[i]: the first applier's term when it applied index i. The entry was committed in
   * that term or an earlier one (the applier learned the commit index in its current term), so only
   * leaders of later terms must hold it (Raft's leader completeness is about higher terms).
   */
  private readonly committedTerm: number[] = [0]
  /** committedEntryTerm[i]: the term of the entry applied at index i (what a snapshot through i stands for). */
  private readonly committedEntryTerm: number[] = [0]
  private readonly leaderOfTerm = new Map<number, NodeId>()
  /** Per node: index applied last in this incarnation, commit index last seen, term it leads (if it does). */
  private readonly appliedIndex = new Map<NodeId, number>()
  private readonly commitIndex = new Map<NodeId, number>()
  private readonly leading = new Map<NodeId, number>()
  private readonly quorum: number | undefined
  /** Out-of-order protocols: what a command touches, and per node what it applied in this incarnation. */
  private readonly keysOf: ((command: AppliedEntry['command']) => readonly string[] | 'all') | undefined
  private readonly appliedSoFar = new Map<NodeId, AppliedSoFar>()
  private committedCount = 0
  /** The newest configuration any node has known committed (membership changes), and each node's latest one. */
  private newestCommitted: IndexedConfiguration | undefined
  private readonly latestConfiguration = new Map<NodeId, MembershipView>()
  /** A configuration other than the starting members was seen: quorums follow the configurations from then on. */
  private membershipChanged = false

  constructor(
    private readonly protocol: AnyProtocol,
    private readonly members: NodeId[],
    private readonly faulty: ReadonlySet<NodeId>,
    private readonly durable: Map<NodeId, DurableLog>,
    private readonly clock: Clock,
  ) {
    this.quorum = protocol.sim.durableQuorum?.(members.length)
    this.keysOf = protocol.sim.appliesOutOfOrder?.keysOf
    for (const member of members) this.restarted(member)
  }

  get violation(): Violation | undefined {
    return this.violations[0]
  }

  /** The highest index applied anywhere. */
  get committedIndex(): number {
    return this.committed.length - 1
  }

  /** How many indexes were applied anywhere (for out-of-order protocols, with holes below committedIndex). */
  get committedEntries(): number {
    return this.keysOf === undefined ? this.committedIndex : this.committedCount
  }

  /** A node joined the running cluster (a membership change) with an empty disk. */
  addNode(node: NodeId, log: DurableLog): void {
    this.members.push(node)
    this.durable.set(node, log)
    this.restarted(node)
  }

  /**
   * What `node`'s core holds as its configuration now: the newest committed one is remembered (as a
   * checker reading the trace would), and each node's latest one bounds the quorum (see quorumNow).
   */
  noteConfiguration(node: NodeId, core: ProtocolCore<{ type: string }, unknown>): MembershipView | undefined {
    const view = this.protocol.host.configuration?.(core)
    if (view === undefined || this.faulty.has(node)) return view
    this.latestConfiguration.set(node, view)
    if (view.index > 0) this.membershipChanged = true
    if (view.committed && view.index > (this.newestCommitted?.index ?? -1)) this.newestCommitted = { voters: view.voters, learners: view.learners, index: view.index }
    return view
  }

  /**
   * The durable copies a committed entry needs. Without membership changes, a majority of the
   * members. With them, the smallest majority among the newest committed configuration and every
   * node's latest one: an entry is committed by a majority of the configuration its leader runs
   * (the latest in its log, committed or not), which is at most one change from the newest
   * committed one, and a later committed configuration's majority holds it too (its entry's commit
   * needed a majority holding the whole log before it). Holders are counted on every durable log,
   * learners' and removed nodes' included, so the check never fails a correct run mid-change.
   */
  private quorumNow(): number | undefined {
    if (this.quorum === undefined || !this.membershipChanged) return this.quorum
    let smallest = this.newestCommitted === undefined ? this.quorum : majorityOf(this.newestCommitted)
    for (const view of this.latestConfiguration.values()) smallest = Math.min(smallest, majorityOf(view))
    return smallest
  }

  /** The configuration with the highest index any correct node has known committed, in the whole run so far. */
  get newestCommittedConfiguration(): IndexedConfiguration | undefined {
    return this.newestCommitted
  }

  /** A new incarnation starts from an empty state machine and a fresh commit index. */
  restarted(node: NodeId): void {
    this.appliedSoFar.set(node, { indexes: new Set(), lastOfKey: new Map(), lastBarrier: 0, highest: 0 })
    this.appliedIndex.set(node, 0)
    this.commitIndex.set(node, 0)
    this.leading.delete(node)
  }

  /** The node's state machine was replaced by a snapshot through `index` (installed, or restored on a restart). */
  restoredSnapshot(node: NodeId, index: number): void {
    this.appliedIndex.set(node, index)
  }

  /** The entry applied at `index` (term and identity key), if any node applied it. */
  committedEntryAt(index: number): { term: number; key: string } | undefined {
    const key = this.committed[index]
    return key === undefined || index < 1 ? undefined : { term: this.committedEntryTerm[index]!, key }
  }

  crashed(node: NodeId): void {
    this.leading.delete(node)
  }

  /** `term`: the node's current term as it applies the entry. */
  onApplied(node: NodeId, entry: AppliedEntry, term: number): void {
    if (this.faulty.has(node)) return
    if (this.keysOf !== undefined) {
      if (!this.appliedInKeyOrder(node, entry, this.keysOf(entry.command))) return
    } else {
      const expected = (this.appliedIndex.get(node) ?? 0) + 1
      if (entry.index !== expected) {
        this.fail('applied-in-order', `${node} applied index ${entry.index} when ${expected} was next`)
        return
      }
      this.appliedIndex.set(node, entry.index)
    }
    const key = entryKey(this.protocol.appliedTermMatters ? entry.term : 0, entry.command, entry.tag)
    if (entry.index < this.committed.length && this.committed[entry.index] !== undefined) {
      const first = this.committed[entry.index]
      if (first !== key) {
        this.fail('state-machine-safety', `${node} applied [${key}] at index ${entry.index}, where ${this.committedBy[entry.index]} applied [${first}]`)
      }
      return
    }
    // In order, index is committed.length (a push); out of order it may leave holes below it.
    this.committed[entry.index] = key
    this.committedBy[entry.index] = `${node} (step ${this.clock.step})`
    this.committedTerm[entry.index] = term
    this.committedEntryTerm[entry.index] = entry.term
    this.committedCount += 1
    this.checkOnQuorum(entry.index, entry.index)
  }

  /** Out of order: each index once per incarnation, and after every lower index it applied that touches a key it touches. */
  private appliedInKeyOrder(node: NodeId, entry: AppliedEntry, keys: readonly string[] | 'all'): boolean {
    const so = this.appliedSoFar.get(node)!
    if (so.indexes.has(entry.index)) {
      this.fail('applied-in-order', `${node} applied index ${entry.index} twice`)
      return false
    }
    const touchedLater = keys === 'all' ? so.highest : Math.max(so.lastBarrier, ...keys.map((key) => so.lastOfKey.get(key) ?? 0))
    if (keys.length > 0 && touchedLater > entry.index) {
      this.fail('applied-in-order', `${node} applied index ${entry.index} (${keys === 'all' ? 'every key' : keys.join(', ')}) after index ${touchedLater}, which touches the same key`)
      return false
    }
    so.indexes.add(entry.index)
    if (keys === 'all') so.lastBarrier = Math.max(so.lastBarrier, entry.index)
    else for (const key of keys) so.lastOfKey.set(key, Math.max(so.lastOfKey.get(key) ?? 0, entry.index))
    // A barrier must follow every keyed entry before it, so keyed entries count toward `highest` too.
    if (keys === 'all' || keys.length > 0) so.highest = Math.max(so.highest, entry.index)
    return true
  }

  /** After every step of `node` (`status`: its core's, after the step): leadership, commit index, durable truncations. */
  afterStep(node: NodeId, core: ProtocolCore<{ type: string }, unknown> | undefined, status: CoreStatus | undefined): void {
    if (this.faulty.has(node)) return
    // Even a node that crashed inside this step may have truncated its disk first.
    const log = this.durable.get(node)
    const truncatedFrom = log?.takeTruncation()
    if (truncatedFrom !== undefined && truncatedFrom <= this.committedIndex) this.checkOnQuorum(truncatedFrom, this.committedIndex)
    const appendedFrom = log?.takeAppended()
    if (appendedFrom !== undefined && this.protocol.appliedTermMatters && this.keysOf === undefined) this.checkMatchingFrom(node, appendedFrom)
    if (core === undefined || status === undefined) return
    const configuration = this.noteConfiguration(node, core)
    const previousCommit = this.commitIndex.get(node) ?? 0
    if (status.commitIndex < previousCommit) {
      this.fail('commit-regression', `${node}'s commit index went from ${previousCommit} down to ${status.commitIndex} without a restart`)
    }
    this.commitIndex.set(node, status.commitIndex)
    const isLeader = this.protocol.leaderRoles.includes(status.role)
    if (!isLeader) this.leading.delete(node)
    else if (this.leading.get(node) !== status.term) this.becameLeader(node, status.term, core, configuration)
  }

  /** A read was served at `node` from a state machine at `appliedIndex`; `requiredIndex` was committed before it was invoked. */
  readServed(node: NodeId, appliedIndex: number, requiredIndex: number, what: string): void {
    if (this.faulty.has(node) || appliedIndex >= requiredIndex) return
    this.fail('read-freshness', `${node} served ${what} from its state at index ${appliedIndex}, but index ${requiredIndex} was applied before the read was invoked`)
  }

  /** Log matching over all durable logs of correct nodes (Raft §5.3); O(nodes² × log), for the end of a run. */
  checkLogMatching(): void {
    // Out-of-order logs have holes and no log matching: nothing to compare.
    if (!this.protocol.appliedTermMatters || this.keysOf !== undefined) return
    const nodes = this.members.filter((member) => !this.faulty.has(member))
    for (let first = 0; first < nodes.length; first += 1) {
      for (let second = first + 1; second < nodes.length; second += 1) this.checkPair(nodes[first], nodes[second])
    }
  }

  fail(check: CheckName, detail: string): void {
    if (this.violations.some((violation) => violation.check === check)) return
    this.violations.push({ check, detail, step: this.clock.step, timeUs: this.clock.timeUs })
  }

  private becameLeader(node: NodeId, term: number, core: ProtocolCore<{ type: string }, unknown>, configuration: MembershipView | undefined): void {
    this.leading.set(node, term)
    const problem = configuration === undefined ? undefined : leaderConfigurationProblem(node, configuration, this.newestCommitted)
    if (problem !== undefined) this.fail('configurations', `leader of term ${term}: ${problem}`)
    if (this.protocol.leadership === 'at-once') {
      const leaders = [...this.leading.keys()]
      if (leaders.length > 1) this.fail('split-brain', `${leaders.join(' and ')} are ${this.protocol.leaderRoles[0]} at the same time`)
      return
    }
    const previous = this.leaderOfTerm.get(term)
    if (previous !== undefined && previous !== node) {
      this.fail('election-safety', `${previous} and ${node} both became leader of term ${term}`)
      return
    }
    this.leaderOfTerm.set(term, node)
    const entryAt = this.protocol.sim.logEntryAt
    if (entryAt === undefined) return
    // Below the log's base the entries are compacted: the snapshot's state was checked against them when taken or installed.
    const base = this.protocol.sim.logBaseIndex?.(core) ?? 0
    for (let index = base + 1; index <= this.committedIndex; index += 1) {
      if (this.committed[index] === undefined || this.committedTerm[index] >= term) continue
      const entry = entryAt(core, index)
      if (entry?.key === this.committed[index]) continue
      const held = entry === undefined ? 'nothing' : `[${entry.key}]`
      this.fail('leader-completeness', `${node} became leader of term ${term} holding ${held} at index ${index}, where ${this.committedBy[index]} applied [${this.committed[index]}]`)
      return
    }
  }

  /** Each committed index in [from, to] must still be on a quorum of correct nodes' durable logs. */
  private checkOnQuorum(from: number, to: number): void {
    const quorum = this.quorumNow()
    if (quorum === undefined) return
    for (let index = from; index <= to; index += 1) {
      if (this.committed[index] === undefined) continue
      const holders: NodeId[] = []
      for (const [node, log] of this.durable) if (!this.faulty.has(node) && log.keyAt(index) === this.committed[index]) holders.push(node)
      if (holders.length >= quorum) continue
      this.fail('committed-on-quorum', `index ${index} [${this.committed[index]}], applied by ${this.committedBy[index]}, is on ${holders.length} durable log(s) (${holders.join(', ') || 'none'}); a quorum is ${quorum}`)
      return
    }
  }

  /**
   * Log matching, incrementally: for each entry `node` wrote at index >= from, any other log with
   * the same term there must hold the same entry and the same term just below (by induction, the
   * same entries all the way down).
   */
  private checkMatchingFrom(node: NodeId, from: number): void {
    const mine = this.durable.get(node)!
    for (let index = from; index <= mine.lastIndex; index += 1) {
      const term = mine.termAt(index)
      for (const [other, theirs] of this.durable) {
        if (other === node || this.faulty.has(other) || theirs.termAt(index) !== term) continue
        if (theirs.keyAt(index) === mine.keyAt(index) && theirs.termAt(index - 1) === mine.termAt(index - 1)) continue
        this.fail('log-matching', `${node} and ${other} both hold term ${term} at index ${index} but differ there or just below: ` +
          `[${mine.keyAt(index)}] after term ${mine.termAt(index - 1)} vs [${theirs.keyAt(index)}] after term ${theirs.termAt(index - 1)}`)
        return
      }
    }
  }

  private checkPair(a: NodeId, b: NodeId): void {
    const logA = this.durable.get(a)!
    const logB = this.durable.get(b)!
    let index = Math.min(logA.lastIndex, logB.lastIndex)
    while (index > 0 && logA.termAt(index) !== logB.termAt(index)) index -= 1
    for (let below = index; below > 0; below -= 1) {
      if (logA.keyAt(below) === logB.keyAt(below)) continue
      this.fail('log-matching', `${a} and ${b} both hold term ${logA.termAt(index)} at index ${index} but differ at index ${below}: [${logA.keyAt(below)}] vs [${logB.keyAt(below)}]`)
      return
    }
  }
}

interface AppliedSoFar {
  indexes: Set<number>
  /** Per key, the highest index applied that touches it. */
  lastOfKey: Map<string, number>
  /** The highest index applied that touches every key. */
  lastBarrier: number
  /** The highest index applied that touches any key. */
  highest: number
}
