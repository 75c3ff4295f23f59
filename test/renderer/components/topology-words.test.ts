// @vitest-environment happy-dom
/**
 * The topology canvas speaks the reader's language: the role under each node and its description
 * (the tooltip and what a screen reader says) are translated, for every role a protocol reports.
 */
import { describe, expect, it } from 'vitest'
import TopologyCanvas from '../../../src-renderer/src/components/topology/TopologyCanvas.vue'
import { ko } from '../../../src-renderer/src/i18n/ko'
import { descriptorOf, protocolNames } from '../../../src-main/protocols/registry'
import { setupLab } from '../support/mount'

const hangul = /[\uac00-\ud7a3]/

describe('the topology canvas in Korean', () => {
  it('draws the role words in Korean under the nodes and in their descriptions', () => {
    const lab = setupLab({}, 'ko')
    const wrapper = lab.mount(TopologyCanvas, {
      props: {
        nodes: ['A', 'B', 'C'],
        status: {
          A: { role: 'leader', process: 'up', term: 3, leader: true },
          B: { role: 'follower', process: 'up', term: 3, leader: false },
          C: { role: 'precandidate', process: 'up', term: 2, leader: false },
        },
      },
    })
    const states = wrapper.findAll('text.state').map((text) => text.text())
    expect(states).toEqual(['리더 · 3', '팔로워 · 3', '사전 후보 · 2'])
    expect(wrapper.get('[data-testid=node-A]').attributes('aria-label')).toContain('리더')
    // The role stays machine-readable for tests and styles.
    expect(wrapper.get('[data-testid=node-A]').attributes('data-role')).toBe('leader')
  })

  it('has a Korean word for every role any protocol reports', () => {
    const roles = [...new Set(protocolNames.flatMap((name) => descriptorOf(name).roles.map((role) => role.name))), 'down', 'unknown']
    const words = ko.roleName as Record<string, string>
    expect(roles.filter((role) => !hangul.test(words[role] ?? ''))).toEqual([])
  })
})
