// @vitest-environment node
/**
 * The live slot grid (PBFT) folds each batch of new events into the grid it has; it must be the grid
 * that buildSlotGrid rebuilds from every event so far, after every batch, whatever order the
 * replicas' batches were written in.
 */
import { describe, expect, it } from 'vitest'
import { buildSlotGrid } from '../../../src-main/api/slot-grid'
import type { TraceEvent } from '../../../src-main/api/trace'
import { SlotGridFold } from '../../../src-renderer/src/replay/slot-grid-fold'
import { batches, randomSlotTrace, writtenOrder } from '../support/log-stream'

const nodes = ['A', 'B', 'C', 'D']
const seedsPerRun = 60
const baseSeed = Number(process.env.SLOT_GRID_SEED ?? Date.now() % 100_000)

describe('the live slot grid, folded batch by batch, equals the grid rebuilt from every event so far', () => {
  it(`on random PBFT traces written in random batch orders (seeds ${baseSeed}..${baseSeed + seedsPerRun - 1})`, () => {
    console.log(`slot grid fold: seeds ${baseSeed}..${baseSeed + seedsPerRun - 1} (replay: SLOT_GRID_SEED=${baseSeed} npx vitest run test/renderer/replay/slot-grid-fold.test.ts)`)
    const seen = { reproposed: 0, conflicts: 0, checkpoints: 0 }
    for (let seed = baseSeed; seed < baseSeed + seedsPerRun; seed += 1) {
      // An event of a replica outside the grid is skipped by both.
      const lines = writtenOrder(seed, [...randomSlotTrace(seed, nodes, 500), { t: 1, node: 'X', kind: 'slot', seq: 999, view: 0, phase: 'executed' }])
      const fold = new SlotGridFold(nodes)
      const folded: TraceEvent[] = []
      for (const batch of batches(seed, lines, 40)) {
        fold.fold(batch)
        folded.push(...batch)
        expect(fold.model, `seed ${seed}, after ${folded.length} lines`).toEqual(buildSlotGrid(nodes, folded))
      }
      for (const replica of Object.values(fold.model.replicas)) {
        seen.reproposed += [...replica.slots.values()].filter((cell) => cell.views.length > 1).length
        seen.conflicts += [...replica.slots.values()].filter((cell) => cell.conflicts.length > 0).length
        seen.checkpoints += replica.checkpoints.length
      }
    }
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(seedsPerRun)
  })
})
