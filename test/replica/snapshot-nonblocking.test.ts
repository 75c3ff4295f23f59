/**
 * Raft §7 without a stall (issue 15): a replica that takes a snapshot goes on ticking, appending,
 * committing and answering while the snapshot's bytes are being written; the core gets the
 * snapshot (and the WAL starts its new segment) only once the snapshot file is durable.
 *
 * A one-node Raft replica runs in this process; the host's snapshotWriting hook holds the snapshot
 * after its first slice went to disk, until the test lets it go: whatever commits meanwhile
 * committed while a snapshot was being written. Nothing here waits for time, only for facts.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { clusterLaunchFor } from '../support/cluster-harness.js'
import { ReplicaHost } from '../../src-main/replica/host.js'
import { adapterFor } from '../../src-main/replica/adapters.js'
import { replicaConfigSchema, type ReplicaConfig } from '../../src-main/replica/config.js'
import { WriteAheadLog } from '../../src-main/replica/wal.js'
import { recoverState } from '../../src-main/protocols/raft/log.js'
import type { RaftPersist } from '../../src-main/protocols/raft/messages.js'
import { KeyValueStore } from '../../src-main/kv/store.js'
import { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import { LeaderClient } from '../../src-main/lab/workload/client.js'
import type { TraceEvent } from '../../src-main/api/trace.js'

const snapshotEntries = 40
/** Writes that must commit while the snapshot is held: more than a snapshot interval. */
const writesWhileHeld = 2 * snapshotEntries

type AnyHost = ReplicaHost<{ type: string }, unknown>
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** Resolves once `condition` holds, checked on every trace event; rejects after timeoutMs. */
function waitFor(listeners: Set<() => void>, condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  if (condition()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!condition()) return
      listeners.delete(check)
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(() => {
      listeners.delete(check)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    listeners.add(check)
  })
}

describe('a replica taking a snapshot does not stall (Raft §7, issue 15)', () => {
  it('keeps committing writes while its snapshot is being written, and hands the snapshot to the core only once its file is durable', { timeout: 60_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-nonblocking-'))
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
    const [node] = clusterLaunchFor(['A'], { snapshotEntries, durability: 'fsync' }).nodes
    const config: ReplicaConfig = {
      ...replicaConfigSchema.parse({ ...node, id: 'A', dataDir, traceMessages: false, traceLog: false, watchHistoryMax: 1000 }),
      secret: 'snapshot-nonblocking-test-secret',
    }
    const trace: TraceEvent[] = []
    const listeners = new Set<() => void>()
    let held: number | undefined
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const host = new ReplicaHost(config, adapterFor(config), {
      emit: (event) => {
        trace.push(event)
        for (const check of [...listeners]) check()
      },
      snapshotWriting: (index) => {
        held = index
        for (const check of [...listeners]) check()
        return released
      },
    }) as AnyHost
    cleanups.push(() => host.stop())
    const { clientPort } = await host.start()
    host.setPeers([])
    const connections = new ClusterConnections([{ id: 'A', host: '127.0.0.1', port: clientPort }])
    cleanups.push(() => connections.close())
    const client = new LeaderClient(connections)
    let seq = 0
    const put = async (key: string) => expect((await client.execute('test', ++seq, { op: 'put', key, value: `value of ${key}` }, 10_000)).type).toBe('ok')

    // Enough writes to reach the snapshot threshold: the snapshot starts, and is held mid-write.
    while (held === undefined && seq < 10 * snapshotEntries) await put(`k${seq}`)
    await waitFor(listeners, () => held !== undefined, 'the snapshot to be held mid-write')
    const heldIndex = held!
    expect(heldIndex).toBeGreaterThanOrEqual(snapshotEntries)

    // Meanwhile the node ticks, appends, commits, applies and answers: every one of these writes is acknowledged.
    const appliedWhenHeld = host.status().appliedIndex ?? 0
    for (let write = 0; write < writesWhileHeld; write += 1) await put(`during${write}`)
    const status = host.status()
    expect(status.appliedIndex).toBeGreaterThanOrEqual(appliedWhenHeld + writesWhileHeld)
    expect(status.snapshotsTaken, 'the core has no snapshot yet: its file is not durable').toBe(0)
    expect(status.snapshotIndex).toBe(0)
    expect(fs.readdirSync(dataDir).filter((name) => /^snapshot-\d+\.bin$/.test(name)), 'only a temporary file so far').toEqual([])

    // Let it finish: the core gets the snapshot through the index it asked for, and the WAL starts a segment from it.
    release()
    await waitFor(listeners, () => host.status().snapshotsTaken === 1 && host.status().snapshotIndex === heldIndex, `the snapshot through ${heldIndex} to reach the core`)
    await put('after')
    const segmentChanged = () => trace.some((event) => event.kind === 'note' && event.text.startsWith(`WAL: new segment from the snapshot through ${heldIndex}`))
    await waitFor(listeners, segmentChanged, 'the WAL to start its segment from the snapshot')
    await put('after the new segment')

    // On disk: the segment starts from that snapshot, whose bytes restore the state machine at its index.
    host.stop()
    const { wal, recovery } = WriteAheadLog.open<RaftPersist>(dataDir, 'none')
    wal.close()
    const recovered = recoverState(recovery.records)
    expect(recovered.snapshot?.index).toBe(heldIndex)
    const restored = KeyValueStore.restore(recovered.snapshot!.data)
    expect(restored.appliedIndex).toBe(heldIndex)
    expect(restored.read({ op: 'get', key: 'k0' })).toMatchObject({ ok: true, value: 'value of k0' })
    expect(recovered.log.lastIndex, 'the writes made while the snapshot was held are in the tail').toBeGreaterThanOrEqual(appliedWhenHeld + writesWhileHeld)
  })
})
