// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import ConnectionBanner from '../../../src-renderer/src/components/app/ConnectionBanner.vue'
import ConnectionPill from '../../../src-renderer/src/components/app/ConnectionPill.vue'
import LibraryPage from '../../../src-renderer/src/components/library/LibraryPage.vue'
import { useDraftStore } from '../../../src-renderer/src/stores/draft'
import { useRouteStore } from '../../../src-renderer/src/stores/route'
import { flush, setupLab } from '../support/mount'

describe('when the lab goes away', () => {
  it('says the lab process is not answering, counts down, and retries on demand', async () => {
    const lab = setupLab()
    const wrapper = lab.mount({ components: { ConnectionBanner, ConnectionPill }, template: '<ConnectionPill /><ConnectionBanner />' })
    expect(wrapper.find('[data-testid=connection-banner]').exists()).toBe(false)
    lab.setState({ status: 'lost', reason: 'unreachable', attempts: 2, retryAtMs: Date.now() + 3000 })
    await flush()
    expect(wrapper.get('[data-testid=connection-banner]').text()).toContain('The lab process is not answering.')
    expect(wrapper.get('[data-testid=connection-retry]').text()).toMatch(/Retrying in [2-4] s \(attempt 2\)/)
    expect(wrapper.get('[data-testid=connection-pill]').text()).toBe('Disconnected')
    await wrapper.get('[data-testid=connection-banner] button').trigger('click')
    expect(lab.connection.retryNow).toHaveBeenCalled()
  })

  it('tells a restarted lab (new token) apart', async () => {
    const lab = setupLab({}, 'ko')
    const wrapper = lab.mount(ConnectionBanner)
    lab.setState({ status: 'lost', reason: 'rejected', attempts: 1, retryAtMs: Date.now() })
    await flush()
    expect(wrapper.text()).toContain('랩이 이 페이지를 거부했습니다.')
  })

  it('reports a lab that answers but cannot work', async () => {
    const lab = setupLab({ info: async () => Promise.reject(new Error('the lab service could not start: EACCES runs')) })
    const wrapper = lab.mount(ConnectionBanner)
    await flush()
    expect(wrapper.text()).toContain('EACCES runs')
  })
})

describe('the experiment library', () => {
  it('lists bundled and saved experiments, flags invalid ones, and opens one in the designer', async () => {
    const text = 'name: scenario\nprotocol: raft\n'
    const lab = setupLab({
      listExperiments: async () => [
        { file: 'raft-3.yaml', name: 'raft-3', description: 'Three nodes.', protocol: 'raft', nodes: 3, text, source: 'bundled' as const },
        { file: 'broken.yaml', name: 'broken.yaml', description: '', protocol: 'unknown', nodes: 0, text: 'x', source: 'user' as const, errors: [{ path: 'protocol', message: 'expected one of raft, pbft, primary-backup' }] },
      ],
    })
    const wrapper = lab.mount(LibraryPage)
    await flush()
    const cards = wrapper.findAll('[data-testid=experiment-card]')
    expect(cards.map((card) => card.attributes('data-file'))).toEqual(['raft-3.yaml', 'broken.yaml'])
    expect(cards[0].text()).toContain('Three nodes.')
    expect(cards[1].text()).toContain('protocol — expected one of raft')
    await cards[0].get('[data-testid=open-experiment]').trigger('click')
    expect(useDraftStore().text).toBe(text)
    expect(useDraftStore().source).toBe('bundled')
    expect(useRouteStore().current.name).toBe('design')
  })

  it('opens an experiment at the top of the designer, wherever the Library was scrolled to', async () => {
    const lab = setupLab({
      listExperiments: async () => [{ file: 'raft-3.yaml', name: 'raft-3', description: 'Three nodes.', protocol: 'raft', nodes: 3, text: 'name: raft-3\nprotocol: raft\n', source: 'bundled' as const }],
    })
    useRouteStore().go('library')
    const wrapper = lab.mount(LibraryPage)
    await flush()
    window.scrollTo(0, 900)
    expect(window.scrollY).toBe(900)
    await wrapper.get('[data-testid=open-experiment]').trigger('click')
    expect(useRouteStore().current.name).toBe('design')
    expect(window.scrollY).toBe(0)
    // Within one page (runs picked on Compare), the reader keeps their place.
    useRouteStore().go('compare', 'run-1')
    window.scrollTo(0, 700)
    useRouteStore().go('compare', 'run-1', 'run-2')
    expect(window.scrollY).toBe(700)
  })
})
