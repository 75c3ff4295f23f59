/**
 * MultiRaft snapshots (Raft §7, per group): each group snapshots its own state machine and compacts
 * its own log; a Ready in which any group snapshots persists every group's durable state from that
 * group's snapshot record on, so a driver with one WAL for all groups starts a new segment there
 * and drops the one before. Driven here by a small in-memory driver that keeps, per node, only the
 * live segment (what a WAL holds after a segment change) and a KV store per group.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-main/protocols/common/random.js'
import { MultiRaftCore, type MultiRaftInput, type MultiRaftMessage, type MultiRaftPersist, type MultiReady } from '../../../src-main/protocols/multiraft/core.js'
import { KeyValueStore } from '../../../src-main/kv/store.js'
import type { NodeId } from '../../../src-main/protocols/types.js'

const members = ['A', 'B', 'C']
const groups = 3
const snapshotEntries = 5

interface Node {
  core: MultiRaftCore
  stores: KeyValueStore[]
  /** The live WAL segment: records since the last snapshot record that started one. */
  segment: MultiRaftPersist[]
  segmentsStarted: number
  installed: number[]
  up: boolean
}

function newCore(id: NodeId, persisted: MultiRaftPersist[]): MultiRaftCore {
  return new MultiRaftCore({
    id,
    members,
    groups,
    routing: { kind: 'hash' },
    randomFor: (group) => seededRandom(7, `${id}:${group}`),
    electionTimeoutTicks: [10, 20],
    heartbeatTicks: 2,
    preVote: false,
    checkQuorum: false,
    batchEntriesMax: 64,
    inflightAppendsMax: 4,
    snapshotEntries,
    snapshotCatchUpEntries: 0,
    snapshotChunkBytesMax: 256,
    persisted,
  })
}

class Driver {
  readonly nodes = new Map<NodeId, Node>()
  private readonly network: { from: NodeId; to: NodeId; message: MultiRaftMessage }[] = []

  constructor() {
    for (const id of members) this.nodes.set(id, { core: newCore(id, []), stores: fresh(), segment: [], segmentsStarted: 0, installed: [], up: true })
  }

  node(id: NodeId): Node {
    return this.nodes.get(id)!
  }

  step(id: NodeId, input: MultiRaftInput): void {
    const node = this.node(id)
    if (!node.up) return
    this.handle(id, node.core.step(input))
  }

  /** Ready's order: persist, send, install, apply, snapshot (here at once, as the simulator does). */
  private handle(id: NodeId, ready: MultiReady): void {
    const node = this.node(id)
    const first = ready.persist.findIndex((record) => record.r.kind === 'snapshot')
    if (first < 0) node.segment.push(...ready.persist)
    else {
      node.segment = ready.persist.slice(first)
      node.segmentsStarted += 1
    }
    for (const { to, message } of ready.messages) this.network.push({ from: id, to, message })
    for (const snapshot of ready.installSnapshots ?? []) {
      node.stores[snapshot.group] = KeyValueStore.restore(snapshot.data)
      node.installed.push(snapshot.group)
    }
    for (const entry of ready.applied) node.stores[entry.group!]!.apply(entry.index, entry.term, entry.command)
    for (const { group, index } of ready.takeSnapshots ?? []) {
      expect(node.stores[group]!.appliedIndex).toBe(index)
      this.step(id, { kind: 'snapshot', group, index, data: node.stores[group]!.serialize() })
    }
  }

  stabilize(): void {
    for (let count = 0; this.network.length > 0; count += 1) {
      if (count > 200_000) throw new Error('the network did not quiet down')
      const { from, to, message } = this.network.shift()!
      if (this.node(from).up) this.step(to, { kind: 'message', from, message })
    }
  }

  tick(times: number): void {
    for (let round = 0; round < times; round += 1) {
      for (const id of members) this.step(id, { kind: 'tick' })
      this.stabilize()
    }
  }

  /** Puts `count` keys through the leader of each key's group (every group has one once elected). */
  put(prefix: string, count: number): void {
    for (let index = 0; index < count; index += 1) {
      const key = `${prefix}${index}`
      const leader = this.leaderOf(this.node('A').core.groupOf(key))
      this.step(leader, { kind: 'propose', proposals: [{ command: { op: 'put', key, value: `v${index}` } }] })
      this.stabilize()
    }
    this.tick(4) // heartbeats carry the last commit index to the followers
  }

  leaderOf(group: number): NodeId {
    const leader = members.find((id) => this.node(id).up && this.node(id).core.groupStatus(group).role === 'leader')
    if (leader === undefined) throw new Error(`group ${group} has no leader`)
    return leader
  }

  crash(id: NodeId): void {
    this.node(id).up = false
  }

