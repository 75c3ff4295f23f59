// @vitest-environment happy-dom
/**
 * The Runs and Compare pages over a real (fake-indexeddb) run store: a run that ends is stored,
 * the list searches and filters, a run is renamed, tagged and annotated, a deletion can be undone,
 * a bad import leaves the store as it was, and two runs are compared with their ratios.
 */
import 'fake-indexeddb/auto'
import { defineComponent, h } from 'vue'
import { describe, expect, it, vi } from 'vitest'
import { encodeRunJson } from '../../../src-main/api/run-file'
import type { LatencyBreakdownFacts } from '../../../src-main/api/latency-breakdown'
import RunsPage from '../../../src-renderer/src/components/runs/RunsPage.vue'
import ComparePage from '../../../src-renderer/src/components/compare/ComparePage.vue'
import OperationFollow from '../../../src-renderer/src/components/runs/OperationFollow.vue'
import ToastHost from '../../../src-renderer/src/components/app/ToastHost.vue'
import { useRunAutoSave } from '../../../src-renderer/src/composables/useRunAutoSave'
import { useRouteStore } from '../../../src-renderer/src/stores/route'
import { useRunsStore } from '../../../src-renderer/src/stores/runs'
import { flush, setupLab } from '../support/mount'
import { another, fixtureRecords, freshRepository } from '../support/runs'

async function settle(): Promise<void> {
  // IndexedDB (fake) answers on timers: let several rounds pass.
  for (let round = 0; round < 6; round += 1) await flush()
}

async function storedRuns() {
  const { raft, primaryBackup } = await fixtureRecords()
  const store = freshRepository()
  await store.save(raft, 'lab')
  await store.save(primaryBackup, 'lab')
  return { store, raft, primaryBackup }
}

const page = (component: object) => defineComponent({ render: () => [h(component), h(ToastHost)] })

