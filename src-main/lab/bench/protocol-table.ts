/**
 * The raft-vs-pbft table: one row per protocol, size, client count and durability, and PBFT's p50
 * over Raft's for the row that matches it in everything but the protocol. A PBFT row with its log in
 * memory (`none`, as Castro and Liskov ran it) is compared with Raft's `none` row, never with an
 * fsync'd one, so the ratio says what the protocol costs and not what the disk does.
 */

import type { RunSummary } from '../../api/summary.js'

export type BenchDurability = 'fsync' | 'none'

/**
 * Replicas' CPU time per acknowledged operation over the measured window: `allMs` summed over every
 * replica, `busiestMs` the replica that spent the most (a leader's or primary's share). Unlike
 * latency it barely moves with what else the machine runs, so it is the figure a change to a
 * protocol's cost is judged by.
 */
export interface CpuPerOp {
  allMs: number
  busiestMs: number
}

export interface ProtocolRow {
  protocol: 'raft' | 'pbft' | 'parallel-raft'
  nodes: number
  clients: number
  durability: BenchDurability
  throughput: number
  p50Ms: number
  p99Ms: number
  messagesPerOp: number
  bytesPerOp: number
  /** Absent when a run has no figure for some replica (a restart, a run recorded before it was measured). */
  cpuPerOp?: CpuPerOp
}

/** The median over runs of replicas' CPU per operation; undefined unless every run has a figure for every replica. */
export function replicaCpuPerOp(summaries: readonly Pick<RunSummary, 'nodes' | 'ops' | 'replicaCpu'>[]): CpuPerOp | undefined {
  const perRun: CpuPerOp[] = []
  for (const summary of summaries) {
    const figures = Object.values(summary.replicaCpu?.measuredMs ?? {})
    if (figures.length < summary.nodes || summary.ops.ok === 0) return undefined
    perRun.push({ allMs: figures.reduce((sum, ms) => sum + ms, 0) / summary.ops.ok, busiestMs: Math.max(...figures) / summary.ops.ok })
  }
  if (perRun.length === 0) return undefined
  return { allMs: median(perRun.map((run) => run.allMs)), busiestMs: median(perRun.map((run) => run.busiestMs)) }
}

/** The table cell: all replicas' CPU ms per operation, then the busiest replica's. */
export function cpuPerOpCell(cpu: CpuPerOp | undefined): string {
  return cpu ? `${cpu.allMs.toFixed(3)} / ${cpu.busiestMs.toFixed(3)}` : 'unknown'
}

function median(values: readonly number[]): number {
  const sorted = values.slice().sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Raft's size beside each PBFT size: both tolerate the same number of crashed nodes (f = 1, 2). */
export const raftNodesBesidePbft: Readonly<Record<number, number>> = { 4: 3, 7: 5 }

/** The (Raft, PBFT) sizes a raft-vs-pbft run measures: all, or those where `--nodes` names either size (3 or 4: the f = 1 pair). */
export function raftPbftPairs(nodes?: readonly number[]): [raftNodes: number, pbftNodes: number][] {
  const pairs = Object.entries(raftNodesBesidePbft).map(([pbft, raft]) => [raft, Number(pbft)] as [number, number])
  return nodes === undefined ? pairs : pairs.filter(([raft, pbft]) => nodes.includes(raft) || nodes.includes(pbft))
}

/** The Raft row a PBFT row is held against: same f, clients and durability. */
export function raftRowBeside(rows: readonly ProtocolRow[], pbft: ProtocolRow): ProtocolRow | undefined {
  const raftNodes = raftNodesBesidePbft[pbft.nodes]
  return rows.find((row) => row.protocol === 'raft' && row.nodes === raftNodes && row.clients === pbft.clients && row.durability === pbft.durability)
}

export function raftVsPbftTable(rows: readonly ProtocolRow[], heading: string): string {
  const lines = [
    heading,
    '',
    '| protocol | nodes | clients | durability | throughput (ops/s) | p50 (ms) | p99 (ms) | messages/op | bytes/op | p50 vs Raft | throughput vs Raft | replica CPU ms/op (all / busiest) |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const row of rows) {
    const raft = row.protocol === 'pbft' ? raftRowBeside(rows, row) : undefined
    const p50Ratio = raft ? `${(row.p50Ms / raft.p50Ms).toFixed(2)}x` : ''
    const throughputRatio = raft ? `${(row.throughput / raft.throughput).toFixed(2)}x` : ''
    lines.push(
      `| ${row.protocol} | ${row.nodes} | ${row.clients} | ${row.durability} | ${row.throughput.toFixed(0)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${row.messagesPerOp} | ${row.bytesPerOp} | ${p50Ratio} | ${throughputRatio} | ${cpuPerOpCell(row.cpuPerOp)} |`,
    )
  }
  return `${lines.join('\n')}\n`
}
