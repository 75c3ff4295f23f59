/**
 * The leader's own entries count in the commit quorum only once they are durable. Raft's core counts
 * them at once, because a follower's answer arrives in a later step (raft/core.ts); with the WAL's
 * fdatasync off the event loop (sync-pipeline.ts) that holds only if a peer's message waits for the
 * records this node wrote before it came. Here the leader's fdatasync is held: both followers have
 * the entry on disk and have answered, and the leader must neither commit nor answer the client
 * until its own sync is let go.
 *
 * Three Raft replicas run in this process over loopback; nothing waits for time, only for facts.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { clusterLaunchFor } from '../support/cluster-harness.js'
import { ReplicaHost } from '../../src-main/replica/host.js'
import { adapterFor } from '../../src-main/replica/adapters.js'
import { replicaConfigSchema, type ReplicaConfig } from '../../src-main/replica/config.js'
import { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import { LeaderClient } from '../../src-main/lab/workload/client.js'
import type { TraceEvent } from '../../src-main/api/trace.js'

type AnyHost = ReplicaHost<{ type: string }, unknown>
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

const members = ['A', 'B', 'C']

describe('a leader commits only what its own disk holds (fdatasync off the event loop)', () => {
  it('does not count a held entry of its own when both followers have acknowledged it, and commits it once its sync completes', { timeout: 60_000 }, async () => {
    // Long election timeouts: a leader whose disk is held sends no heartbeat meanwhile (they wait behind the held turn).
    const launch = clusterLaunchFor(members, { durability: 'fsync', electionTimeoutMs: [5000, 6000], firstElectionTimeoutMs: { A: 50, B: 5000, C: 5000 } })
    const trace: TraceEvent[] = []
    const listeners = new Set<() => void>()
    const changed = () => {
      for (const check of [...listeners]) check()
    }
    const waitFor = (condition: () => boolean, what: string): Promise<void> =>
      condition()
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 20_000)
            const check = () => {
              if (!condition()) return
              listeners.delete(check)
              clearTimeout(timer)
              resolve()
            }
            listeners.add(check)
          })
    // A's syncs run freely until the test holds them.
    let holding = false
    let release: () => void = () => undefined
    let syncsHeld = 0
    const hosts = new Map<string, AnyHost>()
    for (const [position, id] of members.entries()) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `durable-before-ack-${id}-`))
      cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
      const config: ReplicaConfig = {
        ...replicaConfigSchema.parse({ ...launch.nodes[position]!, id, dataDir, traceMessages: true, traceLog: true, watchHistoryMax: 1000 }),
        secret: 'durable-before-ack-test-secret',
      }
      const host = new ReplicaHost(config, adapterFor(config), {
        emit: (event) => {
          trace.push({ ...event, node: id } as TraceEvent)
          changed()
        },
        ...(id === 'A'
          ? {
              syncStarting: () => {
                if (!holding) return Promise.resolve()
                syncsHeld += 1
                changed()
                return new Promise<void>((resolve) => (release = resolve))
              },
            }
          : {}),
      }) as AnyHost
      cleanups.push(() => host.stop())
      hosts.set(id, host)
    }
    const ports = new Map<string, { peerPort: number; clientPort: number }>()
    for (const [id, host] of hosts) ports.set(id, await host.start())
    for (const [id, host] of hosts) host.setPeers(members.filter((peer) => peer !== id).map((peer) => ({ id: peer, host: '127.0.0.1', port: ports.get(peer)!.peerPort })))
    for (const host of hosts.values()) host.startClock()

    const leader = hosts.get('A')!
    const connections = new ClusterConnections(members.map((id) => ({ id, host: '127.0.0.1', port: ports.get(id)!.clientPort })))
    cleanups.push(() => connections.close())
    const client = new LeaderClient(connections)
    let seq = 0
    const put = (key: string) => client.execute('test', ++seq, { op: 'put', key, value: `value of ${key}` }, 20_000)
    expect((await put('before')).type).toBe('ok')
    await waitFor(() => leader.status().role === 'leader', 'A to lead')

    // Hold A's next fdatasync, then write.
    holding = true
    const index = leader.status().lastIndex + 1
    const answer = put('held')
    await waitFor(() => syncsHeld > 0, "A's sync of the entry to be held")
    // In the order this process saw them (each replica's clock is its own): the follower's append, then A receiving its answer.
    const ackedBy = (follower: string) => {
      const appended = trace.findIndex((event) => event.node === follower && event.kind === 'append' && event.toIndex >= index)
      return appended >= 0 && trace.some((event, position) => position > appended && event.node === 'A' && event.kind === 'recv' && event.from === follower && event.type === 'AppendEntriesResponse')
    }
    await waitFor(() => ackedBy('B') && ackedBy('C'), 'both followers to have the entry on disk and A to have their answers')
    // The answers were received: were they stepped? A turn of the event loop later they would have been.
    await new Promise((resolve) => setImmediate(resolve))
    expect(leader.status().commitIndex, 'A committed an entry its own disk does not hold yet').toBeLessThan(index)
    let answered = false
    void answer.then(() => (answered = true))
    await new Promise((resolve) => setImmediate(resolve))
    expect(answered, 'the client had an answer before the leader synced').toBe(false)

    holding = false
    release()
    expect((await answer).type).toBe('ok')
    expect(leader.status().commitIndex).toBeGreaterThanOrEqual(index)
  })
})
