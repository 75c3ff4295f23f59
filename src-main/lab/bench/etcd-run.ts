/**
 * One experiment's workload against a real etcd: the same workload process, generator, warm-up,
 * duration and latency histogram as a `lab run` of that experiment, with etcd's client in place of
 * the lab's (see workload/etcd-driver.ts). The cluster part of the experiment (node count) sizes
 * the etcd cluster; etcd's own defaults stand for everything else (timeouts, batching).
 */
import { fork } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { Experiment } from '../../api/experiment.js'
import { childProcessEnv, nodeBundle } from '../paths.js'
import { Guardian } from '../guardian-client.js'
import { latencySummary } from '../runner.js'
import type { WorkloadConfig, WorkloadReport, WorkloadStats } from '../workload/protocol.js'
import { EtcdCluster } from './etcd.js'
import type { LatencySummaryMs } from '../../api/summary.js'

/** What a reference run measured, in the fields a run summary has. */
export interface ReferenceResult {
  system: string
  ops: { ok: number; fail: number; info: number }
  throughput: number
  latencyMs: LatencySummaryMs
}

/** Extra time the workload gets beyond warm-up and duration before the reference run gives up. */
const workloadGraceMs = 30_000

export async function runAgainstEtcd(experiment: Experiment, etcd: { binary: string; version: string }, scratchDir: string): Promise<ReferenceResult> {
  const storage = experiment.cluster.durability === 'fsync' ? 'disk' : 'tmpfs'
  const cluster = await EtcdCluster.start({ binary: etcd.binary, members: experiment.cluster.nodes.length, storage })
  try {
    const leader = await cluster.leaderUrl()
    const runDir = fs.mkdtempSync(path.join(scratchDir, 'etcd-run-'))
    const stats = await driveWorkload(experiment, leader.replace(/^http:\/\//, ''), runDir)
    const durationMs = Math.max(1, stats.endMs - stats.startMs)
    return {
      system: `etcd ${etcd.version}${storage === 'tmpfs' ? ' (data on tmpfs)' : ''}`,
      ops: { ok: stats.ok, fail: stats.fail, info: stats.info },
      throughput: Math.round((stats.ok / durationMs) * 1000 * 1000) / 1000,
      latencyMs: latencySummary(stats.histogram),
    }
  } finally {
    await cluster.stop()
  }
}

/** Forks the lab's workload process against `endpoint` and resolves with its statistics. */
function driveWorkload(experiment: Experiment, endpoint: string, runDir: string): Promise<WorkloadStats> {
  const epochNs = process.hrtime.bigint()
  const log = fs.openSync(path.join(runDir, 'workload.log'), 'a')
  const child = fork(nodeBundle('workload'), [], { env: childProcessEnv(), stdio: ['ignore', log, log, 'ipc'], serialization: 'advanced' })
  fs.closeSync(log)
  child.on('error', () => undefined)
  const guardian = Guardian.shared()
  if (child.pid) guardian.watch(child.pid)
  const config: WorkloadConfig = {
    protocol: experiment.protocol,
    workload: experiment.workload,
    nodes: [],
    seed: experiment.seed,
    epochNs: epochNs.toString(),
    historyPath: path.join(runDir, 'history.ndjson'),
    finalReads: false,
    // etcd is up and has a leader already: the experiment's 0 s (where warm-up starts) is when the
    // workload begins, connected (the engine takes the earlier of startMs and its own clock).
    startMs: Number.MAX_SAFE_INTEGER,
    // etcd's own client protocol drives it (etcdEndpoint): no descriptor of ours is read.
    settings: undefined,
    etcdEndpoint: endpoint,
  }
  return new Promise<WorkloadStats>((resolve, reject) => {
    const limitMs = experiment.workload.warmup + experiment.workload.duration + workloadGraceMs
    const deadline = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the workload against etcd did not finish within ${limitMs} ms`))
    }, limitMs)
    let result: WorkloadStats | undefined
    let fatal: string | undefined
    child.on('message', (report: WorkloadReport) => {
      if (report.type === 'done') result = report.stats
      if (report.type === 'fatal') fatal = report.message.split('\n')[0]
    })
    child.on('exit', (code) => {
      clearTimeout(deadline)
      if (child.pid) guardian.forget(child.pid)
      if (result) resolve(result)
      else reject(new Error(`the workload against etcd exited (code ${code})${fatal ? `: ${fatal}` : ''}`))
    })
    child.send({ type: 'start', config })
  })
}
