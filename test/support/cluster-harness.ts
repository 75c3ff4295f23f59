/**
 * Real replica processes for tests: a Cluster plus a trace recorder whose `until` re-checks a
 * condition on every event batch, so tests wait for facts (a leader exists) and never for time.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Cluster, type ReplicaConfigBase } from '../../src-main/lab/cluster.js'
import { LeaderTracker } from '../../src-main/lab/leadership.js'
import type { TraceEvent } from '../../src-main/api/trace.js'
import { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import { LeaderClient } from '../../src-main/lab/workload/client.js'
import type { Command } from '../../src-main/protocols/types.js'

export interface TestCluster {
  cluster: Cluster
  trace: TraceEvent[]
  leaders: LeaderTracker
  runDir: string
  /** Resolves once `condition` holds (checked after every event batch), rejects after timeoutMs. */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>
  /** A client of the whole cluster, or only of `nodes`. */
  client(nodes?: string[]): TestClient
  close(): Promise<void>
}

export interface TestClient {
  run(command: Command, timeoutMs?: number): ReturnType<LeaderClient['execute']>
  close(): void
}

export function baseConfig(members: string[], overrides: Partial<ReplicaConfigBase> = {}): ReplicaConfigBase {
  return {
    protocol: 'raft',
    members,
    durability: 'fsync',
    seed: 7,
    tickMs: 5,
    electionTimeoutMs: [150, 300],
    heartbeatMs: 50,
    firstElectionTimeoutMs: {},
    preVote: false,
    readMode: 'readindex',
    leaseDriftMs: 20,
    checkQuorum: false,
    batchEntriesMax: 1024,
    inflightAppendsMax: 64,
    traceMessages: false,
    traceLog: true,
    groups: 1,
    watchHistoryMax: 100_000,
    keyRouting: { kind: 'hash' },
    requestTimeoutMs: 500,
    checkpointInterval: 32,
    byzantine: {},
    extra: {},
    ...overrides,
  }
}

export async function startTestCluster(members: string[], overrides: Partial<ReplicaConfigBase> = {}): Promise<TestCluster> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-test-'))
  const trace: TraceEvent[] = []
  const leaders = new LeaderTracker()
  const waiters = new Set<() => void>()
  const observe = (events: TraceEvent[]) => {
    for (const event of events) {
      trace.push(event)
      leaders.observe(event)
    }
    for (const check of [...waiters]) check()
  }
  const cluster = new Cluster(baseConfig(members, overrides), runDir, process.hrtime.bigint(), {
    onEvents: (_node, events) => observe(events),
    onProcessEvent: (event) => observe([event]),
  })
  await cluster.start()
  let clientSeq = 0
  const clients: ClusterConnections[] = []
  return {
    cluster,
    trace,
    leaders,
    runDir,
    until(condition, what, timeoutMs = 15_000) {
      if (condition()) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!condition()) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
        }, timeoutMs)
        waiters.add(check)
      })
    },
    client(nodes) {
      const endpoints = () => cluster.clientEndpoints().filter((endpoint) => !nodes || nodes.includes(endpoint.id))
      const connections = new ClusterConnections(endpoints())
      clients.push(connections)
      const driver = new LeaderClient(connections)
      const clientId = `test-${++clientSeq}`
      let seq = 0
      return {
        run: (command, timeoutMs = 3000) => {
          connections.setEndpoints(endpoints())
          return driver.execute(clientId, ++seq, command, timeoutMs)
        },
        close: () => connections.close(),
      }
    },
    async close() {
      clients.forEach((connections) => connections.close())
      await cluster.shutdown()
      fs.rmSync(runDir, { recursive: true, force: true })
    },
  }
}

/** Leaders per term seen in the trace: more than one in any term breaks election safety. */
export function leadersByTerm(trace: TraceEvent[]): Map<number, Set<string>> {
  const byTerm = new Map<number, Set<string>>()
  for (const event of trace) {
    if (event.kind !== 'role' || event.role !== 'leader') continue
    const leaders = byTerm.get(event.term) ?? new Set<string>()
    leaders.add(event.node)
    byTerm.set(event.term, leaders)
  }
  return byTerm
}
