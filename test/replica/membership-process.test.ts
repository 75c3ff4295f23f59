/**
 * Raft membership changes on real replica processes: a node started for a running cluster (fresh
 * data directory, new ports) connects to the members and they to it, catches up as a learner, is
 * promoted, and the cluster then removes its leader; the remaining members elect a new one, stop
 * dialling the removed node, and end with the same state. Election safety holds per term throughout.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { clusterLaunchFor, leadersByTerm, startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import type { MembershipChange, NodeSettings } from '../../src-main/protocols/descriptor.js'

let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

/** D's settings as the lab resolves them, starting from the voters it is added to (which do not list it). */
function joiningSettings(id: string, all: string[], voters: string[]): NodeSettings {
  const settings = clusterLaunchFor(all).nodes.find((node) => node.id === id)!
  return { ...settings, members: voters }
}

/**
 * Proposes `change` at the current leader until `done` holds: a leader deposed under load, or one
 * whose own-term entry is not committed yet, refuses it (a note in its trace), and the change goes
 * again to whoever leads then.
 */
async function reconfigure(cluster: TestCluster, change: MembershipChange, done: () => boolean, what: string): Promise<void> {
  const attemptsMax = 10
  for (let attempt = 0; attempt < attemptsMax && !done(); attempt += 1) {
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader to propose to')
    const leader = cluster.leaders.leader()!
    const traced = cluster.trace.length
    cluster.cluster.reconfigure(leader, change)
    const refused = () => cluster.trace.slice(traced).some((event) => event.kind === 'note' && event.node === leader && event.text.startsWith(`configuration change (`) && event.text.includes('refused'))
    await cluster.until(() => done() || refused() || cluster.leaders.leader() !== leader, what)
  }
  expect(done(), what).toBe(true)
}

describe('membership changes on real processes (Raft)', () => {
  it('adds a fresh node as a learner, promotes it, then removes the leader: the rest elect a leader and converge', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    const status = (id: string) => cluster.cluster.replicas.get(id)?.status
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const client = cluster.client()
    for (let index = 0; index < 20; index += 1) expect((await client.run({ op: 'put', key: `k${index}`, value: `v${index}` })).type).toBe('ok')

    await cluster.cluster.addNode(joiningSettings('D', ['A', 'B', 'C', 'D'], ['A', 'B', 'C']))
    expect(status('D')?.role, 'a newcomer is nobody until added').not.toBe('leader')
    const committedHas = (test: (configuration: NonNullable<ReturnType<typeof status>>['configuration']) => boolean) => () => {
      const leader = cluster.leaders.leader()
      const configuration = leader === undefined ? undefined : status(leader)?.configuration
      return configuration !== undefined && configuration.committed && test(configuration)
    }
    await reconfigure(cluster, { kind: 'addLearner', node: 'D' }, committedHas((configuration) => configuration!.learners.includes('D')), 'D a committed learner')
    const written = status(cluster.leaders.leader()!)!.commitIndex
    await cluster.until(() => (status('D')?.appliedIndex ?? 0) >= written, 'D to catch up as a learner (the log or a snapshot)')

    await reconfigure(cluster, { kind: 'promote', node: 'D' }, committedHas((configuration) => configuration!.voters.includes('D')), 'D a committed voter')
    await cluster.until(() => status('D')?.configuration?.voters.includes('D') === true, 'D to hold the configuration that makes it a voter')
    for (let index = 20; index < 30; index += 1) expect((await client.run({ op: 'put', key: `k${index}`, value: `v${index}` })).type).toBe('ok')

    // Removing the leader: it commits its own removal and steps down (thesis §4.2.2).
    // (Should leadership move before the change is in (a loaded machine), the next leader removes it.)
    const leader = cluster.leaders.leader()!
    const rest = ['A', 'B', 'C', 'D'].filter((node) => node !== leader)
    await reconfigure(cluster, { kind: 'remove', node: leader }, committedHas((configuration) => !configuration!.voters.includes(leader)), `the removal of ${leader} committed`)
    await cluster.until(() => rest.every((node) => status(node)?.configuration?.voters.includes(leader) === false), `every remaining node to hold the configuration without ${leader}`)
    await cluster.until(() => status(leader)?.role !== 'leader', `${leader} to step down after its removal committed`)
    await cluster.cluster.removeNode(leader)
    expect(cluster.cluster.replicas.get(leader)?.state).toBe('exited')
    await expect(cluster.cluster.restart(leader)).rejects.toThrow(/removed from the cluster/)

    await cluster.until(() => rest.some((node) => status(node)?.role === 'leader'), 'a new leader among the remaining nodes')
    for (let index = 30; index < 40; index += 1) expect((await client.run({ op: 'put', key: `k${index}`, value: `v${index}` }, 5000)).type).toBe('ok')
    const newLeader = rest.find((node) => status(node)?.role === 'leader')!
    // Quiet: the leader committed all it holds, and every remaining node applied exactly that.
    const settled = () => {
      const leaderStatus = status(newLeader)
      return leaderStatus !== undefined && leaderStatus.lastIndex === leaderStatus.commitIndex && rest.every((node) => status(node)?.appliedIndex === leaderStatus.commitIndex)
    }
    await cluster.until(settled, 'the remaining nodes to apply everything the leader holds')

    const finals = await cluster.cluster.finalStates()
    expect(finals.map((state) => state.node).sort()).toEqual(rest)
    const atTarget = finals.filter((state) => state.appliedIndex === finals[0]!.appliedIndex)
    expect(atTarget.length, 'the remaining nodes at one applied index').toBe(rest.length)
    expect(new Set(finals.map((state) => state.kvDigest)).size, 'one state among the remaining nodes').toBe(1)
    expect(finals[0]!.keys).toBe(40)
    for (const state of finals) expect([...(state.status.configuration?.voters ?? [])].sort()).toEqual(rest)
    for (const [term, leaders] of leadersByTerm(cluster.trace)) expect(leaders.size, `leaders in term ${term}`).toBe(1)
    // The remaining nodes refuse the removed node from now on, and no longer dial it.
    expect(cluster.trace.some((event) => event.kind === 'note' && event.text === `peer ${leader} removed: no longer connected`)).toBe(true)
  }, 60_000)
})
