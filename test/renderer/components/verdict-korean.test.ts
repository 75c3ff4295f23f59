// @vitest-environment happy-dom
/**
 * The verdict panel on the Korean page says the checker's findings in Korean: each invariant's
 * detail and the witness of a failing run, from the verdict's coded messages; the English page
 * shows the English the checker stored, and a run recorded before the codes keeps its English.
 */
import { describe, expect, it } from 'vitest'
import type { RunSummary, Verdict } from '../../../src-main/api/summary'
import type { HistoryEvent, TraceEvent } from '../../../src-main/api/trace'
import { buildVerdict } from '../../../src-main/checker/verdict'
import RunPage from '../../../src-renderer/src/components/run/RunPage.vue'
import { useRunStore } from '../../../src-renderer/src/stores/run'
import { newExperimentText } from '../../../src-renderer/src/experiment/template'
import { flush, setupLab } from '../support/mount'

const experimentText = newExperimentText({ name: 'fixture', description: 'd', comment: 'c' })

/** A stale read of x (put 1, put 2 completes, then a get returns 1), and two leaders in term 3. */
function failingVerdict(): Verdict {
  const ms = 1_000_000
  const history: HistoryEvent[] = [
    { process: 0, type: 'invoke', f: 'put', key: 'x', value: '1', time: 0 }, { process: 0, type: 'ok', f: 'put', key: 'x', value: '1', time: 1 * ms },
    { process: 1, type: 'invoke', f: 'put', key: 'x', value: '2', time: 2 * ms }, { process: 1, type: 'ok', f: 'put', key: 'x', value: '2', time: 3 * ms },
    { process: 2, type: 'invoke', f: 'get', key: 'x', time: 4 * ms }, { process: 2, type: 'ok', f: 'get', key: 'x', value: '1', time: 5 * ms },
  ]
  const trace: TraceEvent[] = [{ t: 1, node: 'A', kind: 'role', role: 'leader', term: 3 }, { t: 5.25, node: 'C', kind: 'role', role: 'leader', term: 3 }]
  return buildVerdict(history, trace, 'raft', { originMs: 0 })
}

function summary(verdict: Verdict): RunSummary {
  return {
    runId: 'run-fixture', name: 'fixture', protocol: 'raft', nodes: 3, nodeNames: ['A', 'B', 'C'], seed: 1, durability: 'fsync', clients: 4,
    startedAt: '2026-01-01T00:00:00Z', workloadStartMs: 0, durationMs: 5000, ops: { ok: 3, fail: 0, info: 0 },
    latencyMs: { p50: 1, p90: 1, p99: 1, p999: 1, max: 1, mean: 1 }, latencyByOperationMs: {}, throughput: 1, leaderChanges: 1, terms: 1, unavailableMs: 0,
    messages: { total: 0, bytes: 0, byType: {} }, faults: [], reads: { mode: 'log', total: 0, stale: 0, examples: [] }, runDir: '/runs/run-fixture', completed: true, verdict,
  }
}

async function verdictPanel(locale: 'en' | 'ko', verdict: Verdict) {
  const lab = setupLab({}, locale)
  const run = useRunStore()
  lab.api.subscribe((message) => run.receive(message))
  expect(await run.start(experimentText)).toBe(true)
  const wrapper = lab.mount(RunPage, { global: { stubs: { TimelineGrid: true } }, attachTo: document.body })
  lab.emit({ kind: 'end', runId: 'run-fixture', summary: summary(verdict) })
  await flush()
  return wrapper
}

describe('the verdict panel in Korean', () => {
  it('says a failing run\'s invariant details and witness in Korean, with the run\'s nodes, times and values as they were', async () => {
    const wrapper = await verdictPanel('ko', failingVerdict())
    const election = wrapper.get('[data-testid=verdict-invariant-election-safety] [data-testid=invariant-detail]').text()
    expect(election).toBe('임기 3에 리더가 둘이었습니다: A (1.000 ms부터)와 C (5.250 ms부터)')
    const witness = wrapper.get('[data-testid=verdict-witness]').text()
    expect(witness).toContain('키 "x"는 선형화 가능하지 않습니다 (이 키의 연산 3개).')
    expect(witness).toContain('4.000–5.000 ms의 get(x)이 "1"를 돌려주었습니다. 그러나 put(x, "2")가 그 읽기가 시작하기 전인 3.000 ms에 완료되었고')
    expect(witness).toContain('시간은 실험 시간의 밀리초입니다')
    expect(wrapper.get('[data-testid=verdict]').text()).not.toMatch(/is not linearizable|had two leaders|no replica exited/)
  })

  it('shows the English the checker stored on the English page', async () => {
    const verdict = failingVerdict()
    const wrapper = await verdictPanel('en', verdict)
    expect(wrapper.get('[data-testid=verdict-invariant-election-safety] [data-testid=invariant-detail]').text()).toBe('term 3 had two leaders: A (from 1.000 ms) and C (from 5.250 ms)')
    expect(wrapper.get('[data-testid=verdict-witness]').text()).toBe(verdict.witness)
  })

  it('keeps the English detail and witness of a run recorded before the coded messages', async () => {
    const old: Verdict = { linearizable: false, invariants: [{ name: 'election-safety', ok: true, detail: '2 terms with a leader' }], witness: 'Key "x" is not linearizable' }
    const wrapper = await verdictPanel('ko', old)
    expect(wrapper.get('[data-testid=invariant-detail]').text()).toBe('2 terms with a leader')
    expect(wrapper.get('[data-testid=verdict-witness]').text()).toBe('Key "x" is not linearizable')
  })
})