describe('the Runs page', () => {
  it('stores a run when the lab says it ended, once, and offers to open it', async () => {
    const { raft } = await fixtureRecords()
    const store = freshRepository()
    let fetched = 0
    const lab = setupLab({
      getRunRecord: async (runId: string) => {
        fetched += 1
        expect(runId).toBe(raft.summary.runId)
        return raft
      },
    })
    const Host = defineComponent({
      setup: () => useRunAutoSave(),
      render: () => h(ToastHost),
    })
    const wrapper = lab.mount(Host)
    lab.emit({ kind: 'end', runId: raft.summary.runId, summary: raft.summary })
    await settle()
    expect(fetched).toBe(1)
    expect(await store.load(raft.summary.runId)).toEqual(raft)
    expect(wrapper.get('[data-testid=toast]').text()).toContain('Run “fixture-raft-3-crash” saved to Runs.')
    await wrapper.get('[data-testid=toast-action]').trigger('click')
    expect(useRouteStore().current).toEqual({ name: 'runs', params: [raft.summary.runId] })

    // Another window announcing the same end stores nothing twice and says nothing.
    lab.emit({ kind: 'end', runId: raft.summary.runId, summary: raft.summary })
    await settle()
    expect(await store.db.runs.count()).toBe(1)
    expect(wrapper.findAll('[data-testid=toast]')).toHaveLength(0)
  })

  it('says so when an ended run cannot be stored', async () => {
    freshRepository()
    const lab = setupLab({
      getRunRecord: async () => {
        throw new Error('/runs/x: summary.json is missing')
      },
    })
    const wrapper = lab.mount(defineComponent({ setup: () => useRunAutoSave(), render: () => h(ToastHost) }))
    lab.emit({ kind: 'error', runId: 'x', message: 'replica A exited' })
    await settle()
    expect(wrapper.get('[data-testid=toast]').text()).toBe('Run x ended but could not be stored: /runs/x: summary.json is missing×')
  })

  it('lists stored runs and narrows them by search, protocol, verdict and tag', async () => {
    const { store, raft } = await storedRuns()
    await store.update(raft.summary.runId, { tags: ['baseline'] })
    const lab = setupLab()
    const wrapper = lab.mount(RunsPage)
    await settle()
    const names = () => wrapper.findAll('[data-testid=run-row] [data-testid=run-open]').map((cell) => cell.text())
    expect(names()).toEqual(['fixture-primary-backup-split', 'fixture-raft-3-crash'])
    expect(wrapper.findAll('[data-testid=run-verdict]').map((cell) => cell.text())).toEqual(['Fail', 'Pass'])
    expect(wrapper.get('[data-testid=storage-meter]').text()).toMatch(/^Stored runs: 2 · \d+(\.\d)? KiB of run data/)

    await wrapper.get('[data-testid=runs-search]').setValue('crash')
    expect(names()).toEqual(['fixture-raft-3-crash'])
    await wrapper.get('[data-testid=runs-search]').setValue('')
    await wrapper.get('[data-testid=runs-filter-protocol]').setValue('primary-backup')
    expect(names()).toEqual(['fixture-primary-backup-split'])
    await wrapper.get('[data-testid=runs-filter-protocol]').setValue('')
    await wrapper.get('[data-testid=runs-filter-verdict]').setValue('PASS')
    expect(names()).toEqual(['fixture-raft-3-crash'])
    await wrapper.get('[data-testid=runs-filter-clear]').trigger('click')
    await wrapper.get('[data-testid=runs-filter-tag]').setValue('baseline')
    expect(names()).toEqual(['fixture-raft-3-crash'])
    await wrapper.get('[data-testid=runs-filter-tag]').setValue('')
    await wrapper.get('[data-testid=runs-search]').setValue('nothing like this')
    expect(wrapper.get('[data-testid=runs-none-match]').text()).toBe('No stored run matches these filters.')
  })

  it('renames, tags and annotates a run in the store', async () => {
    const { store, raft } = await storedRuns()
    const lab = setupLab()
    useRouteStore().go('runs', raft.summary.runId)
    const wrapper = lab.mount(RunsPage)
    await settle()
    const detail = wrapper.get('[data-testid=run-detail]')
    expect(detail.attributes('data-run-id')).toBe(raft.summary.runId)
    await detail.get('[data-testid=run-name]').setValue('raft, leader crash')
    await detail.get('form').trigger('submit')
    await detail.get('[data-testid=run-tag-input]').setValue('crash, fsync')
    await detail.get('[data-testid=run-tag-input]').trigger('keydown', { key: 'Enter' })
    await settle()
    await wrapper.get('[data-testid=run-notes]').setValue('B crashed at 0.8 s')
    await wrapper.get('[data-testid=run-notes]').trigger('change')
    await settle()
    expect(await store.get(raft.summary.runId)).toMatchObject({ name: 'raft, leader crash', tags: ['crash', 'fsync'], notes: 'B crashed at 0.8 s' })
    expect(wrapper.findAll('[data-testid=run-tag]').map((tag) => tag.text().replace('×', '').trim())).toEqual(['crash', 'fsync'])
    expect(wrapper.get(`[data-run-id="${raft.summary.runId}"] [data-testid=run-open]`).text()).toBe('raft, leader crash')
  })

  it('a stored run whose replica died shows FAIL and, in its detail, which replica, when and why', async () => {
    const { raft } = await fixtureRecords()
    const broken = another(raft, 'run-replica-died', '2026-02-01T00:00:00.000Z')
    const detail = 'B exited on its own at 6.61 s: Error: frame of 67116132 bytes exceeds 16777216 (exit code 70)'
    broken.summary.verdict!.invariants.push({ name: 'replicas-healthy', ok: false, detail })
    broken.summary.replicaExits = [{ node: 'B', atMs: 6610, reason: 'Error: frame of 67116132 bytes exceeds 16777216 (exit code 70)' }]
    const store = freshRepository()
    await store.save(raft, 'lab')
    await store.save(broken, 'lab')
    const lab = setupLab()
    useRouteStore().go('runs', 'run-replica-died')
    const wrapper = lab.mount(RunsPage)
    await settle()
    expect(wrapper.get('[data-run-id="run-replica-died"] [data-testid=run-verdict]').text()).toBe('Fail')
    expect(wrapper.get('[data-testid=run-detail-verdict]').text()).toBe('Fail')
    expect(wrapper.get('[data-testid=run-detail-broken]').text()).toContain(`replicas-healthy: ${detail}`)
    // A run stored before exits were tracked loads and shows no such list.
    useRouteStore().go('runs', raft.summary.runId)
    await settle()
    expect(wrapper.get('[data-testid=run-detail-verdict]').text()).toBe('Pass')
    expect(wrapper.find('[data-testid=run-detail-broken]').exists()).toBe(false)
  })

  it('lists a run’s faults in the page’s language: Korean from the fault itself, as recorded when the run kept none', async () => {
    const { raft } = await fixtureRecords()
    const recorded = another(raft, 'run-faults-kept', '2026-02-01T00:00:00.000Z')
    recorded.summary.faults = recorded.summary.faults.map((fault, index) => (index === 0 ? { ...fault, action: 'crash leader', fault: { kind: 'crash', target: 'leader' } } : fault))
    const store = freshRepository()
    await store.save(recorded, 'lab')
    const lab = setupLab({}, 'ko')
    useRouteStore().go('runs', 'run-faults-kept')
    const wrapper = lab.mount(RunsPage)
    await settle()
    const items = wrapper.get('[data-testid=run-detail-faults]').findAll('li').map((item) => item.text())
    expect(items[0]).toMatch(/s 리더 죽이기 → /)
    // The fixture's restart was recorded before faults kept their structured form: its action as recorded.
    expect(items[1]).toMatch(/s restart crashed → /)
  })

  it('deletes a run, and Undo brings it back whole', async () => {
    const { store, raft } = await storedRuns()
    const lab = setupLab()
    useRouteStore().go('runs', raft.summary.runId)
    const wrapper = lab.mount(page(RunsPage))
    await settle()
    await wrapper.get('[data-testid=run-delete]').trigger('click')
    await settle()
    expect(await store.get(raft.summary.runId)).toBeUndefined()
    expect(wrapper.findAll('[data-testid=run-row]')).toHaveLength(1)
    expect(wrapper.get('[data-testid=toast]').text()).toContain('Deleted “fixture-raft-3-crash”.')
    await wrapper.get('[data-testid=toast-action]').trigger('click')
    await settle()
    expect(await store.load(raft.summary.runId)).toEqual(raft)
    expect(wrapper.findAll('[data-testid=run-row]')).toHaveLength(2)
  })

  it('refuses a file that is not a run file, says why, and leaves the store as it was', async () => {
    const { store } = await storedRuns()
    const lab = setupLab({}, 'ko')
    const wrapper = lab.mount(RunsPage)
    await settle()
    const before = await store.db.runs.toArray()
    const file = new File(['{"hello": "world"}'], 'notes.json', { type: 'application/json' })
    await wrapper.get('[data-testid=runs-page]').trigger('drop', { dataTransfer: { files: [file] } })
    await settle()
    const error = wrapper.get('[data-testid=import-error]')
    expect(error.text()).toContain('“notes.json”은(는) Consensus Lab 실행 파일이 아닙니다.')
    expect(error.text()).toContain('not a Consensus Lab run file (expected "format": "consensus-lab-run")')
    expect(error.text()).toContain('저장된 실행은 그대로입니다.')
    expect(await store.db.runs.toArray()).toEqual(before)
    expect(useRunsStore().rows).toHaveLength(2)
  })

  it('imports a run file and opens it', async () => {
    const { raft } = await fixtureRecords()
    const store = freshRepository()
    const lab = setupLab()
    const wrapper = lab.mount(page(RunsPage))
    await settle()
    expect(wrapper.find('[data-testid=runs-empty]').exists()).toBe(true)
    const file = new File([encodeRunJson(raft)], 'raft.json', { type: 'application/json' })
    await wrapper.get('[data-testid=runs-page]').trigger('drop', { dataTransfer: { files: [file] } })
    await settle()
    expect(await store.load(raft.summary.runId)).toEqual(raft)
    expect(useRouteStore().current).toEqual({ name: 'runs', params: [raft.summary.runId] })
    expect(wrapper.get('[data-testid=toast]').text()).toContain('Imported “fixture-raft-3-crash”.')
  })
})

