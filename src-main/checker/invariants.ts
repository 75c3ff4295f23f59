/**
 * Protocol safety invariants read off a run's trace (and, optionally, the nodes' final states).
 * Each result says in a sentence what was checked and, when broken, the first place it broke.
 *
 * Which of them apply, what a leader is called and which roles lead come from the protocol's
 * descriptor (protocols/<name>/protocol.ts), read through the zod-free copy in protocol-facts.ts.
 *
 *   election-safety         at most one leader (Raft) / primary (PBFT view, primary-backup term) per term
 *   election-safety-per-configuration
 *                           (Raft runs that change membership) every leader was elected under the newest
 *                           committed configuration or one change from it, and no term had two leaders
 *                           (configurations.ts)
 *   state-machine-safety    nodes that applied the same index applied the same sequence (equal chained hash)
 *   committed-never-lost    a node never changes what it applied at an index (also across restarts)
 *                           and never truncates its log at or below what it had committed or applied
 *   commit-monotonic        within one process lifetime, a node's commit index never goes down
 *   leader-append-only      (Raft) a leader never truncates its own log
 *   leader-completeness     (Raft) a new leader applies every entry applied anywhere before its election identically
 *   final-state-agreement   nodes that end at the same applied index hold the same hash and KV digest
 *   replicas-healthy        no replica process exited unless the experiment stopped it (a crash fault, a removeNode,
 *                           the run's own shutdown): an uncaught error, a failed assertion, running out
 *                           of memory or an outside kill is a broken run
 *
 * Nodes named in `faultyNodes` (Byzantine replicas) are left out of the safety checks: safety is
 * promised to correct nodes only. replicas-healthy holds every process, liars included: a process
 * of ours that dies is a broken run whatever its replica claims.
 */
import type { InvariantResult } from '../api/summary.js'
import type { TraceEvent } from '../api/trace.js'
import type { ProtocolName } from '../api/protocol-names.js'
import { protocolFacts, unknownProtocolFacts, type ProtocolFacts } from './protocol-facts.js'
import { checkConfigurationsInTrace } from './configurations.js'
import { sayChecker, type CheckerMessage } from '../api/checker-text.js'

export interface FinalState {
  node: string
  appliedIndex: number
  hash: string
  kvDigest: string
  /** MultiRaft: one entry per group (the fields above are group 0's). */
  groups?: { group: number; appliedIndex: number; hash: string; kvDigest: string }[]
}

export interface InvariantInput {
  trace: readonly TraceEvent[]
  /** Unknown protocol: roles 'leader' and 'primary' both count as leaders, Raft-only checks are skipped. */
  protocol?: ProtocolName
  finalStates?: readonly FinalState[]
  /** Byzantine replicas; their claims are not held to safety. */
  faultyNodes?: readonly string[]
  /** The experiment's 0 s on the trace's clock (the summary's workloadStartMs): every time a finding names is experiment time. */
  originMs?: number
  /**
   * The protocol's facts from its descriptor, where the caller has the descriptors loaded (a lab
   * run); else the checker's own table (protocol-facts.ts), which `lab check` reads without them.
   */
  facts?: ProtocolFacts
}

/** A detail lists at most this many examples of a broken invariant. */
export const violationsListedMax = 3

type RoleEvent = Extract<TraceEvent, { kind: 'role' }>
type ApplyEvent = Extract<TraceEvent, { kind: 'apply' }>
type ProcessEvent = Extract<TraceEvent, { kind: 'process' }>

export function checkInvariants(input: InvariantInput): InvariantResult[] {
  return [...checkLogs(input), replicasHealthy(input.trace, input.originMs ?? 0)]
}

function checkLogs(input: InvariantInput): InvariantResult[] {
  const groups = [...new Set(input.trace.map((event) => ('group' in event ? event.group : undefined)).filter((group): group is number => group !== undefined))]
  if (groups.length === 0) return checkOneLog(input)
  // MultiRaft: every group is a Raft of its own; events without a group (crashes, faults) belong to all.
  groups.sort((a, b) => a - b)
  const perGroup = groups.map((group) =>
    checkOneLog({
      ...input,
      trace: input.trace.filter((event) => !('group' in event) || event.group === undefined || event.group === group),
      finalStates: input.finalStates?.flatMap((state) => {
        const mine = state.groups?.find((candidate) => candidate.group === group)
        return mine ? [{ node: state.node, appliedIndex: mine.appliedIndex, hash: mine.hash, kvDigest: mine.kvDigest }] : []
      }),
    }),
  )
  return perGroup[0]!.map((first, position) => {
    const results = perGroup.map((results) => results[position]!)
    const failing = results.map((result, index) => ({ result, group: groups[index]! })).filter(({ result }) => !result.ok)
    if (failing.length > 0) return finding(first.name, false, listOf(failing.map(({ result, group }) => ({ code: 'inGroup', params: { group, finding: result.message! } })), failing.length))
    return finding(first.name, true, { code: 'allGroups', params: { groups: groups.length, finding: first.message! } })
  })
}

