/**
 * Why a replica died is decided once everything it said has been read: a replica that reports a
 * fatal error and exits must have that error as its exit reason every time, never a bare exit code
 * because the exit was noticed before its last control message. The corrupt-WAL refusal is a real
 * such death: the replica sends `fatal`, waits until it is written, and exits 65.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import { walRecordOffsets } from '../../src-main/replica/wal.js'
import type { RaftPersist } from '../../src-main/protocols/raft/messages.js'
import { replicaExitCodes } from '../../src-main/replica/control.js'

let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

/** Restarts of the damaged replica: each one is a fatal report followed by an exit. */
const restartsMax = 25

describe('the reason of a replica that reported a fatal error and exited', () => {
  it('is the fatal line on every restart of a replica whose WAL is corrupt', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const client = cluster.client()
    for (let index = 0; index < 3; index += 1) expect((await client.run({ op: 'put', key: `k${index}`, value: `v${index}` })).type).toBe('ok')
    client.close()
    const follower = cluster.cluster.nodeIds.find((node) => node !== cluster.leaders.leader())!
    await cluster.until(() => (cluster.cluster.replicas.get(follower)?.status?.appliedIndex ?? 0) >= 4, `${follower} to apply the writes`)
    await cluster.cluster.crash(follower)

    // Damage the first record: valid records follow it, so this is corruption, not a torn tail.
    const file = path.join(cluster.runDir, 'nodes', follower, 'wal.log')
    const first = walRecordOffsets<RaftPersist>(file)[0]!
    const bytes = fs.readFileSync(file)
    bytes[first.offsetBytes + 8 + 3]! ^= 0xff
    fs.writeFileSync(file, bytes)
    const fatalLine = `${file} is corrupt at byte ${first.offsetBytes}`

    const reasons: string[] = []
    for (let attempt = 0; attempt < restartsMax; attempt += 1) {
      const exitsBefore = exitsOf(cluster, follower).length
      const error = await cluster.cluster.restart(follower).then(
        () => undefined,
        (caught: Error) => caught.message,
      )
      expect(error, 'a replica with a corrupt WAL must not start').toBeDefined()
      expect(cluster.cluster.replicas.get(follower)!.exitCode).toBe(replicaExitCodes.corruptLog)
      const exits = exitsOf(cluster, follower)
      expect(exits.length).toBe(exitsBefore + 1)
      reasons.push(`restart ${attempt}: ${error} | trace: ${exits.at(-1)}`)
    }
    const withoutFatal = reasons.filter((reason) => reason.split(fatalLine).length !== 3)
    expect(withoutFatal, `restarts whose reason lost the fatal line "${fatalLine}"`).toEqual([])
  }, 120_000)
})

function exitsOf(cluster: TestCluster, node: string): string[] {
  return cluster.trace.flatMap((event) => (event.kind === 'process' && event.node === node && event.state === 'exited' ? [event.detail ?? ''] : []))
}