describe('the Compare page', () => {
  it('compares two stored runs: verdicts, percentiles with ratios, costs, faults, and flags different workloads', async () => {
    const { raft, primaryBackup } = await storedRuns()
    const lab = setupLab()
    useRouteStore().go('compare', raft.summary.runId, primaryBackup.summary.runId)
    const wrapper = lab.mount(ComparePage, { global: { stubs: { CompareChart: true } } })
    await settle()
    const rows = wrapper.findAll('[data-testid=percentiles-row]')
    expect(rows.map((row) => row.attributes('data-run-id'))).toEqual([raft.summary.runId, primaryBackup.summary.runId])
    expect(rows[0]!.find('[data-testid=latency-ratio]').exists()).toBe(false)
    expect(rows[1]!.findAll('[data-testid=latency-ratio]').map((cell) => cell.text())).toHaveLength(5)
    expect(rows[1]!.findAll('[data-testid=latency-ratio]').every((cell) => /^\d+(\.\d+)?×$/.test(cell.text()))).toBe(true)
    expect(wrapper.findAll('[data-testid=compare-verdict]').map((cell) => cell.text())).toEqual(['Pass', 'Fail'])
    expect(wrapper.get('[data-testid=workload-warning]').text()).toContain('clients 4 vs 3')
    expect(wrapper.findAll('[data-testid=compare-fault-row]').length).toBeGreaterThanOrEqual(2)
    expect(wrapper.findAll('compare-chart-stub')).toHaveLength(3)

    // Choosing the other run as the baseline puts it first.
    await rows[1]!.get('[data-testid=baseline-radio]').trigger('change')
    await settle()
    expect(useRouteStore().current.params).toEqual([primaryBackup.summary.runId, raft.summary.runId])
    expect(wrapper.findAll('[data-testid=percentiles-row]')[0]!.attributes('data-run-id')).toBe(primaryBackup.summary.runId)
  })

  it('shows where the latency goes, run by run: p50 and p99 per phase, or why a run has no breakdown', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const latencyBreakdown = [
      { phase: 'client-hop', p50Ms: 1.25, p99Ms: 9, meanMs: 1.5 },
      { phase: 'leader-persist', p50Ms: 2.5, p99Ms: 8, meanMs: 2.5 },
      { phase: 'replicate-ack', p50Ms: 1, p99Ms: 4, meanMs: 1.2 },
      { phase: 'commit-to-apply', p50Ms: 0.5, p99Ms: 2, meanMs: 0.4 },
      { phase: 'reply', p50Ms: 0.75, p99Ms: 5, meanMs: 1 },
    ] as const
    const split = { ...raft, summary: { ...raft.summary, latencyBreakdown: [...latencyBreakdown], latencyBreakdownNote: '40 of 80 acknowledged operations split' } }
    const unsplit = { ...primaryBackup, summary: { ...primaryBackup.summary, latencyBreakdownNote: 'primary-backup answers as soon as the primary applies' } }
    const store = freshRepository()
    await store.save(split, 'lab')
    await store.save(unsplit, 'lab')
    const lab = setupLab()
    useRouteStore().go('compare', raft.summary.runId, primaryBackup.summary.runId)
    const wrapper = lab.mount(ComparePage, { global: { stubs: { CompareChart: true, Echarts: true } } })
    await settle()
    const breakdown = wrapper.get('[data-testid=latency-breakdown]')
    expect(breakdown.findAll('echarts-stub')).toHaveLength(1)
    const rows = breakdown.get('[data-testid=breakdown-run-0]').findAll('tbody tr')
    expect(rows.map((row) => row.findAll('td').map((cell) => cell.text()))).toEqual([
      ['client hop', '1.25 ms', '9.00 ms'],
      ['leader persist', '2.50 ms', '8.00 ms'],
      ['replicate and ack', '1.00 ms', '4.00 ms'],
      ['commit to apply', '0.50 ms', '2.00 ms'],
      ['reply', '0.75 ms', '5.00 ms'],
    ])
    expect(breakdown.get('[data-testid=breakdown-run-0]').text()).toContain('40 of 80 acknowledged operations split')
    expect(breakdown.get('[data-testid=breakdown-run-1] [data-testid=breakdown-none]').text()).toBe('No breakdown: primary-backup answers as soon as the primary applies')
  })

  it('on the Korean page says the phases and each run\'s own note in Korean, from the values the run kept', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const facts: LatencyBreakdownFacts = { code: 'split', split: 40, acknowledged: 80, stride: 1, missing: [], tentative: 0, leftOut: 40, pbft: false }
    const split = {
      ...raft,
      summary: { ...raft.summary, latencyBreakdown: [{ phase: 'client-hop' as const, p50Ms: 1.25, p99Ms: 9, meanMs: 1.5 }], latencyBreakdownNote: '40 of 80 acknowledged operations split', latencyBreakdownFacts: facts },
    }
    const store = freshRepository()
    await store.save(split, 'lab')
    await store.save(primaryBackup, 'lab')
    const lab = setupLab({}, 'ko')
    useRouteStore().go('compare', raft.summary.runId, primaryBackup.summary.runId)
    const wrapper = lab.mount(ComparePage, { global: { stubs: { CompareChart: true, Echarts: true } } })
    await settle()
    const run = wrapper.get('[data-testid=latency-breakdown] [data-testid=breakdown-run-0]')
    expect(run.get('tbody td').text()).toBe('클라이언트 → 리더 전달')
    const note = run.get('[data-testid=breakdown-note]').text()
    expect(note).toMatch(/[\uac00-\ud7a3]/)
    expect(note).not.toContain('acknowledged operations split')
  })

  it('asks for runs when fewer than two are picked', async () => {
    const { raft } = await fixtureRecords()
    const store = freshRepository()
    await store.save(raft, 'lab')
    await store.save(another(raft, 'raft-2', '2030-01-01T00:00:00Z'), 'lab')
    const lab = setupLab({}, 'ko')
    useRouteStore().go('compare', raft.summary.runId)
    const wrapper = lab.mount(ComparePage, { global: { stubs: { CompareChart: true } } })
    await settle()
    expect(wrapper.get('[data-testid=compare-empty]').text()).toContain('비교할 실행을 고르세요')
    await wrapper.get('[data-testid=compare-add]').trigger('click')
    await settle()
    expect(useRouteStore().current.params).toEqual([raft.summary.runId, 'raft-2'])
    expect(wrapper.find('[data-testid=workload-warning]').exists()).toBe(false)
    expect(wrapper.findAll('[data-testid=percentiles-row]')).toHaveLength(2)
  })
})