function checkOneLog(input: InvariantInput): InvariantResult[] {
  const faulty = new Set(input.faultyNodes ?? [])
  const trace = [...input.trace].filter((event) => !faulty.has(event.node)).sort((a, b) => a.t - b.t)
  // Only what the protocol's descriptor says holds for it (ParallelRaft's apply hashes follow each node's own order).
  const facts = factsOf(input.protocol, input.facts)
  const applies = facts.invariants
  const origin = input.originMs ?? 0
  const results = [electionSafety(trace, facts, origin)]
  // Only where the trace shows a membership change (Raft): then per configuration, with the leaders and configurations as witness.
  const configurations = checkConfigurationsInTrace(trace, facts.leaderRoles, violationsListedMax, origin)
  if (configurations !== undefined) results.push(configurations)
  if (applies.includes('state-machine-safety')) results.push(stateMachineSafety(trace, origin))
  if (applies.includes('committed-never-lost')) results.push(committedNeverLost(trace, origin))
  if (applies.includes('commit-monotonic')) results.push(commitMonotonic(trace, origin))
  if (applies.includes('leader-append-only')) results.push(leaderAppendOnly(trace, origin))
  if (applies.includes('leader-completeness')) results.push(leaderCompleteness(trace, origin))
  if (input.finalStates !== undefined && applies.includes('final-state-agreement')) {
    results.push(finalStateAgreement(input.finalStates.filter((state) => !faulty.has(state.node)), trace, origin))
  }
  if (faulty.size === 0) return results
  return results.map((result) => finding(result.name, result.ok, { code: 'faultyExcluded', params: { finding: result.message!, nodes: [...faulty] } }))
}

/** A result with its finding as a coded message and, said in English, as its detail. */
export function finding(name: string, ok: boolean, message: CheckerMessage): InvariantResult {
  return { name, ok, detail: sayChecker(message, 'en'), message }
}

/** The first violationsListedMax of `items` (out of `count`), and how many more there were. */
function listOf(items: readonly CheckerMessage[], count = items.length): CheckerMessage {
  return { code: 'list', params: { items: items.slice(0, violationsListedMax), more: Math.max(0, count - violationsListedMax) } }
}

/** What the protocol's descriptor says about leaders, its words and the invariants that hold for it. */
function factsOf(protocol: ProtocolName | undefined, given: ProtocolFacts | undefined): ProtocolFacts {
  if (given !== undefined) return given
  if (protocol === undefined) return unknownProtocolFacts
  const facts = protocolFacts[protocol]
  if (facts === undefined) throw new Error(`unknown protocol ${JSON.stringify(protocol)}: expected one of ${Object.keys(protocolFacts).join(', ')}`)
  return facts
}

function electionSafety(trace: readonly TraceEvent[], facts: ProtocolFacts, origin: number): InvariantResult {
  const name = 'election-safety'
  const { leaderRoles, vocabulary } = facts
  const termWord = vocabulary.term
  const leaderWord = vocabulary.leader
  const firstLeader = new Map<number, RoleEvent>()
  const violations: CheckerMessage[] = []
  const reported = new Set<string>()
  for (const event of trace) {
    if (event.kind !== 'role' || !leaderRoles.includes(event.role)) continue
    const first = firstLeader.get(event.term)
    if (first === undefined) {
      firstLeader.set(event.term, event)
      continue
    }
    const pair = `${event.term}:${event.node}`
    if (first.node === event.node || reported.has(pair)) continue
    reported.add(pair)
    violations.push({ code: 'twoLeaders', params: { termWord, leaderWord, term: event.term, first: first.node, firstMs: first.t - origin, second: event.node, secondMs: event.t - origin } })
  }
  if (firstLeader.size === 0) return finding(name, true, { code: 'noLeader', params: { leaderWord } })
  if (violations.length === 0) return finding(name, true, { code: 'oneLeaderPerTerm', params: { terms: firstLeader.size, termWord, leaderWord } })
  return finding(name, false, listOf(violations))
}

/**
 * The cluster reports every exit the lab did not ask for as a process event in state `exited`, with
 * the first line of the error; the experiment's own crashes are `crashed`.
 */
