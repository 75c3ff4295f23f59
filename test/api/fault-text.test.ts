/**
 * Faults and message types in Korean (api/fault-text.ts): every fault kind has a Korean line said
 * from its structured form (English stays describeFault's line), every message type a replica
 * sends has a Korean label beside its wire name, and a Korean run report says its faults and
 * message types so — a run recorded before faults kept their structured form shows its English
 * action as recorded, and an unknown fault in an altered file does not break the report.
 */
import { describe, expect, it } from 'vitest'
import { describeFault, faultKinds, type Fault, type FaultKind } from '../../src-main/faults/fault.js'
import { describeFaultIn, describeFaultKo, faultDetailIn, faultNotesKo, messageTypeIn, messageTypeKo, type FaultNote } from '../../src-main/api/fault-text.js'
import { describeInjectedIn, describePlannedFaultIn } from '../../src-main/api/report/analysis.js'
import { raftMessageTypes } from '../../src-main/protocols/raft/messages.js'
import { buildReport } from '../../src-main/api/report/index.js'
import { loadRun } from '../../src-main/lab/report/run-directory.js'
import { fixtureRuns } from '../report/support.js'
import type { InjectedFault } from '../../src-main/api/summary.js'

const hangul = /[\uac00-\ud7a3]/
const meta = { generatedAt: '2026-01-02T03:04:05.000Z', labVersion: '9.9.9' }

/** One fault of every kind (a kind added to the union and not here fails to compile). */
const samples: Record<FaultKind, Fault> = {
  crash: { kind: 'crash', target: 'leader' },
  restart: { kind: 'restart', target: 'crashed' },
  pause: { kind: 'pause', target: 'follower' },
  resume: { kind: 'resume', target: 'paused' },
  partition: { kind: 'partition', groups: [['A', 'B'], ['C']], bridge: 'D' },
  isolate: { kind: 'isolate', target: 'leader' },
  cut: { kind: 'cut', between: ['A', 'B'] },
  cutOneWay: { kind: 'cutOneWay', from: 'A', to: 'B' },
  heal: { kind: 'heal' },
  network: { kind: 'network', conditions: { delayMs: 10, loss: 0.05 } },
  link: { kind: 'link', from: 'A', to: 'B', conditions: { delayMs: 200 } },
  campaign: { kind: 'campaign', target: 'C' },
  clockSkew: { kind: 'clockSkew', target: 'leader', factor: 1.5 },
  byzantine: { kind: 'byzantine', target: 'B', behaviour: 'equivocate' },
  slowDisk: { kind: 'slowDisk', target: 'A', ms: 50, jitterMs: 20 },
  addNode: { kind: 'addNode', node: 'F' },
  promote: { kind: 'promote', node: 'F' },
  removeNode: { kind: 'removeNode', target: 'leader' },
}

describe('faults in Korean', () => {
  it.each(faultKinds)('%s: a Korean line with Hangul; English is describeFault unchanged', (kind) => {
    const fault = samples[kind]
    expect(describeFaultKo(fault)).toMatch(hangul)
    expect(describeFaultIn(fault, 'en')).toBe(describeFault(fault))
  })

  it('says targets and conditions in Korean, node names as they are', () => {
    expect(describeFaultKo(samples.crash)).toBe('리더 죽이기')
    expect(describeFaultKo({ kind: 'isolate', target: 'B' })).toBe('B 고립')
    expect(describeFaultKo(samples.partition)).toBe('분할 {A,B} | {C}, 다리 D')
    expect(describeFaultKo(samples.network)).toBe('네트워크 지연 10 ms, 손실 5%')
  })

  it('an injected fault: its structured form in Korean with the nodes it hit; as recorded when it has none', () => {
    const recorded: InjectedFault = { atMs: 900, scheduledAtMs: 700, action: 'crash leader', fault: samples.crash, targets: ['B'], outcome: 'applied' }
    expect(describeInjectedIn(recorded, 'ko')).toBe('리더 죽이기 → B (0.70초 예정)')
    expect(describeInjectedIn(recorded, 'en')).toBe('crash leader → B (due at 0.70 s)')
    const old: InjectedFault = { atMs: 900, action: 'crash leader', targets: ['B'] }
    expect(describeInjectedIn(old, 'ko')).toBe('crash leader → B')
    const altered = { ...old, fault: { kind: 'meteor', target: 'B' } } as unknown as InjectedFault
    expect(describeInjectedIn(altered, 'ko')).toBe('crash leader → B')
    // The injector lists every condition; those at zero say nothing, in Korean as in English.
    const network: InjectedFault = { atMs: 0, action: 'network delay 10 ms, jitter 0 ms, loss 0%', fault: { kind: 'network', conditions: { delayMs: 10, jitterMs: 0, loss: 0 } }, targets: [] }
    expect(describeInjectedIn(network, 'ko')).toBe('네트워크 지연 10 ms')
    expect(describePlannedFaultIn({ at: 2000, ...samples.cut }, 'ko')).toBe('링크 끊기 A <-> B')
  })
})

