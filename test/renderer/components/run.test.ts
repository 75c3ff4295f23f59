// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import type { RunSummary } from '../../../src-main/api/summary'
import type { LabApi, LiveFrame, NodeLiveStatus, TraceQuery } from '../../../src-main/api/lab-api'
import type { TraceEvent } from '../../../src-main/api/trace'
import RunPage from '../../../src-renderer/src/components/run/RunPage.vue'
import { useRunStore } from '../../../src-renderer/src/stores/run'
import { useFollowedOperationStore } from '../../../src-renderer/src/stores/followed-operation'
import { useTimelineViewStore } from '../../../src-renderer/src/stores/timeline-view'
import { defineComponent, type Component } from 'vue'
import { newExperimentText } from '../../../src-renderer/src/experiment/template'
import { makeFrames } from '../fixtures/frames'
import { vocabularyKey } from '../../../src-renderer/src/i18n/vocabulary'
import { flush, setupLab } from '../support/mount'

const experimentText = newExperimentText({ name: 'fixture', description: 'd', comment: 'c' }).replace('nodes: 3', 'nodes: 5')

/** The host's side of readTrace over the events the fixture's frames carry (the run's trace, as written). */
function traceHost(trace: TraceEvent[]): Partial<LabApi> {
  return {
    readTrace: vi.fn(async (_runId: string, query: TraceQuery) => {
      const events = trace
        .filter((event) => event.t >= (query.fromMs ?? -Infinity) && event.t <= (query.toMs ?? Infinity))
        .filter((event) => !query.kinds || query.kinds.includes(event.kind))
        .filter((event) => !query.nodes || query.nodes.includes(event.node))
      return { events: events.slice(0, query.limit), matched: events.length, omitted: Math.max(0, events.length - (query.limit ?? events.length)), chunksRead: 1, bytesRead: 1 }
    }),
  }
}

async function startedRun(locale: 'en' | 'ko' = 'en', text = experimentText, stubs: Record<string, boolean | Component> = { TimelineGrid: true }) {
  const trace: TraceEvent[] = []
  const lab = setupLab(traceHost(trace), locale)
  const run = useRunStore()
  lab.api.subscribe((message) => run.receive(message))
  expect(await run.start(text)).toBe(true)
  const wrapper = lab.mount(RunPage, { global: { stubs }, attachTo: document.body })
  for (const frame of makeFrames({ seconds: 5, opsPerSecond: 1000, messageEventsPerFrame: 20 })) {
    trace.push(...frame.events)
    lab.emit(frame)
  }
  await flush()
  return { lab, run, wrapper }
}

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: 'run-fixture', name: 'fixture', protocol: 'raft', nodes: 5, nodeNames: ['A', 'B', 'C', 'D', 'E'], seed: 1, durability: 'fsync', clients: 4,
    startedAt: '2026-01-01T00:00:00Z', workloadStartMs: 0, durationMs: 5000, ops: { ok: 4800, fail: 0, info: 3 },
    latencyMs: { p50: 1.2, p90: 2, p99: 8.5, p999: 20, max: 31, mean: 1.6 }, latencyByOperationMs: {}, throughput: 960, leaderChanges: 1, terms: 2, unavailableMs: 310,
    messages: { total: 1000, bytes: 100_000, byType: {} }, faults: [], reads: { mode: 'log', total: 2400, stale: 0, examples: [] }, runDir: '/runs/run-fixture', completed: true,
    verdict: { linearizable: true, invariants: [{ name: 'election-safety', ok: true, detail: 'one leader per term' }] },
    ...overrides,
  }
}

