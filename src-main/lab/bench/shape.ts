/**
 * What one bench row runs: an experiment, built the way a person would write it in a file, and the
 * options the bench hands the runner. `npm run bench` and `npm run lab -- run` of the same file go
 * through the same runner and the same workload engine; the only option that differs is that the
 * bench skips the checks after the load (final reads, linearizability), and neither of those enters
 * the measured statistics (engine.ts: only operations invoked inside the measured window count).
 */
import fs from 'node:fs'
import path from 'node:path'
import { stringify } from 'yaml'
import type { Experiment, ExperimentInput } from '../../api/experiment.js'
import { validateExperiment } from '../../api/validate.js'
import type { RunOptions } from '../runner.js'
import type { ProtocolName } from '../../protocols/registry.js'

/** Links as a `network` fault sets them from the start of the run (a lossy or jittery link). */
export interface BenchLinks {
  delayMs: number
  jitterMs: number
  loss: number
}

export interface BenchShape {
  protocol?: ProtocolName
  nodes: number
  clients: number
  durability: 'fsync' | 'none'
  durationMs: number
  warmupMs: number
  seed: number
  groups?: number
  links?: BenchLinks
  /** ParallelRaft's look-behind buffer (cluster.lookBehindEntries). */
  lookBehindEntries?: number
  /** A jittery disk on every node from the start: each fsync 0..this many ms longer (slowDisk jitterMs). */
  diskJitterMs?: number
}

/** The experiment of one bench row, as a person would write it in a file. */
export function benchExperimentInput(shape: BenchShape): ExperimentInput {
  const protocol = shape.protocol ?? 'raft'
  return {
    name: `bench-${protocol}-${shape.nodes}n-${shape.clients}c-${shape.durability}${shape.groups ? `-g${shape.groups}` : ''}${shape.links ? '-lossy' : ''}${shape.diskJitterMs ? '-jittery-disk' : ''}`,
    protocol,
    seed: shape.seed,
    cluster: {
      nodes: shape.nodes,
      durability: shape.durability,
      ...(shape.groups ? { groups: shape.groups } : {}),
      ...(shape.lookBehindEntries ? { lookBehindEntries: shape.lookBehindEntries } : {}),
    },
    ...(shape.links || shape.diskJitterMs ? { faults: startFaults(shape) } : {}),
    workload: { duration: `${shape.durationMs}ms`, warmup: `${shape.warmupMs}ms`, clients: shape.clients, keys: 1000, mix: { get: 0, put: 1 }, valueBytes: 16 },
    trace: { messages: false },
  }
}

/** The faults in force from the start: lossy links, a jittery disk on every node (nodes are named A, B, C, ...). */
function startFaults(shape: BenchShape): Record<string, unknown>[] {
  const names = Array.from({ length: shape.nodes }, (_, position) => String.fromCharCode(65 + position))
  return [
    ...(shape.links ? [{ at: '0s', network: shape.links }] : []),
    ...(shape.diskJitterMs ? names.map((node) => ({ at: '0s', slowDisk: { node, ms: 0, jitterMs: shape.diskJitterMs } })) : []),
  ]
}

/**
 * The validated experiment of one bench row; with `experimentsDir`, the first run's file is written
 * there (`<name>.yaml`), which `npm run lab -- run` loads into this same experiment.
 */
export function benchExperiment(shape: BenchShape, experimentsDir?: string): Experiment {
  const input = benchExperimentInput(shape)
  const result = validateExperiment(input)
  if (!result.ok) throw new Error(`bench experiment invalid: ${JSON.stringify(result.errors)}`)
  if (experimentsDir !== undefined && shape.seed === 1) {
    fs.mkdirSync(experimentsDir, { recursive: true })
    fs.writeFileSync(benchExperimentPath(experimentsDir, input), stringify(input))
  }
  return result.experiment
}

export function benchExperimentPath(experimentsDir: string, input: ExperimentInput): string {
  return path.join(experimentsDir, `${input.name}.yaml`)
}

/** The runner options of a bench row: a lab run's, without the checks that follow the load. */
export function benchRunOptions(runsDir: string): RunOptions {
  return { runsDir, check: false, finalReads: false }
}
