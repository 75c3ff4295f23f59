/**
 * Replay: the cluster as it was at any experiment time, rebuilt from the trace's state events
 * (role, term, process, links). Pure: the renderer reads those events once (LabApi.readTrace with
 * `replayKinds`), builds a ReplayTimeline, and every position of the scrubber is answered from it.
 *
 * Seeking is fast on a long run because the timeline keeps a snapshot of the whole cluster state
 * every replaySnapshotEvery events: a seek finds its place by binary search and folds at most that
 * many events onto the nearest snapshot before it.
 */
import type { MemberRole } from './lab-api.js'
import type { TraceEvent } from './trace.js'

/** The trace kinds a replay needs; nothing else changes what the canvas draws. */
export const replayKinds = ['role', 'term', 'process', 'links', 'members'] as const

/** A snapshot of the cluster every this many state events (memory: one state per snapshot). */
export const replaySnapshotEvery = 256

export type ReplayProcess = 'starting' | 'up' | 'crashed' | 'paused' | 'exited'

/** One node at a moment: what the canvas and the node table draw (NodeBadge-compatible). */
export interface ReplayNode {
  role: string
  /** Raft's term, PBFT's view. */
  term: number
  process: ReplayProcess
  /** The node believes itself leader (Raft) or primary (PBFT). */
  leader: boolean
  /** Whom the node follows, when it said so. */
  knownLeader?: string
  /** Experiment time of the node's last role change (ms). */
  sinceMs?: number
  /** Raft: its place in the configuration at that moment; absent while the membership is fixed. */
  member?: MemberRole
}

export interface ReplayState {
  nodes: Record<string, ReplayNode>
  /** Directed links (from, to) cut by the lab at that moment. */
  cut: [string, string][]
  /** Raft: the leader's configuration at that moment (`members` events); absent before the first. */
  members?: { voters: string[]; learners: string[]; committed: boolean }
}

export interface ReplayTimeline {
  nodes: string[]
  /** The state events, in time order (experiment time). */
  events: TraceEvent[]
  /** snapshots[k] is the state after events[0 .. k × replaySnapshotEvery). */
  snapshots: ReplayState[]
  /** MultiRaft: the group whose roles are drawn (events of other groups are left out). */
  group: number
}

export function initialReplayState(nodes: readonly string[]): ReplayState {
  return { nodes: Object.fromEntries(nodes.map((node) => [node, { role: 'starting', term: 0, process: 'starting', leader: false }])), cut: [] }
}

function isLeaderRole(role: string): boolean {
  return role === 'leader' || role === 'primary'
}

function cloneState(state: ReplayState): ReplayState {
  const clone: ReplayState = { nodes: Object.fromEntries(Object.entries(state.nodes).map(([node, value]) => [node, { ...value }])), cut: state.cut }
  if (state.members !== undefined) clone.members = state.members
  return clone
}

/** A node's place in `members`; a removed node stays removed (it never comes back). */
function memberRoleIn(members: NonNullable<ReplayState['members']>, node: string, before: MemberRole | undefined): MemberRole {
  if (before === 'removed') return 'removed'
  if (members.voters.includes(node)) return 'voter'
  return members.learners.includes(node) ? 'learner' : 'joining'
}

/** Folds one event into `state` (mutating it); events of unknown nodes or other groups change nothing. */
export function applyReplayEvent(state: ReplayState, event: TraceEvent, group = 0): void {
  if (event.kind === 'links') {
    state.cut = event.cut.map(([from, to]) => [from, to])
    return
  }
  if (event.kind === 'members') {
    const members = { voters: [...event.voters], learners: [...event.learners], committed: event.committed }
    state.members = members
    for (const [name, node] of Object.entries(state.nodes)) node.member = memberRoleIn(members, name, node.member)
    return
  }
  const node = state.nodes[event.node]
  if (node === undefined) return
  switch (event.kind) {
    case 'role':
      if ((event.group ?? 0) !== group) return
      node.role = event.role
      node.term = event.term
      node.leader = isLeaderRole(event.role)
      node.knownLeader = event.leader ?? (node.leader ? event.node : undefined)
      node.sinceMs = event.t
      if (node.process === 'starting') node.process = 'up'
      return
    case 'term':
      if ((event.group ?? 0) !== group) return
      node.term = event.term
      return
    case 'process':
      // A removed node (membership change) is gone for good, as one that exited.
      node.process = event.state === 'resumed' ? 'up' : event.state === 'removed' ? 'exited' : event.state
      // A node that went down leads nothing; it says its role again when it is back.
      if (event.state === 'removed') node.member = 'removed'
      if (event.state === 'crashed' || event.state === 'exited' || event.state === 'removed') {
        node.leader = false
        node.role = event.state === 'removed' ? 'exited' : event.state
        node.knownLeader = undefined
      }
      if (event.state === 'up') {
        node.leader = false
        node.role = 'follower'
        node.knownLeader = undefined
      }
      return
    default:
      return
  }
}