describe('message types in Korean', () => {
  it('every label has Hangul, Raft’s every message type has one, and the wire name stays beside it', () => {
    for (const [type, label] of Object.entries(messageTypeKo)) expect(label, type).toMatch(hangul)
    for (const type of raftMessageTypes) expect(messageTypeKo[type], type).toBeDefined()
    expect(messageTypeIn('AppendEntries', 'ko')).toBe('AppendEntries (엔트리 추가)')
    expect(messageTypeIn('AppendEntries', 'en')).toBe('AppendEntries')
    expect(messageTypeIn('SomethingNew', 'ko')).toBe('SomethingNew')
  })

  it('a Korean run report names faults and message types in Korean (HTML and Markdown)', async () => {
    const record = await loadRun(fixtureRuns.passing)
    record.summary.faults = record.summary.faults.map((fault) => ({ ...fault, fault: fault.action.startsWith('crash') ? samples.crash : samples.restart }))
    const html = buildReport({ records: [record], format: 'html', meta, locale: 'ko' })
    expect(html).toContain('<td>리더 죽이기 → B</td>')
    expect(html).toContain('<td>죽은 노드 재시작 → B</td>')
    expect(html).toContain('<td>AppendEntries (엔트리 추가)</td>')
    const markdown = buildReport({ records: [record], format: 'md', meta, locale: 'ko' })
    expect(markdown).toContain('| 리더 죽이기 → B |')
    expect(markdown).toContain('| RequestVote (투표 요청) |')
    const english = buildReport({ records: [record], format: 'html', meta })
    expect(english).toContain('<td>crash leader → B</td>')
    expect(english).toContain('<td>AppendEntries</td>')
  })
})

/** One note of every code the lab writes (a code added to FaultNote and not here fails to compile). */
const notes: { [C in FaultNote['code']]: Extract<FaultNote, { code: C }> } = {
  upAfter: { code: 'upAfter', ms: 812 },
  leadershipTransferred: { code: 'leadershipTransferred', to: 'C', ms: 140 },
  leadershipNotTransferred: { code: 'leadershipNotTransferred' },
  leadershipTransferTimedOut: { code: 'leadershipTransferTimedOut', to: 'C', withinMs: 2000 },
  noNodeMatched: { code: 'noNodeMatched' },
  failed: { code: 'failed', error: 'the cluster already has a node B' },
  membershipRaftOnly: { code: 'membershipRaftOnly', protocol: 'pbft' },
  runEnded: { code: 'runEnded' },
  runEndedWhileWaiting: { code: 'runEndedWhileWaiting', fault: { kind: 'restart', target: 'B' } },
  runEndedWhileStarting: { code: 'runEndedWhileStarting', ms: 300 },
  clusterNotRunning: { code: 'clusterNotRunning' },
  runNotInProgress: { code: 'runNotInProgress', runId: 'r1' },
  noRunInProgress: { code: 'noRunInProgress' },
}

describe('what the lab says of a fault, in Korean', () => {
  it.each(Object.values(notes))('$code: Korean with Hangul', (note) => {
    expect(faultNotesKo([note])).toMatch(hangul)
  })

  it('names the node a note is about, keeps English as it is, and falls back to it without notes', () => {
    expect(faultNotesKo([notes.upAfter, { ...notes.runEndedWhileStarting, node: 'B' }])).toBe('812 ms 만에 다시 올라옴; B: 수행하지 않음: 노드가 아직 시작하는 중에 실행이 끝남(재시작을 시작하고 300 ms 뒤)')
    expect(faultDetailIn('leadership transferred to C in 140 ms, before the removal', [notes.leadershipTransferred], 'en')).toBe('leadership transferred to C in 140 ms, before the removal')
    expect(faultDetailIn('leadership transferred to C in 140 ms, before the removal', [notes.leadershipTransferred], 'ko')).toBe('제거하기 전에 리더 자리를 140 ms 만에 C에게 넘김')
    expect(faultDetailIn('failed: something new', undefined, 'ko')).toBe('failed: something new')
    // A note this build does not know (a newer lab's): the English stands.
    expect(faultDetailIn('something newer', [{ code: 'fromTheFuture' } as unknown as FaultNote], 'ko')).toBe('something newer')
  })
})
