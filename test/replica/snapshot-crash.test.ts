/**
 * Raft §7 on real processes: a replica that compacts its log survives kill -9 at any step of the
 * segment change (after the snapshot file, after the new segment, before the old one is gone), and
 * a restart loads the snapshot and replays only the tail. The replica kills itself at the step
 * (CONSENSUS_LAB_KILL_AT_WAL_STEP, see replica/host.ts): no schedule could aim that precisely.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import { WriteAheadLog, type StartOverStep } from '../../src-main/replica/wal.js'
import { recoverState } from '../../src-main/protocols/raft/log.js'
import type { RaftPersist } from '../../src-main/protocols/raft/messages.js'
import { KeyValueStore } from '../../src-main/kv/store.js'

let running: TestCluster | undefined
afterEach(async () => {
  delete process.env.CONSENSUS_LAB_KILL_AT_WAL_STEP
  await running?.close()
  running = undefined
})

const writes = 80
const snapshotEntries = 20

describe('a replica killed in the middle of a snapshot', () => {
  for (const step of ['snapshot-file-written', 'next-segment-written'] as StartOverStep[]) {
    it(`at ${step}: restarts from a whole log, loses nothing it acknowledged, and catches up`, { timeout: 90_000 }, async () => {
      process.env.CONSENSUS_LAB_KILL_AT_WAL_STEP = `C:${step}`
      running = await startTestCluster(['A', 'B', 'C'], { snapshotEntries, durability: 'fsync', firstElectionTimeoutMs: { A: 150, B: 1000, C: 1000 } })
      delete process.env.CONSENSUS_LAB_KILL_AT_WAL_STEP // a restart must not die again
      const cluster = running
      const replicaC = cluster.cluster.replicas.get('C')!
      await cluster.until(() => cluster.leaders.leader() !== undefined && cluster.leaders.leader() !== 'C', 'a leader other than C', 30_000)
      const client = cluster.client()
      let lastIndexSeen = 0
      for (let index = 0; index < writes; index += 1) {
        expect((await client.run({ op: 'put', key: `k${index}`, value: `v${index}` }, 10_000)).type).toBe('ok')
        if (replicaC.exitCode === undefined) lastIndexSeen = Math.max(lastIndexSeen, replicaC.status?.lastIndex ?? 0)
      }
      await cluster.until(() => replicaC.exitCode !== undefined, 'C to kill itself at its first snapshot', 30_000)

      // What C left on disk opens whole, and holds at least everything it reported holding.
      const dataDir = path.join(cluster.runDir, 'nodes', 'C')
      expect(fs.readdirSync(dataDir)).toContain(step === 'next-segment-written' ? 'wal.log.next' : 'wal.log')
      const { wal, recovery } = WriteAheadLog.open<RaftPersist>(dataDir, 'none')
      wal.close()
      const recovered = recoverState(recovery.records)
      expect(recovered.snapshot, 'the old segment, without the interrupted snapshot').toBeUndefined()
      // It died taking its first snapshot, so it had applied at least snapshotEntries entries: all still there.
      expect(recovered.log.lastIndex).toBeGreaterThanOrEqual(Math.max(lastIndexSeen, snapshotEntries))
      expect(fs.readdirSync(dataDir).filter((name) => name.startsWith('snapshot-') || name === 'wal.log.next'), 'leftovers removed on open').toEqual([])

      await cluster.cluster.restart('C')
      const leader = cluster.leaders.leader()!
      await cluster.until(() => (replicaC.status?.appliedIndex ?? 0) >= (cluster.cluster.replicas.get(leader)!.status?.appliedIndex ?? Infinity), 'C to catch up', 30_000)
      // C has compacted since (no kill this time): its log starts from a snapshot that restores.
      await cluster.until(() => (replicaC.status?.snapshotsTaken ?? 0) > 0 || (replicaC.status?.snapshotsInstalled ?? 0) > 0, 'C to snapshot again', 30_000)
      await cluster.cluster.crash('C')
      const reopened = WriteAheadLog.open<RaftPersist>(dataDir, 'none')
      reopened.wal.close()
      const again = recoverState(reopened.recovery.records)
      expect(again.snapshot).toBeDefined()
      expect(KeyValueStore.restore(again.snapshot!.data).appliedIndex).toBe(again.snapshot!.index)
      expect(again.log.baseIndex).toBe(again.snapshot!.index)

      // Every acknowledged write is still there, read through the log from whoever leads.
      await cluster.cluster.restart('C')
      for (let index = 0; index < writes; index += 1) {
        const read = await client.run({ op: 'get', key: `k${index}` }, 10_000)
        expect(read).toMatchObject({ type: 'ok', value: `v${index}` })
      }
    })
  }
})
