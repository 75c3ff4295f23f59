import { describe, expect, it } from 'vitest'
import { raftPbftPairs, raftRowBeside, raftVsPbftTable, replicaCpuPerOp, type ProtocolRow } from '../../src-main/lab/bench/protocol-table.js'

function row(protocol: ProtocolRow['protocol'], nodes: number, durability: ProtocolRow['durability'], p50Ms: number, throughput: number): ProtocolRow {
  return { protocol, nodes, clients: 1, durability, throughput, p50Ms, p99Ms: p50Ms * 3, messagesPerOp: 10, bytesPerOp: 1000 }
}

describe('raft-vs-pbft table', () => {
  const rows = [row('raft', 3, 'fsync', 2, 400), row('pbft', 4, 'fsync', 4, 200), row('raft', 3, 'none', 0.5, 1600), row('pbft', 4, 'none', 1, 400)]

  it('labels every row with its durability, fsync and none side by side', () => {
    const table = raftVsPbftTable(rows, 'heading')
    expect(table).toContain('| pbft | 4 | 1 | fsync | 200 | 4.000 |')
    expect(table).toContain('| pbft | 4 | 1 | none | 400 | 1.000 |')
  })

  it('holds a PBFT row against the Raft row of the same durability, never across durabilities', () => {
    expect(raftRowBeside(rows, rows[3]!)).toBe(rows[2])
    expect(raftRowBeside(rows, rows[1]!)).toBe(rows[0])
    const table = raftVsPbftTable(rows, 'heading')
    // none: 1 ms over Raft's 0.5 ms; fsync: 4 ms over 2 ms; throughput 400/1600 and 200/400.
    expect(table).toContain('| pbft | 4 | 1 | none | 400 | 1.000 | 3.000 | 10 | 1000 | 2.00x | 0.25x | unknown |')
    expect(table).toContain('| pbft | 4 | 1 | fsync | 200 | 4.000 | 12.000 | 10 | 1000 | 2.00x | 0.50x | unknown |')
  })

  it('leaves the ratio empty when the matching Raft row was not run', () => {
    const table = raftVsPbftTable([row('raft', 3, 'fsync', 2, 400), row('pbft', 4, 'none', 1, 400)], 'heading')
    expect(table).toContain('| pbft | 4 | 1 | none | 400 | 1.000 | 3.000 | 10 | 1000 |  |  | unknown |')
  })
})

describe('replica CPU per operation', () => {
  const run = (ok: number, measuredMs: Record<string, number>, nodes = 3) => ({ nodes, ops: { ok, fail: 0, info: 0 }, replicaCpu: { measuredMs } })

  it('sums every replica for all, takes the busiest for busiest, and the median over runs', () => {
    const cpu = replicaCpuPerOp([run(100, { a: 60, b: 20, c: 20 }), run(100, { a: 90, b: 30, c: 30 }), run(200, { a: 100, b: 50, c: 50 })])
    // Per run: all 1.0, 1.5, 1.0; busiest 0.6, 0.9, 0.5.
    expect(cpu).toEqual({ allMs: 1, busiestMs: 0.6 })
  })

  it('has no figure when a run lacks one replica (a restart), or was recorded before CPU was measured', () => {
    expect(replicaCpuPerOp([run(100, { a: 60, b: 20, c: 20 }), run(100, { a: 60, b: 20 })])).toBeUndefined()
    expect(replicaCpuPerOp([{ nodes: 3, ops: { ok: 100, fail: 0, info: 0 } }])).toBeUndefined()
    expect(replicaCpuPerOp([run(0, { a: 1, b: 1, c: 1 })])).toBeUndefined()
  })

  it('prints all replicas then the busiest', () => {
    const table = raftVsPbftTable([{ ...row('raft', 3, 'none', 0.5, 1600), cpuPerOp: { allMs: 1.2346, busiestMs: 0.5 } }], 'heading')
    expect(table).toContain('| 10 | 1000 |  |  | 1.235 / 0.500 |')
  })
})

describe('raft-vs-pbft sizes', () => {
  it('measures both pairs, or the pair --nodes names by either size', () => {
    expect(raftPbftPairs()).toEqual([[3, 4], [5, 7]])
    expect(raftPbftPairs([3])).toEqual([[3, 4]])
    expect(raftPbftPairs([7])).toEqual([[5, 7]])
    expect(raftPbftPairs([9])).toEqual([])
  })
})
