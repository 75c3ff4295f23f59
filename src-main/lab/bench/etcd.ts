/**
 * A real etcd cluster on loopback, the bench's reference: `npm run bench -- raft --vs etcd`.
 *
 * Members listen on free loopback ports, keep their data in a temporary directory (removed at the
 * end), and write and fsync their WAL as etcd always does (3.4 has no way to skip it; a data
 * directory on tmpfs is what "durability none" means for etcd, and the bench says so). Every member
 * is killed when the cluster stops, when the bench exits (a Ctrl-C included) and, through the
 * guardian, when the bench is killed outright.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Guardian } from '../guardian-client.js'

/** How to get etcd when it is missing (Debian's package; README says the same). */
export const etcdInstallHint = 'apt-get install etcd-server'
/** How long a fresh cluster gets to elect a leader and answer on every member. */
export const etcdReadyWaitMsMax = 30_000
const etcdStopWaitMs = 5_000

export type EtcdAvailability =
  | { ok: true; binary: string; version: string }
  | { ok: false; reason: string }

export interface EtcdLookup {
  /** ETCD_BIN: an etcd binary to use instead of the one on PATH. */
  env: NodeJS.ProcessEnv
  /** Whether a file exists and is executable. */
  isExecutable: (file: string) => boolean
  /** `etcd --version`'s first line, or undefined when it does not run. */
  versionOf: (binary: string) => string | undefined
}

const realLookup: EtcdLookup = {
  env: process.env,
  isExecutable: (file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK)
      return fs.statSync(file).isFile()
    } catch {
      return false
    }
  },
  versionOf: (binary) => {
    const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 })
    if (result.status !== 0) return undefined
    return /etcd Version:\s*(\S+)/.exec(result.stdout)?.[1]
  },
}

/** Finds the etcd binary (ETCD_BIN, then PATH, then /usr/bin), or says in one line why there is none. */
export function findEtcd(lookup: EtcdLookup = realLookup): EtcdAvailability {
  const explicit = lookup.env.ETCD_BIN
  const candidates = explicit ? [explicit] : [...(lookup.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'etcd')), '/usr/bin/etcd']
  const binary = candidates.find((candidate) => lookup.isExecutable(candidate))
  if (binary === undefined) {
    const where = explicit ? `ETCD_BIN=${explicit} is not an executable file` : 'no etcd on PATH or in /usr/bin'
    return { ok: false, reason: `etcd is not installed (${where}); install it with \`${etcdInstallHint}\` (Debian) to measure against it` }
  }
  const version = lookup.versionOf(binary)
  if (version === undefined) return { ok: false, reason: `${binary} --version failed: is it etcd? (\`${etcdInstallHint}\` installs it)` }
  return { ok: true, binary, version }
}

export interface EtcdMember {
  name: string
  clientUrl: string
  peerUrl: string
  process: ChildProcess
  logFile: string
}

export interface EtcdClusterOptions {
  binary: string
  members: number
  /** Where the members keep their data; `tmpfs` puts it in /dev/shm (fsync then costs nothing). */
  storage: 'disk' | 'tmpfs'
}

/** Running members; stop() kills them and removes their data. */
export class EtcdCluster {
  private stopped = false
  private readonly onExit = () => this.killNow()

  private constructor(
    readonly members: EtcdMember[],
    readonly dataDir: string,
  ) {
    process.on('exit', this.onExit)
  }

