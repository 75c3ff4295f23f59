/**
 * Benchmarks: `npm run bench -- <suite> [options]` (bench-args.ts lists them).
 *
 * Every row is a real experiment run by the lab's own runner and workload, exactly as
 * `npm run lab -- run` runs it (`--experiments DIR` writes the files): a row and a run of the same
 * file measure the same thing. With `--vs etcd` a real etcd cluster runs the same workload, in the
 * same session, configuration by configuration, runs interleaved with ours so both see the same
 * machine; the tables print both rows and their ratios. No reference figure is a constant here.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ExperimentRun } from '../lab/runner.js'
import type { Experiment } from '../api/experiment.js'
import type { RunSummary } from '../api/summary.js'
import { onStopSignal, signalExitCode } from '../lab/signals.js'
import { benchUsage, parseBenchArgs, type BenchArgs } from './bench-args.js'
import type { ProtocolName } from '../protocols/registry.js'
import { nodesForFaultTolerance } from '../api/sweep.js'
import { findEtcd } from '../lab/bench/etcd.js'
import type { PhaseRecord } from '../replica/phase-profile.js'
import type { PbftCoreCpu } from '../lab/bench/pbft-core.js'
import { cpuPerOpCell, raftPbftPairs, raftVsPbftTable, replicaCpuPerOp, type CpuPerOp, type ProtocolRow } from '../lab/bench/protocol-table.js'
import { benchExperiment as benchExperimentOf, benchRunOptions, type BenchShape } from '../lab/bench/shape.js'

interface Measured {
  throughput: number
  p50Ms: number
  p99Ms: number
}

interface RaftRow extends Measured {
  system: string
  nodes: number
  clients: number
  durability: 'fsync' | 'none'
  runs: number
  /** Ours only: the replicas' CPU per operation (an etcd row has none). */
  cpuPerOp?: CpuPerOp
}

interface Ratio {
  nodes: number
  clients: number
  durability: 'fsync' | 'none'
  /** Ours over the reference's: below 1 is faster for latency. */
  p50: number
  p99: number
  /** Ours over the reference's: above 1 is more throughput. */
  throughput: number
}

export const labSystem = 'consensus-lab raft'

async function main(argv: string[]): Promise<number> {
  const parsed = parseBenchArgs(argv)
  if (!parsed.ok) {
    process.stderr.write(`bench: ${parsed.error}\n${benchUsage}\n`)
    return 2
  }
  const args = parsed.args
  switch (args.suite) {
    case 'raft':
      return benchRaft(args)
    case 'checker':
      return benchCheckerSuite(args)
    case 'raft-vs-pbft':
      return benchRaftVsPbft(args)
    case 'raft-vs-parallel-raft':
      return benchRaftVsParallelRaft(args)
    case 'multiraft':
      return benchMultiRaft(args)
    case 'profile':
      return benchProfile(args)
    case 'pbft-core':
      return benchPbftCore(args)
  }
}

function benchExperiment(shape: BenchShape, args: BenchArgs): Experiment {
  return benchExperimentOf(shape, args.experimentsDir)
}

function loadLine(): string {
  const [one, five] = os.loadavg()
  return `load average ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min) on ${os.cpus().length} cores`
}

