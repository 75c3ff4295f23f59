// @vitest-environment node
/**
 * The live log grid folds each batch of new events into the grid it has; it must be the grid that
 * buildLogGrid rebuilds from every event so far, after every batch, whatever order the nodes'
 * batches were written in (each node's own events stay in its order, as a replica ships them).
 */
import { describe, expect, it } from 'vitest'
import { buildLogGrid } from '../../../src-main/api/log-grid'
import type { TraceEvent } from '../../../src-main/api/trace'
import { LogGridFold } from '../../../src-renderer/src/replay/log-grid-fold'
import { batches, ofGroup, randomLogTrace, writtenOrder } from '../support/log-stream'

const nodes = ['A', 'B', 'C', 'D', 'E']
const seedsPerRun = 60
const baseSeed = Number(process.env.LOG_GRID_SEED ?? Date.now() % 100_000)

function checkSeed(seed: number, groups: number): void {
  const lines = writtenOrder(seed, randomLogTrace(seed, nodes, groups, 600))
  for (let group = 0; group < groups; group += 1) {
    const fold = new LogGridFold(nodes, group)
    const seen: TraceEvent[] = []
    for (const batch of batches(seed, lines, 40)) {
      fold.fold(batch)
      seen.push(...batch)
      const rebuilt = buildLogGrid(nodes, ofGroup(seen, group), Infinity, group)
      expect(fold.model, `seed ${seed}, group ${group}, after ${seen.length} lines`).toEqual(rebuilt)
    }
    expect(fold.eventsFolded).toBe(ofGroup(lines, group).length)
  }
}

describe('the live log grid, folded batch by batch, equals the grid rebuilt from every event so far', () => {
  it(`on random Raft traces written in random batch orders (seeds ${baseSeed}..${baseSeed + seedsPerRun - 1})`, () => {
    console.log(`log grid fold: seeds ${baseSeed}..${baseSeed + seedsPerRun - 1} (replay: LOG_GRID_SEED=${baseSeed} npx vitest run test/renderer/replay/log-grid-fold.test.ts)`)
    for (let seed = baseSeed; seed < baseSeed + seedsPerRun; seed += 1) checkSeed(seed, 1)
  })

  it(`on random MultiRaft traces, one group at a time (seeds ${baseSeed}..${baseSeed + seedsPerRun - 1})`, () => {
    for (let seed = baseSeed; seed < baseSeed + seedsPerRun; seed += 1) checkSeed(seed, 3)
  })

  it('the random traces hold what the fold must get right: truncations, snapshots past the log, overwrites, late labels', () => {
    const seen = { truncations: 0, snapshots: 0, overwrites: 0, lateLabels: 0 }
    for (let seed = baseSeed; seed < baseSeed + seedsPerRun; seed += 1) {
      const held = new Map<string, Map<number, number>>()
      const labelled = new Set<string>()
      for (const event of writtenOrder(seed, randomLogTrace(seed, nodes, 1, 600))) {
        const log = held.get(event.node) ?? held.set(event.node, new Map()).get(event.node)!
        if (event.kind === 'truncate') seen.truncations += 1
        if (event.kind !== 'append') continue
        if (event.fromIndex > Math.max(0, ...log.keys()) + 1) seen.snapshots += 1
        for (let index = event.fromIndex; index <= event.toIndex; index += 1) {
          const term = event.runs.filter(([first]) => first <= index).at(-1)![1]
          if (log.has(index) && log.get(index) !== term) seen.overwrites += 1
          if (event.ops) labelled.add(`${index}:${term}`)
          else if (!labelled.has(`${index}:${term}`)) seen.lateLabels += 1
          log.set(index, term)
        }
      }
    }
    console.log(`log grid fold, over ${seedsPerRun} seeds: ${JSON.stringify(seen)}`)
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(seedsPerRun)
  })

  it('a label traced after the entries it names reaches them, held or dropped', () => {
    const fold = new LogGridFold(['A', 'B'])
    fold.fold([
      { t: 1, node: 'B', kind: 'append', fromIndex: 1, toIndex: 2, runs: [[1, 1]], persistMs: 1 },
      { t: 2, node: 'B', kind: 'truncate', fromIndex: 2, term: 2, leader: 'C' },
    ])
    fold.fold([{ t: 0.5, node: 'A', kind: 'append', fromIndex: 1, toIndex: 2, runs: [[1, 1]], persistMs: 1, ops: ['SET x=1', 'SET y=2'] }])
    expect(fold.model.logs.B!.entries.get(1)).toEqual({ term: 1, op: 'SET x=1' })
    expect(fold.model.logs.B!.dropped).toEqual([{ index: 2, term: 1, op: 'SET y=2', atMs: 2, leader: 'C', leaderTerm: 2 }])
  })
})
