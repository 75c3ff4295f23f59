import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Verdict } from '../../src-main/api/summary.js'
import type { TraceEvent } from '../../src-main/api/trace.js'
import { exitCode, runCheckCommand } from '../../src-main/lab/checker/check-command.js'
import { generateLinearizableHistory } from '../../src-main/checker/generate.js'
import { historyToNdjson } from '../../src-main/checker/history.js'

const fixtures = path.resolve(import.meta.dirname, '../fixtures/histories')
let root: string

async function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runCheckCommand(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) })
  return { code, stdout, stderr }
}

const traceText = (events: TraceEvent[]): string => events.map((event) => JSON.stringify(event)).join('\n') + '\n'
const healthyTrace: TraceEvent[] = [
  { t: 1, node: 'A', kind: 'role', role: 'leader', term: 1 },
  { t: 5, node: 'A', kind: 'apply', index: 64, term: 1, hash: 'h' },
  { t: 6, node: 'B', kind: 'apply', index: 64, term: 1, hash: 'h' },
]

/** A run directory as the runner leaves it. */
function runDir(name: string, files: { history?: string; trace?: TraceEvent[] | string; protocol?: string; finalStates?: unknown }): string {
  const dir = path.join(root, name)
  mkdirSync(dir, { recursive: true })
  if (files.history) copyFileSync(path.join(fixtures, files.history), path.join(dir, 'history.ndjson'))
  if (files.trace !== undefined) writeFileSync(path.join(dir, 'trace.ndjson'), typeof files.trace === 'string' ? files.trace : traceText(files.trace))
  if (files.protocol !== undefined) writeFileSync(path.join(dir, 'experiment.json'), JSON.stringify({ name, protocol: files.protocol, seed: 1 }))
  if (files.finalStates !== undefined) writeFileSync(path.join(dir, 'final-states.json'), JSON.stringify(files.finalStates))
  return dir
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lab-check-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('lab check exit codes', () => {
  it('0: a linearizable history whose trace keeps every invariant', async () => {
    const dir = runDir('good', { history: 'good/heavy-concurrency.ndjson', trace: healthyTrace, protocol: 'raft' })
    const { code, stdout, stderr } = await check(dir)
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^history: .*history\.ndjson: 400 operations on 2 keys \(ok \d+, fail \d+, info \d+\)\n/)
    expect(stdout).toContain('linearizable: yes, checked in')
    expect(stdout).toContain('  ok    election-safety: 1 term with a leader, never more than one leader in a term')
    expect(stdout.trimEnd().endsWith('verdict: PASS')).toBe(true)
  })

  it('1: a stale read, with the witness printed', async () => {
    const { code, stdout } = await check(path.join(fixtures, 'bad', 'stale-read.ndjson'))
    expect(code).toBe(1)
    expect(stdout).toContain('linearizable: NO (1 of 1 keys)')
    expect(stdout).toContain('witness:\n  Key "x" is not linearizable')
    expect(stdout).toContain('invariants: skipped (a bare history has no trace')
    expect(stdout.trimEnd().endsWith('verdict: FAIL')).toBe(true)
  })

  it('1: a linearizable history but two leaders in one term', async () => {
    const trace: TraceEvent[] = [...healthyTrace, { t: 9, node: 'C', kind: 'role', role: 'leader', term: 1 }]
    const { code, stdout } = await check(runDir('two-leaders', { history: 'good/sequential.ndjson', trace, protocol: 'raft' }))
    expect(code).toBe(1)
    expect(stdout).toContain('  FAIL  election-safety: term 1 had two leaders: A (from 1.000 ms) and C (from 9.000 ms)')
  })

  it('0 with a note when the run has no trace', async () => {
    const { code, stdout } = await check(runDir('no-trace', { history: 'good/sequential.ndjson', protocol: 'pbft' }))
    expect(code).toBe(0)
    expect(stdout).toContain('invariants: skipped (no trace.ndjson in the run directory)')
  })

  it('checks final-states.json when the run has one', async () => {
    const finalStates = [{ node: 'A', appliedIndex: 64, hash: 'h', kvDigest: 'd1' }, { node: 'B', appliedIndex: 64, hash: 'h', kvDigest: 'd2' }]
    const { code, stdout } = await check(runDir('final-states', { history: 'good/sequential.ndjson', trace: healthyTrace, protocol: 'raft', finalStates }))
    expect(code).toBe(1)
    expect(stdout).toContain('FAIL  final-state-agreement: A and B applied the same sequence up to index 64 but hold different KV contents')
  })

  it('2: undecided when the search runs out of budget', async () => {
    const dir = path.join(root, 'big')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'history.ndjson'), historyToNdjson(generateLinearizableHistory({ seed: 5, ops: 4000, keys: 10, processes: 30 })))
    const { code, stdout } = await check(dir, '--budget', '1ms')
    expect(code).toBe(2)
    expect(stdout).toContain('linearizable: unknown (')
    expect(stdout).toContain('It never guesses; rerun with a larger budget')
    expect(stdout.trimEnd().endsWith('verdict: UNDECIDED')).toBe(true)
  })

  it('2: undecided when the history is empty, with why', async () => {
    const dir = path.join(root, 'empty-history')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'history.ndjson'), '')
    const { code, stdout } = await check(dir)
    expect(code).toBe(2)
    expect(stdout).toContain('linearizable: unknown (nothing to judge)')
    expect(stdout).toContain('Unknown: the history holds no operation, so there is nothing to judge.')
    expect(stdout.trimEnd().endsWith('verdict: UNDECIDED')).toBe(true)
  })

  it('2: undecided when no operation succeeded', async () => {
    const dir = path.join(root, 'no-ok')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'history.ndjson'), '{"process":1,"type":"invoke","f":"put","key":"x","value":"1","time":1}\n{"process":1,"type":"info","f":"put","key":"x","value":"1","time":2}\n')
    const { code, stdout } = await check(dir, '--json')
    expect(code).toBe(2)
    expect(JSON.parse(stdout)).toMatchObject({ linearizable: 'unknown', witness: expect.stringMatching(/^Unknown: none of the 1 operations was acknowledged/) })
  })

  it('1: a replica that exited on its own breaks replicas-healthy, named with the experiment time', async () => {
    const trace: TraceEvent[] = [...healthyTrace, { t: 2500, node: 'B', kind: 'process', state: 'exited', detail: 'Error: boom (exit code 70)' }]
    const dir = runDir('replica-died', { history: 'good/sequential.ndjson', trace, protocol: 'raft' })
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ workloadStartMs: 500 }))
    const { code, stdout } = await check(dir)
    expect(code).toBe(1)
    expect(stdout).toContain('  FAIL  replicas-healthy: B exited on its own at 2.00 s: Error: boom (exit code 70)')
  })

  it('--json prints the Verdict', async () => {
    const { code, stdout } = await check(path.join(fixtures, 'bad', 'lost-write.ndjson'), '--json')
    expect(code).toBe(1)
    const verdict = JSON.parse(stdout) as Verdict
    expect(verdict.linearizable).toBe(false)
    // Its last reads start after every write ended: the final reads of acknowledged-writes-kept, which
    // holds (the put of "a" may have followed the put of "b"); the two reads disagree, which is not linearizable.
    expect(verdict.invariants).toMatchObject([{ name: 'acknowledged-writes-kept', ok: true }])
    expect(verdict.witness).toContain('Key "x" is not linearizable')
  })
})

