/**
 * Raft on real processes: separate OS processes, TCP on 127.0.0.1, WAL with fsync.
 * Each test waits on facts from the trace (a leader, a commit), never on fixed sleeps.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { preallocationBytes } from '../../src-main/replica/wal.js'
import { leadersByTerm, startTestCluster, type TestCluster } from '../support/cluster-harness.js'

let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

function expectOneLeaderPerTerm(cluster: TestCluster): void {
  for (const [term, leaders] of leadersByTerm(cluster.trace)) {
    expect([...leaders], `leaders of term ${term}`).toHaveLength(1)
  }
}

describe('a Raft cluster of real processes', () => {
  for (const size of [3, 5]) {
    it(`elects exactly one leader per term with ${size} nodes`, async () => {
      const members = ['A', 'B', 'C', 'D', 'E'].slice(0, size)
      running = await startTestCluster(members)
      await running.until(() => running!.leaders.leader() !== undefined, 'a leader')
      const client = running.client()
      expect((await client.run({ op: 'put', key: 'k', value: 'v' })).type).toBe('ok')
      expect(await client.run({ op: 'get', key: 'k' })).toMatchObject({ type: 'ok', value: 'v' })
      expectOneLeaderPerTerm(running)
    })
  }

  it('keeps an acknowledged write through a leader crash, failover and the old leader restarting from its WAL', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const client = cluster.client()
    for (let index = 0; index < 20; index += 1) {
      expect((await client.run({ op: 'put', key: `key${index}`, value: `value${index}` })).type).toBe('ok')
    }
    const oldLeader = cluster.leaders.leader()!
    await cluster.cluster.crash(oldLeader)
    await cluster.until(() => {
      const leader = cluster.leaders.leader()
      return leader !== undefined && leader !== oldLeader
    }, 'a new leader')
    expect(await client.run({ op: 'get', key: 'key19' }, 5000)).toMatchObject({ type: 'ok', value: 'value19' })
    await cluster.cluster.restart(oldLeader)
    // The restarted node rebuilds its log from the WAL and catches up; then only it is left standing.
    const others = ['A', 'B', 'C'].filter((node) => node !== oldLeader)
    expect((await client.run({ op: 'put', key: 'after', value: 'restart' })).type).toBe('ok')
    await cluster.until(() => (cluster.cluster.replicas.get(oldLeader)?.status?.appliedIndex ?? 0) >= 22, `${oldLeader} to apply the log`)
    await cluster.cluster.crash(others[0]!)
    const answer = await client.run({ op: 'get', key: 'key0' }, 8000)
    expect(answer).toMatchObject({ type: 'ok', value: 'value0' })
    expectOneLeaderPerTerm(cluster)
  })

  it('leaves each WAL trimmed to its records when the run ends, not the zero-filled space kept ahead while it ran', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const client = cluster.client()
    expect((await client.run({ op: 'put', key: 'k', value: 'v' })).type).toBe('ok')
    const walOf = (node: string) => path.join(cluster.runDir, 'nodes', node, 'wal.log')
    expect(fs.statSync(walOf('A')).size, 'space kept ahead while running').toBeGreaterThanOrEqual(preallocationBytes)
    await cluster.cluster.shutdown()
    for (const node of ['A', 'B', 'C']) {
      expect(fs.statSync(walOf(node)).size, `${node}'s wal.log`).toBeLessThan(64 * 1024)
      expect(fs.readdirSync(path.dirname(walOf(node))), `${node}'s folder`).toEqual(['wal.log'])
    }
  })

  it('cannot commit in a partitioned-away minority, while the majority can', async () => {
    running = await startTestCluster(['A', 'B', 'C', 'D', 'E'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    // Settle first: the commit index each node reports (every 50 ms) must be current before the cut.
    expect((await cluster.client().run({ op: 'put', key: 'before', value: 'cut' })).type).toBe('ok')
    await cluster.until(
      () => cluster.cluster.nodeIds.every((node) => (cluster.cluster.replicas.get(node)?.status?.commitIndex ?? 0) >= 2),
      'every node to report the first write committed',
    )
    const leader = cluster.leaders.leader()!
    const follower = cluster.cluster.nodeIds.find((node) => node !== leader)!
    const minority = [leader, follower]
    const majority = cluster.cluster.nodeIds.filter((node) => !minority.includes(node))
    const cut = (from: string[], to: string[]) => {
      for (const node of from) {
        const outgoing = Object.fromEntries(to.map((peer) => [peer, { blocked: true }]))
        cluster.cluster.setLinkRules(node, { outgoing, incomingBlocked: to })
      }
    }
    cut(minority, majority)
    cut(majority, minority)
    const commitOf = (node: string) => cluster.cluster.replicas.get(node)?.status?.commitIndex ?? 0
    const minorityCommit = commitOf(leader)
    const client = cluster.client()
    // The old leader still believes it leads; a write sent to it can never be acknowledged.
    const toOldLeader = await client.run({ op: 'put', key: 'x', value: 'minority' }, 1500)
    expect(toOldLeader.type).not.toBe('ok')
    await cluster.until(() => majority.some((node) => cluster.leaders.roleOf(node)?.role === 'leader'), 'a leader in the majority')
    const newLeader = majority.find((node) => cluster.leaders.roleOf(node)?.role === 'leader')!
    const majorityClient = cluster.client(majority)
    expect((await majorityClient.run({ op: 'put', key: 'y', value: 'majority' }, 5000)).type).toBe('ok')
    expect(commitOf(leader)).toBe(minorityCommit)
    expect(newLeader).not.toBe(leader)
    expectOneLeaderPerTerm(cluster)
  })
})