describe('the live run page', () => {
  it('shows elapsed time, operations and the leader from the frames', async () => {
    const { wrapper } = await startedRun()
    expect(wrapper.get('[data-testid=run-phase]').text()).toBe('Running')
    expect(wrapper.get('[data-testid=run-elapsed]').text()).toBe('00:05.0')
    expect(wrapper.get('[data-testid=run-leader]').text()).toBe('A')
    expect(wrapper.get('[data-testid=run-ops]').text()).toMatch(/^4,800/)
  })

  it('crashes the node clicked on the injector', async () => {
    const { lab, wrapper } = await startedRun()
    const injector = wrapper.get('[data-testid=fault-injector]')
    await injector.get('[data-testid=node-A]').trigger('pointerdown')
    expect(injector.get('[data-testid=inject-restart]').attributes('disabled')).toBeDefined()
    await injector.get('[data-testid=inject-crash]').trigger('click')
    await flush()
    expect(lab.api.injectFault).toHaveBeenCalledWith('run-fixture', { kind: 'crash', target: 'A' })
    expect(injector.get('[data-testid=injected-log]').text()).toContain('Crash A')
    expect(injector.get('[data-testid=injected-log]').text()).toContain('done (A)')
  })

  it('makes a node Byzantine in a way its protocol knows, and cuts a clicked link', async () => {
    const { lab, wrapper } = await startedRun()
    const injector = wrapper.get('[data-testid=fault-injector]')
    await injector.get('[data-testid=node-C]').trigger('pointerdown')
    await injector.get('[data-testid=byzantine-picker] select').setValue('vote-twice')
    await injector.get('[data-testid=inject-byzantine]').trigger('click')
    await flush()
    expect(lab.api.injectFault).toHaveBeenLastCalledWith('run-fixture', { kind: 'byzantine', target: 'C', behaviour: 'vote-twice' })
    await injector.get('[data-testid=link-A-B]').trigger('click')
    await injector.get('[data-testid=inject-cut]').trigger('click')
    await flush()
    expect(lab.api.injectFault).toHaveBeenLastCalledWith('run-fixture', { kind: 'cut', between: ['A', 'B'] })
  })

  it('draws a partition that isolates the leader, and heals', async () => {
    const { lab, wrapper } = await startedRun()
    await wrapper.get('[data-testid=partition-mode]').trigger('click')
    const isolate = wrapper.findAll('[data-testid=partition-picker] button').find((button) => button.text() === 'Isolate the leader')
    await isolate?.trigger('click')
    expect(wrapper.get('[data-testid=partition-preview]').text()).toBe('{B, C, D, E}  |  {A}')
    await wrapper.get('[data-testid=apply-partition]').trigger('click')
    await flush()
    await wrapper.get('[data-testid=heal]').trigger('click')
    await flush()
    expect(lab.api.injectFault).toHaveBeenNthCalledWith(1, 'run-fixture', { kind: 'partition', groups: [['B', 'C', 'D', 'E'], ['A']] })
    expect(lab.api.injectFault).toHaveBeenNthCalledWith(2, 'run-fixture', { kind: 'heal' })
  })

  it('draws a partition on the injector\'s canvas once the lab applied it, not while it is drawn or asked for', async () => {
    const { lab, wrapper } = await startedRun()
    const cutOnInjector = () => wrapper.findAll('[data-testid=fault-injector] g.link[data-cut]').map((link) => link.get('line.hit').attributes('data-testid'))
    await wrapper.get('[data-testid=partition-mode]').trigger('click')
    const isolate = wrapper.findAll('[data-testid=partition-picker] button').find((button) => button.text() === 'Isolate the leader')
    await isolate?.trigger('click')
    // Being drawn: the groups are ringed and the links between them marked as planned, none cut.
    expect(wrapper.findAll('[data-testid=fault-injector] g.link.planned')).toHaveLength(4)
    expect(cutOnInjector()).toEqual([])
    await wrapper.get('[data-testid=apply-partition]').trigger('click')
    await flush()
    expect(lab.api.injectFault).toHaveBeenCalledWith('run-fixture', { kind: 'partition', groups: [['B', 'C', 'D', 'E'], ['A']] })
    // Asked for, not yet applied: nothing is cut on the canvas.
    expect(cutOnInjector()).toEqual([])
    const last = makeFrames({ seconds: 5, opsPerSecond: 1000 }).at(-1)!
    const links = (t: number, cut: [string, string][]) => ({ ...last, t, events: [{ t: t - 50, node: 'lab', kind: 'links' as const, cut }], eventsOmitted: 0 })
    const isolated: [string, string][] = ['B', 'C', 'D', 'E'].flatMap((node) => [['A', node], [node, 'A']] as [string, string][])
    lab.emit(links(5100, isolated))
    await vi.waitFor(() => expect(cutOnInjector()).toEqual(['link-A-B', 'link-A-C', 'link-A-D', 'link-A-E']))
    // Healed when the lab says the links are whole again.
    lab.emit(links(5200, []))
    await vi.waitFor(() => expect(cutOnInjector()).toEqual([]))
  })

  it('shows a refused injection as the lab explained it', async () => {
    const { lab, wrapper } = await startedRun()
    vi.mocked(lab.api.injectFault).mockResolvedValueOnce({ ok: false, error: 'A is already crashed' })
    await wrapper.get('[data-testid=crash-leader]').trigger('click')
    await flush()
    expect(wrapper.get('[data-testid=injected-log]').text()).toContain('A is already crashed')
  })

  it('stops, then shows the verdict', async () => {
    const { lab, wrapper } = await startedRun()
    await wrapper.get('[data-testid=stop-run]').trigger('click')
    expect(lab.api.stopRun).toHaveBeenCalledWith('run-fixture')
    expect(wrapper.get('[data-testid=run-phase]').text()).toBe('Stopping')
    lab.emit({ kind: 'end', runId: 'run-fixture', summary: summary() })
    await flush()
    expect(wrapper.get('[data-testid=verdict-headline]').text()).toBe('Correct: linearizable, every invariant held')
    expect(wrapper.get('[data-testid=verdict]').text()).toContain('election-safety')
    expect(wrapper.get('[data-testid=verdict]').text()).toContain('1.20 ms / 8.50 ms')
    expect(wrapper.get('[data-testid=verdict-reads]').text()).toContain('Reads (log): 2,400')
  })

  it('names each invariant and what it promises in Korean, keeping its code name and the checker\'s detail', async () => {
    const { lab, wrapper } = await startedRun('ko')
    lab.emit({ kind: 'end', runId: 'run-fixture', summary: summary() })
    await flush()
    const item = wrapper.get('[data-testid=verdict-invariant-election-safety]')
    expect(item.text()).toContain('선거 안전성')
    expect(item.text()).toContain('election-safety')
    expect(item.text()).toContain('one leader per term')
    expect(item.get('[data-testid=invariant-explain]').text()).toContain('한 term에 리더는 많아야 하나')
  })

  it('a PBFT run says view and primary, not term and leader, on the run page, its timelines and its verdict', async () => {
    const pbftText = experimentText.replace('protocol: raft', 'protocol: pbft')
    expect(pbftText).toContain('protocol: pbft')
    const { lab, wrapper } = await startedRun('en', pbftText)
    const page = () => wrapper.text()
    expect(wrapper.get('[data-testid=run-leader]').element.previousElementSibling?.textContent).toBe('Primary')
    // The timelines are stubbed on this page (their own test mounts them): their words come from
    // the same table, read through the run's protocol.
    expect(vocabularyKey('timeline.roles', 'pbft')).toBe('words.view.roles')
    expect(vocabularyKey('timeline.roles', 'raft')).toBe('timeline.roles')
    expect(page()).not.toMatch(/\bLeader\b/)
    lab.emit({ kind: 'end', runId: 'run-fixture', summary: summary({ protocol: 'pbft' }) })
    await flush()
    const verdict = wrapper.get('[data-testid=verdict]').text()
    expect(verdict).toContain('Primary changes')
    expect(verdict).toContain('Without a primary')
    expect(verdict).not.toMatch(/Leader changes|Without a leader/)
  })

  it('shows a violation with its witness', async () => {
    const { lab, wrapper } = await startedRun()
    lab.emit({ kind: 'end', runId: 'run-fixture', summary: summary({ verdict: { linearizable: false, invariants: [], witness: 'key x: read 1 after write 2 completed' } }) })
    await flush()
    expect(wrapper.get('[data-testid=verdict]').attributes('data-outcome')).toBe('bad')
    expect(wrapper.get('[data-testid=verdict-linearizable]').text()).toBe('no')
    expect(wrapper.get('[data-testid=verdict]').text()).toContain('read 1 after write 2')
  })

  it('a replica that died on its own fails the verdict, and the panel says which, when and why', async () => {
    const { lab, wrapper } = await startedRun()
    const detail = 'B exited on its own at 6.61 s: Error: frame of 67116132 bytes exceeds 16777216 (exit code 70)'
    lab.emit({
      kind: 'end',
      runId: 'run-fixture',
      summary: summary({
        verdict: { linearizable: true, invariants: [{ name: 'election-safety', ok: true, detail: 'one leader per term' }, { name: 'replicas-healthy', ok: false, detail }] },
        replicaExits: [{ node: 'B', atMs: 6610, reason: 'Error: frame of 67116132 bytes exceeds 16777216 (exit code 70)' }],
      }),
    })
    await flush()
    expect(wrapper.get('[data-testid=verdict]').attributes('data-outcome')).toBe('broken')
    expect(wrapper.get('[data-testid=verdict-headline]').text()).toBe('Failed: a replica exited on its own')
    expect(wrapper.get('[data-testid=verdict-replica-exits]').text()).toContain('B at 6.61 s: Error: frame of 67116132 bytes exceeds 16777216 (exit code 70)')
    expect(wrapper.get('[data-testid=verdict]').text()).toContain(`replicas-healthy${detail}`)
  })

  it('an undecided verdict is never shown as correct, and says why', async () => {
    const { lab, wrapper } = await startedRun()
    const witness = 'Unknown: the history holds no operation, so there is nothing to judge.'
    lab.emit({ kind: 'end', runId: 'run-fixture', summary: summary({ ops: { ok: 0, fail: 0, info: 0 }, verdict: { linearizable: 'unknown', invariants: [], witness } }) })
    await flush()
    expect(wrapper.get('[data-testid=verdict]').attributes('data-outcome')).toBe('unknown')
    expect(wrapper.get('[data-testid=verdict-headline]').text()).toBe('Inconclusive')
    expect(wrapper.get('[data-testid=verdict-linearizable]').text()).toBe('unknown (see why below)')
    expect(wrapper.get('[data-testid=verdict]').text()).toContain(witness)
  })

  it('a run recorded before replica exits were tracked still shows its verdict', async () => {
    const { lab, wrapper } = await startedRun()
    const old = summary()
    delete (old as Partial<RunSummary>).replicaExits
    lab.emit({ kind: 'end', runId: 'run-fixture', summary: old })
    await flush()
    expect(wrapper.get('[data-testid=verdict]').attributes('data-outcome')).toBe('ok')
    expect(wrapper.find('[data-testid=verdict-replica-exits]').exists()).toBe(false)
  })

  it('says when the lab stops sending frames during a run', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    try {
      const { wrapper } = await startedRun()
      vi.advanceTimersByTime(5000)
      await flush()
      expect(wrapper.get('[data-testid=run-stalled]').text()).toMatch(/No data from the lab for \d+ s/)
    } finally {
      vi.useRealTimers()
    }
  })

  it('draws the message sequence of the selected window, read from the trace, and logs events by kind', async () => {
    const { wrapper, lab } = await startedRun()
    await flush()
    expect(lab.api.readTrace).toHaveBeenCalledWith('run-fixture', expect.objectContaining({ kinds: ['send', 'recv', 'drop'] }))
    const groups = wrapper.findAll('[data-testid=sequence-diagram] g.arrows')
    expect(groups.length).toBeGreaterThan(0)
    expect(groups.some((group) => group.attributes('data-kind') === 'delivered')).toBe(true)
    expect(wrapper.findAll('[data-testid=log-row]').length).toBeGreaterThan(0)
    const readsBefore = vi.mocked(lab.api.readTrace).mock.calls.length
    await wrapper.get('[data-testid=log-kind-fault]').trigger('click')
    await flush()
    // The click made the log read fault events only. (Not "the last read": the diagram and the
    // replay re-read on their one-second tick, which a loaded machine lets fire in between.)
    const readsSince = vi.mocked(lab.api.readTrace).mock.calls.slice(readsBefore).map(([, query]) => query.kinds)
    expect(readsSince).toContainEqual(['fault'])
    expect(wrapper.text()).toContain('No events match.')
  })
})

