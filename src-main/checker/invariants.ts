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
  /** The experiment's 0 s on the trace's clock (the summary's workloadStartMs), for replicas-healthy. */
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
    if (failing.length > 0) return { name: first.name, ok: false, detail: failing.map(({ result, group }) => `group ${group}: ${result.detail}`).join('; ') }
    return { name: first.name, ok: true, detail: `all ${groups.length} groups: ${first.detail}` }
  })
}

function checkOneLog(input: InvariantInput): InvariantResult[] {
  const faulty = new Set(input.faultyNodes ?? [])
  const trace = [...input.trace].filter((event) => !faulty.has(event.node)).sort((a, b) => a.t - b.t)
  const excluded = faulty.size > 0 ? ` (faulty nodes ${[...faulty].join(', ')} excluded)` : ''
  // Only what the protocol's descriptor says holds for it (ParallelRaft's apply hashes follow each node's own order).
  const facts = factsOf(input.protocol, input.facts)
  const applies = facts.invariants
  const results = [electionSafety(trace, facts)]
  // Only where the trace shows a membership change (Raft): then per configuration, with the leaders and configurations as witness.
  const configurations = checkConfigurationsInTrace(trace, facts.leaderRoles, violationsListedMax)
  if (configurations !== undefined) results.push(configurations)
  if (applies.includes('state-machine-safety')) results.push(stateMachineSafety(trace))
  if (applies.includes('committed-never-lost')) results.push(committedNeverLost(trace))
  if (applies.includes('commit-monotonic')) results.push(commitMonotonic(trace))
  if (applies.includes('leader-append-only')) results.push(leaderAppendOnly(trace))
  if (applies.includes('leader-completeness')) results.push(leaderCompleteness(trace))
  if (input.finalStates !== undefined && applies.includes('final-state-agreement')) {
    results.push(finalStateAgreement(input.finalStates.filter((state) => !faulty.has(state.node)), trace))
  }
  return excluded === '' ? results : results.map((result) => ({ ...result, detail: result.detail + excluded }))
}

const at = (t: number): string => `${t.toFixed(3)} ms`
const shortHash = (hash: string): string => (hash.length > 12 ? hash.slice(0, 12) + '…' : hash)
const irregularPlurals: Record<string, string> = { index: 'indexes', primary: 'primaries', crash: 'crashes' }
const pluralOf = (word: string): string => irregularPlurals[word] ?? `${word}s`
const plural = (count: number, word: string): string => `${count} ${count === 1 ? word : pluralOf(word)}`

function moreText(count: number): string {
  return count > violationsListedMax ? `; and ${count - violationsListedMax} more` : ''
}

/** What the protocol's descriptor says about leaders, its words and the invariants that hold for it. */
function factsOf(protocol: ProtocolName | undefined, given: ProtocolFacts | undefined): ProtocolFacts {
  if (given !== undefined) return given
  if (protocol === undefined) return unknownProtocolFacts
  const facts = protocolFacts[protocol]
  if (facts === undefined) throw new Error(`unknown protocol ${JSON.stringify(protocol)}: expected one of ${Object.keys(protocolFacts).join(', ')}`)
  return facts
}

function electionSafety(trace: readonly TraceEvent[], facts: ProtocolFacts): InvariantResult {
  const name = 'election-safety'
  const { leaderRoles, vocabulary } = facts
  const termWord = vocabulary.term
  const leaderWord = vocabulary.leader
  const firstLeader = new Map<number, RoleEvent>()
  const violations: string[] = []
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
    violations.push(`${termWord} ${event.term} had two ${pluralOf(leaderWord)}: ${first.node} (from ${at(first.t)}) and ${event.node} (from ${at(event.t)})`)
  }
  if (firstLeader.size === 0) return { name, ok: true, detail: `no node became ${leaderWord} in the trace; nothing to compare` }
  if (violations.length === 0) {
    return { name, ok: true, detail: `${plural(firstLeader.size, termWord)} with a ${leaderWord}, never more than one ${leaderWord} in a ${termWord}` }
  }
  return { name, ok: false, detail: violations.slice(0, violationsListedMax).join('; ') + moreText(violations.length) }
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
    const stopped = [...(crashes > 0 ? [plural(crashes, 'crash')] : []), ...(removals > 0 ? [plural(removals, 'removal')] : [])]
    return { name, ok: true, detail: `no replica exited on its own${stopped.length > 0 ? ` (${stopped.join(' and ')} by the experiment)` : ''}` }
  }
  // Older traces carry the whole stack: its first line is the error.
  const reason = (event: ProcessEvent) => event.detail?.split('\n')[0]?.trim() || 'no reason recorded'
  const listed = exits.slice(0, violationsListedMax).map((event) => `${event.node} exited on its own at ${experimentTime(event.t - originMs)}: ${reason(event)}`)
  const rest = exits.slice(violationsListedMax).map((event) => event.node)
  return { name, ok: false, detail: listed.join('; ') + (rest.length > 0 ? `; and ${rest.length} more (${[...new Set(rest)].join(', ')})` : '') }
}