  static async start(options: EtcdClusterOptions): Promise<EtcdCluster> {
    const base = options.storage === 'tmpfs' && fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir()
    const dataDir = fs.mkdtempSync(path.join(base, 'lab-bench-etcd-'))
    const ports = await freePorts(options.members * 2)
    const names = Array.from({ length: options.members }, (_, index) => `m${index}`)
    const peerUrls = names.map((_, index) => `http://127.0.0.1:${ports[index * 2 + 1]}`)
    const initialCluster = names.map((name, index) => `${name}=${peerUrls[index]}`).join(',')
    const guardian = Guardian.shared()
    const members = names.map((name, index): EtcdMember => {
      const clientUrl = `http://127.0.0.1:${ports[index * 2]}`
      const logFile = path.join(dataDir, `${name}.log`)
      const log = fs.openSync(logFile, 'a')
      const child = spawn(options.binary, [
        '--name', name,
        '--data-dir', path.join(dataDir, name),
        '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrls[index]!, '--initial-advertise-peer-urls', peerUrls[index]!,
        '--initial-cluster', initialCluster, '--initial-cluster-state', 'new',
        '--initial-cluster-token', path.basename(dataDir),
        '--logger', 'zap', '--log-outputs', 'stderr',
      ], { stdio: ['ignore', log, log] })
      fs.closeSync(log)
      child.on('error', () => undefined)
      if (child.pid) guardian.watch(child.pid)
      return { name, clientUrl, peerUrl: peerUrls[index]!, process: child, logFile }
    })
    const cluster = new EtcdCluster(members, dataDir)
    try {
      await cluster.waitReady()
    } catch (error) {
      await cluster.stop()
      throw error
    }
    return cluster
  }

  /** Client URL of the member that leads now. */
  async leaderUrl(): Promise<string> {
    const { Etcd3 } = await import('etcd3')
    for (const member of this.members) {
      const client = new Etcd3({ hosts: member.clientUrl, dialTimeout: 2000 })
      try {
        const status = await client.maintenance.status()
        if (status.leader === status.header.member_id) return member.clientUrl
      } catch {
        // Not this one (or not yet): try the next.
      } finally {
        client.close()
      }
    }
    throw new Error('no etcd member says it leads')
  }

  /** Resolves once every member answers and one of them leads. */
  private async waitReady(): Promise<void> {
    const { Etcd3 } = await import('etcd3')
    const deadline = performance.now() + etcdReadyWaitMsMax
    for (const member of this.members) {
      for (;;) {
        const exited = this.members.find((candidate) => candidate.process.exitCode !== null || candidate.process.signalCode !== null)
        if (exited) throw new Error(`etcd member ${exited.name} exited while starting: ${lastLine(exited.logFile)}`)
        const client = new Etcd3({ hosts: member.clientUrl, dialTimeout: 1000 })
        try {
          const status = await client.maintenance.status()
          if (status.leader !== '0') break
        } catch {
          // Not listening yet.
        } finally {
          client.close()
        }
        if (performance.now() > deadline) throw new Error(`etcd member ${member.name} did not become ready within ${etcdReadyWaitMsMax} ms: ${lastLine(member.logFile)}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  /** Kills every member, waits for them to exit, and removes the data directory. */
  async stop(): Promise<void> {
    if (this.stopped) return
    const exits = this.members.map((member) =>
      member.process.exitCode !== null || member.process.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => member.process.once('exit', () => resolve())),
    )
    this.killNow()
    await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, etcdStopWaitMs).unref())])
    fs.rmSync(this.dataDir, { recursive: true, force: true })
  }

  private killNow(): void {
    if (this.stopped) return
    this.stopped = true
    process.off('exit', this.onExit)
    const guardian = Guardian.shared()
    for (const member of this.members) {
      member.process.kill('SIGKILL')
      if (member.process.pid) guardian.forget(member.process.pid)
    }
    // On the way out (process 'exit'), nothing asynchronous runs: remove the data now.
    fs.rmSync(this.dataDir, { recursive: true, force: true })
  }
}

/** `count` distinct loopback ports that were free a moment ago (etcd needs them on its command line). */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = []
  try {
    for (let index = 0; index < count; index += 1) {
      const server = net.createServer()
      servers.push(server)
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()))
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port)
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  }
}

function lastLine(file: string): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n')
    return lines[lines.length - 1]?.slice(0, 300) ?? '(empty log)'
  } catch {
    return '(no log)'
  }
}
