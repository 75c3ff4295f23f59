import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseHistoryNdjson } from '../../src-main/checker/history.js'
import { checkLinearizability } from '../../src-main/checker/linearizability.js'
import { describeWitness } from '../../src-main/checker/witness.js'
import { referenceLinearizable } from './reference.js'

const fixturesDir = path.resolve(import.meta.dirname, '../fixtures/histories')

function load(file: string) {
  const parsed = parseHistoryNdjson(readFileSync(file, 'utf8'), path.basename(file))
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.value
}

function filesIn(folder: string): string[] {
  return readdirSync(path.join(fixturesDir, folder)).filter((name) => name.endsWith('.ndjson')).map((name) => path.join(fixturesDir, folder, name))
}

describe('known-bad histories are flagged with a witness', () => {
  it.each(filesIn('bad').map((file) => [path.basename(file), file]))('%s is not linearizable', (_, file) => {
    const history = load(file)
    const result = checkLinearizability(history)
    expect(result.linearizable).toBe(false)
    expect(referenceLinearizable(history)).toBe(false)
    const witness = result.witness!
    expect(witness.explanation.length).toBeGreaterThan(40)
    expect(witness.stuck.length).toBeGreaterThan(0)
    expect(describeWitness(witness)).toContain(witness.explanation)
  })
})

describe('known-good histories pass', () => {
  it.each(filesIn('good').map((file) => [path.basename(file), file]))('%s is linearizable', (_, file) => {
    const history = load(file)
    const result = checkLinearizability(history)
    expect(result.linearizable).toBe(true)
    expect(result.witness).toBeUndefined()
    if (history.length < 60) expect(referenceLinearizable(history)).toBe(true)
  })
})

describe('witnesses explain the anomaly in plain words', () => {
  const witnessOf = (name: string) => checkLinearizability(load(path.join(fixturesDir, 'bad', `${name}.ndjson`))).witness!

  it('a stale read names the overwrite that completed before the read began', () => {
    const witness = witnessOf('stale-read')
    expect(witness.kind).toBe('stale-read')
    expect(witness.explanation).toBe(
      'get(x) at 4.000–5.000 ms returned "1", but put(x, "2") completed at 3.000 ms, before the read began, and every write of "1" had completed before it began (the last, put(x, "1"), at 1.000 ms); nothing wrote "1" after it, so the read saw a value that had already been overwritten (stale read or lost write).',
    )
    expect(witness.core.map((operation) => operation.text)).toEqual(['put(x, "1")', 'put(x, "2")', 'get(x) → "1"'])
    expect(witness.prefix.map((operation) => operation.text)).toEqual(['put(x, "1")', 'put(x, "2")'])
    expect(witness.valueAfterPrefix).toBe('2')
    expect(witness.stuck[0]).toMatchObject({ text: 'get(x) → "1"', invokeMs: 4, completeMs: 5, process: 2 })
  })

  it('an acknowledged write that vanished reads as a stale read of absent', () => {
    const witness = witnessOf('write-acknowledged-then-absent')
    expect(witness.kind).toBe('stale-read')
    // Times count from the history's first event (here at 1 ms).
    expect(witness.explanation).toBe(
      'get(x) at 2.000–3.000 ms returned absent, but put(x, "1") completed at 1.000 ms, before the read began, and nothing ever deleted x, so the read saw a value that had already been overwritten (stale read or lost write).',
    )
  })

  it('a value nobody wrote is called out', () => {
    expect(witnessOf('read-never-written')).toMatchObject({ kind: 'read-of-unwritten-value' })
    expect(witnessOf('read-uncommitted').explanation).toContain('no operation that could have taken effect ever wrote "1" to x')
  })

  it('a read of a value written only later is called out', () => {
    const witness = witnessOf('read-from-future')
    expect(witness.kind).toBe('read-from-future')
    expect(witness.explanation).toContain('only began at 2.000 ms, after that had returned')
  })

  it('two cas from one write of the expected value cannot both succeed', () => {
    const witness = witnessOf('cas-concurrent-both-succeed')
    expect(witness.kind).toBe('cas-conflict')
    expect(witness.explanation).toBe(
      '2 cas operations on x succeeded from "0" (cas(x, "0"→"1") at 2.000–5.000 ms, cas(x, "0"→"2") at 2.500–5.500 ms), but "0" was written only once (put(x, "0") at 0.000–1.000 ms), and each successful cas moves x away from "0": at most 1 of them can have succeeded.',
    )
  })

  it('cas anomalies name the cas that cannot be placed', () => {
    const double = witnessOf('cas-sequential-double-success')
    expect(double.stuck[0].text).toBe('cas(x, "0"→"2")')
    expect(double.kind).toBe('cas-conflict')
    const unseen = witnessOf('cas-success-not-visible')
    expect(unseen.kind).toBe('stale-read')
    expect(unseen.explanation).toContain('but cas(x, "0"→"1") completed at 3.000 ms, before the read began')
  })

  it('the witness is for the failing key, and the other keys pass', () => {
    const result = checkLinearizability(load(path.join(fixturesDir, 'bad', 'one-key-of-three.ndjson')))
    expect(result.witness!.key).toBe('b')
    expect(result.keys.map((key) => [key.key, key.result])).toEqual([['a', 'ok'], ['b', 'illegal'], ['c', 'ok']])
  })

  it('describeWitness prints the explanation, the prefix with times, and what cannot follow', () => {
    const text = describeWitness(witnessOf('stale-read'))
    expect(text).toContain('Key "x" is not linearizable (3 operations on it).')
    expect(text).toContain('Longest linearizable prefix: 2 operations; x = "2" after it.')
    expect(text).toMatch(/1\. p0 +put\(x, "1"\) +0\.000–1\.000 ms/)
    expect(text).toMatch(/Cannot be placed next[^\n]*\n +p2 +get\(x\) → "1" +4\.000–5\.000 ms/)
  })
})

describe('history bookkeeping', () => {
  it('range operations are reported as skipped', () => {
    const result = checkLinearizability(load(path.join(fixturesDir, 'good', 'range-skipped.ndjson')))
    expect(result.skipped).toEqual({ ops: 1, reason: expect.stringContaining('range') })
    expect(result.counts).toMatchObject({ total: 3, rangeSkipped: 1, checked: 2 })
  })

  it('failed operations and unknown reads are not checked; unknown writes are', () => {
    const result = checkLinearizability(load(path.join(fixturesDir, 'good', 'failed-cas.ndjson')))
    expect(result.counts).toMatchObject({ total: 5, fail: 1, checked: 4 })
  })
})
