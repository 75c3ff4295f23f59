import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { HistoryEvent, TraceEvent } from '../../src-main/api/trace.js'
import { benchChecker } from '../../src-main/lab/checker/bench.js'
import { parseHistoryNdjson } from '../../src-main/lab/checker/history.js'
import { buildRunVerdict } from '../../src-main/lab/checker/run-verdict.js'
import { buildVerdict, verdictPassed, verdictViolated } from '../../src-main/lab/checker/verdict.js'

const fixtures = path.resolve(import.meta.dirname, '../fixtures/histories')
function history(name: string) {
  const parsed = parseHistoryNdjson(readFileSync(path.join(fixtures, name), 'utf8'), name)
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.value
}
const divergent: TraceEvent[] = [
  { t: 1, node: 'A', kind: 'apply', index: 64, term: 1, hash: 'one' },
  { t: 2, node: 'B', kind: 'apply', index: 64, term: 1, hash: 'two' },
]

describe('buildVerdict', () => {
  it('combines linearizability, invariants and the witness text', () => {
    const verdict = buildVerdict(history('bad/stale-read.ndjson'), divergent, 'raft')
    expect(verdict.linearizable).toBe(false)
    expect(verdict.invariants.find((invariant) => invariant.name === 'state-machine-safety')?.ok).toBe(false)
    expect(verdict.witness).toMatch(/^Key "x" is not linearizable/)
    expect(verdictPassed(verdict)).toBe(false)
  })

  it('without a trace, only the history is judged', () => {
    const verdict = buildVerdict(history('good/sequential.ndjson'), undefined, 'pbft')
    expect(verdict).toEqual({ linearizable: true, invariants: [] })
    expect(verdictPassed(verdict)).toBe(true)
  })

  it('holds acknowledged-writes-kept when the run read its keys back, and says unknown (not a pass, not a violation) when it did not', () => {
    const lost: HistoryEvent[] = [
      { process: 1, type: 'invoke', f: 'put', key: 'x', value: '1', time: 0 },
      { process: 1, type: 'ok', f: 'put', key: 'x', value: '1', time: 10 },
      { process: 9, type: 'invoke', f: 'get', key: 'x', time: 100 },
      { process: 9, type: 'ok', f: 'get', key: 'x', value: null, time: 110 },
    ]
    const judged = buildVerdict(lost, [], 'raft', { finalReads: true })
    expect(judged.invariants.at(-1)).toMatchObject({ name: 'acknowledged-writes-kept', ok: false })
    expect(judged.invariants.at(-1)!.unknown).toBeUndefined()
    expect(verdictViolated(judged)).toBe(true)
    const notRead = buildVerdict(history('good/sequential.ndjson'), [], 'raft', { finalReads: 'final reads were turned off for this run' })
    expect(notRead.invariants.at(-1)).toMatchObject({ name: 'acknowledged-writes-kept', ok: false, unknown: true })
    expect(notRead.invariants.at(-1)!.detail).toMatch(/not read back at the end: final reads were turned off for this run$/)
    expect(verdictViolated(notRead)).toBe(false)
    expect(verdictPassed(notRead)).toBe(false)
  })
})

describe('a history that proves nothing is never a pass', () => {
  const event = (process: number, type: 'invoke' | 'ok' | 'fail' | 'info', f: 'get' | 'put' | 'range', time: number, value?: string | null) => ({ process, type, f, key: 'x', value, time })

  it('an empty history is unknown, with why', () => {
    const verdict = buildVerdict([], [], 'raft')
    expect(verdict.linearizable).toBe('unknown')
    expect(verdict.witness).toBe('Unknown: the history holds no operation, so there is nothing to judge.')
    expect(verdictPassed(verdict)).toBe(false)
  })

  it('a history whose every operation failed or timed out is unknown', () => {
    const history = [event(1, 'invoke', 'put', 1, '1'), event(1, 'fail', 'put', 2, '1'), event(2, 'invoke', 'put', 3, '2'), event(2, 'info', 'put', 4, '2'), event(3, 'invoke', 'get', 5)]
    const verdict = buildVerdict(history, undefined, 'raft')
    expect(verdict.linearizable).toBe('unknown')
    expect(verdict.witness).toBe('Unknown: none of the 3 operations was acknowledged (0 ok, 1 fail, 2 info), so there is nothing to judge.')
  })

  it('acknowledged range reads alone are not judged either', () => {
    const verdict = buildVerdict([event(1, 'invoke', 'range', 1), event(1, 'ok', 'range', 2)], undefined, 'raft')
    expect(verdict.linearizable).toBe('unknown')
    expect(verdict.witness).toMatch(/^Unknown: none of the 1 operations was acknowledged and checked/)
  })

  it('one acknowledged operation is enough to judge', () => {
    expect(buildVerdict([event(1, 'invoke', 'put', 1, '1'), event(1, 'ok', 'put', 2, '1')], undefined, 'raft').linearizable).toBe(true)
  })
})

describe('buildRunVerdict (the runner hook)', () => {
  it('reads history.ndjson from the run directory and judges the trace it is given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-verdict-'))
    try {
      writeFileSync(path.join(dir, 'history.ndjson'), readFileSync(path.join(fixtures, 'good/cas-chain.ndjson')))
      const verdict = await buildRunVerdict({ runDir: dir, experiment: { protocol: 'raft' }, trace: divergent, finalStates: [] })
      expect(verdict.linearizable).toBe(true)
      expect(verdict.invariants.find((invariant) => invariant.name === 'state-machine-safety')?.ok).toBe(false)
      writeFileSync(path.join(dir, 'history.ndjson'), 'not json\n')
      const unreadable = await buildRunVerdict({ runDir: dir, experiment: { protocol: 'raft' }, trace: [], finalStates: [] })
      expect(unreadable.linearizable).toBe('unknown')
      expect(unreadable.witness).toMatch(/^Unknown: the history could not be read: .*history\.ndjson:1: not valid JSON/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('benchChecker', () => {
  it('reports one row per case with the median time', () => {
    const lines: string[] = []
    const rows = benchChecker({ runs: 3, cases: [{ ops: 2000, keys: 10, processes: 10 }], log: (line) => lines.push(line) })
    expect(rows).toEqual([{ ops: 2000, keys: 10, processes: 10, ms: expect.any(Number), runsMs: [expect.any(Number), expect.any(Number), expect.any(Number)], linearizable: true }])
    expect(rows[0].ms).toBe([...rows[0].runsMs].sort((a, b) => a - b)[1])
    expect(lines[0]).toMatch(/^checker: 2000 ops, 10 keys, 10 processes: median \d+ ms over 3 runs/)
  })
})
