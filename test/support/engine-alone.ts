/**
 * The workload engine on its own, with a driver of the test's (no replicas, no descriptor): a
 * 2-client closed loop of the bench's shape (100 ms unless `durationMs`), its history written to `historyPath`.
 */
import { benchExperiment } from '../../src-main/lab/bench/shape.js'
import { WorkloadEngine } from '../../src-main/lab/workload/engine.js'
import { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import type { ClientDriver } from '../../src-main/lab/workload/client.js'
import type { WorkloadConfig, WorkloadStats } from '../../src-main/lab/workload/protocol.js'

export function runEngineAlone(driver: ClientDriver, options: { historyPath: string; finalReads: boolean; seed: number; durability: 'fsync' | 'none'; durationMs?: number }): Promise<WorkloadStats> {
  const experiment = benchExperiment({ nodes: 3, clients: 2, durability: options.durability, durationMs: options.durationMs ?? 100, warmupMs: 0, seed: options.seed })
  const config: WorkloadConfig = {
    protocol: experiment.protocol,
    workload: experiment.workload,
    nodes: [],
    seed: experiment.seed,
    epochNs: process.hrtime.bigint().toString(),
    historyPath: options.historyPath,
    finalReads: options.finalReads,
    // The engine's driver is the test's: no descriptor is read.
    settings: undefined,
    startMs: 0,
  }
  return new WorkloadEngine(config, new ClusterConnections([]), driver, () => undefined).run()
}
