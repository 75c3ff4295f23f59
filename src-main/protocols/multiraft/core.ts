/**
 * MultiRaft: several independent Raft groups hosted by the same nodes, each owning a share of the
 * keys (CockroachDB and TiKV shard this way). One core per node holds one RaftCore per group and
 * multiplexes them:
 *   - every message from all groups to one peer in one step leaves as a single Batch, so the
 *     heartbeats of all groups due at the same tick cost one message per node pair (coalescing);
 *     a Batch is one frame, so a turn whose items exceed batchBytesMax leaves as several;
 *   - persisted records are tagged with their group and go to the node's one WAL together, so one
 *     fsync covers every group's entries of an I/O turn;
 *   - proposals and reads are routed to the group that owns their key;
 *   - snapshots (Raft §7) are per group: a group asks for its own (`takeSnapshots`, answered by a
 *     `snapshot` input naming the group) and installs a leader's (`installSnapshots`). The one WAL
 *     can drop records only as a whole segment, so a Ready in which any group snapshots persists
 *     every group's durable state (its latest snapshot, hard state and log after it), the
 *     snapshotting group's snapshot record first: from that record on, the Ready's records rebuild
 *     the whole node, and every record before them is obsolete (the single-group rule, for all).
 * Pure like the cores it wraps: ticks in, effects out, randomness injected.
 */
import { RaftCore } from '../raft/core.js'
import { checkRaftMessage } from '../raft/messages.js'
import { raftMessageBytes } from '../raft/replication.js'
import { batchBytesMax, chunkByBytes, encodedBytesMax } from '../common/wire-budget.js'
import type { RaftMessage, RaftPersist, RaftSnapshot } from '../raft/messages.js'
import type { RaftOptions } from '../raft/options.js'
import type { Command, CoreEvent, CoreInput, CoreStatus, NodeId, ProposedCommand, ProtocolCore, Random, Ready } from '../types.js'
import { assertNever, emptyReady } from '../types.js'
import { groupOfKey, type KeyRouting } from './routing.js'

/** Groups one node can host. */
export const groupsMax = 64

export interface MultiRaftMessage {
  type: 'Batch'
  /** Not a Raft term: every item carries its own. Kept so every message has a `term` field. */
  term: 0
  items: { g: number; m: RaftMessage }[]
}

export interface MultiRaftPersist {
  g: number
  r: RaftPersist
}

export interface MultiRaftOptions extends Omit<RaftOptions, 'random' | 'persisted' | 'firstElectionTimeoutTicks'> {
  groups: number
  routing: KeyRouting
  /** One generator per group, so the groups' timeouts are independent. */
  randomFor: (group: number) => Random
  persisted?: readonly MultiRaftPersist[]
  /** Bytes of items in one Batch; default batchBytesMax of wire-budget.ts. */
  batchBytesMax?: number
}

/**
 * A MultiRaft Ready: Ready's takeSnapshot and installSnapshot stay unset (a driver that knows one
 * state machine must never act on a group's); its takeSnapshots and installSnapshots name the group.
 */
export type MultiReady = Ready<MultiRaftMessage, MultiRaftPersist>

/** The inputs of every core, plus a group's snapshot: the answer to a takeSnapshots item. */
export type MultiRaftInput = CoreInput<MultiRaftMessage> | { kind: 'snapshot'; group: number; index: number; data: Uint8Array; nowMs?: number }
type Item = MultiRaftMessage['items'][number]
/** One peer's items of a step, each with whether its group's Ready let it leave before the write. */
type Outgoing = Map<NodeId, { item: Item; beforeWrite: boolean }[]>

export class MultiRaftCore implements ProtocolCore<MultiRaftMessage, MultiRaftPersist> {
  readonly id: NodeId
  private readonly groups: RaftCore[] = []
  private readonly batchBytesMax: number

