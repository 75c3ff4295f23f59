// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import DesignPage from '../../../src-renderer/src/components/design/DesignPage.vue'
import { newExperimentText } from '../../../src-renderer/src/experiment/template'
import { useDraftStore } from '../../../src-renderer/src/stores/draft'
import { flush, setupLab } from '../support/mount'

function openTemplate() {
  const lab = setupLab()
  const draft = useDraftStore()
  draft.openNew(newExperimentText({ name: 'demo', description: 'd', comment: 'c' }))
  const wrapper = lab.mount(DesignPage)
  return { lab, draft, wrapper }
}

describe('the designer', () => {
  it('adds nodes on the canvas and the text follows', async () => {
    const { draft, wrapper } = openTemplate()
    await wrapper.get('[data-testid=add-node]').trigger('click')
    await wrapper.get('[data-testid=add-node]').trigger('click')
    expect(draft.view.nodes).toEqual(['A', 'B', 'C', 'D', 'E'])
    expect((wrapper.get('[data-testid=experiment-text]').element as HTMLTextAreaElement).value).toContain('nodes: 5')
    expect(wrapper.findAll('[data-testid^=node-]').filter((node) => /^node-[A-E]$/.test(node.attributes('data-testid') ?? ''))).toHaveLength(5)
  })

  it('explains a duplicate name where it is typed, and applies nothing', async () => {
    const { draft, wrapper } = openTemplate()
    await wrapper.get('[data-testid=node-B]').trigger('pointerdown')
    await wrapper.get('[data-testid=node-B]').trigger('pointerup')
    const input = wrapper.get('[data-testid=node-name]')
    await input.setValue('A')
    expect(wrapper.get('[data-testid=node-name-problem]').text()).toContain('already a node called “A”')
    await input.trigger('blur')
    expect(draft.view.nodes).toEqual(['A', 'B', 'C'])
  })

  it('shows a text error at its form field and at its line', async () => {
    const { draft, wrapper } = openTemplate()
    draft.setText(draft.text.replace('heartbeatMs: 50', 'heartbeatMs: 500'))
    await flush()
    const field = wrapper.get('[data-path="cluster.heartbeatMs"]')
    expect(field.get('[data-testid=field-error]').text()).toContain('expected less than the election timeout (150 ms)')
    const line = draft.text.split('\n').findIndex((l) => l.includes('heartbeatMs')) + 1
    expect(wrapper.get('[data-testid=text-errors]').text()).toContain(`line ${line}`)
    expect(wrapper.get('[data-testid=start-run]').attributes('disabled')).toBeDefined()
  })

  it('explains PBFT with too few replicas where n and f are set, and blocks the start', async () => {
    const { draft, wrapper } = openTemplate()
    draft.setField(['protocol'], 'pbft')
    await flush()
    expect(wrapper.get('[data-testid=nodes-error]').text()).toContain('PBFT needs at least 4 replicas')
    draft.setNodeCount(5)
    await flush()
    await wrapper.get('[data-testid=option-f]').setValue('2')
    expect(draft.text).toContain('f: 2')
    expect(wrapper.get('[data-path="cluster.f"] [data-testid=field-error]').text()).toContain('f = 2 needs 7')
    expect(wrapper.get('[data-testid=start-blocker]').text()).toContain('cluster.f')
    draft.setNodeCount(7)
    await flush()
    expect(wrapper.find('[data-testid=start-blocker]').exists()).toBe(false)
  })

  it('clicking a link edits that link, both ways, and the conditions of all links below', async () => {
    const { draft, wrapper } = openTemplate()
    await wrapper.get('[data-testid=link-A-C]').trigger('click')
    const delay = wrapper.get('[data-testid=link-delayMs]')
    await delay.setValue('40')
    await delay.trigger('change')
    expect(draft.view.links.map((link) => [link.from, link.to, link.conditions.delayMs])).toEqual([
      ['A', 'C', 40],
      ['C', 'A', 40],
    ])
    expect(wrapper.find('.link.custom .link-label').text()).toBe('40 ms')
    await delay.setValue('-5')
    await delay.trigger('change')
    expect(wrapper.get('[data-testid=link-error]').text()).toMatch(/expected a number >= 0/)
    await wrapper.get('[data-testid=link-reset]').trigger('click')
    expect(draft.view.links).toEqual([])
    const all = wrapper.get('[data-testid="field-network.delayMs"]')
    await all.setValue('15')
    await all.trigger('change')
    expect(draft.view.network.delayMs).toBe(15)
  })

  it('saves a new experiment under its own name (not "-copy"), a saved one as a copy, and shows a refusal from the lab at the fields', async () => {
    const { lab, draft, wrapper } = openTemplate()
    await wrapper.get('[data-testid=save-copy]').trigger('click')
    expect((wrapper.get('[data-testid=save-name]').element as HTMLInputElement).value).toBe('demo.yaml')
    await wrapper.find('form.save').trigger('submit')
    await flush()
    expect(lab.api.saveExperiment).toHaveBeenCalledWith('demo.yaml', draft.text)
    expect(draft.source).toBe('user')
    expect(draft.dirty).toBe(false)
    // Saved once, the next save is a copy of that file.
    await wrapper.get('[data-testid=save-copy]').trigger('click')
    expect((wrapper.get('[data-testid=save-name]').element as HTMLInputElement).value).toBe('demo-copy.yaml')
    vi.mocked(lab.api.saveExperiment).mockResolvedValueOnce({ ok: false, errors: [{ path: 'cluster.heartbeatMs', message: 'expected less than the election timeout (150 ms)' }] })
    await wrapper.find('form.save').trigger('submit')
    await flush()
    expect(wrapper.get('[data-testid=text-errors]').text()).toContain('cluster.heartbeatMs')
  })

  it('is entirely in Korean when the language is Korean', async () => {
    const lab = setupLab({}, 'ko')
    useDraftStore().openNew(newExperimentText({ name: 'demo', description: 'd', comment: 'c' }))
    const wrapper = lab.mount(DesignPage)
    expect(wrapper.text()).toContain('토폴로지')
    expect(wrapper.text()).toContain('실행 시작')
    expect(wrapper.text()).not.toContain('Topology')
  })
})
