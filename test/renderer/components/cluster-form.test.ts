// @vitest-environment happy-dom
/**
 * The design form's protocol part is drawn from the descriptor's options.form: a protocol added as
 * its folder and one registry line (the test-only Solo protocol, registered by the mock below) gets
 * its fields, defaults, bounds and rule errors with no renderer change, and a protocol shows only
 * its own fields (PBFT: no election timing, pre-vote, check-quorum or read mode).
 */
import { describe, expect, it, vi } from 'vitest'
import ClusterForm from '../../../src-renderer/src/components/design/ClusterForm.vue'
import { newExperimentText } from '../../../src-renderer/src/experiment/template'
import { useDraftStore } from '../../../src-renderer/src/stores/draft'
import { flush, setupLab } from '../support/mount'

vi.mock('../../../src-main/protocols/registry.js', async (importOriginal) => {
  const { withSolo } = await import('../../protocols/fixtures/solo-registry.js')
  return withSolo(await importOriginal<typeof import('../../../src-main/protocols/registry.js')>())
})

function openForm(protocol: string, locale: 'en' | 'ko' = 'en') {
  const lab = setupLab({}, locale)
  const draft = useDraftStore()
  const text = newExperimentText({ name: 'demo', description: 'd', comment: 'c' }).replace('protocol: raft', `protocol: ${protocol}`)
  draft.openNew(protocol === 'pbft' ? text.replace('nodes: 3', 'nodes: 4') : text)
  return { draft, wrapper: lab.mount(ClusterForm) }
}

/** The cluster fields the form shows, by path. */
const shownPaths = (wrapper: ReturnType<typeof openForm>['wrapper']) => wrapper.findAll('[data-path^="cluster."]').map((field) => field.attributes('data-path'))

describe('the cluster form follows the protocol descriptor', () => {
  it('shows a new protocol’s own option, its default and its descriptor’s rule error, with no renderer change', async () => {
    const { draft, wrapper } = openForm('solo')
    expect(shownPaths(wrapper)).toEqual(['cluster.nodes', 'cluster.tickMs', 'cluster.durability', 'cluster.holdMs'])
    const hold = wrapper.get('[data-testid=option-holdMs]')
    expect((hold.element as HTMLInputElement).value).toBe('40')
    expect(hold.attributes('min')).toBe('0')
    expect(wrapper.get('[data-path="cluster.holdMs"] label').text()).toBe('Hold time (ms)')
    expect(wrapper.get('[data-path="cluster.holdMs"] .hint').text()).toBe('How long the soloist holds a request before it applies it.')
    await hold.setValue('500')
    await hold.trigger('change')
    await flush()
    expect(draft.text).toContain('holdMs: 500')
    // The same check `lab validate` runs (the descriptor's options.check), at its field.
    expect(wrapper.get('[data-path="cluster.holdMs"] [data-testid=field-error]').text()).toBe('expected at most ten ticks (50 ms)')
  })

  it('labels and explains a new protocol’s option in the words its descriptor carries, in Korean on the Korean page', () => {
    const { wrapper } = openForm('solo', 'ko')
    expect(wrapper.get('[data-path="cluster.holdMs"] label').text()).toBe('보류 시간 (ms)')
    expect(wrapper.get('[data-path="cluster.holdMs"] .hint').text()).toBe('솔로이스트가 요청을 적용하기 전에 붙잡아 두는 시간입니다.')
  })

  it('shows PBFT only what applies to PBFT: f, its request timeout, checkpoint interval, read-only requests and digest replies, no Raft fields', () => {
    const { wrapper } = openForm('pbft')
    expect(shownPaths(wrapper)).toEqual(['cluster.nodes', 'cluster.tickMs', 'cluster.durability', 'cluster.f', 'cluster.requestTimeoutMs', 'cluster.checkpointInterval', 'cluster.readOnlyRequests', 'cluster.digestReplies'])
    expect(wrapper.text()).not.toMatch(/Election timeout|Heartbeat|Pre-vote|Check quorum|Reads/)
    expect((wrapper.get('[data-testid=option-requestTimeoutMs]').element as HTMLInputElement).value).toBe('500')
    const interval = wrapper.get('[data-testid=option-checkpointInterval]')
    expect([interval.attributes('min'), interval.attributes('max'), interval.attributes('step')]).toEqual(['1', '1024', '1'])
  })

  it('shows Raft its election timing, pre-vote, read mode, check quorum and snapshot interval, and writes what is edited', async () => {
    const { draft, wrapper } = openForm('raft')
    expect(shownPaths(wrapper)).toEqual(['cluster.nodes', 'cluster.tickMs', 'cluster.durability', 'cluster.electionTimeoutMs', 'cluster.heartbeatMs', 'cluster.preVote', 'cluster.readMode', 'cluster.checkQuorum', 'cluster.snapshotEntries'])
    expect((wrapper.get('[data-testid=option-readMode]').element as HTMLSelectElement).value).toBe('readindex')
    await wrapper.get('[data-testid=option-preVote]').setValue(true)
    await wrapper.get('[data-testid=option-readMode]').setValue('lease')
    await wrapper.get('[data-testid=option-electionTimeoutMs-max]').setValue('400')
    await wrapper.get('[data-testid=option-electionTimeoutMs-max]').trigger('change')
    await flush()
    expect(draft.text).toContain('preVote: true')
    expect(draft.text).toContain('readMode: lease')
    expect(draft.text).toContain('electionTimeoutMs: [ 150, 400 ]')
    expect(wrapper.get('[data-path="cluster.readMode"] [data-testid=field-error]').text()).toContain('lease reads need checkQuorum: true')
  })

  it('shows ParallelRaft its look-behind buffer with the default its descriptor states', () => {
    const { wrapper } = openForm('parallel-raft')
    expect(shownPaths(wrapper)).toEqual(['cluster.nodes', 'cluster.tickMs', 'cluster.durability', 'cluster.electionTimeoutMs', 'cluster.heartbeatMs', 'cluster.lookBehindEntries'])
    const lookBehind = wrapper.get('[data-testid=option-lookBehindEntries]')
    expect([lookBehind.attributes('placeholder'), lookBehind.attributes('max')]).toEqual(['2', '64'])
    // Its words come from its descriptor: the renderer's messages have none for it.
    expect(wrapper.get('[data-path="cluster.lookBehindEntries"] label').text()).toBe('Look-behind buffer (entries)')
  })

  it('says a validation error in Korean at its field on the Korean page, from the same check `lab validate` runs', async () => {
    const { draft, wrapper } = openForm('raft', 'ko')
    draft.setText(draft.text.replace('heartbeatMs: 50', 'heartbeatMs: 500'))
    await flush()
    expect(wrapper.get('[data-path="cluster.heartbeatMs"] [data-testid=field-error]').text()).toBe('하트비트는 선거 타임아웃(150 ms)보다 짧아야 합니다.')
    draft.setText(draft.text.replace('protocol: raft', 'protocol: pbft'))
    await flush()
    expect(wrapper.get('[data-path="cluster.nodes"] [data-testid=field-error]').text()).toBe('PBFT에는 복제본이 적어도 4개 필요합니다(n >= 3f + 1, f >= 1). 받은 개수: 3')
  })

  it('labels and explains every option in Korean', () => {
    const { wrapper } = openForm('raft', 'ko')
    expect(wrapper.get('[data-path="cluster.preVote"] label').text()).toBe('사전 투표(pre-vote)')
    expect(wrapper.get('[data-path="cluster.checkQuorum"] .hint').text()).toMatch(/[\uac00-\ud7a3]/)
  })
})
