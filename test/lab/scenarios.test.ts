/**
 * The shipped scenario experiments (../shared/SCENARIOS.md), run as a user runs them, each checked
 * for the facts in the trace and the verdict that make its point.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadExperimentFile } from '../../src-main/lab/experiment-file.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import type { RunSummary } from '../../src-main/api/summary.js'
import type { TraceEvent } from '../../src-main/api/trace.js'
import type { FinalState } from '../../src-main/replica/control.js'

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-scenarios-'))
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))

interface ScenarioRun {
  summary: RunSummary
  trace: TraceEvent[]
  finalStates: FinalState[]
}

async function runScenario(file: string): Promise<ScenarioRun> {
  const loaded = loadExperimentFile(path.join(repositoryRoot(), 'experiments', file))
  if (!loaded.ok) throw new Error(loaded.message)
  const summary = await new ExperimentRun(loaded.experiment, { runsDir }).execute()
  expect(summary.completed, summary.error).toBe(true)
  const trace = fs
    .readFileSync(path.join(summary.runDir, 'trace.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TraceEvent)
    .sort((a, b) => a.t - b.t)
  const finalStates = JSON.parse(fs.readFileSync(path.join(summary.runDir, 'final-states.json'), 'utf8')) as FinalState[]
  return { summary, trace, finalStates }
}

const roles = (trace: TraceEvent[], role: string, term?: number) =>
  trace.filter((event): event is Extract<TraceEvent, { kind: 'role' }> => event.kind === 'role' && event.role === role && (term === undefined || event.term === term))

const votesFor = (trace: TraceEvent[], candidate: string, term: number) =>
  trace.filter((event) => event.kind === 'vote' && event.votedFor === candidate && event.term === term && event.node !== candidate).map((event) => event.node)

function passed(summary: RunSummary): boolean {
  return summary.verdict?.linearizable === true && summary.verdict.invariants.every((invariant) => invariant.ok)
}

function scriptOutcome(summary: RunSummary, command: string) {
  const step = summary.script?.find((candidate) => candidate.command === command)
  if (!step) throw new Error(`no scripted ${command} in ${JSON.stringify(summary.script)}`)
  return step
}

/** What a failed verdict said, for the assertion message. */
function failures(summary: RunSummary): string {
  const verdict = summary.verdict
  if (!verdict) return `no verdict: ${summary.error ?? ''}`
  const broken = verdict.invariants.filter((invariant) => !invariant.ok).map((invariant) => `${invariant.name}: ${invariant.detail}`)
  return [`linearizable: ${verdict.linearizable}`, ...broken, verdict.witness ?? ''].join('\n')
}

