// @vitest-environment happy-dom
/**
 * The replay panel over a real scenario-5 trace (test/fixtures/runs/raft-5-partition-conflict): a
 * stored run opens at its end with the old leader's SET x=10 struck through; scrubbed into the
 * partition, the canvas draws the six cut links and the entry is back, not yet dropped.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import type { TraceEvent } from '../../../src-main/api/trace'
import ReplayPanel from '../../../src-renderer/src/components/replay/ReplayPanel.vue'
import { memoryTraceReader } from '../../../src-renderer/src/replay/trace-source'
import { useReplayStore } from '../../../src-renderer/src/stores/replay'
import { flush, setupLab } from '../support/mount'

const fixture = 'test/fixtures/runs/raft-5-partition-conflict'
const summary = JSON.parse(readFileSync(`${fixture}/summary.json`, 'utf8')) as { workloadStartMs: number; durationMs: number; nodeNames: string[] }
const trace = readFileSync(`${fixture}/trace.ndjson`, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as TraceEvent)
  .map((event) => ({ ...event, t: event.t - summary.workloadStartMs }))

function mountStored(runId: string) {
  const lab = setupLab()
  const wrapper = lab.mount(ReplayPanel, {
    props: { runId, reader: memoryTraceReader(trace), nodes: summary.nodeNames, protocol: 'raft', groups: 1, endMs: summary.durationMs, live: false, refresh: 0, stored: true },
  })
  return { lab, wrapper }
}

describe('the replay panel of a stored run', () => {
  it('opens at the run’s end: no link cut, A’s SET x=10 struck through for C', async () => {
    const { wrapper } = mountStored('run-5')
    await flush()
    expect(wrapper.get('[data-testid=replay-time]').text()).toBe(`${(summary.durationMs / 1000).toFixed(3)} s`)
    await vi.waitFor(() => expect(wrapper.find('[data-testid=dropped-A-4]').exists()).toBe(true))
    expect(wrapper.get('[data-testid=dropped-A-4]').attributes('title')).toMatch(/SET x=10: dropped at 4\.\d\d s, conflicting with C \(term 2\)/)
    expect(wrapper.findAll('g.link[data-cut]')).toHaveLength(0)
    expect(wrapper.get('[data-testid=replay-leader]').text()).toBe('Leader: C (term 2)')
  })

  it('scrubbed into the partition: six links cut, two nodes claim to lead, the entry not yet dropped', async () => {
    const { wrapper } = mountStored('run-5b')
    await flush()
    await wrapper.get('[data-testid=replay-scrub]').setValue('3000')
    expect(useReplayStore().atMs).toBe(3000)
    await vi.waitFor(() => expect(wrapper.find('[data-testid=dropped-A-4]').exists()).toBe(false))
    await vi.waitFor(() => expect(wrapper.find('tr[data-node=A] td[data-index="4"] .lg-entry').text()).toContain('SET x=10'))
    expect(wrapper.findAll('g.link[data-cut]')).toHaveLength(6)
    expect(wrapper.get('[data-testid=node-A]').attributes('data-role')).toBe('leader')
    expect(wrapper.get('[data-testid=node-C]').attributes('data-role')).toBe('leader')
    expect(wrapper.get('[data-testid=replay-node-A]').text()).toContain('leader')
  })
})

describe('the replay panel of a PBFT run', () => {
  it('draws the slot grid at the scrubbed time: a slot executed by then, a later one not yet there', async () => {
    const events: TraceEvent[] = [
      { t: 100, node: 'A', kind: 'role', role: 'primary', term: 0 },
      ...['A', 'B', 'C', 'D'].flatMap((node): TraceEvent[] => [
        { t: 200, node, kind: 'slot', seq: 1, view: 0, phase: 'pre-prepared', digest: 'd1' },
        { t: 300, node, kind: 'slot', seq: 1, view: 0, phase: 'executed' },
        { t: 2_000, node, kind: 'slot', seq: 2, view: 0, phase: 'prepared' },
      ]),
    ]
    const lab = setupLab()
    const wrapper = lab.mount(ReplayPanel, {
      props: { runId: 'run-pbft', reader: memoryTraceReader(events), nodes: ['A', 'B', 'C', 'D'], protocol: 'pbft', groups: 1, endMs: 3_000, live: false, refresh: 0, stored: true },
    })
    await flush()
    await vi.waitFor(() => expect(wrapper.find('[data-testid=slot-grid] tr[data-node=D] td[data-seq="2"]').attributes('data-phase')).toBe('prepared'))
    expect(wrapper.get('[data-testid=slot-grid] tr[data-node=A] td[data-seq="1"]').attributes('data-phase')).toBe('executed')
    await wrapper.get('[data-testid=replay-scrub]').setValue('1000')
    await vi.waitFor(() => expect(wrapper.find('[data-testid=slot-grid] td[data-seq="2"]').exists()).toBe(false))
    expect(wrapper.get('[data-testid=slot-grid] tr[data-node=B] td[data-seq="1"]').attributes('data-phase')).toBe('executed')
    // Forward again: the grid built at 1 s is carried on to 2.5 s.
    await wrapper.get('[data-testid=replay-scrub]').setValue('2500')
    await vi.waitFor(() => expect(wrapper.find('[data-testid=slot-grid] tr[data-node=C] td[data-seq="2"]').attributes('data-phase')).toBe('prepared'))
  })
})