describe('lab check on unreadable input: exit 2 and one line naming the file', () => {
  it('a path that does not exist', async () => {
    const missing = path.join(root, 'nope')
    expect(await check(missing)).toEqual({ code: 2, stdout: '', stderr: `lab check: ${missing}: no such file or directory\n` })
  })

  it('a run directory without history.ndjson', async () => {
    const dir = runDir('empty', { protocol: 'raft' })
    const { code, stderr } = await check(dir)
    expect(code).toBe(2)
    expect(stderr).toBe(`lab check: ${path.join(dir, 'history.ndjson')}: no such file or directory\n`)
  })

  it('a malformed history line', async () => {
    const dir = runDir('bad-line', {})
    writeFileSync(path.join(dir, 'history.ndjson'), '{"process":1,"type":"invoke","f":"get","key":"x","time":1}\n{"process":1,"type":"done","f":"get","key":"x","time":2}\n')
    const { code, stderr } = await check(dir)
    expect(code).toBe(2)
    expect(stderr).toBe(`lab check: ${path.join(dir, 'history.ndjson')}:2: expected "type" to be one of invoke, ok, fail, info, got "done"\n`)
  })

  it('an experiment.json without a known protocol', async () => {
    const dir = runDir('bad-protocol', { history: 'good/sequential.ndjson', protocol: 'paxos' })
    const { code, stderr } = await check(dir)
    expect(code).toBe(2)
    expect(stderr).toBe(`lab check: ${path.join(dir, 'experiment.json')}: expected "protocol" to be one of raft, pbft, primary-backup, parallel-raft, got "paxos"\n`)
  })

  it('a malformed trace line', async () => {
    const dir = runDir('bad-trace', { history: 'good/sequential.ndjson', protocol: 'raft', trace: '{"t":1,"node":"A","kind":"role","term":1}\n' })
    const { code, stderr } = await check(dir)
    expect(code).toBe(2)
    expect(stderr).toBe(`lab check: ${path.join(dir, 'trace.ndjson')}:1: expected "role" of a role event to be a string, got nothing\n`)
  })

  it('usage errors', async () => {
    expect((await check()).stderr).toContain('lab check: expected a run directory or a history.ndjson file\nusage: lab check')
    expect((await check('a', '--fast')).code).toBe(2)
    expect((await check('a', '--budget', 'soon')).stderr).toContain('--budget needs a duration like 120s or 5m, got "soon"')
    expect(await check('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('Exit codes: 0 passed') })
  })
})

describe('exitCode', () => {
  it('a definite violation outranks unknown', () => {
    expect(exitCode({ linearizable: 'unknown', invariants: [{ name: 'x', ok: false, detail: '' }] })).toBe(1)
    expect(exitCode({ linearizable: 'unknown', invariants: [] })).toBe(2)
    expect(exitCode({ linearizable: true, invariants: [{ name: 'x', ok: true, detail: '' }] })).toBe(0)
  })
})