describe('shipped scenarios on real processes', () => {
  it('scenario 2: A times out first, becomes candidate for term 1, gets the votes of B, C and E, and leads; D is cut off', async () => {
    const { summary, trace } = await runScenario('raft-5-normal-election.yaml')
    expect(roles(trace, 'candidate')[0]).toMatchObject({ node: 'A', term: 1 })
    expect(votesFor(trace, 'A', 1).sort()).toEqual(['B', 'C', 'E'])
    expect(roles(trace, 'leader', 1).map((event) => event.node)).toEqual(['A'])
    expect(scriptOutcome(summary, 'GET x')).toMatchObject({ outcome: 'ok', value: '1' })
    expect(passed(summary), failures(summary)).toBe(true)
  })

  it('scenario 3: A and C split the votes of term 1, nobody leads in it, and the re-election decides', async () => {
    const { summary, trace } = await runScenario('raft-4-split-vote.yaml')
    expect(roles(trace, 'candidate', 1).map((event) => event.node).sort()).toEqual(['A', 'C'])
    expect(roles(trace, 'leader', 1)).toEqual([])
    expect(votesFor(trace, 'A', 1)).toEqual(['B'])
    expect(votesFor(trace, 'C', 1)).toEqual(['D'])
    expect(roles(trace, 'leader').length).toBeGreaterThan(0)
    expect(roles(trace, 'leader')[0]!.term).toBeGreaterThanOrEqual(2)
    expect(passed(summary), failures(summary)).toBe(true)
  })

  it('scenario 4: the four commands commit without D, and D catches up after it returns', async () => {
    const { summary, finalStates } = await runScenario('raft-5-follower-down.yaml')
    for (const command of ['SET x=1', 'SET y=2', 'DELETE z', 'SET x=5']) expect(scriptOutcome(summary, command).outcome).toBe('ok')
    expect(scriptOutcome(summary, 'GET x')).toMatchObject({ outcome: 'ok', value: '5' })
    const a = finalStates.find((state) => state.node === 'A')!
    const d = finalStates.find((state) => state.node === 'D')!
    expect(d.appliedIndex).toBe(a.appliedIndex)
    expect(d.hash).toBe(a.hash)
    expect(passed(summary), failures(summary)).toBe(true)
  })

  it('a node down for a long time comes back through a snapshot: InstallSnapshot in the trace, then the same state as the others', { timeout: 120_000 }, async () => {
    const { summary, trace, finalStates } = await runScenario('raft-3-follower-down-snapshot.yaml')
    expect(passed(summary), failures(summary)).toBe(true)
    const restartAt = trace.find((event) => event.kind === 'fault' && event.fault.startsWith('restart'))!.t
    const chunksToC = trace.filter((event) => event.kind === 'send' && event.type === 'InstallSnapshot' && event.to === 'C' && event.t > restartAt)
    expect(chunksToC.length, 'the leader sends C its snapshot after C restarts').toBeGreaterThan(0)
    const installed = trace.filter((event) => event.kind === 'note' && event.node === 'C' && event.text.startsWith('installed snapshot through'))
    expect(installed.length, 'C installs it').toBeGreaterThan(0)
    const [a, c] = ['A', 'C'].map((node) => finalStates.find((state) => state.node === node)!)
    expect(c!.appliedIndex).toBe(a!.appliedIndex)
    expect(c!.hash).toBe(a!.hash)
    expect(c!.kvDigest).toBe(a!.kvDigest)
  })

  it('scenario 5: the old leader never acknowledges SET x=10, C wins term 2, and A and B discard the entry', async () => {
    const { summary, trace } = await runScenario('raft-5-partition-conflict.yaml')
    expect(scriptOutcome(summary, 'SET x=10').outcome).not.toBe('ok')
    // C wins the term after A's (term 2 unless a slow first election already used it up).
    const partitionAt = trace.find((event) => event.kind === 'fault' && event.fault.startsWith('partition'))!.t
    const termOfA = Math.max(...roles(trace, 'leader').filter((event) => event.node === 'A' && event.t < partitionAt).map((event) => event.term))
    expect(roles(trace, 'leader').filter((event) => event.t > partitionAt && event.term > termOfA).map((event) => event.node)[0]).toBe('C')
    const truncated = trace.filter((event) => event.kind === 'truncate').map((event) => event.node)
    expect(truncated).toContain('A')
    // The log grid's picture: A appended SET x=10 itself (its command is in A's append event), and
    // later dropped that index for C's log, the event naming the range, its term and C.
    const appendOfX = trace.find((event) => event.kind === 'append' && event.node === 'A' && event.ops?.includes('SET x=10'))
    expect(appendOfX, 'A traces its own append of SET x=10').toBeDefined()
    if (appendOfX?.kind !== 'append') throw new Error('unreachable')
    const indexOfX = appendOfX.fromIndex + appendOfX.ops!.indexOf('SET x=10')
    const dropOfX = trace.find((event) => event.kind === 'truncate' && event.node === 'A' && event.fromIndex <= indexOfX && (event.toIndex ?? 0) >= indexOfX)
    expect(dropOfX).toMatchObject({ leader: 'C' })
    expect(dropOfX!.t).toBeGreaterThan(appendOfX.t)
    expect(scriptOutcome(summary, 'SET z=3').outcome).toBe('ok')
    expect(scriptOutcome(summary, 'GET x')).toMatchObject({ outcome: 'ok', value: '1' })
    expect(scriptOutcome(summary, 'GET y')).toMatchObject({ outcome: 'ok', value: null })
    expect(passed(summary), failures(summary)).toBe(true)
  })

  it('scenario 6: the leader is killed under load, a new one takes over in a later term, and nothing acknowledged is lost', async () => {
    const { summary, finalStates } = await runScenario('raft-5-leader-crash.yaml')
    expect(summary.faults.map((fault) => fault.action)).toEqual(['crash leader', 'restart crashed'])
    expect(summary.leaderChanges).toBeGreaterThanOrEqual(1)
    expect(summary.terms).toBeGreaterThanOrEqual(2)
    expect(summary.unavailableMs).toBeGreaterThan(0)
    expect(finalStates).toHaveLength(5)
    expect(new Set(finalStates.map((state) => state.hash)).size).toBe(1)
    expect(passed(summary), failures(summary)).toBe(true)
  })

  it('scenario 1: naive primary-backup ends with two primaries at once and diverged replicas; Raft on the same network holds', async () => {
    const naive = await runScenario('split-brain-primary-backup.yaml')
    const raft = await runScenario('split-brain-raft.yaml')
    const broken = (name: string) => naive.summary.verdict!.invariants.find((invariant) => invariant.name === name)
    expect(broken('election-safety')?.ok).toBe(false)
    expect(broken('state-machine-safety')?.ok).toBe(false)
    expect(passed(naive.summary)).toBe(false)
    expect(passed(raft.summary), failures(raft.summary)).toBe(true)
  })
})
