/** Scenario 10: several Raft groups on the same processes, routed by key, independent of each other. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { groupOfKey } from '../../src-main/protocols/multiraft/routing.js'
import { loadExperimentFile } from '../../src-main/lab/experiment-file.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import type { TraceEvent } from '../../src-main/api/trace.js'

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-multiraft-'))
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))
let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

describe('MultiRaft', () => {
  it('routes user:123, user:456 and order:789 to three different groups by hash, and keeps a prefix together by range', () => {
    const keys = ['user:123', 'user:456', 'order:789']
    expect(new Set(keys.map((key) => groupOfKey(key, 3, { kind: 'hash' }))).size).toBe(3)
    const byRange = { kind: 'range' as const, splits: ['p'] }
    expect(groupOfKey('order:789', 2, byRange)).toBe(0)
    expect(groupOfKey('user:123', 2, byRange)).toBe(groupOfKey('user:456', 2, byRange))
  })

  it('runs the shipped experiment with the groups led from different nodes and a passing verdict', async () => {
    const loaded = loadExperimentFile(path.join(repositoryRoot(), 'experiments', 'raft-3-multiraft.yaml'))
    if (!loaded.ok) throw new Error(loaded.message)
    const experiment = { ...loaded.experiment, workload: { ...loaded.experiment.workload, duration: 2000, warmup: 0 } }
    const summary = await new ExperimentRun(experiment, { runsDir }).execute()
    expect(summary.groups).toHaveLength(3)
    expect(new Set(summary.groups!.flatMap((group) => group.leaders)).size).toBeGreaterThanOrEqual(2)
    expect(summary.script?.every((step) => step.outcome === 'ok')).toBe(true)
    expect(summary.verdict?.linearizable).toBe(true)
    expect(summary.verdict?.invariants.every((invariant) => invariant.ok)).toBe(true)
  })

  it('keeps committing in the other groups while one group loses its leader to a partition', async () => {
    running = await startTestCluster(['A', 'B', 'C'], { groups: 3 })
    const cluster = running
    const leaderOf = (group: number) => {
      const roles = new Map<string, { role: string; term: number }>()
      for (const event of cluster.trace) if (event.kind === 'role' && event.group === group) roles.set(event.node, event)
      return [...roles].filter(([, role]) => role.role === 'leader').sort((a, b) => b[1].term - a[1].term)[0]?.[0]
    }
    await cluster.until(() => [0, 1, 2].every((group) => leaderOf(group) !== undefined), 'a leader in every group')
    const isolated = leaderOf(0)!
    const otherGroup = [1, 2].find((group) => leaderOf(group) !== isolated)!
    const key = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'].find((candidate) => groupOfKey(candidate, 3, { kind: 'hash' }) === otherGroup)!
    const others = cluster.cluster.nodeIds.filter((node) => node !== isolated)
    for (const node of cluster.cluster.nodeIds) {
      const peers = node === isolated ? others : [isolated]
      cluster.cluster.setLinkRules(node, { outgoing: Object.fromEntries(peers.map((peer) => [peer, { blocked: true }])), incomingBlocked: peers })
    }
    const client = cluster.client(others)
    expect((await client.run({ op: 'put', key, value: 'still-writable' }, 3000)).type).toBe('ok')
    await cluster.until(() => {
      const leader = leaderOf(0)
      return leader !== undefined && leader !== isolated
    }, 'group 0 to elect a new leader among the majority')
    const groupZeroKey = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'].find((candidate) => groupOfKey(candidate, 3, { kind: 'hash' }) === 0)!
    expect((await client.run({ op: 'put', key: groupZeroKey, value: 'after-failover' }, 5000)).type).toBe('ok')
    const twoLeadersInATerm = new Set(cluster.trace.filter((event): event is Extract<TraceEvent, { kind: 'role' }> => event.kind === 'role' && event.role === 'leader').map((event) => `${event.group}:${event.term}:${event.node}`))
    const perGroupTerm = new Map<string, number>()
    for (const entry of twoLeadersInATerm) {
      const [group, term] = entry.split(':')
      perGroupTerm.set(`${group}:${term}`, (perGroupTerm.get(`${group}:${term}`) ?? 0) + 1)
    }
    expect([...perGroupTerm.values()].every((count) => count === 1)).toBe(true)
  })
})