  constructor(private readonly options: MultiRaftOptions) {
    if (!Number.isInteger(options.groups) || options.groups < 1 || options.groups > groupsMax) {
      throw new Error(`multiraft: groups must be a whole number from 1 to ${groupsMax}, got ${options.groups}`)
    }
    this.id = options.id
    this.batchBytesMax = options.batchBytesMax ?? batchBytesMax
    if (!Number.isInteger(this.batchBytesMax) || this.batchBytesMax < 1 || this.batchBytesMax > batchBytesMax) {
      throw new Error(`multiraft: batchBytesMax must be a whole number from 1 to ${batchBytesMax}, got ${options.batchBytesMax}`)
    }
    const persistedByGroup = Array.from({ length: options.groups }, () => [] as RaftPersist[])
    for (const record of options.persisted ?? []) {
      if (!persistedByGroup[record.g]) throw new Error(`multiraft recovery: a record of group ${record.g}, but only ${options.groups} groups`)
      persistedByGroup[record.g]!.push(record.r)
    }
    const [timeoutMin, timeoutMax] = options.electionTimeoutTicks
    for (let group = 0; group < options.groups; group += 1) {
      // Group g's first election goes to node g mod n, so the leaders start spread over the nodes.
      const home = options.members[group % options.members.length]
      this.groups.push(
        new RaftCore({
          ...options,
          random: options.randomFor(group),
          persisted: persistedByGroup[group],
          firstElectionTimeoutTicks: home === options.id ? timeoutMin : timeoutMax,
        }),
      )
    }
  }

  get groupCount(): number {
    return this.groups.length
  }

  groupOf(key: string): number {
    return groupOfKey(key, this.groups.length, this.options.routing)
  }

  step(input: MultiRaftInput): MultiReady {
    const merged: MultiReady = emptyReady<MultiRaftMessage, MultiRaftPersist>()
    const outgoing: Outgoing = new Map()
    const snapshotted: number[] = []
    const absorb = (group: number, ready: Ready<RaftMessage, RaftPersist>) => {
      if (mergeGroup(merged, outgoing, group, ready)) snapshotted.push(group)
    }
    // Every group sees the same clock reading as the input that reached the node.
    const nowMs = input.nowMs
    switch (input.kind) {
      case 'tick':
        this.groups.forEach((core, group) => absorb(group, core.step({ kind: 'tick', nowMs })))
        break
      case 'message':
        for (const item of input.message.items) absorb(item.g, this.groups[item.g]!.step({ kind: 'message', from: input.from, message: item.m, nowMs }))
        break
      case 'propose':
        for (const [group, proposals] of this.partition(input.proposals, (proposal) => keyOf(proposal.command))) {
          absorb(group, this.groups[group]!.step({ kind: 'propose', proposals, nowMs }))
        }
        break
      case 'read': {
        const keys = input.keys ?? []
        const byGroup = this.partition(input.readIds, (_readId, position) => keys[position] ?? '')
        for (const [group, readIds] of byGroup) absorb(group, this.groups[group]!.step({ kind: 'read', readIds, nowMs }))
        break
      }
      case 'snapshot': {
        const core = this.groups[input.group]
        if (core === undefined) throw new Error(`multiraft: a snapshot of group ${input.group}, but only ${this.groups.length} groups`)
        absorb(input.group, core.step({ kind: 'snapshot', index: input.index, data: input.data, nowMs }))
        break
      }
      default:
        assertNever(input, 'input')
    }
    if (snapshotted.length > 0) this.persistEveryGroup(merged, snapshotted[0]!)
    this.sendBatches(merged, outgoing)
    return merged
  }

  /**
   * One group's snapshot makes its records before it obsolete, but the WAL holds every group's:
   * so the Ready persists every group's durable state after this step instead of the step's own
   * records (which that state includes), the snapshotting group's snapshot record first, where
   * the driver starts the new segment. Each group's snapshot record carries its bytes again; a
   * driver keeps a snapshot file it already holds rather than writing it twice.
   */
  private persistEveryGroup(merged: MultiReady, first: number): void {
    const order = [first, ...this.groups.keys()].filter((group, position, all) => all.indexOf(group) === position)
    merged.persist = order.flatMap((group) => this.groups[group]!.durableState().map((record) => ({ g: group, r: record })))
    merged.mustSync = true
  }

  /** The group's latest snapshot (recovered or since): a driver restores that group's state machine from it at start. */
  latestSnapshot(group: number): RaftSnapshot | undefined {
    return this.groups[group]?.latestSnapshot()
  }

  /**
   * One Batch per peer, or several when the items would not fit in one frame (each item fits alone).
   * A Batch may leave before the write only when every item in it may (each group's own rule).
   */
  private sendBatches(merged: MultiReady, outgoing: Outgoing): void {
    for (const [to, entries] of outgoing) {
      for (const chunk of chunkByBytes(entries, this.batchBytesMax, (entry) => itemBytes(entry.item))) {
        const message: MultiRaftMessage = { type: 'Batch', term: 0, items: chunk.map((entry) => entry.item) }
        merged.messages.push(chunk.every((entry) => entry.beforeWrite) ? { to, message, leavesBefore: 'write' } : { to, message })
      }
    }
  }

