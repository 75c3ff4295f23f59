/**
 * Benchmarks: `npm run bench -- <suite> [--quick] [--json]`.
 *   raft     3 and 5 nodes × 1/16/64 closed-loop writers × fsync/none: throughput, p50, p99
 *   checker  linearizability checking time of a 100,000-operation history over 100 keys
 * Each configuration runs several times on real processes; the table shows medians.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ExperimentRun } from '../lab/runner.js'
import { validateExperiment } from '../api/validate.js'
import type { Experiment, ExperimentInput } from '../api/experiment.js'
import type { RunSummary } from '../api/summary.js'
import { onStopSignal, signalExitCode } from '../lab/signals.js'

/** The bar to beat, measured on this machine with a production Raft (Go): 3 members, loopback, fsync. */
const referenceP50MsOneClient = 0.85
const referenceThroughput64Clients = 8000

interface BenchRow {
  nodes: number
  clients: number
  durability: 'fsync' | 'none'
  throughput: number
  p50Ms: number
  p99Ms: number
}

const usage = `usage: npm run bench -- <raft | raft-vs-pbft | multiraft | checker> [--quick] [--json]`

async function main(argv: string[]): Promise<number> {
  const suite = argv.find((arg) => !arg.startsWith('--'))
  const quick = argv.includes('--quick')
  const json = argv.includes('--json')
  switch (suite) {
    case 'raft':
      return benchRaft(quick, json)
    case 'checker':
      return benchCheckerSuite(quick, json)
    case 'raft-vs-pbft':
      return benchRaftVsPbft(quick, json)
    case 'multiraft':
      return benchMultiRaft(quick, json)
    default:
      process.stderr.write(`${suite ? `unknown suite ${suite}\n` : ''}${usage}\n`)
      return 2
  }
}

async function benchRaft(quick: boolean, json: boolean): Promise<number> {
  const durationMs = quick ? 1000 : 4000
  const repetitions = quick ? 1 : 3
  const rows: BenchRow[] = []
  await inScratchRunsDir(async (runsDir) => {
    for (const nodes of [3, 5])
      for (const durability of ['fsync', 'none'] as const)
        for (const clients of [1, 16, 64]) {
          const summaries = await repeat({ nodes, clients, durability, durationMs }, repetitions, runsDir)
          const row: BenchRow = {
            nodes,
            clients,
            durability,
            ...medians(summaries),
          }
          rows.push(row)
          if (!json) process.stderr.write(`  ${describeRow(row)}\n`)
        }
  })
  if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else process.stdout.write(raftTable(rows, repetitions, durationMs))
  return 0
}

interface BenchShape {
  protocol?: 'raft' | 'pbft'
  nodes: number
  clients: number
  durability: 'fsync' | 'none'
  durationMs: number
  seed: number
  groups?: number
}

function benchExperiment(options: BenchShape): Experiment {
  const protocol = options.protocol ?? 'raft'
  const input: ExperimentInput = {
    name: `bench-${protocol}-${options.nodes}-${options.clients}-${options.durability}${options.groups ? `-g${options.groups}` : ''}`,
    protocol,
    seed: options.seed,
    cluster: { nodes: options.nodes, durability: options.durability, ...(options.groups ? { groups: options.groups } : {}) },
    workload: { duration: `${options.durationMs}ms`, warmup: '1s', clients: options.clients, keys: 1000, mix: { get: 0, put: 1 }, valueBytes: 16 },
    trace: { messages: false },
  }
  const result = validateExperiment(input)
  if (!result.ok) throw new Error(`bench experiment invalid: ${JSON.stringify(result.errors)}`)
  return result.experiment
}

function describeRow(row: BenchRow): string {
  return `${row.nodes} nodes  ${String(row.clients).padStart(2)} clients  ${row.durability.padEnd(5)}  ${row.throughput.toFixed(0).padStart(7)} ops/s  p50 ${row.p50Ms.toFixed(3)} ms  p99 ${row.p99Ms.toFixed(3)} ms`
}

