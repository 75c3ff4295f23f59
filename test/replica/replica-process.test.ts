/**
 * The replica process around its WAL and its secret, on real processes: a damaged WAL stops a
 * restart (instead of a node that forgot its vote), and the run's secret never shows in a process's
 * command line or environment.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import { walRecordOffsets } from '../../src-main/replica/wal.js'
import { recoverState } from '../../src-main/protocols/raft/log.js'
import type { RaftPersist } from '../../src-main/protocols/raft/messages.js'
import { replicaExitCodes } from '../../src-main/replica/control.js'
import { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import { PbftClient } from '../../src-main/lab/workload/pbft-client.js'
import { nodeBundle } from '../../src-main/lab/paths.js'

let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

function flipByte(file: string, position: number): void {
  const bytes = fs.readFileSync(file)
  bytes[position] ^= 0xff
  fs.writeFileSync(file, bytes)
}

describe('a replica process and its WAL', () => {
  it('refuses to restart from a WAL whose vote record was damaged, instead of forgetting the vote', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    const client = cluster.client()
    for (let index = 0; index < 5; index += 1) {
      expect((await client.run({ op: 'put', key: `k${index}`, value: `v${index}` })).type).toBe('ok')
    }
    const leader = cluster.leaders.leader()!
    const follower = cluster.cluster.nodeIds.find((node) => node !== leader)!
    await cluster.until(() => (cluster.cluster.replicas.get(follower)?.status?.appliedIndex ?? 0) >= 6, `${follower} to apply the writes`)
    await cluster.cluster.crash(follower)

    const file = path.join(cluster.runDir, 'nodes', follower, 'wal.log')
    const listed = walRecordOffsets<RaftPersist>(file)
    const votePosition = listed.findLastIndex((item) => item.record.kind === 'hardState' && item.record.votedFor !== null)
    expect(votePosition, 'a vote with records after it').toBeGreaterThanOrEqual(0)
    expect(votePosition).toBeLessThan(listed.length - 1)
    const vote = listed[votePosition]!
    const voteRecord = vote.record as Extract<RaftPersist, { kind: 'hardState' }>
    // What a recovery that stops at the damage would rebuild: this node could vote again in the vote's term.
    const forgetful = recoverState(listed.slice(0, votePosition).map((item) => item.record))
    expect(forgetful.term === voteRecord.term && forgetful.votedFor === voteRecord.votedFor).toBe(false)

    flipByte(file, vote.offsetBytes + 8 + 3)
    const damaged = fs.readFileSync(file)
    await expect(cluster.cluster.restart(follower)).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is corrupt at byte ${vote.offsetBytes}`))
    expect(cluster.cluster.replicas.get(follower)!.exitCode).toBe(replicaExitCodes.corruptLog)
    expect(fs.readFileSync(file).equals(damaged), 'the WAL is left as it was found').toBe(true)
    const log = fs.readFileSync(path.join(cluster.runDir, 'logs', `${follower}.log`), 'utf8')
    expect(log).toContain(`replica ${follower} cannot start: ${file} is corrupt at byte ${vote.offsetBytes}`)
  })
})

describe('the run secret', () => {
  it('is in no replica command line or environment, and the replicas still form a working cluster', async () => {
    running = await startTestCluster(['A', 'B', 'C', 'D'], { protocol: 'pbft', f: 1 })
    const cluster = running
    const secret = (cluster.cluster as unknown as { secret?: string }).secret
    for (const replica of cluster.cluster.replicas.values()) {
      const cmdline = fs.readFileSync(`/proc/${replica.pid}/cmdline`, 'utf8')
      const environ = fs.readFileSync(`/proc/${replica.pid}/environ`, 'utf8')
      expect(cmdline).toContain('--config')
      expect(cmdline, `${replica.id}'s command line`).not.toMatch(/secret/i)
      expect(environ, `${replica.id}'s environment`).not.toMatch(/secret/i)
      if (secret !== undefined) {
        expect(cmdline).not.toContain(secret)
        expect(environ).not.toContain(secret)
      }
    }
    // PBFT's MACs are keyed by the secret: a write commits only if every replica got the same one.
    const connections = new ClusterConnections(cluster.cluster.clientEndpoints())
    try {
      const outcome = await new PbftClient(connections, 1, 200).execute('secret-test', 1, { op: 'put', key: 'k', value: 'v' }, 10_000)
      expect(outcome.type).toBe('ok')
    } finally {
      connections.close()
    }
  })

  it('is read from a file by a replica started by hand, which refuses to start without one', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-by-hand-'))
    const children: ReturnType<typeof spawn>[] = []
    const byHand = (extra: string[]) => {
      const child = spawn(process.execPath, [nodeBundle('replica'), '--id', 'A', '--members', 'A', '--data-dir', path.join(directory, 'A'), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      children.push(child)
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      return { child, exited, stderr: () => stderr }
    }
    try {
      const without = byHand([])
      expect(await without.exited).toBe(replicaExitCodes.usage)
      expect(without.stderr()).toMatch(/needs --secret-file FILE/)

      const file = path.join(directory, 'secret')
      fs.writeFileSync(file, 'a-secret-shared-by-hand-0123456789\n', { mode: 0o600 })
      const withFile = byHand(['--secret-file', file])
      await new Promise<void>((resolve, reject) => {
        withFile.child.stderr.on('data', () => withFile.stderr().includes('peers on') && resolve())
        void withFile.exited.then((code) => reject(new Error(`exited with ${code}: ${withFile.stderr()}`)))
      })
      withFile.child.kill('SIGTERM')
      expect(await withFile.exited).toBe(0)
    } finally {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      fs.rmSync(directory, { recursive: true, force: true })
    }
  })
})