describe('following one operation on the run page', () => {
  /** One put answered by A at index 5000: A's AppendEntries to B carried it, B's answer acknowledged it. */
  const operationTrace: TraceEvent[] = [
    { t: 3001, node: 'A', kind: 'append', fromIndex: 5000, toIndex: 5000, runs: [[5000, 1]], persistMs: 0.5, ops: ['put k'] },
    { t: 3002, node: 'A', kind: 'send', to: 'B', type: 'AppendEntries', bytes: 90, id: 900, range: [5000, 5000] },
    { t: 3003, node: 'B', kind: 'recv', from: 'A', type: 'AppendEntries', bytes: 90, id: 900 },
    { t: 3003.5, node: 'B', kind: 'append', fromIndex: 5000, toIndex: 5000, runs: [[5000, 1]], persistMs: 0.4 },
    { t: 3004, node: 'B', kind: 'send', to: 'A', type: 'AppendEntriesResponse', bytes: 30, id: 77, range: [5000, 5000] },
    { t: 3005, node: 'A', kind: 'recv', from: 'B', type: 'AppendEntriesResponse', bytes: 30, id: 77 },
    { t: 3005.5, node: 'A', kind: 'commit', index: 5000 },
    { t: 3006, node: 'A', kind: 'apply', index: 5000, term: 1, hash: 'h' },
    // Another message of the same moment, carrying nothing of it.
    { t: 3002.5, node: 'A', kind: 'send', to: 'C', type: 'AppendEntries', bytes: 20, id: 901, heartbeat: false },
    { t: 3003.2, node: 'C', kind: 'recv', from: 'A', type: 'AppendEntries', bytes: 20, id: 901 },
  ]
  const ns = 1e6
  const history = [
    { process: 3, type: 'invoke', f: 'put', key: 'k', value: 'v', time: 3000 * ns },
    { process: 3, type: 'ok', f: 'put', key: 'k', time: 3009 * ns, node: 'A', index: 5000 },
  ]

  async function endedRun(stubs?: Record<string, boolean | Component>, events: typeof history = history) {
    const { lab, run, wrapper } = await startedRun('en', experimentText, stubs)
    ;(lab.api.readTrace as ReturnType<typeof vi.fn>).mockImplementation(traceHost([...operationTrace]).readTrace!)
    lab.api.getRunRecord = vi.fn(async () => ({ summary: summary(), workloadStartMs: 0, history: { events, total: events.length, omitted: 0 } }) as never)
    lab.emit({ kind: 'end', runId: 'run-fixture', summary: summary() })
    // The ended page's list of operations reads the run's record.
    await vi.waitFor(() => expect(useFollowedOperationStore().record).toBeDefined(), { timeout: 5000 })
    await flush()
    return { lab, run, wrapper }
  }

  it('brings a picked operation\'s messages, request and answer forward in the sequence diagram and dims the rest', async () => {
    const { wrapper } = await endedRun()
    const pick = wrapper.findAll('[data-testid=follow-operation]')
    expect(pick.map((button) => button.text())).toEqual(['put k · 9.00 ms at 3.000 s'])
    await pick[0]!.trigger('click')
    await vi.waitFor(() => expect(useFollowedOperationStore().path).toBeDefined(), { timeout: 5000 })
    await flush()
    const diagram = wrapper.get('[data-testid=sequence-diagram]')
    // The window moved to the operation, in the narrowest width that holds it.
    expect(diagram.get('[data-testid=sequence-window]').text()).toBe('2.979 s – 3.030 s')
    expect(diagram.get('svg.diagram').classes()).toContain('focused')
    // The diagram reads the new window, then draws the operation's messages over the rest.
    await vi.waitFor(() => expect(diagram.findAll('g.arrows[data-highlight]')).toHaveLength(2), { timeout: 5000 })
    const highlighted = diagram.findAll('g.arrows[data-highlight]')
    expect(highlighted.map((group) => [group.attributes('data-kind'), group.attributes('data-messages')])).toEqual([
      ['delivered', '1'],
      ['delivered', '1'],
    ])
    expect(highlighted.map((group) => group.classes()).flat()).not.toContain('bundle')
    expect(diagram.findAll('g.arrows:not([data-highlight])').length).toBeGreaterThan(0)
    expect(diagram.findAll('[data-testid=sequence-client-mark]').map((mark) => mark.attributes('data-step'))).toEqual(['request', 'answer'])
    expect(diagram.get('[data-testid=sequence-following]').text()).toContain('Following put k: its 2 messages')
    await diagram.get('[data-testid=sequence-unfollow]').trigger('click')
    await flush()
    expect(diagram.findAll('g.arrows[data-highlight]')).toHaveLength(0)
    expect(diagram.get('svg.diagram').classes()).not.toContain('focused')
  })
  it('brings a slow operation into sight too: a window wide enough for its request and answer (3 s: a partition healed under it)', async () => {
    // The e2e's dot sweep starts at the top of the latency chart: the slowest operations, which no
    // window held (2 s at most), so the request and the answer were both outside the diagram.
    const slow = [
      { process: 3, type: 'invoke', f: 'put', key: 'k', value: 'v', time: 3000 * ns },
      { process: 3, type: 'ok', f: 'put', key: 'k', time: 6000 * ns, node: 'A', index: 5000 },
    ]
    const { wrapper } = await endedRun(undefined, slow)
    await wrapper.findAll('[data-testid=follow-operation]')[0]!.trigger('click')
    await vi.waitFor(() => expect(useFollowedOperationStore().path).toBeDefined(), { timeout: 5000 })
    await flush()
    const diagram = wrapper.get('[data-testid=sequence-diagram]')
    expect(diagram.findAll('[data-testid=sequence-client-mark]').map((mark) => mark.attributes('data-step'))).toEqual(['request', 'answer'])
  })

  it('follows the operation an arrow carried when it is clicked, and says when an arrow carried none', async () => {
    const { wrapper } = await endedRun()
    useTimelineViewStore().focusAt(3004)
    const diagram = wrapper.get('[data-testid=sequence-diagram]')
    // The diagram has read and drawn this window's messages (B's answer to A among them).
    const shafts = () => diagram.findAll('g.arrows path.shafts').map((path) => path.attributes('d')).join('')
    await vi.waitFor(() => expect(shafts()).toContain('M225 230L70 233.9'), { timeout: 5000 })
    const svg = diagram.get('svg.diagram')
    // Lanes: A at x 70, B at 225, C at 380; 100 ms from 2954 ms over 392 px from y 34.
    const at = (x: number, t: number) => ({ clientX: x, clientY: 34 + ((t - 2954) / 100) * 392 })
    await svg.trigger('mousemove', at(147.5, 3004.5)) // B's answer to A, acknowledging index 5000
    await svg.trigger('click')
    await vi.waitFor(() => expect(useFollowedOperationStore().path).toBeDefined(), { timeout: 5000 })
    expect(useFollowedOperationStore().chosen).toMatchObject({ process: 3, key: 'k', index: 5000 })
    await vi.waitFor(() => expect(diagram.findAll('g.arrows[data-highlight]')).toHaveLength(2), { timeout: 5000 })
    // Following it moved the window onto it (50 ms); back to the 100 ms the coordinates above assume.
    expect(useTimelineViewStore().windowWidthMs).toBe(50)
    useTimelineViewStore().windowWidthMs = 100
    useTimelineViewStore().focusAt(3004)
    await vi.waitFor(() => expect(shafts()).toContain('M70 224.1L380 226.9'), { timeout: 5000 })
    await svg.trigger('mousemove', at(302.5, 3003.025)) // A's message to C carried nothing of it
    await svg.trigger('click')
    await vi.waitFor(() => expect(diagram.find('[data-testid=sequence-pick-note]').exists()).toBe(true))
    expect(diagram.get('[data-testid=sequence-pick-note]').text()).toContain('carried no acknowledged operation')
  })

  it('follows the operation of a latency dot clicked, and says why not while the run goes on', async () => {
    // The chart without ECharts (no canvas here), with its slots.
    const chartStub = defineComponent({ name: 'TimelineChartStub', props: ['title', 'build', 'context', 'height', 'testId'], emits: ['item'], template: '<div><slot name="legend" /><slot name="footer" /></div>' })
    const { lab, run, wrapper } = await startedRun('en', experimentText, { TimelineChart: chartStub })
    const latency = () => wrapper.findAllComponents(chartStub).find((chart) => chart.props('testId') === 'chart-latency')!
    // The dot's data: seconds, ms, the history's process, its answer in experiment ms.
    latency().vm.$emit('item', { seriesIndex: 0, data: [3.009, 9, 3, 3009] })
    await flush()
    expect(wrapper.get('[data-testid=latency-dot-note]').text()).toBe('Operations can be followed from a dot once the run has ended (its history is read then).')
    lab.api.getRunRecord = vi.fn(async () => ({ summary: summary(), workloadStartMs: 0, history: { events: history, total: 2, omitted: 0 } }) as never)
    ;(lab.api.readTrace as ReturnType<typeof vi.fn>).mockImplementation(traceHost([...operationTrace]).readTrace!)
    lab.emit({ kind: 'end', runId: 'run-fixture', summary: summary() })
    await flush()
    expect(run.phase).toBe('ended')
    latency().vm.$emit('item', { seriesIndex: 0, data: [3.009, 9, 3, 3009.0004] })
    await vi.waitFor(() => expect(useFollowedOperationStore().path).toBeDefined(), { timeout: 5000 })
    expect(useFollowedOperationStore().chosen).toMatchObject({ process: 3, index: 5000 })
    expect(useFollowedOperationStore().path?.messageKeys).toEqual(['A:900', 'B:77'])
    // A p50 line's point, or a dot of another process, is no operation.
    latency().vm.$emit('item', { seriesIndex: 0, data: [3.009, 9, 4, 3009] })
    await vi.waitFor(() => expect(wrapper.get('[data-testid=latency-dot-note]').text()).not.toContain('Click a dot'))
    expect(wrapper.get('[data-testid=latency-dot-note]').text()).toBe('No acknowledged operation of the stored history matches that dot.')
  })
})