/** Builds the timeline once per read of the state events (they may come in any order). */
export function buildReplayTimeline(nodes: readonly string[], events: readonly TraceEvent[], group = 0): ReplayTimeline {
  const sorted = events.filter((event) => (replayKinds as readonly string[]).includes(event.kind)).sort((a, b) => a.t - b.t)
  const state = initialReplayState(nodes)
  // Before the first leader traced its configuration the cluster had the bootstrap one, which is
  // what that first leader reports (no change is made without a leader): nodes added later are
  // not drawn at the start either.
  const firstMembers = sorted.find((event) => event.kind === 'members')
  if (firstMembers !== undefined) applyReplayEvent(state, { ...firstMembers, t: Number.NEGATIVE_INFINITY }, group)
  const snapshots: ReplayState[] = [cloneState(state)]
  sorted.forEach((event, i) => {
    applyReplayEvent(state, event, group)
    if ((i + 1) % replaySnapshotEvery === 0) snapshots.push(cloneState(state))
  })
  return { nodes: [...nodes], events: sorted, snapshots, group }
}

/** How many of the timeline's events happened at or before `atMs`. */
function countUpTo(events: readonly TraceEvent[], atMs: number): number {
  let low = 0
  let high = events.length
  while (low < high) {
    const middle = (low + high) >> 1
    if (events[middle]!.t <= atMs) low = middle + 1
    else high = middle
  }
  return low
}

/** The cluster at `atMs` (experiment time): every event at or before it counts. */
export function replayStateAt(timeline: ReplayTimeline, atMs: number): ReplayState {
  const count = countUpTo(timeline.events, atMs)
  const snapshotIndex = Math.min(Math.floor(count / replaySnapshotEvery), timeline.snapshots.length - 1)
  const state = cloneState(timeline.snapshots[snapshotIndex]!)
  for (let i = snapshotIndex * replaySnapshotEvery; i < count; i += 1) applyReplayEvent(state, timeline.events[i]!, timeline.group)
  return state
}

/**
 * The nodes that belong on the canvas at that moment: every node while the membership is fixed;
 * with membership changes, the members then (voters and learners), the nodes joining that have
 * started, and those already removed (drawn as gone); a node not yet started is left out.
 */
export function replayMembers(timeline: ReplayTimeline, state: ReplayState): string[] {
  if (state.members === undefined) return timeline.nodes
  return timeline.nodes.filter((node) => {
    const value = state.nodes[node]
    return value !== undefined && (value.member === 'voter' || value.member === 'learner' || value.member === 'removed' || value.process !== 'starting')
  })
}

/** Whom the cluster follows at that moment: the leader (primary) of the highest term (view) any up node claims. */
export function replayLeader(state: ReplayState): { node: string; term: number } | undefined {
  let best: { node: string; term: number } | undefined
  for (const [node, value] of Object.entries(state.nodes)) {
    if (value.process !== 'up' || !value.leader) continue
    if (best === undefined || value.term > best.term) best = { node, term: value.term }
  }
  return best
}

/** The unordered pairs of nodes with at least one direction cut, keyed "A|B" (names sorted), with the cut directions. */
export function cutPairs(state: ReplayState): Record<string, [string, string][]> {
  const pairs: Record<string, [string, string][]> = {}
  for (const [from, to] of state.cut) (pairs[[from, to].sort().join('|')] ??= []).push([from, to])
  return pairs
}
