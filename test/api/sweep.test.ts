/** Sweeps: a base experiment and its axes become validated cells; results become spreads and ratios. */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { planSweep, sweepEta, validateSweepText, type Sweep } from '../../src-main/api/sweep.js'
import { distinguishable, spreadOf, summarizeSweep, sweepCsv, type SweepRunResult } from '../../src-main/api/report/sweep-results.js'
import { buildSweepReportHtml, buildSweepReportMarkdown } from '../../src-main/api/report/sweep-report.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { loadSweepFile, plannedCells } from '../../src-main/lab/sweep/session.js'
import { sweepJsonSchema } from '../../src-main/cli/sweep.js'

const root = repositoryRoot()
const base = { protocol: 'raft', seed: 7, cluster: { nodes: 3 }, workload: { duration: '2s', clients: 8, keys: 20, mix: { get: 0.5, put: 0.5 } } }

function sweepOf(text: string): Sweep {
  const result = validateSweepText(text)
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  return result.sweep
}

describe('planning a sweep', () => {
  it('makes one validated experiment per cell, matching node counts by fault tolerance, with the workload identical', () => {
    const sweep = sweepOf('name: s\nexperiment: {}\nset: {workload.clients: 1}\naxes: {protocol: [raft, pbft], faultTolerance: [1, 2], delayMs: [0, 20]}\n')
    const plan = planSweep(sweep, base)
    if (!plan.ok) throw new Error(JSON.stringify(plan.errors))
    expect(plan.varied).toEqual(['protocol', 'faultTolerance', 'delayMs'])
    expect(plan.cells.map((cell) => cell.id)).toEqual([
      'raft-f1-delay0ms', 'raft-f1-delay20ms', 'raft-f2-delay0ms', 'raft-f2-delay20ms',
      'pbft-f1-delay0ms', 'pbft-f1-delay20ms', 'pbft-f2-delay0ms', 'pbft-f2-delay20ms',
    ])
    const byId = new Map(plan.cells.map((cell) => [cell.id, cell.experiment]))
    expect(byId.get('raft-f2-delay0ms')!.cluster.nodes).toHaveLength(5)
    expect(byId.get('pbft-f2-delay20ms')!.cluster.nodes).toHaveLength(7)
    expect(byId.get('pbft-f2-delay20ms')!.cluster.f).toBe(2)
    expect(byId.get('pbft-f2-delay20ms')!.network.delayMs).toBe(20)
    // Everything but the axes is the base's: the cells compare like for like.
    const workloads = plan.cells.map((cell) => JSON.stringify({ ...cell.experiment.workload, seed: cell.experiment.seed }))
    expect(new Set(workloads).size).toBe(1)
    expect(plan.cells[0]!.experiment.workload.clients).toBe(1)
  })

  it('refuses a cell that breaks a protocol rule, naming the cell and the reason', () => {
    const sweep = sweepOf('name: s\nexperiment: {}\naxes: {protocol: [raft, pbft], nodes: [3, 5]}\n')
    const plan = planSweep(sweep, base)
    expect(plan.ok).toBe(false)
    if (plan.ok) return
    expect(plan.errors.map((error) => error.cell)).toEqual(['pbft, 3 nodes'])
    expect(plan.errors[0]!.errors[0]).toMatchObject({ path: 'cluster.nodes', message: 'PBFT needs at least 4 replicas (n >= 3f + 1 with f >= 1), got 3' })
  })

  it('lays a variant\'s faults over the base and refuses one that names a node a cell lacks', () => {
    const sweep = sweepOf('name: s\nexperiment: {}\naxes: {nodes: [3, 5], variant: [{name: healthy}, {name: E down, faults: [{at: 0s, crash: E}]}]}\n')
    const plan = planSweep(sweep, base)
    expect(plan.ok).toBe(false)
    if (plan.ok) return
    // Each error also carries its code for other languages (api/validation-text.ts).
    expect(plan.errors).toMatchObject([{ cell: '3 nodes, E down', errors: [{ path: 'faults.0.crash', message: 'unknown node "E": expected one of A, B, C, or one of leader, follower, minority, random, crashed, paused' }] }])
  })

  it('names the field and what was expected in a bad sweep file', () => {
    const cases: [string, RegExp][] = [
      ['name: s\naxes: {}\n', /base: expected either base \(an experiment file\) or experiment \(inline\)/],
      ['name: s\nexperiment: {}\naxes: {delayMs: [fast]}\n', /axes\.delayMs\.0: .*number/],
      ['name: s\nexperiment: {}\naxes: {clients: [1], rate: [100]}\n', /axes\.rate: expected clients or rate, not both/],
      ['name: s\nexperiment: {}\naxes: {protocols: [raft]}\n', /axes: unknown field protocols/],
      ['name: s\nexperiment: {}\naxes: {protocol: [raft]}\nrepetitions: 50\n', /repetitions: expected at most 20/],
      ['name: s\naxes: {protocol: [raft\n', /not valid YAML or JSON: line 2: /],
    ]
    for (const [text, expected] of cases) {
      const result = validateSweepText(text)
      expect(result.ok, text).toBe(false)
      if (!result.ok) expect(result.errors.map((error) => `${error.path}: ${error.message}`).join('\n')).toMatch(expected)
    }
  })

  it('plans every sweep the lab ships, and their schema is the published one', () => {
    const dir = path.join(root, 'experiments/sweeps')
    const files = fs.readdirSync(dir).filter((name) => name.endsWith('.sweep.yaml'))
    expect(files.length).toBeGreaterThanOrEqual(4)
    for (const name of files) {
      const loaded = loadSweepFile(path.join(dir, name))
      expect(loaded.ok ? '' : loaded.message, name).toBe('')
    }
    const published = JSON.parse(fs.readFileSync(path.join(dir, 'sweep.schema.json'), 'utf8'))
    expect(published).toEqual(JSON.parse(JSON.stringify(sweepJsonSchema())))
    expect(parse(fs.readFileSync(path.join(dir, files[0]!), 'utf8')).axes).toBeDefined()
  })
})