describe('following one operation', () => {
  it('the run that just ended is read once: the list waits for its save instead of fetching the record again', async () => {
    const { raft } = await fixtureRecords()
    freshRepository()
    let fetched = 0
    const waiting: (() => void)[] = []
    let released = false
    const lab = setupLab({
      getRunRecord: async () => {
        fetched += 1
        // The lab answers once the test says so: the list is opened while the save is under way.
        if (!released) await new Promise<void>((resolve) => waiting.push(resolve))
        return raft
      },
    })
    const Host = defineComponent({ setup: () => useRunAutoSave(), render: () => h(ToastHost) })
    lab.mount(Host)
    lab.emit({ kind: 'end', runId: raft.summary.runId, summary: raft.summary })
    await flush()
    const wrapper = lab.mount(OperationFollow, { props: { runId: raft.summary.runId } })
    await flush()
    released = true
    for (const resolve of waiting) resolve()
    await vi.waitFor(() => expect(wrapper.findAll('[data-testid=follow-operation]').length).toBeGreaterThan(0))
    expect(fetched).toBe(1)
  })

  it('offers the slowest operations and shows the path of the one clicked: phases, the committing majority, each step', async () => {
    const { raft } = await fixtureRecords()
    const ns = 1e6
    const history = [
      { process: 1, type: 'invoke', f: 'put', key: 'fast', value: 'a', time: 1000 * ns },
      { process: 1, type: 'ok', f: 'put', key: 'fast', time: 1002 * ns, node: 'A', index: 4 },
      { process: 2, type: 'invoke', f: 'put', key: 'slow', value: 'b', time: 1010 * ns },
      { process: 2, type: 'ok', f: 'put', key: 'slow', time: 1019 * ns, node: 'A', index: 5 },
    ] as const
    const trace = [
      { t: 1014.5, node: 'A', kind: 'append', fromIndex: 5, toIndex: 5, runs: [[5, 1]], persistMs: 2.5, ops: ['put slow'] },
      { t: 1013.8, node: 'C', kind: 'append', fromIndex: 5, toIndex: 5, runs: [[5, 1]], persistMs: 1 },
      { t: 1016, node: 'A', kind: 'commit', index: 5 },
      { t: 1017, node: 'A', kind: 'apply', index: 5, term: 1, hash: 'h' },
    ]
    const record = { ...raft, workloadStartMs: 1000, history: { events: [...history], total: 4, omitted: 0 } }
    const store = freshRepository()
    await store.save(record as typeof raft, 'lab')
    const queries: unknown[] = []
    const lab = setupLab({
      readTrace: async (_runId, query) => {
        queries.push(query)
        // readTrace answers in experiment time (0 = the workload's start, here 1000 ms on the run's clock).
        const events = trace.map((event) => ({ ...event, t: event.t - 1000 }))
        return { events: events as never, matched: events.length, omitted: 0, chunksRead: 1, bytesRead: 100 }
      },
    })
    const wrapper = lab.mount(OperationFollow, { props: { runId: raft.summary.runId } })
    await settle()
    const buttons = wrapper.findAll('[data-testid=follow-operation]')
    expect(buttons.map((button) => button.text())).toEqual(['put slow · 9.00 ms at 0.010 s', 'put fast · 2.00 ms at 0.000 s'])
    await buttons[0]!.trigger('click')
    await settle()
    // The window asked for is the operation's, in experiment time, and a little after its answer.
    expect(queries).toEqual([{ fromMs: 10, toMs: 119, kinds: ['append', 'commit', 'apply', 'slot', 'send'] }])
    expect(wrapper.findAll('[data-testid=follow-phases] .segment').map((segment) => segment.attributes('data-phase'))).toEqual(['client-hop', 'leader-persist', 'replicate-ack', 'commit-to-apply', 'reply'])
    expect(wrapper.get('[data-testid=follow-quorum]').text()).toBe('Committed by the majority A, C')
    expect(wrapper.findAll('[data-testid=follow-steps] tbody tr').map((row) => row.findAll('td').map((cell) => cell.text()).join(' | '))).toEqual([
      '0 ms | client | invoked',
      '3.80 ms | C | durable (persisted) · write and fsync 1.00 ms',
      '4.50 ms | A | durable (persisted) · write and fsync 2.50 ms',
      '6.00 ms | A | committed',
      '7.00 ms | A | applied',
      '9.00 ms | client | answer received',
    ])
  })
})