async function benchRaft(args: BenchArgs): Promise<number> {
  let etcd: { binary: string; version: string } | undefined
  if (args.vs === 'etcd') {
    const found = findEtcd()
    const client = found.ok ? await etcdClientProblem() : undefined
    if (!found.ok || client !== undefined) {
      process.stderr.write(`bench: skipping --vs etcd: ${found.ok ? client : found.reason}\n`)
      return 0
    }
    etcd = found
  }
  const nodeCounts = args.nodes ?? (etcd ? [3] : [3, 5])
  const rows: RaftRow[] = []
  const ratios: Ratio[] = []
  const loadBefore = loadLine()
  await inScratchRunsDir(async (runsDir) => {
    for (const nodes of nodeCounts)
      for (const durability of args.durability ?? (['fsync', 'none'] as const))
        for (const clients of args.clients ?? [1, 16, 64]) {
          const ours: RunSummary[] = []
          const theirs: Measured[] = []
          for (let run = 0; run < args.runs; run += 1) {
            const experiment = benchExperiment({ nodes, clients, durability, durationMs: args.durationMs, warmupMs: args.warmupMs, seed: run + 1 }, args)
            ours.push(await runOnce(experiment, runsDir))
            if (etcd) {
              const { runAgainstEtcd } = await import('../lab/bench/etcd-run.js')
              const reference = await runAgainstEtcd(experiment, etcd, runsDir)
              theirs.push({ throughput: reference.throughput, p50Ms: reference.latencyMs.p50, p99Ms: reference.latencyMs.p99 })
            }
          }
          const row: RaftRow = { system: labSystem, nodes, clients, durability, runs: args.runs, ...medians(ours), cpuPerOp: replicaCpuPerOp(ours) }
          rows.push(row)
          if (!args.json) process.stderr.write(`  ${describeRow(row)}\n`)
          if (etcd) {
            const reference: RaftRow = { system: `etcd ${etcd.version}${durability === 'none' ? ' (data on tmpfs)' : ''}`, nodes, clients, durability, runs: args.runs, ...medianOf(theirs) }
            rows.push(reference)
            ratios.push(ratioOf(row, reference))
            if (!args.json) process.stderr.write(`  ${describeRow(reference)}\n`)
          }
        }
  })
  const loadAfter = loadLine()
  if (args.json) process.stdout.write(`${JSON.stringify({ rows, ratios, load: { before: loadBefore, after: loadAfter } }, null, 2)}\n`)
  else process.stdout.write(raftTable(rows, ratios, args, loadBefore, loadAfter))
  return 0
}

/** Why etcd's client cannot load here (it is a development dependency), or undefined. */
async function etcdClientProblem(): Promise<string | undefined> {
  try {
    await import('etcd3')
    return undefined
  } catch (error) {
    return `the etcd3 client package does not load (${(error as Error).message.split('\n')[0]}); \`npm ci\` installs it`
  }
}

export function ratioOf(ours: Measured & Pick<RaftRow, 'nodes' | 'clients' | 'durability'>, reference: Measured): Ratio {
  const divide = (a: number, b: number) => (b > 0 ? round3(a / b) : Number.NaN)
  return {
    nodes: ours.nodes,
    clients: ours.clients,
    durability: ours.durability,
    p50: divide(ours.p50Ms, reference.p50Ms),
    p99: divide(ours.p99Ms, reference.p99Ms),
    throughput: divide(ours.throughput, reference.throughput),
  }
}

async function runOnce(experiment: Experiment, runsDir: string): Promise<RunSummary> {
  const summary = await new ExperimentRun(experiment, benchRunOptions(runsDir)).execute()
  if (!summary.completed) throw new Error(`bench run failed: ${summary.error}`)
  return summary
}

function describeRow(row: RaftRow): string {
  return `${row.system.padEnd(18)} ${row.nodes} nodes  ${String(row.clients).padStart(2)} clients  ${row.durability.padEnd(5)}  ${row.throughput.toFixed(0).padStart(7)} ops/s  p50 ${row.p50Ms.toFixed(3)} ms  p99 ${row.p99Ms.toFixed(3)} ms`
}

function raftTable(rows: RaftRow[], ratios: Ratio[], args: BenchArgs, loadBefore: string, loadAfter: string): string {
  const lines = [
    `Raft on real processes: writes only, 16-byte values, 1,000 keys, ${args.warmupMs / 1000} s warm-up, ${args.durationMs / 1000} s per run, median of ${args.runs}`,
    `${os.cpus()[0]?.model ?? 'unknown CPU'}; ${loadBefore} before, ${loadAfter.replace(/ on \d+ cores$/, '')} after`,
    '',
    '| system | nodes | clients | durability | throughput (ops/s) | p50 (ms) | p99 (ms) | replica CPU ms/op (all / busiest) |',
    '|---|---:|---:|---|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.system} | ${row.nodes} | ${row.clients} | ${row.durability} | ${row.throughput.toFixed(0)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${row.system === labSystem ? cpuPerOpCell(row.cpuPerOp) : ''} |`,
    ),
  ]
  if (ratios.length > 0) {
    lines.push(
      '',
      'Ours over etcd in the same session (p50, p99: below 1 is faster; throughput: above 1 is more):',
      '',
      '| nodes | clients | durability | p50 | p99 | throughput |',
      '|---:|---:|---|---:|---:|---:|',
      ...ratios.map((ratio) => `| ${ratio.nodes} | ${ratio.clients} | ${ratio.durability} | ${ratio.p50.toFixed(2)}x | ${ratio.p99.toFixed(2)}x | ${ratio.throughput.toFixed(2)}x |`),
    )
  }
  return `${lines.join('\n')}\n`
}

