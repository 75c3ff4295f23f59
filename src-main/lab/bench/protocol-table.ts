/**
 * The raft-vs-pbft table: one row per protocol, size, client count and durability, and PBFT's p50
 * over Raft's for the row that matches it in everything but the protocol. A PBFT row with its log in
 * memory (`none`, as Castro and Liskov ran it) is compared with Raft's `none` row, never with an
 * fsync'd one, so the ratio says what the protocol costs and not what the disk does.
 */

export type BenchDurability = 'fsync' | 'none'

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
}

/** Raft's size beside each PBFT size: both tolerate the same number of crashed nodes (f = 1, 2). */
export const raftNodesBesidePbft: Readonly<Record<number, number>> = { 4: 3, 7: 5 }

/** The Raft row a PBFT row is held against: same f, clients and durability. */
export function raftRowBeside(rows: readonly ProtocolRow[], pbft: ProtocolRow): ProtocolRow | undefined {
  const raftNodes = raftNodesBesidePbft[pbft.nodes]
  return rows.find((row) => row.protocol === 'raft' && row.nodes === raftNodes && row.clients === pbft.clients && row.durability === pbft.durability)
}

export function raftVsPbftTable(rows: readonly ProtocolRow[], heading: string): string {
  const lines = [
    heading,
    '',
    '| protocol | nodes | clients | durability | throughput (ops/s) | p50 (ms) | p99 (ms) | messages/op | bytes/op | p50 vs Raft | throughput vs Raft |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const row of rows) {
    const raft = row.protocol === 'pbft' ? raftRowBeside(rows, row) : undefined
    const p50Ratio = raft ? `${(row.p50Ms / raft.p50Ms).toFixed(2)}x` : ''
    const throughputRatio = raft ? `${(row.throughput / raft.throughput).toFixed(2)}x` : ''
    lines.push(
      `| ${row.protocol} | ${row.nodes} | ${row.clients} | ${row.durability} | ${row.throughput.toFixed(0)} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${row.messagesPerOp} | ${row.bytesPerOp} | ${p50Ratio} | ${throughputRatio} |`,
    )
  }
  return `${lines.join('\n')}\n`
}
