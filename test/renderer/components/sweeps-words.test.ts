// @vitest-environment happy-dom
/**
 * The Sweeps page in Korean: its charts (axis names, legends, captions), the cells' labels and
 * verdicts read in the page's language; in English they are the report's as before.
 */
import { describe, expect, it } from 'vitest'
import type { SweepListing } from '../../../src-main/api/lab-api'
import { planSweep, validateSweepText } from '../../../src-main/api/sweep'
import { summarizeSweep, type SweepRunResult } from '../../../src-main/api/report/sweep-results'
import { plannedCells } from '../../../src-main/lab/sweep/session'
import SweepsPage from '../../../src-renderer/src/components/sweeps/SweepsPage.vue'
import { flush, setupLab } from '../support/mount'

function listing(): SweepListing {
  const validated = validateSweepText('name: pair\nexperiment: {}\naxes: {protocol: [raft, pbft], delayMs: [0, 20]}\n')
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
  const base = { protocol: 'raft', seed: 7, cluster: { nodes: 4 }, workload: { duration: '2s', clients: 1 } }
  const plan = planSweep(validated.sweep, base)
  if (!plan.ok) throw new Error(JSON.stringify(plan.errors))
  const result = (cellId: string, p50Ms: number): SweepRunResult => ({
    cellId, repetition: 1, seed: 7, runId: `${cellId}-1`, runDir: `runs/${cellId}-1`, completed: true, verdict: 'PASS',
    p50Ms, p99Ms: p50Ms * 2, throughput: 1000 / p50Ms, opsOk: 100, opsFail: 0, lostWrites: 0, elapsedMs: 3000,
  })
  const results = plan.cells.map((cell, index) => result(cell.id, 1 + index * 10))
  const summary = summarizeSweep({ name: 'pair', description: '', varied: plan.varied, repetitions: 1 }, plannedCells(plan.cells), results)
  return { file: 'pair.sweep.yaml', name: 'pair', description: 'a pair', repetitions: 1, runsTotal: plan.cells.length, summary, runIds: Object.fromEntries(results.map((run) => [run.cellId, [run.runId]])) }
}

async function mountSweeps(locale: 'en' | 'ko') {
  const lab = setupLab({ listSweeps: async () => [listing()] }, locale)
  const wrapper = lab.mount(SweepsPage)
  await flush()
  return wrapper
}

describe('the Sweeps page speaks the page’s language', () => {
  it('draws its charts, cells and verdicts in Korean on the Korean page', async () => {
    const wrapper = await mountSweeps('ko')
    const charts = wrapper.get('[data-testid=sweep-charts]').html()
    for (const words of ['링크 지연(ms)에 따른 지연 시간', '지연 시간(ms)', '초당 연산', 'raft 이론', '실선']) expect(charts).toContain(words)
    for (const english of ['Latency against', 'latency (ms)', 'theory', 'solid']) expect(charts).not.toContain(english)
    expect(wrapper.text()).toContain('pbft, 지연 20 ms')
    expect(wrapper.text()).toContain('통과')
    expect(wrapper.text()).not.toContain('delay 20 ms')
  })

  it('keeps the report’s English on the English page', async () => {
    const wrapper = await mountSweeps('en')
    expect(wrapper.get('[data-testid=sweep-charts]').html()).toContain('Latency against link delay (ms)')
    expect(wrapper.text()).toContain('pbft, delay 20 ms')
    expect(wrapper.text()).toContain('Pass')
  })
})
