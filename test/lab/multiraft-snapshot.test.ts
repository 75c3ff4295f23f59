/**
 * MultiRaft snapshots on real processes (issue 15, "MultiRaft: per group"): three groups on three
 * nodes compact by the experiment's snapshotEntries, each by itself; a node down while every group
 * compacts past its log comes back through InstallSnapshot in each group, and the run passes with
 * every group's final state the same on every node.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadExperimentFile } from '../../src-main/lab/experiment-file.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import type { TraceEvent } from '../../src-main/api/trace.js'
import type { FinalState } from '../../src-main/replica/control.js'

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-multiraft-snapshot-'))
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))

const groups = 3

describe('MultiRaft snapshots, per group, on real processes', () => {
  it('a follower down while every group compacts comes back through InstallSnapshot in each group, and the run passes', { timeout: 120_000 }, async () => {
    const loaded = loadExperimentFile(path.join(repositoryRoot(), 'experiments', 'raft-3-multiraft-follower-down-snapshot.yaml'))
    if (!loaded.ok) throw new Error(loaded.message)
    expect(loaded.experiment.cluster.groups).toBe(groups)
    const summary = await new ExperimentRun(loaded.experiment, { runsDir }).execute()
    expect(summary.completed, summary.error).toBe(true)
    const verdict = summary.verdict
    const broken = verdict?.invariants.filter((invariant) => !invariant.ok).map((invariant) => `${invariant.name}: ${invariant.detail}`)
    expect(verdict?.linearizable, JSON.stringify(broken)).toBe(true)
    expect(broken).toEqual([])
    const trace = fs
      .readFileSync(path.join(summary.runDir, 'trace.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TraceEvent)
    // A group's note says its group first: "group 1: installed snapshot through 420 ...".
    const groupsNoting = (node: string, what: string) =>
      new Set(trace.flatMap((event) => (event.kind === 'note' && event.node === node ? [new RegExp(`^group (\\d+): ${what}`).exec(event.text)?.[1]] : [])).filter((group) => group !== undefined).map(Number))
    const restartAt = trace.find((event) => event.kind === 'fault' && event.fault.startsWith('restart'))!.t
    // Every group compacted on the nodes that stayed up, and C installed a leader's snapshot in every group.
    for (const node of ['A', 'B']) expect(groupsNoting(node, 'snapshot through'), `${node}'s groups that compacted`).toEqual(new Set([0, 1, 2]))
    expect(groupsNoting('C', 'installed snapshot through'), "C's groups that installed a snapshot").toEqual(new Set([0, 1, 2]))
    // Each group's leader after C's restart sent it that group's snapshot (the messages travel in Batches).
    const sentToC = new Set(trace.flatMap((event) => (event.kind === 'note' && event.t > restartAt ? [/^group (\d+): sending the snapshot through \d+ to C:/.exec(event.text)?.[1]] : [])).filter((group) => group !== undefined).map(Number))
    expect(sentToC, 'the groups whose leader sent C a snapshot after its restart').toEqual(new Set([0, 1, 2]))
    expect(trace.some((event) => event.kind === 'note' && event.node === 'C' && event.text.startsWith('WAL: new segment from group')), 'C started a WAL segment from a group snapshot').toBe(true)
    expect(reannounced(trace), 'append events that repeat an entry their node had already announced (a new segment rewrites the log after its snapshot)').toEqual([])
    const finalStates = JSON.parse(fs.readFileSync(path.join(summary.runDir, 'final-states.json'), 'utf8')) as FinalState[]
    const perGroup = (state: FinalState) => state.groups!.map(({ group, appliedIndex, hash, kvDigest }) => `${group}:${appliedIndex}:${hash}:${kvDigest}`)
    const [a, b, c] = ['A', 'B', 'C'].map((node) => finalStates.find((state) => state.node === node)!)
    expect(perGroup(a!)).toHaveLength(groups)
    // Every group's snapshot index, not group 0's alone.
    for (const state of [a!, b!, c!]) {
      expect(state.status.groupSnapshotIndexes, `${state.node}'s snapshot index per group`).toHaveLength(groups)
      expect(state.status.groupSnapshotIndexes!.every((index) => index > 0), `${state.node}: ${state.status.groupSnapshotIndexes}`).toBe(true)
      expect(state.status.groupSnapshotIndexes![0]).toBe(state.status.snapshotIndex)
    }
    expect(perGroup(c!)).toEqual(perGroup(a!))
    expect(perGroup(b!)).toEqual(perGroup(a!))
  })
})

/** Append events naming an (index, term) their node and group already held: no truncate dropped it since. */
function reannounced(trace: readonly TraceEvent[]): string[] {
  const held = new Map<string, Map<number, number>>()
  const repeats: string[] = []
  for (const event of trace) {
    if (event.kind !== 'append' && event.kind !== 'truncate') continue
    const key = `${event.node}/${event.group ?? 0}`
    const log = held.get(key) ?? new Map<number, number>()
    held.set(key, log)
    if (event.kind === 'truncate') {
      for (const index of [...log.keys()]) if (index >= event.fromIndex) log.delete(index)
      continue
    }
    let repeated = 0
    for (let index = event.fromIndex; index <= event.toIndex; index += 1) {
      const term = event.runs.filter(([first]) => first <= index).at(-1)![1]
      if (log.get(index) === term) repeated += 1
      log.set(index, term)
    }
    if (repeated > 0) repeats.push(`${key} at ${event.t} ms: ${event.fromIndex}..${event.toIndex} (${repeated} already held)`)
  }
  return repeats.slice(0, 5)
}
