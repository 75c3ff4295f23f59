/**
 * A hand-driven ParallelRaft cluster for the core's unit tests: messages wait in a queue until a
 * test delivers them (all, or those a filter picks), so a test decides exactly which entry reaches
 * whom and when — holes included.
 */
import { ParallelRaftCore, type ParallelRaftMutations } from '../../../src-main/protocols/parallel-raft/core.js'
import type { ParallelRaftMessage, ParallelRaftPersist } from '../../../src-main/protocols/parallel-raft/messages.js'
import { seededRandom } from '../../../src-main/protocols/common/random.js'
import type { AppliedEntry, Command, NodeId, Ready } from '../../../src-main/protocols/types.js'

export interface InFlight {
  from: NodeId
  to: NodeId
  message: ParallelRaftMessage
}

export class Cluster {
  readonly cores = new Map<NodeId, ParallelRaftCore>()
  readonly disks = new Map<NodeId, ParallelRaftPersist[]>()
  readonly applied = new Map<NodeId, AppliedEntry[]>()
  readonly readsServed = new Map<NodeId, number[]>()
  queue: InFlight[] = []

  constructor(
    readonly members: NodeId[],
    private readonly lookBehindEntries = 2,
    private readonly mutations: ParallelRaftMutations = {},
  ) {
    for (const id of members) {
      this.disks.set(id, [])
      this.start(id)
    }
  }

  /** (Re)starts a node from its disk: a fresh core, an empty state machine. */
  start(id: NodeId): void {
    // The first node times out first (3 ticks), the others later (20), so a test picks who campaigns by whom it ticks.
    const timeout: [number, number] = id === this.members[0] ? [3, 3] : [20, 20]
    this.cores.set(id, new ParallelRaftCore({
      id, members: this.members, electionTimeoutTicks: timeout, heartbeatTicks: 1, lookBehindEntries: this.lookBehindEntries,
      random: seededRandom(1, id), persisted: [...this.disks.get(id)!], mutations: this.mutations,
    }))
    this.applied.set(id, [])
    this.readsServed.set(id, [])
  }

  core(id: NodeId): ParallelRaftCore {
    return this.cores.get(id)!
  }

  handle(id: NodeId, ready: Ready<ParallelRaftMessage, ParallelRaftPersist>): Ready<ParallelRaftMessage, ParallelRaftPersist> {
    this.disks.get(id)!.push(...ready.persist)
    for (const out of ready.messages) this.queue.push({ from: id, to: out.to, message: out.message })
    this.applied.get(id)!.push(...ready.applied)
    this.readsServed.get(id)!.push(...ready.reads.map((read) => read.readId))
    return ready
  }

  tick(id: NodeId, times = 1): void {
    for (let count = 0; count < times; count += 1) this.handle(id, this.core(id).step({ kind: 'tick' }))
  }

  propose(id: NodeId, ...commands: Command[]): Ready<ParallelRaftMessage, ParallelRaftPersist> {
    return this.handle(id, this.core(id).step({ kind: 'propose', proposals: commands.map((command, seq) => ({ command, tag: { clientId: 'c', seq: seq + this.proposed++ } })) }))
  }

  private proposed = 0

  read(id: NodeId, readId: number, key: string): Ready<ParallelRaftMessage, ParallelRaftPersist> {
    return this.handle(id, this.core(id).step({ kind: 'read', readIds: [readId], keys: [key] }))
  }

  /** Loses the queued messages `pick` selects. */
  drop(pick: (message: InFlight) => boolean): void {
    this.queue = this.queue.filter((message) => !pick(message))
  }

  /** Delivers the queued messages `pick` selects (and whatever they cause, until nothing picked is left); loses the others only if `drop`. */
  deliver(pick: (message: InFlight) => boolean = () => true, drop = false): void {
    for (let rounds = 0; rounds < 1000; rounds += 1) {
      const picked = this.queue.filter(pick)
      this.queue = drop ? [] : this.queue.filter((message) => !pick(message))
      if (picked.length === 0) return
      for (const { from, to, message } of picked) this.handle(to, this.core(to).step({ kind: 'message', from, message }))
    }
    throw new Error('messages kept coming for 1000 rounds')
  }

  /** Ticks `id` until it campaigns, then delivers what `pick` selects (default: everything) until quiet. */
  elect(id: NodeId, pick: (message: InFlight) => boolean = () => true): void {
    for (let ticks = 0; this.core(id).status().role === 'follower'; ticks += 1) {
      if (ticks > 2000) throw new Error(`${id} never campaigned`)
      this.tick(id)
    }
    this.deliver(pick, true)
  }

  appliedIndexes(id: NodeId): number[] {
    return this.applied.get(id)!.map((entry) => entry.index)
  }
}

export const put = (key: string, value: string): Command => ({ op: 'put', key, value })
