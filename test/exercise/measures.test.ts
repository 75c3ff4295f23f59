/**
 * Measures over a recorded run (the fixture made by the real runner): a count the run cannot vouch
 * for is unknown, with why, never a number a student could be marked against.
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { measure } from '../../src-main/api/exercise/measures.js'
import { runViewOf } from '../../src-main/api/exercise/run-view.js'
import { loadRunDirectory } from '../../src-main/lab/report/run-directory.js'

const fixture = path.resolve(import.meta.dirname, '../fixtures/runs/raft-3-crash')
const lostWritesOf = async (lostWrites: { lost: number; keysUnchecked: number; finalReadsFound: boolean }) => {
  const record = await loadRunDirectory(fixture)
  record.summary.lostWrites = { acknowledged: 40, examples: [], keysChecked: 8, ...lostWrites }
  return measure({ measure: 'lost-writes' }, { view: runViewOf(record), steps: [] })
}

describe('lost writes', () => {
  it('counts them when every key was read back', async () => {
    expect(await lostWritesOf({ lost: 0, keysUnchecked: 0, finalReadsFound: true })).toMatchObject({ ok: true, value: 0 })
    expect(await lostWritesOf({ lost: 2, keysUnchecked: 0, finalReadsFound: true })).toMatchObject({ ok: true, value: 2 })
  })

  it('is unknown when keys were not read back (they could hide a loss, or more of them)', async () => {
    for (const lost of [0, 2]) {
      const result = await lostWritesOf({ lost, keysUnchecked: 3, finalReadsFound: true })
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.reason.ko).toMatch(/[\uac00-\ud7a3]/)
    }
  })

  it('is unknown without final reads', async () => {
    expect((await lostWritesOf({ lost: 0, keysUnchecked: 0, finalReadsFound: false })).ok).toBe(false)
  })
})

describe('time without a leader after a fault', () => {
  it('counts from the crash of the leader, not from when its tenure was seen to end (its process was already dead)', async () => {
    // The fixture: B leads term 1, is crashed at 808 ms (its tenure is seen to end at 827 ms), A leads from 964 ms.
    const record = await loadRunDirectory(fixture)
    const result = measure({ measure: 'leaderless-after', fault: 'crash' }, { view: runViewOf(record), steps: [] })
    expect(result).toMatchObject({ ok: true, value: Math.round(963.71531 - 808.1369960000002) })
  })
})

describe('snapshots and membership (issue 15)', () => {
  const withStatus = async (statuses: Record<string, Record<string, unknown> | undefined>) => {
    const record = await loadRunDirectory(fixture)
    record.finalStates = record.finalStates.map((state) => ({ ...state, status: statuses[state.node] }))
    return runViewOf(record)
  }

  it('snapshot-installed: whether the node installed a leader’s snapshot since it last started', async () => {
    const view = await withStatus({ A: { snapshotsInstalled: 0 }, C: { snapshotsInstalled: 2 } })
    expect(measure({ measure: 'snapshot-installed', node: 'C' }, { view, steps: [] })).toMatchObject({ ok: true, value: true })
    expect(measure({ measure: 'snapshot-installed', node: 'A' }, { view, steps: [] })).toMatchObject({ ok: true, value: false })
  })

  it('snapshot-installed: unknown for a node without a final state, or a run that did not count them', async () => {
    const view = await withStatus({ A: {} })
    for (const node of ['A', 'Z']) {
      const result = measure({ measure: 'snapshot-installed', node }, { view, steps: [] })
      expect(result.ok, node).toBe(false)
      if (!result.ok) expect(result.reason.ko).toMatch(/[\uac00-\ud7a3]/)
    }
  })

  it('final-voters: the voters the replicas ended with, sorted', async () => {
    const configuration = { voters: ['C', 'A', 'B'], learners: [], index: 9, committed: true }
    const view = await withStatus({ A: { configuration }, C: { configuration } })
    expect(measure({ measure: 'final-voters' }, { view, steps: [] })).toMatchObject({ ok: true, value: ['A', 'B', 'C'] })
  })

  it('final-voters: unknown when the replicas disagree (a change under way) or report no configuration', async () => {
    const disagree = await withStatus({ A: { configuration: { voters: ['A', 'B', 'C'] } }, C: { configuration: { voters: ['A', 'C'] } } })
    const result = measure({ measure: 'final-voters' }, { view: disagree, steps: [] })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason.en).toMatch(/different configurations: A,B,C \/ A,C/)
    expect(measure({ measure: 'final-voters' }, { view: await withStatus({}), steps: [] }).ok).toBe(false)
  })
})
