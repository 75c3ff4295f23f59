/**
 * MultiRaft snapshots on real processes, killed mid-way: a node whose groups compact into its one
 * WAL survives kill -9 between a group's snapshot file and the new segment, and between the new
 * segment and the swap; a restart loads every group's snapshot and replays only the tails, and no
 * acknowledged write is lost. The replica kills itself at the step (CONSENSUS_LAB_KILL_AT_WAL_STEP,
 * replica/host.ts), as in snapshot-crash.test.ts for one group.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import { WriteAheadLog, type StartOverStep } from '../../src-main/replica/wal.js'
import { recoverState } from '../../src-main/protocols/raft/log.js'
import type { MultiRaftPersist } from '../../src-main/protocols/multiraft/core.js'
import { KeyValueStore } from '../../src-main/kv/store.js'

let running: TestCluster | undefined
afterEach(async () => {
  delete process.env.CONSENSUS_LAB_KILL_AT_WAL_STEP
  await running?.close()
  running = undefined
})

const groups = 3
const writes = 90
const snapshotEntries = 15
const writeAttemptsMax = 10

/** Each group's state as the node's one WAL rebuilds it. */
function recoverGroups(dataDir: string) {
  const { wal, recovery } = WriteAheadLog.open<MultiRaftPersist>(dataDir, 'none')
  wal.close()
  return Array.from({ length: groups }, (_, group) => recoverState(recovery.records.filter((record) => record.g === group).map((record) => record.r)))
}

describe('a MultiRaft replica killed in the middle of a group\'s snapshot', () => {
  for (const step of ['snapshot-file-written', 'next-segment-written'] as StartOverStep[]) {
    it(`at ${step}: restarts from a whole log with every group, loses nothing it acknowledged, and catches up`, { timeout: 120_000 }, async () => {
      process.env.CONSENSUS_LAB_KILL_AT_WAL_STEP = `C:${step}`
      running = await startTestCluster(['A', 'B', 'C'], { groups, snapshotEntries, durability: 'fsync' })
      delete process.env.CONSENSUS_LAB_KILL_AT_WAL_STEP // a restart must not die again
      const cluster = running
      const replicaC = cluster.cluster.replicas.get('C')!
      const client = cluster.client(['A', 'B', 'C'])
      let lastIndexSeen = 0
      for (let index = 0; index < writes; index += 1) {
        // C leads a group (the first elections spread the leaders) and dies: a write it held may be
        // indefinite, so the same write goes again until acknowledged (a put of the same value).
        let outcome = 'none'
        for (let attempt = 0; attempt < writeAttemptsMax && outcome !== 'ok'; attempt += 1) {
          outcome = (await client.run({ op: 'put', key: `k${index}`, value: `v${index}` }, 10_000)).type
        }
        expect(outcome, `k${index} acknowledged`).toBe('ok')
        if (replicaC.exitCode === undefined) lastIndexSeen = Math.max(lastIndexSeen, replicaC.status?.lastIndex ?? 0)
      }
      await cluster.until(() => replicaC.exitCode !== undefined, 'C to kill itself at its first group snapshot', 30_000)

      // What C left on disk opens whole, every group in it, and holds at least what it reported holding.
      const dataDir = path.join(cluster.runDir, 'nodes', 'C')
      expect(fs.readdirSync(dataDir)).toContain(step === 'next-segment-written' ? 'wal.log.next' : 'wal.log')
      const recovered = recoverGroups(dataDir)
      expect(recovered.map((group) => group.snapshot), 'the old segment, without the interrupted snapshot').toEqual([undefined, undefined, undefined])
      // Its status's lastIndex is the sum over its groups.
      expect(recovered.reduce((total, group) => total + group.log.lastIndex, 0)).toBeGreaterThanOrEqual(lastIndexSeen)
      expect(Math.max(...recovered.map((group) => group.log.lastIndex)), 'the group that was snapshotting had applied snapshotEntries').toBeGreaterThanOrEqual(snapshotEntries)
      expect(fs.readdirSync(dataDir).filter((name) => name.startsWith('snapshot-') || name === 'wal.log.next'), 'leftovers removed on open').toEqual([])

      await cluster.cluster.restart('C')
      const appliedOf = (node: string) => cluster.cluster.replicas.get(node)!.status?.appliedIndex ?? 0
      await cluster.until(() => appliedOf('C') >= Math.min(appliedOf('A'), appliedOf('B')) && (replicaC.status?.snapshotsTaken ?? 0) + (replicaC.status?.snapshotsInstalled ?? 0) > 0, 'C to catch up and snapshot again', 30_000)
      await cluster.cluster.crash('C')
      // C's log now starts from snapshots, each group's restoring to its index.
      const again = recoverGroups(dataDir)
      const snapshotted = again.filter((group) => group.snapshot !== undefined)
      expect(snapshotted.length).toBeGreaterThan(0)
      for (const group of snapshotted) {
        expect(KeyValueStore.restore(group.snapshot!.data).appliedIndex).toBe(group.snapshot!.index)
        expect(group.log.baseIndex).toBe(group.snapshot!.index)
      }

      // Every acknowledged write is still there, read through the log from whoever leads its group.
      await cluster.cluster.restart('C')
      // A group C led elects again after the restart: a read refused meanwhile (fail: it did not
      // happen) is asked again, as a client would; only a wrong value or no answer at all fails.
      for (let index = 0; index < writes; index += 1) {
        let read = await client.run({ op: 'get', key: `k${index}` }, 10_000)
        for (let attempt = 1; attempt < writeAttemptsMax && read.type === 'fail'; attempt += 1) read = await client.run({ op: 'get', key: `k${index}` }, 10_000)
        expect(read, JSON.stringify(read)).toMatchObject({ type: 'ok', value: `v${index}` })
      }
    })
  }
})