function experimentTime(ms: number): string {
  return ms < 0 ? `${(-ms / 1000).toFixed(2)} s before the start` : `${(ms / 1000).toFixed(2)} s`
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

function stateMachineSafety(trace: readonly TraceEvent[]): InvariantResult {
  const name = 'state-machine-safety'
  const byIndex = appliesByIndex(trace)
  const indices = [...byIndex.keys()].sort((a, b) => a - b)
  let compared = 0
  const divergent: string[] = []
  for (const index of indices) {
    const reports = [...byIndex.get(index)!.values()]
    if (reports.length < 2) continue
    compared += 1
    const first = reports[0]
    const other = reports.find((report) => report.hash !== first.hash)
    if (other === undefined) continue
    divergent.push(`at index ${index} ${first.node} applied hash ${shortHash(first.hash)} (term ${first.term}, ${at(first.t)}) but ${other.node} applied ${shortHash(other.hash)} (term ${other.term}, ${at(other.t)}): their applied sequences differ at or before index ${index}`)
  }
  if (byIndex.size === 0) return { name, ok: true, detail: 'no apply events in the trace; nothing to compare' }
  if (divergent.length === 0) {
    return { name, ok: true, detail: `${plural(compared, 'index')} reported by two or more nodes, all with equal applied hashes` }
  }
  return { name, ok: false, detail: `first divergence ${divergent[0]}${divergent.length > 1 ? ` (${divergent.length} divergent indices in all)` : ''}` }
}

/** Per node: what it last said about its commit/applied index since its process last came up. */
interface Incarnation {
  commitIndex: number
  appliedIndex: number
  role?: RoleEvent
}

function committedNeverLost(trace: readonly TraceEvent[]): InvariantResult {
  const name = 'committed-never-lost'
  const hashAt = new Map<string, ApplyEvent>()
  const life = new Map<string, Incarnation>()
  const violations: string[] = []
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
        violations.push(`${event.node} applied index ${event.index} with hash ${shortHash(earlier.hash)} at ${at(earlier.t)}, then with ${shortHash(event.hash)} at ${at(event.t)}: an applied entry changed`)
      }
    }
    if (event.kind === 'truncate') {
      const kept = Math.max(current.commitIndex, current.appliedIndex)
      if (event.fromIndex <= kept) {
        violations.push(`${event.node} truncated its log from index ${event.fromIndex} at ${at(event.t)} although it had committed or applied up to index ${kept}`)
      }
    }
  }
  if (violations.length === 0) {
    return { name, ok: true, detail: `${plural(applies, 'apply report')}: no node changed an applied entry or truncated below its commit index` }
  }
  return { name, ok: false, detail: violations.slice(0, violationsListedMax).join('; ') + moreText(violations.length) }
}

