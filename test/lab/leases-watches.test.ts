/** Scenario 11: leases and watches on real processes, and their bad input. */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import { encodeFrame, FrameDecoder } from '../../src-main/replica/framing.js'
import type { ClientResponse } from '../../src-main/replica/client-server.js'
import { validateExperimentText } from '../../src-main/api/validate.js'
import { loadExperimentFile } from '../../src-main/lab/experiment-file.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-leases-'))
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))
let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

/** Sends one frame to a replica's client port and resolves with the first answer. */
function ask(port: number, body: Record<string, unknown>): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const decoder = new FrameDecoder()
    socket.on('connect', () => socket.write(encodeFrame(body)))
    socket.on('data', (chunk: Buffer) => {
      const [first] = decoder.push(chunk).bodies
      if (!first) return
      socket.destroy()
      resolve(first as ClientResponse)
    })
    socket.on('error', reject)
  })
}

describe('leases and watches: bad input gets a clear error', () => {
  it('rejects an unknown read mode and a TTL of zero in an experiment, naming the field', () => {
    const readMode = validateExperimentText('protocol: raft\ncluster: {readMode: eventual}\n')
    expect(readMode.ok).toBe(false)
    if (!readMode.ok) expect(readMode.errors[0]).toMatchObject({ path: 'cluster.readMode' })
    const ttl = validateExperimentText('protocol: raft\nworkload: {clients: 0, discovery: {ttl: 0s}}\n')
    expect(ttl.ok).toBe(false)
    if (!ttl.ok) expect(ttl.errors[0]).toMatchObject({ path: 'workload.discovery.ttl', message: 'expected a TTL above 0, like 3s' })
  })

  it('answers a lease grant with a zero or negative TTL with an invalid error, and a watch from a compacted revision with compacted', async () => {
    running = await startTestCluster(['A', 'B', 'C'], { watchHistoryMax: 5 })
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const leader = cluster.cluster.replicas.get(cluster.leaders.leader()!)!
    for (const ttlMs of [0, -5]) {
      const answer = await ask(leader.clientPort, { id: 1, clientId: 'c', seq: 1, cmd: { op: 'lease-grant', lease: 'l', ttlMs } })
      expect(answer).toMatchObject({ ok: false, error: 'invalid', message: 'command.ttlMs must be a positive number of milliseconds' })
    }
    const client = cluster.client()
    for (let index = 0; index < 10; index += 1) expect((await client.run({ op: 'put', key: 'w', value: String(index) })).type).toBe('ok')
    const watch = await ask(leader.clientPort, { id: 2, watch: { prefix: '', fromRevision: 1 } })
    expect(watch).toMatchObject({ ok: false, error: 'compacted', message: 'revision 1 has been compacted; the oldest revision still available is 6' })
  })
})

describe('leases across a leader change', () => {
  it("a key's lease still expires when the leader that granted it crashes: the new leader revokes it", async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const client = cluster.client()
    expect((await client.run({ op: 'lease-grant', lease: 'svc', ttlMs: 800 })).type).toBe('ok')
    expect((await client.run({ op: 'put', key: '/services/a', value: '1', lease: 'svc' })).type).toBe('ok')
    const oldLeader = cluster.leaders.leader()!
    await cluster.cluster.crash(oldLeader)
    await cluster.until(() => cluster.trace.some((event) => event.kind === 'note' && event.text === 'lease svc expired and was revoked' && event.node !== oldLeader), 'the new leader to revoke the lease', 10_000)
    expect(await client.run({ op: 'get', key: '/services/a' }, 5000)).toMatchObject({ type: 'ok', value: null })
  })
})

describe('service discovery (scenario 11)', () => {
  it('a dead instance disappears after its lease, live ones stay, and watches miss and repeat nothing across a leader crash', async () => {
    const loaded = loadExperimentFile(path.join(repositoryRoot(), 'experiments', 'raft-3-service-discovery.yaml'))
    if (!loaded.ok) throw new Error(loaded.message)
    const summary = await new ExperimentRun(loaded.experiment, { runsDir }).execute()
    const invariant = (name: string) => summary.verdict?.invariants.find((candidate) => candidate.name === name)
    expect(invariant('watch-complete')?.ok, invariant('watch-complete')?.detail).toBe(true)
    expect(invariant('lease-expiry')?.ok, invariant('lease-expiry')?.detail).toBe(true)
    expect(invariant('live-leases-kept')?.ok, invariant('live-leases-kept')?.detail).toBe(true)
    expect(summary.discovery?.instances.find((instance) => instance.id === 2)?.disappearedAtMs).toBeDefined()
    expect(summary.discovery?.watchers.some((watcher) => watcher.resumes > 0)).toBe(true)
    // The ordinary clients beside the discovery keys give the checker a history to judge: a pass, not an undecided run.
    expect(summary.verdict?.linearizable, summary.verdict?.witness).toBe(true)
  })
})