  /** Role is "leader of k/G" so the timelines can show how leadership is spread; per-group roles are in the events. */
  status(): CoreStatus {
    const statuses = this.groups.map((core) => core.status())
    const led = statuses.filter((status) => status.role === 'leader').length
    return {
      id: this.id,
      role: led > 0 ? `leader ${led}/${statuses.length}` : 'follower',
      term: Math.max(...statuses.map((status) => status.term)),
      commitIndex: sum(statuses.map((status) => status.commitIndex)),
      lastIndex: sum(statuses.map((status) => status.lastIndex)),
      appliedIndex: sum(statuses.map((status) => status.appliedIndex)),
    }
  }

  groupStatus(group: number): CoreStatus {
    return this.groups[group]!.status()
  }

  campaign(group: number, nowMs?: number): MultiReady {
    const merged: MultiReady = emptyReady<MultiRaftMessage, MultiRaftPersist>()
    const outgoing: Outgoing = new Map()
    if (mergeGroup(merged, outgoing, group, this.groups[group]!.step({ kind: 'campaign', nowMs }))) this.persistEveryGroup(merged, group)
    this.sendBatches(merged, outgoing)
    return merged
  }

  private partition<T>(items: readonly T[], keyFor: (item: T, position: number) => string): Map<number, T[]> {
    const byGroup = new Map<number, T[]>()
    items.forEach((item, position) => {
      const group = this.groupOf(keyFor(item, position))
      const list = byGroup.get(group)
      if (list) list.push(item)
      else byGroup.set(group, [item])
    })
    return byGroup
  }
}

/**
 * Every group's records go to the one WAL, so one fsync covers them: it is due when any group's is.
 * Returns whether the group persisted a snapshot (its records before it are obsolete).
 */
function mergeGroup(merged: MultiReady, outgoing: Outgoing, group: number, ready: Ready<RaftMessage, RaftPersist>): boolean {
  for (const record of ready.persist) merged.persist.push({ g: group, r: record })
  merged.mustSync ||= ready.mustSync
  for (const { to, message, leavesBefore } of ready.messages) {
    const entry = { item: { g: group, m: message }, beforeWrite: leavesBefore === 'write' }
    const entries = outgoing.get(to)
    if (entries) entries.push(entry)
    else outgoing.set(to, [entry])
  }
  for (const entry of ready.applied) merged.applied.push({ ...entry, group })
  for (const read of ready.reads) merged.reads.push(read)
  for (const rejection of ready.rejections) merged.rejections.push(rejection)
  for (const event of ready.events) merged.events.push({ ...event, group } as CoreEvent)
  if (ready.takeSnapshot !== undefined) (merged.takeSnapshots ??= []).push({ group, index: ready.takeSnapshot.index })
  if (ready.installSnapshot !== undefined) (merged.installSnapshots ??= []).push({ group, ...ready.installSnapshot })
  return ready.persist.some((record) => record.kind === 'snapshot')
}

/** An item's encoded size: the group number and field names around the Raft message. */
const itemOverheadBytes = encodedBytesMax({ g: Number.MAX_SAFE_INTEGER, m: null })

function itemBytes(item: Item): number {
  return itemOverheadBytes + raftMessageBytes(item.m)
}

function keyOf(command: Command): string {
  switch (command.op) {
    case 'range':
      return command.prefix
    case 'put':
    case 'delete':
    case 'cas':
    case 'get':
      return command.key
    default:
      // Leases and noops carry no key: group 0 owns them.
      return ''
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

/** Shape check of a decoded Batch before any item reaches a group's core. */
export function isMultiRaftMessage(value: unknown, groups: number): value is MultiRaftMessage {
  const message = value as Partial<MultiRaftMessage> | null
  if (typeof message !== 'object' || message === null || message.type !== 'Batch' || !Array.isArray(message.items)) return false
  return message.items.every(
    (item) => typeof item === 'object' && item !== null && Number.isInteger(item.g) && item.g >= 0 && item.g < groups && checkRaftMessage(item.m).ok,
  )
}
