/**
 * Random log-grid traces for the equivalence tests of the live grid: Raft-shaped per group (a
 * leader per term labels its appends, followers catch up, lag, get truncated by a new leader,
 * install snapshots past their log, overwrite without a truncate event as older traces did) and
 * then written the way the lab writes a live trace: each node's events in its own order, the nodes'
 * batches interleaved at random, some late.
 */
import { randomInt, seededRandom } from '../../../src-main/protocols/common/random'
import type { Random } from '../../../src-main/protocols/types'
import type { TraceEvent } from '../../../src-main/api/trace'

interface GroupState {
  term: number
  leader: string
  /** Each node's log: the term of index i + 1 at [i]. */
  logs: Map<string, number[]>
}

function runsOf(terms: readonly number[], fromIndex: number): [number, number][] {
  const runs: [number, number][] = []
  terms.forEach((term, offset) => {
    if (runs.length === 0 || runs[runs.length - 1]![1] !== term) runs.push([fromIndex + offset, term])
  })
  return runs
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

/** One group's next event at time `t`, changing `state` as the node that traced it would. */
function nextEvent(random: Random, state: GroupState, nodes: readonly string[], t: number, groupField: { group?: number }): TraceEvent {
  const draw = random()
  const leaderLog = state.logs.get(state.leader)!
  if (draw < 0.35) {
    const count = randomInt(random, 1, 4)
    const fromIndex = leaderLog.length + 1
    for (let k = 0; k < count; k += 1) leaderLog.push(state.term)
    const labelled = random() < 0.9 ? { ops: Array.from({ length: count }, (_, k) => `SET k${fromIndex + k}=${state.term}.${randomInt(random, 0, 99)}`) } : {}
    return { t, node: state.leader, kind: 'append', fromIndex, toIndex: fromIndex + count - 1, runs: [[fromIndex, state.term]], persistMs: 1, ...labelled, ...groupField }
  }
  const node = pick(random, nodes)
  const log = state.logs.get(node)!
  if (draw < 0.65 && node !== state.leader && leaderLog.length > 0) {
    // Catch up from the leader: usually from the node's end; at times a snapshot past it, or a rewrite of an older stretch.
    const shape = random()
    let fromIndex = log.length + 1
    if (shape < 0.1) fromIndex = Math.max(1, leaderLog.length - randomInt(random, 0, 2))
    else if (shape < 0.2) fromIndex = randomInt(random, 1, Math.max(1, log.length))
    const toIndex = Math.min(leaderLog.length, fromIndex + randomInt(random, 0, 5))
    if (fromIndex > toIndex) return { t, node, kind: 'commit', index: randomInt(random, 0, log.length), ...groupField }
    const terms = leaderLog.slice(fromIndex - 1, toIndex)
    if (fromIndex > log.length + 1) log.length = 0
    log.length = Math.min(log.length, fromIndex - 1)
    while (log.length < fromIndex - 1) log.push(0)
    log.push(...terms)
    return { t, node, kind: 'append', fromIndex, toIndex, runs: runsOf(terms, fromIndex), persistMs: 1, ...groupField }
  }
  if (draw < 0.85) return { t, node, kind: 'commit', index: randomInt(random, 0, log.length + 2), ...groupField }
  if (draw < 0.93) {
    // A new term: a node whose log runs past the new leader's drops the rest.
    state.term += randomInt(random, 1, 2)
    state.leader = pick(random, nodes)
    const newLeaderLog = state.logs.get(state.leader)!
    const follower = pick(random, nodes)
    const followerLog = state.logs.get(follower)!
    if (follower === state.leader || followerLog.length <= newLeaderLog.length) return { t, node: follower, kind: 'commit', index: randomInt(random, 0, followerLog.length), ...groupField }
    const fromIndex = newLeaderLog.length + 1
    const dropped = followerLog.splice(fromIndex - 1)
    const withRuns = random() < 0.5 ? { runs: runsOf(dropped, fromIndex), toIndex: fromIndex + dropped.length - 1 } : {}
    const withLeader = random() < 0.8 ? { leader: state.leader } : {}
    return { t, node: follower, kind: 'truncate', fromIndex, term: state.term, ...withRuns, ...withLeader, ...groupField }
  }
  // A truncation nothing above would make: anywhere, with runs that need not match what was held. Never
  // at the leader: a leader labels each (index, term) once, as Raft's does, and never drops its own entries.
  if (node === state.leader) return { t, node, kind: 'commit', index: randomInt(random, 0, log.length), ...groupField }
  const fromIndex = randomInt(random, 1, log.length + 1)
  const runs = random() < 0.5 ? { runs: [[fromIndex, randomInt(random, 1, state.term + 1)]] as [number, number][] } : {}
  log.splice(fromIndex - 1)
  return { t, node, kind: 'truncate', fromIndex, term: state.term, ...runs, ...groupField }
}

/**
 * `count` events over `groups` groups, every node's in time order (times repeat at random). The
 * events of group 0 sometimes carry no group field, as a single-group trace's never do.
 */
export function randomLogTrace(seed: number, nodes: readonly string[], groups: number, count: number): TraceEvent[] {
  const random = seededRandom(seed, 'log-stream')
  const states: GroupState[] = Array.from({ length: groups }, () => ({ term: 1, leader: nodes[0]!, logs: new Map(nodes.map((node) => [node, []])) }))
  const events: TraceEvent[] = []
  let t = 0
  for (let i = 0; i < count; i += 1) {
    t += randomInt(random, 0, 2) * 0.5
    const group = randomInt(random, 0, groups - 1)
    const groupField = groups === 1 || (group === 0 && random() < 0.5) ? {} : { group }
    events.push(nextEvent(random, states[group]!, nodes, t, groupField))
  }
  return events
}

/**
 * The order a live trace file holds `events` in: each node ships its events in batches, in its own
 * order; the batches of different nodes land interleaved, and a batch can land after other nodes'
 * later events (a replica paused or slow to report). Returns the file's lines in order.
 */
export function writtenOrder(seed: number, events: readonly TraceEvent[]): TraceEvent[] {
  const random = seededRandom(seed, 'written-order')
  const queues = new Map<string, TraceEvent[]>()
  for (const event of events) {
    const queue = queues.get(event.node)
    if (queue === undefined) queues.set(event.node, [event])
    else queue.push(event)
  }
  const written: TraceEvent[] = []
  const waiting = [...queues.values()].filter((queue) => queue.length > 0)
  while (waiting.length > 0) {
    const position = Math.floor(random() * waiting.length)
    const queue = waiting[position]!
    written.push(...queue.splice(0, randomInt(random, 1, 12)))
    if (queue.length === 0) waiting.splice(position, 1)
  }
  return written
}

/** Cuts `lines` into consecutive batches of 1..batchMax lines. */
export function batches<T>(seed: number, lines: readonly T[], batchMax: number): T[][] {
  const random = seededRandom(seed, 'batches')
  const cut: T[][] = []
  for (let start = 0; start < lines.length; ) {
    const size = randomInt(random, 1, batchMax)
    cut.push(lines.slice(start, start + size))
    start += size
  }
  return cut
}

/** A group's events, as buildLogGrid must be given them (it takes the labels of every event it is given). */
export function ofGroup(events: readonly TraceEvent[], group: number): TraceEvent[] {
  return events.filter((event) => ('group' in event ? (event.group ?? 0) : 0) === group)
}

/**
 * `count` random PBFT slot-grid events (slot phases, re-proposals in later views, checkpoints,
 * conflicts, view changes by role events), every replica's in time order (times repeat at random).
 */
export function randomSlotTrace(seed: number, nodes: readonly string[], count: number): TraceEvent[] {
  const random = seededRandom(seed, 'slot-stream')
  const phases = ['pre-prepared', 'prepared', 'committed', 'executed'] as const
  const events: TraceEvent[] = []
  let view = 0
  let nextSeq = 1
  let t = 0
  for (let i = 0; i < count; i += 1) {
    t += randomInt(random, 0, 2) * 0.5
    const node = pick(random, nodes)
    const draw = random()
    if (draw < 0.7) {
      if (random() < 0.3) nextSeq += 1
      const seq = Math.max(1, nextSeq - randomInt(random, 0, 6))
      const digest = random() < 0.5 ? { digest: `d${seq}.${view}` } : {}
      events.push({ t, node, kind: 'slot', seq, view: Math.max(0, view - randomInt(random, 0, 1)), phase: pick(random, phases), ...digest })
    } else if (draw < 0.8) {
      events.push({ t, node, kind: 'checkpoint', seq: Math.max(0, nextSeq - randomInt(random, 0, 10)) })
    } else if (draw < 0.88) {
      events.push({ t, node, kind: 'conflict', seq: Math.max(1, nextSeq - randomInt(random, 0, 4)), view, from: pick(random, nodes), type: pick(random, ['Prepare', 'Commit', 'PrePrepare']) })
    } else {
      if (random() < 0.4) view += 1
      events.push({ t, node, kind: 'role', role: node === nodes[view % nodes.length] ? 'primary' : 'backup', term: view })
    }
  }
  return events
}
