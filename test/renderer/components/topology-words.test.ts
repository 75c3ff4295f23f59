// @vitest-environment happy-dom
/**
 * The topology canvas speaks the reader's language: the role under each node and its description
 * (the tooltip and what a screen reader says) are translated, for every role a protocol reports,
 * and say the protocol's words (PBFT: view, primary), as the Compare tables do.
 */
import { describe, expect, it } from 'vitest'
import TopologyCanvas from '../../../src-renderer/src/components/topology/TopologyCanvas.vue'
import CompareSummaryTable from '../../../src-renderer/src/components/compare/CompareSummaryTable.vue'
import CompareFaultsTable from '../../../src-renderer/src/components/compare/CompareFaultsTable.vue'
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

describe('the topology canvas in the protocol\'s words', () => {
  it('a PBFT replica\'s description names its view, a Raft node\'s its term', () => {
    const lab = setupLab({}, 'en')
    const status = { A: { role: 'primary', process: 'up' as const, term: 4, leader: true } }
    const pbft = lab.mount(TopologyCanvas, { props: { nodes: ['A'], status, protocol: 'pbft', label: 'canvas' } })
    expect(pbft.get('[data-testid=node-A]').attributes('aria-label')).toBe('A: primary, view 4')
    expect(pbft.get('[data-testid=node-A] title').text()).toBe('A: primary, view 4')
    const raft = lab.mount(TopologyCanvas, { props: { nodes: ['A'], status: { A: { ...status.A, role: 'leader' } }, protocol: 'raft', label: 'canvas' } })
    expect(raft.get('[data-testid=node-A]').attributes('aria-label')).toBe('A: leader, term 4')
  })
})

describe('the Compare tables in the runs\' words', () => {
  const run = (protocol: string, label: string) => ({
    runId: label, label, protocol, nodes: 4, verdict: 'pass', isBaseline: label === 'one', throughput: 100, throughputRatio: 1, costs: { messagesPerOp: 3, bytesPerOp: 300 },
    messagesPerOpRatio: 1, bytesPerOpRatio: 1, leaderChanges: 1, unavailableMs: 50,
    faults: [{ label: 'crash primary', atMs: 1000, untilMs: 2000, leaderlessMs: 40 }],
  })
  const headers = (wrapper: ReturnType<ReturnType<typeof setupLab>['mount']>) => wrapper.findAll('thead th').map((th) => th.text())

  it('PBFT runs are counted in primary changes and time without a primary; Raft beside PBFT names both', () => {
    const lab = setupLab({}, 'en')
    const pbft = { runs: [run('pbft', 'one'), run('pbft', 'two')] } as never
    const summary = lab.mount(CompareSummaryTable, { props: { comparison: pbft } })
    expect(headers(summary).slice(-2)).toEqual(['Primary changes', 'Without a primary'])
    expect(summary.text()).toContain('Time without a primary is exact')
    const faults = lab.mount(CompareFaultsTable, { props: { comparison: pbft } })
    expect(faults.get('h2').text()).toBe('Time without a primary around each fault')
    expect(headers(faults).at(-1)).toBe('Without a primary')
    const mixed = { runs: [run('raft', 'one'), run('pbft', 'two')] } as never
    expect(headers(lab.mount(CompareSummaryTable, { props: { comparison: mixed } })).slice(-2)).toEqual(['Leader / primary changes', 'Without a leader / primary'])
    expect(lab.mount(CompareFaultsTable, { props: { comparison: mixed } }).get('h2').text()).toBe('Time without a leader (Raft) or primary (PBFT) around each fault')
    const raft = { runs: [run('raft', 'one'), run('raft', 'two')] } as never
    expect(headers(lab.mount(CompareSummaryTable, { props: { comparison: raft } })).slice(-2)).toEqual(['Leader changes', 'Without a leader'])
  })

  it('says the same in Korean', () => {
    const lab = setupLab({}, 'ko')
    const pbft = { runs: [run('pbft', 'one')] } as never
    expect(headers(lab.mount(CompareSummaryTable, { props: { comparison: pbft } })).slice(-2)).toEqual(['프라이머리 교체 횟수', '프라이머리가 없던 시간'])
  })

  it('names each fault in Korean from its recorded form; a run recorded before it shows its English', () => {
    const lab = setupLab({}, 'ko')
    const recorded = { label: 'crash leader → B', atMs: 1000, untilMs: 2000, leaderlessMs: 40, fault: { atMs: 1000, action: 'crash leader', targets: ['B'], fault: { at: 1000, kind: 'crash', target: 'leader' } } }
    const older = { label: 'crash leader → C', atMs: 1000, untilMs: 2000, leaderlessMs: 40, fault: { atMs: 1000, action: 'crash leader', targets: ['C'] } }
    const comparison = { runs: [{ ...run('raft', 'one'), faults: [recorded] }, { ...run('raft', 'two'), faults: [older] }] } as never
    const labels = lab.mount(CompareFaultsTable, { props: { comparison } }).findAll('[data-testid=compare-fault-label]').map((cell) => cell.text())
    expect(labels[0]).toMatch(hangul)
    expect(labels[0]).toContain('→ B')
    expect(labels[1]).toBe('crash leader → C')
  })
})