describe('sweep results', () => {
  it('gives the median, the spread and a 95% interval of the mean', () => {
    const spread = spreadOf([2, 4, 3])!
    expect(spread.median).toBe(3)
    expect([spread.min, spread.max, spread.mean]).toEqual([2, 4, 3])
    // mean 3, s = 1, n = 3: 3 ± 4.303 / sqrt(3)
    expect(spread.ci95![0]).toBeCloseTo(3 - 4.303 / Math.sqrt(3), 6)
    expect(spreadOf([5])!.ci95).toBeUndefined()
    expect(spreadOf([])).toBeUndefined()
    expect(distinguishable(spreadOf([1, 1.1, 0.9]), spreadOf([3, 3.1, 2.9]))).toBe(true)
    expect(distinguishable(spreadOf([1, 2, 3]), spreadOf([2, 3, 4]))).toBe(false)
    expect(distinguishable(spreadOf([1]), spreadOf([3]))).toBeUndefined()
  })

  it('pairs cells that differ only in protocol, leaves failed runs out of the figures, and writes every cell to CSV and the reports', () => {
    const sweep = sweepOf('name: pair\nexperiment: {}\naxes: {protocol: [raft, pbft], faultTolerance: [1], delayMs: [0, 20]}\nrepetitions: 2\n')
    const plan = planSweep(sweep, base)
    if (!plan.ok) throw new Error('plan')
    const result = (cellId: string, repetition: number, p50Ms: number, completed = true): SweepRunResult => ({
      cellId, repetition, seed: 7 + repetition - 1, runId: `${cellId}-${repetition}`, runDir: `runs/${cellId}-${repetition}`, completed, verdict: completed ? 'PASS' : 'INCOMPLETE',
      p50Ms, p99Ms: p50Ms * 2, throughput: 1000 / p50Ms, opsOk: 100, opsFail: 0, lostWrites: 0, elapsedMs: 3000,
    })
    const results = [
      result('raft-f1-delay0ms', 1, 1), result('raft-f1-delay0ms', 2, 1.2),
      result('raft-f1-delay20ms', 1, 41), result('raft-f1-delay20ms', 2, 43),
      result('pbft-f1-delay0ms', 1, 2), result('pbft-f1-delay0ms', 2, 2.2),
      result('pbft-f1-delay20ms', 1, 44), result('pbft-f1-delay20ms', 2, 99, false),
    ]
    const summary = summarizeSweep({ name: 'pair', description: '', varied: plan.varied, repetitions: 2 }, plannedCells(plan.cells), results)
    const pbft20 = summary.cells.find((cell) => cell.id === 'pbft-f1-delay20ms')!
    expect(pbft20.runsCompleted).toBe(1)
    expect(pbft20.p50Ms!.median).toBe(44)
    expect(pbft20.verdicts).toEqual({ PASS: 1, INCOMPLETE: 1 })
    expect(pbft20.theoryMs).toBe(40)
    expect(summary.ratios.map((ratio) => [ratio.other, ratio.baseline, ratio.p50])).toEqual([
      ['pbft-f1-delay0ms', 'raft-f1-delay0ms', 2.1 / 1.1],
      ['pbft-f1-delay20ms', 'raft-f1-delay20ms', 44 / 42],
    ])
    // Two repetitions make wide intervals (t = 12.7): 1.0 and 1.2 against 2.0 and 2.2 overlap.
    expect(summary.ratios[0]!.p50Distinguishable).toBe(false)
    const csv = sweepCsv(summary).trim().split('\n')
    expect(csv).toHaveLength(5)
    expect(csv[0]).toMatch(/^cell,protocol,nodes,fault_tolerance,delay_ms/)
    expect(csv.find((line) => line.startsWith('pbft-f1-delay20ms,'))).toContain(',2,1,44,44,44,,,')
    const meta = { generatedAt: '2026-12-06T00:00:00.000Z', labVersion: 'test' }
    const html = buildSweepReportHtml(summary, meta)
    expect(html).toContain('Latency against link delay (ms)')
    expect(html).toContain('pbft theory')
    expect(html).toContain('pbft-f1-delay20ms / raft-f1-delay20ms')
    // Latency, throughput and ratio along the delay; none along f, which has one value.
    expect((html.match(/<figure>/g) ?? []).length).toBe(3)
    expect(buildSweepReportMarkdown(summary, meta)).toContain('| pbft, f=1, delay 20 ms | 4 | 1/2 |')
    // In Korean: the charts' axes, legends and captions, the tables and the page.
    const ko = buildSweepReportHtml(summary, meta, 'ko')
    expect(ko).toContain('<html lang="ko">')
    for (const words of ['링크 지연(ms)에 따른 지연 시간', '지연 시간(ms)', 'pbft 이론', '칸', '반복', 'PBFT / Raft']) expect(ko).toContain(words)
    for (const english of ['Latency against', 'latency (ms)', 'pbft theory', 'Cells', 'repetitions', 'Made by']) expect(ko).not.toContain(english)
    const koMarkdown = buildSweepReportMarkdown(summary, meta, 'ko')
    expect(koMarkdown).toContain('| pbft, f=1, 지연 20 ms | 4 | 1/2 |')
    expect(koMarkdown).toContain('# 스윕: pair')
  })
})

describe('a sweep\'s time left', () => {
  it('is whole seconds below 90 s and whole minutes from there, never 0 s (the CLI and the Sweeps page say the same)', () => {
    expect([0, 1499, 89_400, 89_600, 150_000].map(sweepEta)).toEqual([
      { unit: 'seconds', n: 1 },
      { unit: 'seconds', n: 1 },
      { unit: 'seconds', n: 89 },
      { unit: 'minutes', n: 2 },
      { unit: 'minutes', n: 3 },
    ])
  })
})