function replicasHealthy(trace: readonly TraceEvent[], originMs: number): InvariantResult {
  const name = 'replicas-healthy'
  const processEvents = trace.filter((event): event is ProcessEvent => event.kind === 'process')
  const exits = processEvents.filter((event) => event.state === 'exited').sort((a, b) => a.t - b.t)
  if (exits.length === 0) {
    // Crashes and removals (membership changes) are the experiment's doing.
    const crashes = processEvents.filter((event) => event.state === 'crashed').length
    const removals = processEvents.filter((event) => event.state === 'removed').length
    return finding(name, true, { code: 'noExit', params: { crashes, removals } })
  }
  // Older traces carry the whole stack: its first line is the error.
  const reason = (event: ProcessEvent) => event.detail?.split('\n')[0]?.trim() || null
  const listed = exits.slice(0, violationsListedMax).map((event): CheckerMessage => ({ code: 'exitedOnItsOwn', params: { node: event.node, atMs: event.t - originMs, reason: reason(event) } }))
  const rest = exits.slice(violationsListedMax).map((event) => event.node)
  return finding(name, false, { code: 'list', params: { items: listed, more: rest.length, ...(rest.length > 0 ? { moreNodes: [...new Set(rest)] } : {}) } })
}

/** First apply report per node per index. */
function appliesByIndex(trace: readonly TraceEvent[]): Map<number, Map<string, ApplyEvent>> {
  const byIndex = new Map<number, Map<string, ApplyEvent>>()
  for (const event of trace) {
    if (event.kind !== 'apply') continue
    let nodes = byIndex.get(event.index)
    if (nodes === undefined) {
      nodes = new Map()
      byIndex.set(event.index, nodes)
    }
    if (!nodes.has(event.node)) nodes.set(event.node, event)
  }
  return byIndex
}

function stateMachineSafety(trace: readonly TraceEvent[], origin: number): InvariantResult {
  const name = 'state-machine-safety'
  const byIndex = appliesByIndex(trace)
  const indices = [...byIndex.keys()].sort((a, b) => a - b)
  let compared = 0
  const divergent: CheckerMessage[] = []
  for (const index of indices) {
    const reports = [...byIndex.get(index)!.values()]
    if (reports.length < 2) continue
    compared += 1
    const first = reports[0]
    const other = reports.find((report) => report.hash !== first.hash)
    if (other === undefined) continue
    divergent.push({ code: 'firstDivergence', params: {
      index, first: first.node, firstHash: first.hash, firstTerm: first.term, firstMs: first.t - origin,
      other: other.node, otherHash: other.hash, otherTerm: other.term, otherMs: other.t - origin, divergent: 0,
    } })
  }
  if (byIndex.size === 0) return finding(name, true, { code: 'noApplies', params: {} })
  if (divergent.length === 0) return finding(name, true, { code: 'appliedHashesEqual', params: { indexes: compared } })
  return finding(name, false, { code: 'firstDivergence', params: { ...divergent[0]!.params, divergent: divergent.length } })
}

/** Per node: what it last said about its commit/applied index since its process last came up. */
interface Incarnation {
  commitIndex: number
  appliedIndex: number
  role?: RoleEvent
}

function committedNeverLost(trace: readonly TraceEvent[], origin: number): InvariantResult {
  const name = 'committed-never-lost'
  const hashAt = new Map<string, ApplyEvent>()
  const life = new Map<string, Incarnation>()
  const violations: CheckerMessage[] = []
  let applies = 0
  for (const event of trace) {
    const current = life.get(event.node) ?? { commitIndex: 0, appliedIndex: 0 }
    life.set(event.node, current)
    if (event.kind === 'process' && event.state === 'up') life.set(event.node, { commitIndex: 0, appliedIndex: 0 })
    if (event.kind === 'commit') current.commitIndex = Math.max(current.commitIndex, event.index)
    if (event.kind === 'apply') {
      applies += 1
      current.appliedIndex = Math.max(current.appliedIndex, event.index)
      const slot = `${event.node}@${event.index}`
      const earlier = hashAt.get(slot)
      if (earlier === undefined) hashAt.set(slot, event)
      else if (earlier.hash !== event.hash) {
        violations.push({ code: 'appliedEntryChanged', params: { node: event.node, index: event.index, firstHash: earlier.hash, firstMs: earlier.t - origin, hash: event.hash, ms: event.t - origin } })
      }
    }
    if (event.kind === 'truncate') {
      const kept = Math.max(current.commitIndex, current.appliedIndex)
      if (event.fromIndex <= kept) {
        violations.push({ code: 'truncatedBelowCommit', params: { node: event.node, fromIndex: event.fromIndex, ms: event.t - origin, kept } })
      }
    }
  }
  if (violations.length === 0) return finding(name, true, { code: 'noAppliedLost', params: { applies } })
  return finding(name, false, listOf(violations))
}

