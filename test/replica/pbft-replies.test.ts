/**
 * How PBFT replicas answer clients, on real processes (Castro & Liskov §4.1, TOCS §5.1.3): a
 * retransmitted request that already executed is answered from the reply cache, and a write is
 * answered by replies a client can accept.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import { PbftClient } from '../../src-main/lab/workload/pbft-client.js'
import { designatedReplier } from '../../src-main/protocols/pbft/client.js'
import type { Reply } from '../../src-main/protocols/pbft/types.js'

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

  it('a get is a read-only request (TOCS §5.1.3): answered unordered by every replica, accepted on 2f+1 matching replies', { timeout: 60_000 }, async () => {
    running = await startTestCluster(['A', 'B', 'C', 'D'], { protocol: 'pbft', f: 1 })
    const connections = new ClusterConnections(running.cluster.clientEndpoints())
    try {
      const client = new PbftClient(connections, 1, 200, true)
      expect((await client.execute('writer', 1, { op: 'put', key: 'k', value: 'v' }, 10_000)).type).toBe('ok')
      const executed = () => Math.max(0, ...running!.trace.flatMap((event) => (event.kind === 'commit' ? [event.index] : [])))
      // The write was accepted on tentative replies: wait for its commit, so what follows is the read's doing.
      await running.until(() => executed() >= 1, 'the write committed')
      const read = await client.execute('reader', 1, { op: 'get', key: 'k' }, 10_000)
      expect(read).toMatchObject({ type: 'ok', value: 'v' })
      // An ordered reply names the sequence number the request ran at; read-only ones do not.
      expect(read.type === 'ok' ? read.seq : 'not ok').toBeUndefined()
      expect(read.type === 'ok' ? read.node.split(',').length : 0).toBeGreaterThanOrEqual(3)
      expect(executed()).toBe(1)
    } finally {
      connections.close()
    }
  })

  it('with readOnlyRequests off a get is ordered like a write', { timeout: 60_000 }, async () => {
    running = await startTestCluster(['A', 'B', 'C', 'D'], { protocol: 'pbft', f: 1, readOnlyRequests: false })
    const connections = new ClusterConnections(running.cluster.clientEndpoints())
    try {
      const read = await new PbftClient(connections, 1, 200, false).execute('reader', 1, { op: 'get', key: 'k' }, 10_000)
      expect(read).toMatchObject({ type: 'ok', value: null, seq: 1 })
    } finally {
      connections.close()
    }
  })

  it('replies are digests but for the designated replica\'s (TOCS §5.1.1), and the client accepts them together', { timeout: 60_000 }, async () => {
    running = await startTestCluster(['A', 'B', 'C', 'D'], { protocol: 'pbft', f: 1 })
    const connections = new ClusterConnections(running.cluster.clientEndpoints())
    try {
      // No retransmission within the test: a retransmitted request is answered in full by everyone.
      const client = new PbftClient(connections, 1, 20_000, true)
      const replies: Reply[] = []
      const handle = connections.onPush
      connections.onPush = (node, frame) => {
        if (frame.ok && frame.pbft) replies.push(frame.pbft as Reply)
        handle(node, frame)
      }
      const write = await client.execute('digests', 1, { op: 'put', key: 'k', value: 'v' }, 10_000)
      expect(write.type).toBe('ok')
      const full = replies.filter((reply) => reply.result !== undefined)
      expect(full.map((reply) => reply.replica)).toEqual([designatedReplier(['A', 'B', 'C', 'D'], 'digests', 1)])
      expect(replies.filter((reply) => reply.result === undefined).every((reply) => typeof reply.resultDigest === 'string')).toBe(true)
    } finally {
      connections.close()
    }
  })
})
