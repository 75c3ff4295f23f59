/**
 * Real replica processes for tests: a Cluster plus a trace recorder whose `until` re-checks a
 * condition on every event batch, so tests wait for facts (a leader exists) and never for time.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Cluster, type ClusterLaunch } from '../../src-main/lab/cluster.js'
import { resolveNode, type ExperimentInput, type ProtocolName } from '../../src-main/api/experiment.js'
import { formatFieldErrors, validateExperiment } from '../../src-main/api/validate.js'

type ClusterInput = NonNullable<ExperimentInput['cluster']>
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

/** A test cluster as an experiment would state it: its protocol, its cluster fields, and the watch history kept. */
export type TestClusterOptions = Partial<Omit<ClusterInput, 'nodes'>> & { protocol?: ProtocolName; watchHistoryMax?: number }

/** The replicas' settings the lab would start them with for this cluster (validated, then resolveNode per node). */
export function clusterLaunchFor(members: string[], options: TestClusterOptions = {}): ClusterLaunch {
  const { protocol = 'raft', watchHistoryMax = 100_000, ...cluster } = options
  const validated = validateExperiment({ protocol, seed: 7, cluster: { tickMs: 5, ...cluster, nodes: members } })
  if (!validated.ok) throw new Error(`test cluster: ${formatFieldErrors(validated.errors)}`)
  const nodes = members.map((id) => resolveNode(validated.experiment, id))
  return { nodes, traceMessages: false, traceLog: true, watchHistoryMax }
}

export async function startTestCluster(members: string[], options: TestClusterOptions = {}): Promise<TestCluster> {
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
  const cluster = new Cluster(clusterLaunchFor(members, options), runDir, process.hrtime.bigint(), {
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