function commitMonotonic(trace: readonly TraceEvent[]): InvariantResult {
  const name = 'commit-monotonic'
  const commitIndex = new Map<string, { index: number; t: number }>()
  const violations: string[] = []
  let commits = 0
  for (const event of trace) {
    if (event.kind === 'process' && event.state === 'up') commitIndex.delete(event.node)
    if (event.kind !== 'commit') continue
    commits += 1
    const last = commitIndex.get(event.node)
    if (last !== undefined && event.index < last.index) {
      violations.push(`${event.node} reported commit index ${event.index} at ${at(event.t)} after ${last.index} at ${at(last.t)} without restarting`)
    }
    if (last === undefined || event.index >= last.index) commitIndex.set(event.node, { index: event.index, t: event.t })
  }
  if (violations.length === 0) {
    return { name, ok: true, detail: commits === 0 ? 'no commit events in the trace; nothing to check' : `${plural(commits, 'commit report')}, never decreasing between restarts` }
  }
  return { name, ok: false, detail: violations.slice(0, violationsListedMax).join('; ') + moreText(violations.length) }
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

function leaderAppendOnly(trace: readonly TraceEvent[]): InvariantResult {
  const name = 'leader-append-only'
  const violations: string[] = []
  for (const [event, role] of withRoles(trace)) {
    if (event.kind !== 'truncate' || role === undefined || role.role !== 'leader') continue
    violations.push(`${event.node}, leader of term ${role.term} since ${at(role.t)}, truncated its own log from index ${event.fromIndex} at ${at(event.t)}`)
  }
  if (violations.length === 0) return { name, ok: true, detail: 'no leader truncated its own log' }
  return { name, ok: false, detail: violations.slice(0, violationsListedMax).join('; ') + moreText(violations.length) }
}

function leaderCompleteness(trace: readonly TraceEvent[]): InvariantResult {
  const name = 'leader-completeness'
  const firstApply = new Map<number, ApplyEvent>()
  const leaderSince = new Map<string, RoleEvent>()
  const violations: string[] = []
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
    const still = role?.role === 'leader' ? `as leader of term ${election.term}` : `after leading term ${election.term}`
    violations.push(`${first.node} applied index ${event.index} (hash ${shortHash(first.hash)}) at ${at(first.t)}; ${event.node} was elected for term ${election.term} at ${at(election.t)} and then applied a different entry there (hash ${shortHash(event.hash)}) ${still}`)
  }
  if (violations.length === 0) {
    return { name, ok: true, detail: `${plural(elections, 'election')}: every new leader applied earlier applied entries identically` }
  }
  return { name, ok: false, detail: violations.slice(0, violationsListedMax).join('; ') + moreText(violations.length) }
}

function finalStateAgreement(finalStates: readonly FinalState[], trace: readonly TraceEvent[]): InvariantResult {
  const name = 'final-state-agreement'
  if (finalStates.length === 0) return { name, ok: true, detail: 'no final states reported; nothing to compare' }
  const byIndex = appliesByIndex(trace)
  const violations: string[] = []
  const groups = new Map<number, FinalState[]>()
  for (const state of finalStates) {
    const group = groups.get(state.appliedIndex) ?? []
    group.push(state)
    groups.set(state.appliedIndex, group)
    const traced = byIndex.get(state.appliedIndex)?.get(state.node)
    if (traced !== undefined && traced.hash !== state.hash) {
      violations.push(`${state.node} ends at index ${state.appliedIndex} with hash ${shortHash(state.hash)} but reported ${shortHash(traced.hash)} there at ${at(traced.t)}`)
    }
  }
  for (const [index, group] of groups) {
    const first = group[0]
    for (const other of group.slice(1)) {
      if (other.hash !== first.hash) violations.push(`${first.node} and ${other.node} both end at index ${index} but with different hashes (${shortHash(first.hash)} vs ${shortHash(other.hash)})`)
      else if (other.kvDigest !== first.kvDigest) violations.push(`${first.node} and ${other.node} applied the same sequence up to index ${index} but hold different KV contents (digest ${shortHash(first.kvDigest)} vs ${shortHash(other.kvDigest)})`)
    }
  }
  if (violations.length > 0) return { name, ok: false, detail: violations.slice(0, violationsListedMax).join('; ') + moreText(violations.length) }
  const summary = [...groups.entries()].sort(([a], [b]) => b - a).map(([index, group]) => `${group.map((state) => state.node).join(', ')} at index ${index}`)
  return { name, ok: true, detail: `${summary.join('; ')}; nodes at the same index agree on hash and KV digest` }
}