/** Runs one configuration `repetitions` times and returns the summaries. */
async function repeat(shape: Omit<BenchShape, 'seed'>, args: BenchArgs, runsDir: string): Promise<RunSummary[]> {
  const summaries: RunSummary[] = []
  for (let run = 0; run < args.runs; run += 1) summaries.push(await runOnce(benchExperiment({ ...shape, seed: run + 1 }, args), runsDir))
  return summaries
}

async function benchRaftVsPbft(args: BenchArgs): Promise<number> {
  const rows: ProtocolRow[] = []
  const { durationMs, warmupMs } = args
  const durabilities = args.durability ?? (['fsync', 'none'] as const)
  const pairs = raftPbftPairs(args.nodes)
  if (pairs.length === 0) {
    process.stderr.write(`bench: raft-vs-pbft compares Raft 3 with PBFT 4 and Raft 5 with PBFT 7; --nodes ${args.nodes?.join(',')} names neither\n`)
    return 2
  }
  await inScratchRunsDir(async (runsDir) => {
    for (const [raftNodes, pbftNodes] of pairs)
      for (const clients of args.clients ?? (args.runs === 1 && durationMs <= 1000 ? [1, 16] : [1, 16, 64]))
        for (const durability of durabilities)
          for (const [protocol, nodes] of [['raft', raftNodes], ['pbft', pbftNodes]] as const) {
            const summaries = await repeat({ protocol, nodes, clients, durability, durationMs, warmupMs }, args, runsDir)
            const perOp = (value: (summary: RunSummary) => number) => median(summaries.map((summary) => value(summary) / Math.max(1, summary.ops.ok)))
            const row: ProtocolRow = {
              protocol,
              nodes,
              clients,
              durability,
              ...medians(summaries),
              messagesPerOp: round2(perOp((summary) => summary.messages.total)),
              bytesPerOp: Math.round(perOp((summary) => summary.messages.bytes)),
              cpuPerOp: replicaCpuPerOp(summaries),
            }
            rows.push(row)
            if (!args.json) process.stderr.write(`  ${protocol} ${nodes} nodes ${clients} clients ${durability}: ${row.throughput.toFixed(0)} ops/s p50 ${row.p50Ms} ms, replica CPU ms/op ${cpuPerOpCell(row.cpuPerOp)} (all / busiest)\n`)
          }
  })
  const heading =
    `Raft vs PBFT on real processes (writes only, ${durabilities.join(' and ')}, ${durationMs / 1000} s per run after ${warmupMs / 1000} s of warm-up, median of ${args.runs}; ` +
    `ratios against Raft of the same durability; replica CPU: user + system ms per acknowledged operation over the measured window, all replicas summed / the busiest one); ${loadLine()}`
  if (args.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else process.stdout.write(raftVsPbftTable(rows, heading))
  return 0
}

/** The lossy links of the raft-vs-parallel-raft suite: VPN-grade jitter (reordering) and loss. */
const lossyLinks = { delayMs: 5, jitterMs: 20, loss: 0.05 }
/** A jittery disk (PolarFS's case): every node's fsyncs take 0..this many ms more, drawn per fsync from the seed. */
const jitteryDiskMs = 10
/** What a row's cluster runs on: clean loopback, lossy links, or clean links and a jittery disk on every node. */
const benchConditions = ['clean', 'lossy', 'jittery disk'] as const
type BenchConditions = (typeof benchConditions)[number]

/** A buffer long enough to cover the batches in flight at 64 writers, so a late batch rarely blocks the next. */
const benchLookBehindEntries = 64

/**
 * The fsync the simulator's nodes pay under `durability: fsync`: the order of this machine's (the
 * profile suite's leader persist, write and fdatasync, had a median of 1.3 ms). A model, named as
 * such in the output.
 */
const simFsyncUs = 1000

async function benchRaftVsParallelRaft(args: BenchArgs): Promise<number> {
  if (args.sim) return benchRaftVsParallelRaftSim(args)
  const rows: (ProtocolRow & { links: BenchConditions })[] = []
  await inScratchRunsDir(async (runsDir) => {
    for (const links of benchConditions)
      for (const clients of args.clients ?? [16, 64])
        for (const protocol of ['raft', 'parallel-raft'] as const) {
          const shape = parallelRaftShape(protocol, links, clients, args)
          const summaries = await repeat(shape, args, runsDir)
          const perOp = (value: (summary: RunSummary) => number) => median(summaries.map((summary) => value(summary) / Math.max(1, summary.ops.ok)))
          const row = { protocol, links, nodes: shape.nodes, clients, durability: shape.durability, ...medians(summaries), messagesPerOp: round2(perOp((summary) => summary.messages.total)), bytesPerOp: Math.round(perOp((summary) => summary.messages.bytes)) }
          rows.push(row)
          if (!args.json) process.stderr.write(`  ${protocol} ${links} ${clients} clients: ${row.throughput.toFixed(0)} ops/s p50 ${row.p50Ms} ms p99 ${row.p99Ms} ms\n`)
        }
  })
  if (args.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else
    printParallelRaftTable(
      rows,
      `Raft vs ParallelRaft on real processes (writes only, ${rows[0]?.nodes ?? 3} nodes, ${args.durability?.[0] ?? 'fsync'}, ${args.durationMs / 1000} s per run after ${args.warmupMs / 1000} s of warm-up, median of ${args.runs}; ` +
        `lossy: delay ${lossyLinks.delayMs} ms, jitter ${lossyLinks.jitterMs} ms, loss ${lossyLinks.loss * 100}%; jittery disk: 0..${jitteryDiskMs} ms more per fsync; look-behind ${benchLookBehindEntries}); ${loadLine()}`,
    )
  return 0
}

/** Raft and ParallelRaft rows side by side, each ParallelRaft row against Raft's of the same links and clients. */
function printParallelRaftTable(rows: (ProtocolRow & { links: BenchConditions })[], title: string): void {
  const lines = [
    title,
    '',
    '| conditions | protocol | clients | throughput (ops/s) | p50 (ms) | p99 (ms) | messages/op | throughput vs Raft | p99 vs Raft |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const row of rows) {
    const raft = rows.find((other) => other.protocol === 'raft' && other.links === row.links && other.clients === row.clients)
    const versus = row.protocol === 'parallel-raft' && raft ? `| ${(row.throughput / raft.throughput).toFixed(2)}x | ${(row.p99Ms / raft.p99Ms).toFixed(2)}x |` : '| | |'
    lines.push(`| ${row.links} | ${row.protocol} | ${row.clients} | ${row.throughput.toFixed(0)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${row.messagesPerOp} ${versus}`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}

function parallelRaftShape(protocol: 'raft' | 'parallel-raft', links: BenchConditions, clients: number, args: BenchArgs): Omit<BenchShape, 'seed'> {
  return {
    protocol, nodes: args.nodes?.[0] ?? 3, clients, durability: args.durability?.[0] ?? 'fsync', durationMs: args.durationMs, warmupMs: args.warmupMs,
    ...(links === 'lossy' ? { links: lossyLinks } : {}),
    ...(links === 'jittery disk' ? { diskJitterMs: jitteryDiskMs } : {}),
    ...(protocol === 'parallel-raft' ? { lookBehindEntries: benchLookBehindEntries } : {}),
  }
}

/**
 * The same experiments in the simulator: seeds 1..runs of each, the medians. A run whose checks
 * fail has no figures (NaN) and makes the suite exit 1: a number is only shown for a correct run.
 */
async function benchRaftVsParallelRaftSim(args: BenchArgs): Promise<number> {
  const { simulateExperiment, simBenchOpsMax } = await import('../sim/bench.js')
  const { scheduledFaults } = await import('../lab/faults.js')
  const rows: (ProtocolRow & { links: BenchConditions; messagesPerOp: number; ops: number })[] = []
  const broken: string[] = []
  for (const links of benchConditions)
    for (const clients of args.clients ?? [1, 16, 64])
      for (const protocol of ['raft', 'parallel-raft'] as const) {
        const shape = parallelRaftShape(protocol, links, clients, args)
        const fsyncUs = shape.durability === 'fsync' ? simFsyncUs : 0
        const results = Array.from({ length: args.runs }, (_, run) => {
          const experiment = benchExperiment({ ...shape, seed: run + 1 }, args)
          const result = simulateExperiment(experiment, scheduledFaults(experiment), { seed: run + 1, fsyncUs })
          if (result.violation !== undefined || result.linearizable !== true) broken.push(`${experiment.name} seed ${run + 1}: ${result.violation ?? `linearizable: ${result.linearizable}`}`)
          return result
        })
        const row = {
          protocol, links, nodes: shape.nodes, clients, durability: shape.durability, ...medianOf(results),
          messagesPerOp: round2(median(results.map((result) => result.messagesPerOp))), bytesPerOp: 0, ops: median(results.map((result) => result.measuredOps)),
        }
        rows.push(row)
        if (!args.json) process.stderr.write(`  ${protocol} ${links} ${clients} clients: ${row.throughput.toFixed(0)} ops/s p50 ${row.p50Ms} ms p99 ${row.p99Ms} ms (virtual time)\n`)
      }
  if (args.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else
    printParallelRaftTable(
      rows,
      `Raft vs ParallelRaft in the simulator (virtual time: network delay, jitter, loss and a modelled fsync of ${simFsyncUs / 1000} ms are the only costs; ` +
        `writes only, ${rows[0]?.nodes ?? 3} nodes, ${args.durability?.[0] ?? 'fsync'}, clients start after ${args.warmupMs / 1000} s, at most ${simBenchOpsMax.toLocaleString('en')} operations per run, median of seeds 1..${args.runs}; ` +
        `lossy: delay ${lossyLinks.delayMs} ms, jitter ${lossyLinks.jitterMs} ms, loss ${lossyLinks.loss * 100}%; jittery disk: 0..${jitteryDiskMs} ms more per fsync; look-behind ${benchLookBehindEntries}; every run's history checked linearizable)`,
    )
  for (const line of broken) process.stderr.write(`bench: a simulated run failed its checks, no figures for it: ${line}\n`)
  return broken.length > 0 ? 1 : 0
}

interface GroupRow {
  groups: number
  clients: number
  throughput: number
  p50Ms: number
  p99Ms: number
  /** Where sharding's cost shows on a shared machine: the replicas' CPU per operation. */
  cpuPerOp?: CpuPerOp
}

async function benchMultiRaft(args: BenchArgs): Promise<number> {
  const clients = args.clients?.[0] ?? 64
  const rows: GroupRow[] = []
  await inScratchRunsDir(async (runsDir) => {
    for (const groups of args.groups ?? [1, 2, 4, 8]) {
      const summaries = await repeat({ nodes: 3, clients, durability: args.durability?.[0] ?? 'fsync', durationMs: args.durationMs, warmupMs: args.warmupMs, groups }, args, runsDir)
      const row: GroupRow = { groups, clients, ...medians(summaries), cpuPerOp: replicaCpuPerOp(summaries) }
      rows.push(row)
      if (!args.json) process.stderr.write(`  ${groups} groups: ${row.throughput.toFixed(0)} ops/s p50 ${row.p50Ms} ms, replica CPU ms/op ${cpuPerOpCell(row.cpuPerOp)} (all / busiest)\n`)
    }
  })
  if (args.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else {
    const base = rows[0]!.throughput
    const lines = [
      `MultiRaft on 3 nodes, ${clients} closed-loop writers, ${args.durability?.[0] ?? 'fsync'} (${args.durationMs / 1000} s per run, median of ${args.runs}); ${loadLine()}`,
      '',
      `| groups | throughput (ops/s) | vs ${rows[0]!.groups} group${rows[0]!.groups === 1 ? '' : 's'} | p50 (ms) | p99 (ms) | replica CPU ms/op (all / busiest) |`,
      '|---:|---:|---:|---:|---:|---:|',
      ...rows.map((row) => `| ${row.groups} | ${row.throughput.toFixed(0)} | ${(row.throughput / base).toFixed(2)}x | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${cpuPerOpCell(row.cpuPerOp)} |`),
    ]
    process.stdout.write(`${lines.join('\n')}\n`)
  }
  return 0
}

/** One configuration, one run, its leader's phase records joined with the history (lab/bench/profile.ts). */
/** Writes each pbft-core run measures, after its warm-up writes (one checkpoint interval's worth and more). */
const pbftCoreOps = 2000
const pbftCoreWarmupOps = 200

async function benchPbftCore(args: BenchArgs): Promise<number> {
  const { measurePbftCoreCpu } = await import('../lab/bench/pbft-core.js')
  const rows: PbftCoreCpu[] = []
  const loadBefore = loadLine()
  for (const replicas of args.nodes ?? [4, 7]) {
    if (replicas < 4) {
      process.stderr.write(`bench: pbft-core needs at least 4 replicas (n >= 3f+1, f >= 1), got --nodes ${replicas}\n`)
      return 2
    }
    const runs = Array.from({ length: args.runs }, () => measurePbftCoreCpu({ replicas, ops: pbftCoreOps, warmupOps: pbftCoreWarmupOps }))
    const row = { ...runs[0]!, cpuMsPerOp: median(runs.map((run) => run.cpuMsPerOp)) }
    rows.push(row)
    if (!args.json) process.stderr.write(`  ${replicas} replicas: ${row.cpuMsPerOp.toFixed(3)} ms CPU per write (all cores), ${row.messagesPerOp.toFixed(1)} messages\n`)
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ rows, load: { before: loadBefore, after: loadLine() } }, null, 2)}\n`)
    return 0
  }
  const lines = [
    `PBFT cores alone, one process, one writer, ${pbftCoreOps} writes after ${pbftCoreWarmupOps}, median of ${args.runs}; ${loadBefore} before, ${loadLine().replace(/ on \d+ cores$/, '')} after`,
    '',
    '| replicas | CPU ms per write (all cores) | CPU ms per write per replica | messages per write |',
    '|---:|---:|---:|---:|',
    ...rows.map((row) => `| ${row.replicas} | ${row.cpuMsPerOp.toFixed(3)} | ${(row.cpuMsPerOp / row.replicas).toFixed(3)} | ${row.messagesPerOp.toFixed(1)} |`),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}

async function benchProfile(args: BenchArgs): Promise<number> {
  if (args.protocol !== undefined && args.protocol !== 'raft') return benchProfileFromTrace(args, args.protocol)
  const { phaseBreakdown, phaseMeaning } = await import('../lab/bench/profile.js')
  const { phaseProfileDirVariable } = await import('../replica/phase-profile.js')
  const shape = { nodes: args.nodes?.[0] ?? 3, clients: args.clients?.[0] ?? 1, durability: args.durability?.[0] ?? 'fsync', groups: args.groups?.[0], durationMs: args.durationMs, warmupMs: args.warmupMs, seed: 1 }
  const experiment = benchExperiment(shape, args)
  let output = ''
  await inScratchRunsDir(async (runsDir) => {
    const profileDir = path.join(runsDir, 'phases')
    // Replicas inherit the environment (cluster.ts): with it set, the leader stamps each request.
    process.env[phaseProfileDirVariable] = profileDir
    let summary: RunSummary
    try {
      summary = await runOnce(experiment, runsDir)
    } finally {
      delete process.env[phaseProfileDirVariable]
    }
    const history = fs.readFileSync(path.join(summary.runDir, 'history.ndjson'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    const records = fs.existsSync(profileDir)
      ? fs.readdirSync(profileDir).flatMap((name) => fs.readFileSync(path.join(profileDir, name), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown).filter((value): value is PhaseRecord => Array.isArray(value) && value.length === 8))
      : []
    const breakdown = phaseBreakdown(history, records, summary.workloadStartMs + experiment.workload.warmup)
    if (args.json) {
      output = `${JSON.stringify({ experiment: experiment.name, summary: { throughput: summary.throughput, latencyMs: summary.latencyMs }, ...breakdown }, null, 2)}\n`
      return
    }
    const lines = [
      `Where the time goes: ${experiment.name} (raft, ${shape.nodes} nodes, ${shape.clients} closed-loop writer${shape.clients === 1 ? '' : 's'}, ${shape.durability}${shape.groups ? `, ${shape.groups} groups` : ''}), one run of ${args.durationMs / 1000} s after ${args.warmupMs / 1000} s warm-up`,
      `${loadLine()}; ${breakdown.operations} operations joined with the leader's records${breakdown.unmatched > 0 ? `, ${breakdown.unmatched} without one (left out)` : ''}; the run's own p50 ${summary.latencyMs.p50.toFixed(3)} ms, ${summary.throughput.toFixed(0)} ops/s`,
      '',
      '| phase | p50 (ms) | p90 (ms) | mean (ms) | what it is |',
      '|---|---:|---:|---:|---|',
      ...breakdown.rows.map((row) => `| ${row.phase} | ${row.p50Ms.toFixed(3)} | ${row.p90Ms.toFixed(3)} | ${row.meanMs.toFixed(3)} | ${row.phase === 'total' ? 'the sum, per operation (medians do not add up; means do)' : phaseMeaning[row.phase]} |`),
    ]
    output = `${lines.join('\n')}\n`
  })
  process.stdout.write(output)
  return 0
}

/**
 * PBFT has no single node that sees an operation through, so its split is the run's own
 * (latency-breakdown.ts, the one `lab run` prints): from the trace, when f+1 replicas had reached
 * each step. The same configuration options as the Raft profile choose the run; a protocol whose
 * trace names no steps gets the run's note saying so, and the profile fails.
 */
async function benchProfileFromTrace(args: BenchArgs, protocol: ProtocolName): Promise<number> {
  const { phaseDescriptions } = await import('../api/latency-breakdown.js')
  const shape = { protocol, nodes: args.nodes?.[0] ?? nodesForFaultTolerance(protocol, 1), clients: args.clients?.[0] ?? 1, durability: args.durability?.[0] ?? 'fsync', durationMs: args.durationMs, warmupMs: args.warmupMs, seed: 1 }
  const experiment = benchExperiment(shape, args)
  let output = ''
  let split = false
  await inScratchRunsDir(async (runsDir) => {
    const summary = await runOnce(experiment, runsDir)
    const rows = summary.latencyBreakdown ?? []
    split = rows.length > 0
    if (args.json) {
      output = `${JSON.stringify({ experiment: experiment.name, summary: { throughput: summary.throughput, latencyMs: summary.latencyMs }, rows, note: summary.latencyBreakdownNote }, null, 2)}\n`
      return
    }
    const lines = [
      `Where the time goes: ${experiment.name} (${protocol}, ${shape.nodes} replicas, ${shape.clients} closed-loop writer${shape.clients === 1 ? '' : 's'}, ${shape.durability}), one run of ${args.durationMs / 1000} s after ${args.warmupMs / 1000} s warm-up`,
      `${loadLine()}; the run's own p50 ${summary.latencyMs.p50.toFixed(3)} ms, ${summary.throughput.toFixed(0)} ops/s`,
      `${summary.latencyBreakdownNote ?? ''}`,
      ...(split
        ? [
            '',
            '| phase | p50 (ms) | p99 (ms) | mean (ms) | what it is |',
            '|---|---:|---:|---:|---|',
            ...rows.map((row) => `| ${phaseDescriptions[row.phase].label} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${row.meanMs.toFixed(3)} | ${phaseDescriptions[row.phase].meaning} |`),
          ]
        : []),
    ]
    output = `${lines.join('\n')}\n`
  })
  process.stdout.write(output)
  // No split (the note says why) is a failed profile, not an empty table.
  return split ? 0 : 1
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

async function benchCheckerSuite(args: BenchArgs): Promise<number> {
  const { benchChecker } = await import('../lab/checker/bench.js')
  const rows = benchChecker({ runs: args.runs })
  if (args.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`)
  return 0
}

/** Throughput and latency of repeated runs: the median of each. */
function medians(summaries: RunSummary[]): Measured {
  return medianOf(summaries.map((summary) => ({ throughput: summary.throughput, p50Ms: summary.latencyMs.p50, p99Ms: summary.latencyMs.p99 })))
}

function medianOf(measured: Measured[]): Measured {
  return {
    throughput: median(measured.map((one) => one.throughput)),
    p50Ms: median(measured.map((one) => one.p50Ms)),
    p99Ms: median(measured.map((one) => one.p99Ms)),
  }
}

/** Runs `work` with a fresh runs directory that is removed afterwards, whatever happens. */
async function inScratchRunsDir(work: (runsDir: string) => Promise<void>): Promise<void> {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bench-'))
  // A stop signal exits at once (below): the scratch runs go with the process all the same.
  const remove = () => fs.rmSync(runsDir, { recursive: true, force: true })
  process.on('exit', remove)
  try {
    await work(runsDir)
  } finally {
    process.off('exit', remove)
    remove()
  }
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

// A stopped benchmark has nothing to keep: exit at once. Replicas end with their control channels,
// etcd members are killed on exit (etcd.ts) and the guardian ends the rest; the npm that started us
// dying counts too (see signals.ts).
onStopSignal((signal) => process.exit(signalExitCode(signal)))

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: Error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`)
    process.exitCode = 3
  },
)