function raftTable(rows: BenchRow[], repetitions: number, durationMs: number): string {
  const lines = [
    `Raft on real processes (writes only, ${durationMs / 1000} s per run, median of ${repetitions}) on ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
    '',
    '| nodes | clients | durability | throughput (ops/s) | p50 (ms) | p99 (ms) |',
    '|---:|---:|---|---:|---:|---:|',
    ...rows.map((row) => `| ${row.nodes} | ${row.clients} | ${row.durability} | ${row.throughput.toFixed(0)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} |`),
    '',
  ]
  const oneClient = rows.find((row) => row.nodes === 3 && row.clients === 1 && row.durability === 'fsync')
  const manyClients = rows.find((row) => row.nodes === 3 && row.clients === 64 && row.durability === 'fsync')
  if (oneClient) lines.push(`3 nodes, fsync, 1 client: p50 ${oneClient.p50Ms.toFixed(3)} ms vs ${referenceP50MsOneClient} ms for the Go reference (ratio ${(oneClient.p50Ms / referenceP50MsOneClient).toFixed(2)}, lower is better)`)
  if (manyClients) lines.push(`3 nodes, fsync, 64 clients: ${manyClients.throughput.toFixed(0)} ops/s vs ${referenceThroughput64Clients} for the Go reference (ratio ${(manyClients.throughput / referenceThroughput64Clients).toFixed(2)}, higher is better)`)
  return `${lines.join('\n')}\n`
}

/** Runs one configuration `repetitions` times and returns the summaries. */
async function repeat(shape: Omit<BenchShape, 'seed'>, repetitions: number, runsDir: string): Promise<RunSummary[]> {
  const summaries: RunSummary[] = []
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const summary = await new ExperimentRun(benchExperiment({ ...shape, seed: repetition + 1 }), { runsDir, check: false, finalReads: false }).execute()
    if (!summary.completed) throw new Error(`bench run failed: ${summary.error}`)
    summaries.push(summary)
  }
  return summaries
}

interface ProtocolRow {
  protocol: 'raft' | 'pbft'
  nodes: number
  clients: number
  throughput: number
  p50Ms: number
  p99Ms: number
  messagesPerOp: number
  bytesPerOp: number
}

async function benchRaftVsPbft(quick: boolean, json: boolean): Promise<number> {
  const durationMs = quick ? 1000 : 4000
  const repetitions = quick ? 1 : 3
  const rows: ProtocolRow[] = []
  await inScratchRunsDir(async (runsDir) => {
    for (const [raftNodes, pbftNodes] of [[3, 4], [5, 7]] as const)
      for (const clients of quick ? [1, 16] : [1, 16, 64])
        for (const [protocol, nodes] of [['raft', raftNodes], ['pbft', pbftNodes]] as const) {
          const summaries = await repeat({ protocol, nodes, clients, durability: 'fsync', durationMs }, repetitions, runsDir)
          const perOp = (value: (summary: RunSummary) => number) => median(summaries.map((summary) => value(summary) / Math.max(1, summary.ops.ok)))
          const row: ProtocolRow = {
            protocol,
            nodes,
            clients,
            ...medians(summaries),
            messagesPerOp: round2(perOp((summary) => summary.messages.total)),
            bytesPerOp: Math.round(perOp((summary) => summary.messages.bytes)),
          }
          rows.push(row)
          if (!json) process.stderr.write(`  ${protocol} ${nodes} nodes ${clients} clients: ${row.throughput.toFixed(0)} ops/s p50 ${row.p50Ms} ms\n`)
        }
  })
  if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else process.stdout.write(protocolTable(rows, repetitions, durationMs))
  return 0
}

function protocolTable(rows: ProtocolRow[], repetitions: number, durationMs: number): string {
  const lines = [
    `Raft vs PBFT on real processes (writes only, fsync, ${durationMs / 1000} s per run after 1 s of warm-up, median of ${repetitions})`,
    '',
    '| protocol | nodes | clients | throughput (ops/s) | p50 (ms) | p99 (ms) | messages/op | bytes/op | p50 vs Raft |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const row of rows) {
    const raft = rows.find((other) => other.protocol === 'raft' && other.clients === row.clients && other.nodes === (row.nodes === 4 ? 3 : 5))
    const ratio = row.protocol === 'pbft' && raft ? `${(row.p50Ms / raft.p50Ms).toFixed(2)}x` : ''
    lines.push(`| ${row.protocol} | ${row.nodes} | ${row.clients} | ${row.throughput.toFixed(0)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${row.messagesPerOp} | ${row.bytesPerOp} | ${ratio} |`)
  }
  return `${lines.join('\n')}\n`
}

interface GroupRow {
  groups: number
  clients: number
  throughput: number
  p50Ms: number
  p99Ms: number
}

async function benchMultiRaft(quick: boolean, json: boolean): Promise<number> {
  const durationMs = quick ? 1000 : 4000
  const repetitions = quick ? 1 : 3
  const clients = 64
  const rows: GroupRow[] = []
  await inScratchRunsDir(async (runsDir) => {
    for (const groups of [1, 2, 4, 8]) {
      const summaries = await repeat({ nodes: 3, clients, durability: 'fsync', durationMs, groups }, repetitions, runsDir)
      const row: GroupRow = {
        groups,
        clients,
        ...medians(summaries),
      }
      rows.push(row)
      if (!json) process.stderr.write(`  ${groups} groups: ${row.throughput.toFixed(0)} ops/s p50 ${row.p50Ms} ms\n`)
    }
  })
  if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else {
    const base = rows[0]!.throughput
    const lines = [
      `MultiRaft on 3 nodes, ${clients} closed-loop writers, fsync (${durationMs / 1000} s per run, median of ${repetitions}) on ${os.cpus().length} cores`,
      '',
      '| groups | throughput (ops/s) | vs 1 group | p50 (ms) | p99 (ms) |',
      '|---:|---:|---:|---:|---:|',
      ...rows.map((row) => `| ${row.groups} | ${row.throughput.toFixed(0)} | ${(row.throughput / base).toFixed(2)}x | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} |`),
    ]
    process.stdout.write(`${lines.join('\n')}\n`)
  }
  return 0
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

async function benchCheckerSuite(quick: boolean, json: boolean): Promise<number> {
  const { benchChecker } = await import('../lab/checker/bench.js')
  const rows = benchChecker({ runs: quick ? 1 : 3 })
  if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`)
  return 0
}

/** Throughput and latency of repeated runs: the median of each. */
function medians(summaries: RunSummary[]): { throughput: number; p50Ms: number; p99Ms: number } {
  return {
    throughput: median(summaries.map((summary) => summary.throughput)),
    p50Ms: median(summaries.map((summary) => summary.latencyMs.p50)),
    p99Ms: median(summaries.map((summary) => summary.latencyMs.p99)),
  }
}

/** Runs `work` with a fresh runs directory that is removed afterwards, whatever happens. */
async function inScratchRunsDir(work: (runsDir: string) => Promise<void>): Promise<void> {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bench-'))
  try {
    await work(runsDir)
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true })
  }
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

// A stopped benchmark has nothing to keep: exit at once. Replicas end with their control channels
// and the guardian ends the paused ones; the npm that started us dying counts too (see signals.ts).
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
