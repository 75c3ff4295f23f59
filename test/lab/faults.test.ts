/**
 * Every fault kind on real processes, each with the effect it must have. Tests wait for facts in
 * the trace or in replica status, never for time.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, leadersByTerm, type TestCluster } from '../support/cluster-harness.js'
import { FaultInjector } from '../../src-main/lab/faults.js'
import { seededRandom } from '../../src-main/protocols/common/random.js'
import type { Fault } from '../../src-main/faults/fault.js'
import type { Command } from '../../src-main/protocols/types.js'

let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

const calm = { delayMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 }

async function setUp(members: string[]) {
  running = await startTestCluster(members)
  const cluster = running
  await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
  const faults = new FaultInjector(cluster.cluster, cluster.leaders, calm, seededRandom(1, 'faults'))
  const inject = (fault: Fault) => faults.inject(fault, 0)
  return { cluster, inject }
}

/** Retries a write until it is acknowledged: with faults in force some attempts time out. */
async function writeUntilOk(cluster: TestCluster, command: Command, attempts = 20): Promise<void> {
  const client = cluster.client()
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if ((await client.run(command, 2000)).type === 'ok') return client.close()
  }
  client.close()
  throw new Error(`${JSON.stringify(command)} was never acknowledged`)
}

function appliedIndexes(cluster: TestCluster): number[] {
  return cluster.cluster.nodeIds.map((node) => cluster.cluster.replicas.get(node)?.status?.appliedIndex ?? -1)
}

const converged = (cluster: TestCluster, atLeast: number) => () => {
  const indexes = appliedIndexes(cluster)
  return indexes.every((index) => index === indexes[0] && index >= atLeast)
}

describe('faults on real processes', () => {
  it('under a {A,B} | {C,D,E} partition only the majority commits; after the heal the minority adopts its log', async () => {
    const { cluster, inject } = await setUp(['A', 'B', 'C', 'D', 'E'])
    await writeUntilOk(cluster, { op: 'put', key: 'before', value: 'partition' })
    await cluster.until(converged(cluster, 2), 'every node to apply the first write')
    await inject({ kind: 'partition', groups: [['A', 'B'], ['C', 'D', 'E']] })
    const commitsBefore = ['A', 'B'].map((node) => cluster.cluster.replicas.get(node)!.status!.commitIndex)
    await writeUntilOk(cluster, { op: 'put', key: 'side', value: 'majority' })
    await cluster.until(() => ['C', 'D', 'E'].some((node) => cluster.leaders.roleOf(node)?.role === 'leader'), 'a leader among C, D, E')
    expect(['A', 'B'].map((node) => cluster.cluster.replicas.get(node)!.status!.commitIndex)).toEqual(commitsBefore)
    await inject({ kind: 'heal' })
    const majorityApplied = Math.max(...['C', 'D', 'E'].map((node) => cluster.cluster.replicas.get(node)!.status!.appliedIndex))
    await cluster.until(converged(cluster, majorityApplied), 'all five nodes to apply the same log')
    for (const leaders of leadersByTerm(cluster.trace).values()) expect(leaders.size).toBe(1)
  })

  it('with 30% message loss the cluster still commits, and converges once the loss stops', async () => {
    const { cluster, inject } = await setUp(['A', 'B', 'C'])
    await inject({ kind: 'network', conditions: { loss: 0.3 } })
    for (let index = 0; index < 10; index += 1) await writeUntilOk(cluster, { op: 'put', key: `k${index}`, value: `${index}` })
    await inject({ kind: 'network', conditions: { loss: 0 } })
    const leaderApplied = Math.max(...appliedIndexes(cluster))
    await cluster.until(converged(cluster, leaderApplied), 'all nodes to apply the same log')
  })

  it('a paused leader is replaced, and steps down when it resumes', async () => {
    const { cluster, inject } = await setUp(['A', 'B', 'C'])
    const oldLeader = cluster.leaders.leader()!
    await inject({ kind: 'pause', target: 'leader' })
    await cluster.until(() => {
      const leader = cluster.leaders.leader()
      return leader !== undefined && leader !== oldLeader
    }, 'a new leader while the old one is paused')
    const newTerm = cluster.leaders.roleOf(cluster.leaders.leader()!)!.term
    await inject({ kind: 'resume', target: 'paused' })
    await cluster.until(() => {
      const role = cluster.leaders.roleOf(oldLeader)
      return role !== undefined && role.role === 'follower' && role.term >= newTerm
    }, `${oldLeader} to step down after resuming`)
  })

  it('a one-way cut from the leader to a follower makes that follower start an election', async () => {
    const { cluster, inject } = await setUp(['A', 'B', 'C'])
    const leader = cluster.leaders.leader()!
    const follower = cluster.cluster.nodeIds.find((node) => node !== leader)!
    const term = cluster.leaders.roleOf(leader)!.term
    await inject({ kind: 'cutOneWay', from: leader, to: follower })
    await cluster.until(() => cluster.trace.some((event) => event.kind === 'role' && event.node === follower && event.role === 'candidate' && event.term > term), `${follower} to campaign`)
    expect(cluster.trace.some((event) => event.kind === 'drop' && event.node === leader && event.to === follower && event.reason === 'partition')).toBe(true)
  })

  it('a link delay holds every acknowledged write back by at least the delay', async () => {
    const { cluster, inject } = await setUp(['A', 'B', 'C'])
    await writeUntilOk(cluster, { op: 'put', key: 'warm', value: 'up' })
    await inject({ kind: 'network', conditions: { delayMs: 60 } })
    const client = cluster.client()
    const started = performance.now()
    expect((await client.run({ op: 'put', key: 'slow', value: 'write' }, 5000)).type).toBe('ok')
    // A commit needs one leader -> follower message and its reply: at least one delayed hop.
    expect(performance.now() - started).toBeGreaterThanOrEqual(60)
    client.close()
  })

  it('duplicated and reordered messages do not break agreement', async () => {
    const { cluster, inject } = await setUp(['A', 'B', 'C'])
    await inject({ kind: 'network', conditions: { duplicate: 0.5, reorder: 0.5, delayMs: 2, jitterMs: 2 } })
    for (let index = 0; index < 20; index += 1) await writeUntilOk(cluster, { op: 'put', key: 'x', value: `${index}` })
    await inject({ kind: 'network', conditions: calm })
    await cluster.until(converged(cluster, Math.max(...appliedIndexes(cluster))), 'all nodes to apply the same log')
    const hashes = new Map<number, Set<string>>()
    for (const event of cluster.trace) if (event.kind === 'apply') hashes.set(event.index, (hashes.get(event.index) ?? new Set()).add(event.hash))
    for (const [index, seen] of hashes) expect(seen.size, `applied hashes at index ${index}`).toBe(1)
  })

  it('a slow disk on the leader slows every acknowledged write by at least its added fsync time', async () => {
    const { cluster, inject } = await setUp(['A', 'B', 'C'])
    await writeUntilOk(cluster, { op: 'put', key: 'warm', value: 'up' })
    await inject({ kind: 'slowDisk', target: 'leader', ms: 80 })
    const client = cluster.client()
    const started = performance.now()
    expect((await client.run({ op: 'put', key: 'slow', value: 'disk' }, 5000)).type).toBe('ok')
    expect(performance.now() - started).toBeGreaterThanOrEqual(80)
    client.close()
  })
})
