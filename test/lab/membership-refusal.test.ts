/**
 * A membership change injected by hand into a run that takes none (not single-group Raft) is
 * refused at once with the reason, before anything touches the cluster; other faults go on.
 */
import { describe, expect, it } from 'vitest'
import { FaultInjector } from '../../src-main/lab/faults.js'
import { LeaderTracker } from '../../src-main/lab/leadership.js'
import { seededRandom } from '../../src-main/protocols/common/random.js'
import { membershipUnavailable } from '../../src-main/api/experiment.js'
import type { Cluster } from '../../src-main/lab/cluster.js'

const calm = { delayMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 }

describe('membership changes outside single-group Raft', () => {
  it('names the protocols that take none', () => {
    expect(membershipUnavailable('raft', 1)).toBeUndefined()
    expect(membershipUnavailable('raft', 3)).toEqual({ protocol: 'raft with several groups (MultiRaft)' })
    expect(membershipUnavailable('pbft', 1)).toEqual({ protocol: 'pbft' })
  })

  it('an addNode, promote or removeNode fails at once with the reason, and the cluster is never asked', async () => {
    const asked: string[] = []
    // Any use of the cluster is recorded: a refused change must not reach it.
    const cluster = new Proxy({}, { get: (_target, name) => (asked.push(String(name)), () => undefined) }) as unknown as Cluster
    const faults = new FaultInjector(cluster, new LeaderTracker(), calm, seededRandom(1, 'faults'))
    faults.membershipRefusal = 'membership changes are Raft only (one group), not pbft'
    for (const fault of [{ kind: 'addNode', node: 'E' }, { kind: 'promote', node: 'E' }, { kind: 'removeNode', target: 'leader' }] as const) {
      const record = await faults.inject(fault, 0)
      expect(record).toMatchObject({ outcome: 'failed', detail: 'failed: membership changes are Raft only (one group), not pbft', targets: [] })
    }
    expect(asked).toEqual([])
  })
})
