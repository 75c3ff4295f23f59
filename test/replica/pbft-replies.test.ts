/**
 * How PBFT replicas answer clients, on real processes (Castro & Liskov §4.1, TOCS §5.1.3): a
 * retransmitted request that already executed is answered from the reply cache, and a write is
 * answered by replies a client can accept.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import { PbftClient } from '../../src-main/lab/workload/pbft-client.js'

let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

describe('PBFT replies on real processes', () => {
  it('a request sent again after it executed is answered from every replica\'s reply cache', { timeout: 60_000 }, async () => {
    running = await startTestCluster(['A', 'B', 'C', 'D'], { protocol: 'pbft', f: 1 })
    const connections = new ClusterConnections(running.cluster.clientEndpoints())
    try {
      const client = new PbftClient(connections, 1, 200)
      const first = await client.execute('cache-test', 1, { op: 'put', key: 'k', value: 'v' }, 10_000)
      expect(first.type).toBe('ok')
      // Same client, same timestamp: nothing runs again, and the cached replies settle it.
      const again = await new PbftClient(connections, 1, 200).execute('cache-test', 1, { op: 'put', key: 'k', value: 'v' }, 5_000)
      expect(again.type, JSON.stringify(again)).toBe('ok')
    } finally {
      connections.close()
    }
  })
})