function commitMonotonic(trace: readonly TraceEvent[], origin: number): InvariantResult {
  const name = 'commit-monotonic'
  const commitIndex = new Map<string, { index: number; t: number }>()
  const violations: CheckerMessage[] = []
  let commits = 0
  for (const event of trace) {
    if (event.kind === 'process' && event.state === 'up') commitIndex.delete(event.node)
    if (event.kind !== 'commit') continue
    commits += 1
    const last = commitIndex.get(event.node)
    if (last !== undefined && event.index < last.index) {
      violations.push({ code: 'commitDecreased', params: { node: event.node, index: event.index, ms: event.t - origin, lastIndex: last.index, lastMs: last.t - origin } })
    }
    if (last === undefined || event.index >= last.index) commitIndex.set(event.node, { index: event.index, t: event.t })
  }
  if (violations.length === 0) return finding(name, true, commits === 0 ? { code: 'noCommits', params: {} } : { code: 'commitsMonotonic', params: { commits } })
  return finding(name, false, listOf(violations))
}

/** The role each node holds at each point (cleared when its process goes down or comes back). */
function* withRoles(trace: readonly TraceEvent[]): Generator<[TraceEvent, RoleEvent | undefined]> {
  const roles = new Map<string, RoleEvent>()
  for (const event of trace) {
    if (event.kind === 'role') roles.set(event.node, event)
    if (event.kind === 'process' && event.state !== 'paused' && event.state !== 'resumed') roles.delete(event.node)
    yield [event, roles.get(event.node)]
  }
}

function leaderAppendOnly(trace: readonly TraceEvent[], origin: number): InvariantResult {
  const name = 'leader-append-only'
  const violations: CheckerMessage[] = []
  for (const [event, role] of withRoles(trace)) {
    if (event.kind !== 'truncate' || role === undefined || role.role !== 'leader') continue
    violations.push({ code: 'leaderTruncated', params: { node: event.node, term: role.term, sinceMs: role.t - origin, fromIndex: event.fromIndex, ms: event.t - origin } })
  }
  if (violations.length === 0) return finding(name, true, { code: 'noLeaderTruncated', params: {} })
  return finding(name, false, listOf(violations))
}

function leaderCompleteness(trace: readonly TraceEvent[], origin: number): InvariantResult {
  const name = 'leader-completeness'
  const firstApply = new Map<number, ApplyEvent>()
  const leaderSince = new Map<string, RoleEvent>()
  const violations: CheckerMessage[] = []
  let elections = 0
  for (const [event, role] of withRoles(trace)) {
    if (event.kind === 'role' && event.role === 'leader') {
      elections += 1
      leaderSince.set(event.node, event)
    }
    if (event.kind !== 'apply') continue
    const first = firstApply.get(event.index)
    if (first === undefined) {
      firstApply.set(event.index, event)
      continue
    }
    const election = leaderSince.get(event.node)
    if (first.hash === event.hash || first.node === event.node || election === undefined || election.t < first.t) continue
    violations.push({ code: 'leaderIncomplete', params: {
      first: first.node, index: event.index, firstHash: first.hash, firstMs: first.t - origin,
      node: event.node, term: election.term, electedMs: election.t - origin, hash: event.hash, stillLeader: role?.role === 'leader',
    } })
  }
  if (violations.length === 0) return finding(name, true, { code: 'leadersComplete', params: { elections } })
  return finding(name, false, listOf(violations))
}

function finalStateAgreement(finalStates: readonly FinalState[], trace: readonly TraceEvent[], origin: number): InvariantResult {
  const name = 'final-state-agreement'
  if (finalStates.length === 0) return finding(name, true, { code: 'noFinalStates', params: {} })
  const byIndex = appliesByIndex(trace)
  const violations: CheckerMessage[] = []
  const groups = new Map<number, FinalState[]>()
  for (const state of finalStates) {
    const group = groups.get(state.appliedIndex) ?? []
    group.push(state)
    groups.set(state.appliedIndex, group)
    const traced = byIndex.get(state.appliedIndex)?.get(state.node)
    if (traced !== undefined && traced.hash !== state.hash) {
      violations.push({ code: 'finalHashNotTraced', params: { node: state.node, index: state.appliedIndex, hash: state.hash, traced: traced.hash, ms: traced.t - origin } })
    }
  }
  for (const [index, group] of groups) {
    const first = group[0]
    for (const other of group.slice(1)) {
      const pair = { first: first.node, other: other.node, index }
      if (other.hash !== first.hash) violations.push({ code: 'finalHashesDiffer', params: { ...pair, firstHash: first.hash, otherHash: other.hash } })
      else if (other.kvDigest !== first.kvDigest) violations.push({ code: 'finalKvDiffers', params: { ...pair, firstDigest: first.kvDigest, otherDigest: other.kvDigest } })
    }
  }
  if (violations.length > 0) return finding(name, false, listOf(violations))
  const summary = [...groups.entries()].sort(([a], [b]) => b - a).map(([index, group]): CheckerMessage => ({ code: 'nodesAtIndex', params: { nodes: group.map((state) => state.node), index } }))
  return finding(name, true, { code: 'finalStatesAgree', params: { groups: summary } })
}