  /** A restart keeps only the live segment; each group's store comes back from its snapshot. */
  restart(id: NodeId): void {
    const node = this.node(id)
    node.core = newCore(id, node.segment)
    node.stores = fresh()
    for (let group = 0; group < groups; group += 1) {
      const snapshot = node.core.latestSnapshot(group)
      if (snapshot !== undefined) node.stores[group] = KeyValueStore.restore(snapshot.data)
    }
    node.up = true
  }

  digests(id: NodeId): string[] {
    return this.node(id).stores.map((store) => `${store.appliedIndex}:${store.digest()}`)
  }
}

function fresh(): KeyValueStore[] {
  return Array.from({ length: groups }, () => new KeyValueStore())
}

/** Each group's records in a segment, by kind and index. */
function shape(segment: MultiRaftPersist[], group: number): string[] {
  return segment
    .filter((record) => record.g === group)
    .map(({ r }) => (r.kind === 'snapshot' ? `snapshot@${r.index}` : r.kind === 'entries' ? `entries@${r.fromIndex}` : r.kind))
}

function electAll(driver: Driver): void {
  for (let round = 0; round < 200 && !allLed(driver); round += 1) driver.tick(1)
  expect(allLed(driver)).toBe(true)
}

function allLed(driver: Driver): boolean {
  return Array.from({ length: groups }, (_, group) => group).every((group) => members.some((id) => driver.node(id).up && driver.node(id).core.groupStatus(group).role === 'leader'))
}

/** A digest without its applied index. */
function stateOnly(digest: string): string {
  return digest.split(':')[1]!
}

describe('MultiRaft §7 per group: every group snapshots and compacts its own log', () => {
  it('each group snapshots; the segment a snapshot starts rebuilds every group; a restart from it keeps every group\'s state', () => {
    const driver = new Driver()
    electAll(driver)
    driver.put('k', 60)
    for (const id of members) {
      const node = driver.node(id)
      expect(node.segmentsStarted, id).toBeGreaterThan(0)
      for (let group = 0; group < groups; group += 1) {
        const snapshot = node.core.latestSnapshot(group)
        expect(snapshot, `${id} group ${group}`).toBeDefined()
        // The live segment holds exactly one snapshot record per group, then its hard state and tail.
        const records = shape(node.segment, group)
        expect(records.filter((kind) => kind.startsWith('snapshot')), `${id} group ${group}`).toEqual([`snapshot@${snapshot!.index}`])
        expect(records.slice(0, 2), `${id} group ${group}`).toEqual([`snapshot@${snapshot!.index}`, 'hardState'])
        // Only the tail after the snapshot is kept: nothing at or below its index.
        for (const { r } of node.segment.filter((record) => record.g === group)) {
          if (r.kind === 'entries') expect(r.fromIndex, `${id} group ${group}`).toBeGreaterThan(snapshot!.index)
        }
      }
      // The segment starts with a snapshot record (where a WAL starts it).
      expect(node.segment[0]!.r.kind).toBe('snapshot')
    }
    const before = driver.digests('B')
    expect(new Set(members.map((id) => driver.digests(id).join()))).toEqual(new Set([before.join()]))
    driver.crash('B')
    driver.restart('B')
    // Restored from the snapshots alone, each group is at or behind; the tail comes back through the log
    // (a group may meanwhile have elected again, whose noop moves every node's index alike).
    driver.tick(30)
    expect(driver.digests('B').map(stateOnly)).toEqual(before.map(stateOnly))
    expect(driver.digests('B')).toEqual(driver.digests('A'))
    driver.put('after', 12)
    expect(driver.digests('B')).toEqual(driver.digests('A'))
    expect(driver.digests('C')).toEqual(driver.digests('A'))
  })

  it('a follower down while every group compacts past its log catches up through InstallSnapshot in each group', () => {
    const driver = new Driver()
    electAll(driver)
    driver.put('k', 6)
    // The first elections spread the leaders, so C leads a group too: the others elect again there.
    const down = 'C'
    driver.crash(down)
    for (let round = 0; round < 200 && !allLed(driver); round += 1) driver.tick(1)
    driver.put('while-down', 90)
    const up = members.find((id) => id !== down)!
    for (let group = 0; group < groups; group += 1) {
      expect(driver.node(up).core.latestSnapshot(group)!.index, `group ${group}`).toBeGreaterThan(driver.node(down).core.groupStatus(group).lastIndex)
    }
    driver.restart(down)
    driver.tick(40)
    expect([...new Set(driver.node(down).installed)].sort()).toEqual([0, 1, 2])
    expect(driver.digests(down)).toEqual(driver.digests(up))
    // Its own segment now starts from the installed snapshots: a second restart needs nothing else.
    const after = driver.digests(down)
    driver.crash(down)
    driver.restart(down)
    driver.tick(30)
    expect(driver.digests(down)).toEqual(after)
  })
})
