/**
 * The bench's etcd reference: finding etcd (or saying in one line how to install it), and a real
 * 3-member cluster on loopback that leaves nothing behind. The cluster test needs etcd
 * (`apt-get install etcd-server`) and skips, saying so, without it.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { EtcdCluster, findEtcd, type EtcdLookup } from '../../src-main/lab/bench/etcd.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'

function lookup(executables: string[], env: NodeJS.ProcessEnv, version = '3.4.23'): EtcdLookup {
  return { env, isExecutable: (file) => executables.includes(file), versionOf: () => version }
}

describe('finding etcd', () => {
  it('absent: one line that says how to install it', () => {
    const found = findEtcd(lookup([], { PATH: '/usr/local/bin:/usr/bin' }))
    expect(found).toEqual({ ok: false, reason: 'etcd is not installed (no etcd on PATH or in /usr/bin); install it with `apt-get install etcd-server` (Debian) to measure against it' })
  })

  it('ETCD_BIN names the binary; one that is not there is said so, not replaced by another', () => {
    expect(findEtcd(lookup(['/opt/etcd/etcd', '/usr/bin/etcd'], { ETCD_BIN: '/opt/etcd/etcd', PATH: '/usr/bin' }))).toEqual({ ok: true, binary: '/opt/etcd/etcd', version: '3.4.23' })
    expect(findEtcd(lookup(['/usr/bin/etcd'], { ETCD_BIN: '/opt/none/etcd', PATH: '/usr/bin' }))).toMatchObject({ ok: false, reason: expect.stringContaining('ETCD_BIN=/opt/none/etcd is not an executable file') })
  })

  it('the first etcd on PATH, and a binary that does not answer --version is refused', () => {
    expect(findEtcd(lookup(['/usr/local/bin/etcd', '/usr/bin/etcd'], { PATH: '/usr/local/bin:/usr/bin' }))).toMatchObject({ ok: true, binary: '/usr/local/bin/etcd' })
    expect(findEtcd({ ...lookup(['/usr/bin/etcd'], { PATH: '/usr/bin' }), versionOf: () => undefined })).toMatchObject({ ok: false, reason: expect.stringContaining('/usr/bin/etcd --version failed') })
  })
})

describe('npm run bench -- raft --vs etcd without etcd', () => {
  it('skips with the reason and runs nothing', () => {
    const result = spawnSync(process.execPath, [path.join(repositoryRoot(), 'out/node/bench.js'), 'raft', '--vs', 'etcd', '--quick'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ETCD_BIN: '/nonexistent/etcd' },
    })
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('bench: skipping --vs etcd: etcd is not installed (ETCD_BIN=/nonexistent/etcd is not an executable file); install it with `apt-get install etcd-server` (Debian) to measure against it\n')
    expect(result.stdout).toBe('')
  })
})

const etcd = findEtcd()
describe('a real etcd cluster on loopback', () => {
  it.skipIf(!etcd.ok)(`starts 3 members with a leader, and stopping it kills them and removes their data${etcd.ok ? '' : ` (skipped: ${etcd.reason})`}`, async () => {
    if (!etcd.ok) return
    const cluster = await EtcdCluster.start({ binary: etcd.binary, members: 3, storage: 'disk' })
    const pids = cluster.members.map((member) => member.process.pid!)
    try {
      expect(cluster.members.map((member) => new URL(member.clientUrl).hostname)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1'])
      expect(cluster.members.map((member) => member.clientUrl)).toContain(await cluster.leaderUrl())
      expect(fs.existsSync(cluster.dataDir)).toBe(true)
    } finally {
      await cluster.stop()
    }
    expect(fs.existsSync(cluster.dataDir)).toBe(false)
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow()
  })
})