describe('membership changes on the live run page (Raft)', () => {
  /** A frame after the fixture's, with each node's place in the configuration. */
  function membershipFrame(t: number, members: Record<string, NodeLiveStatus['member']>): LiveFrame {
    const nodes: NodeLiveStatus[] = Object.entries(members).map(([node, member]) => ({
      node, member, process: member === 'removed' ? 'exited' : 'up', role: member === 'removed' ? 'down' : node === 'A' ? 'leader' : 'follower', term: 2, commitIndex: 9, appliedIndex: 9, lastIndex: 9,
    }))
    return { kind: 'frame', runId: 'run-fixture', t, nodes, leader: 'A', ops: { ok: 4800, fail: 0, info: 3 }, latencies: [], events: [], eventsOmitted: 0, messagesByType: {} }
  }

  it('draws an added learner hollow and labelled, promotes it and adds the next node through the lab, and greys a removed node with no links', async () => {
    const { lab, wrapper } = await startedRun()
    lab.emit(membershipFrame(5100, { A: 'voter', B: 'voter', C: 'voter', D: 'voter', E: 'voter', F: 'learner' }))
    const injector = () => wrapper.get('[data-testid=fault-injector]')
    // The injector follows the frames a few times a second.
    await vi.waitFor(() => expect(injector().get('[data-testid=node-F]').classes()).toContain('learner'))
    expect(injector().get('[data-testid=node-state-F]').text()).toBe('learner · 2')
    expect(injector().get('[data-testid=inject-add-node]').text()).toBe('Add node G')
    await injector().get('[data-testid=node-F]').trigger('pointerdown')
    expect(injector().get('[data-testid=selected-node]').text()).toContain('learner')
    await injector().get('[data-testid=inject-promote]').trigger('click')
    await flush()
    expect(lab.api.injectFault).toHaveBeenLastCalledWith('run-fixture', { kind: 'promote', node: 'F' })
    await injector().get('[data-testid=inject-add-node]').trigger('click')
    await flush()
    expect(lab.api.injectFault).toHaveBeenLastCalledWith('run-fixture', { kind: 'addNode', node: 'G' })
    vi.mocked(lab.api.injectFault).mockResolvedValueOnce({ ok: true, targets: ['A'], detail: 'leadership transferred to B in 12 ms, before the removal' })
    await injector().get('[data-testid=inject-remove-leader]').trigger('click')
    await flush()
    expect(lab.api.injectFault).toHaveBeenLastCalledWith('run-fixture', { kind: 'removeNode', target: 'leader' })
    expect(injector().get('[data-testid=injected-log]').text()).toContain('Remove the leader (A) — done (A)')
    expect(injector().get('[data-testid=injected-detail]').text()).toContain('leadership transferred to B')

    lab.emit(membershipFrame(5200, { A: 'voter', B: 'voter', C: 'removed', D: 'voter', E: 'voter', F: 'voter' }))
    await vi.waitFor(() => expect(injector().get('[data-testid=node-C]').classes()).toContain('removed'))
    expect(injector().get('[data-testid=node-state-C]').text()).toBe('removed')
    expect(injector().get('[data-testid=node-F]').classes()).not.toContain('learner')
    expect(injector().findAll('[data-testid^=link-]').map((link) => link.attributes('data-testid')).filter((id) => id!.split('-').includes('C'))).toEqual([])
  })

  it('says on its Korean page how a fault went and why the lab refused one, in Korean from the notes', async () => {
    const { lab, wrapper } = await startedRun('ko')
    lab.emit(membershipFrame(5100, { A: 'voter', B: 'voter', C: 'voter', D: 'voter', E: 'voter' }))
    const injector = () => wrapper.get('[data-testid=fault-injector]')
    await vi.waitFor(() => expect(injector().find('[data-testid=inject-remove-leader]').exists()).toBe(true))
    vi.mocked(lab.api.injectFault).mockResolvedValueOnce({ ok: true, targets: ['A'], detail: 'leadership transferred to B in 12 ms, before the removal', notes: [{ code: 'leadershipTransferred', to: 'B', ms: 12 }] })
    await injector().get('[data-testid=inject-remove-leader]').trigger('click')
    await flush()
    expect(injector().get('[data-testid=injected-detail]').text()).toBe('· 제거하기 전에 리더 자리를 12 ms 만에 B에게 넘김')
    vi.mocked(lab.api.injectFault).mockResolvedValueOnce({ ok: false, error: 'failed: membership changes are Raft only (one group), not pbft', notes: [{ code: 'membershipRaftOnly', protocol: 'pbft' }] })
    await injector().get('[data-testid=inject-add-node]').trigger('click')
    await flush()
    const log = injector().get('[data-testid=injected-log]').text()
    expect(log).toContain('실패: 멤버십 변경은 Raft(그룹 하나)에서만 됩니다. pbft에서는 안 됩니다')
    expect(log).not.toContain('membership changes are Raft only')
  })

  it('disables the membership actions with the reason outside single-group Raft', async () => {
    const { wrapper } = await startedRun('en', experimentText.replace('protocol: raft', 'protocol: pbft'))
    const add = wrapper.get('[data-testid=inject-add-node]')
    expect(add.attributes('disabled')).toBeDefined()
    expect(add.attributes('title')).toBe('Membership changes need Raft with one group; this run is PBFT.')
    expect(wrapper.get('[data-testid=membership-hint]').text()).toBe('Membership changes need Raft with one group; this run is PBFT.')
  })
})
