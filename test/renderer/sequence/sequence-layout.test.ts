import { describe, expect, it } from 'vitest'
import type { MessageEvent } from '../../../src-renderer/src/live/live-run'
import { arrowGroups, bundleArrows, layoutSequence } from '../../../src-renderer/src/sequence/sequence-layout'

const size = { width: 400, height: 300, top: 20, bottom: 10, side: 50 }
const nodes = ['A', 'B', 'C']
const send = (t: number, node: string, to: string, type = 'AppendEntries'): Extract<MessageEvent, { kind: 'send' }> => ({ t, node, kind: 'send', to, type, bytes: 10 })
const recv = (t: number, node: string, from: string, type = 'AppendEntries'): MessageEvent => ({ t, node, kind: 'recv', from, type, bytes: 10 })

describe('message sequence layout', () => {
  it('pairs each receive with the oldest unpaired send on its channel (TCP order)', () => {
    const layout = layoutSequence([send(10, 'A', 'B'), send(12, 'A', 'B'), recv(15, 'B', 'A'), recv(16, 'B', 'A')], nodes, { from: 0, to: 100 }, size)
    expect(layout.arrows.map((a) => [a.kind, a.sendT, a.endT])).toEqual([
      ['delivered', 10, 15],
      ['delivered', 12, 16],
    ])
    const [first] = layout.arrows
    expect(first.x1).toBe(50)
    expect(first.x2).toBe(200)
    expect(first.y2).toBeGreaterThan(first.y1)
  })

  it('pairs a receive and a drop with their send by message id, whatever the order they arrive in', () => {
    // Two connections' worth of reordering (a reconnect): FIFO would pair 15 with 10; the ids say 12.
    const events: MessageEvent[] = [
      { ...send(10, 'A', 'B'), id: 1 },
      { ...send(12, 'A', 'B'), id: 2 },
      { ...send(13, 'A', 'B'), id: 3 },
      { ...recv(15, 'B', 'A'), id: 2 },
      { ...recv(16, 'B', 'A'), id: 1 },
      { t: 40, node: 'B', kind: 'drop', from: 'A', to: 'B', type: 'AppendEntries', reason: 'partition', id: 3 },
    ]
    const layout = layoutSequence(events, nodes, { from: 0, to: 100 }, size)
    expect(layout.arrows.map((a) => [a.kind, a.sendT, a.endT])).toEqual([
      ['delivered', 10, 16],
      ['delivered', 12, 15],
      ['dropped', 13, 40],
    ])
  })

  it('collapses heartbeats: neither their sends nor their receipts are drawn', () => {
    const events: MessageEvent[] = [
      { ...send(10, 'A', 'B'), id: 1, heartbeat: true },
      { ...send(11, 'A', 'B'), id: 2 },
      { ...recv(12, 'B', 'A'), id: 1 },
      { ...recv(13, 'B', 'A'), id: 2 },
    ]
    expect(layoutSequence(events, nodes, { from: 0, to: 100 }, size).arrows).toHaveLength(2)
    const quiet = layoutSequence(events, nodes, { from: 0, to: 100 }, size, undefined, { hideHeartbeats: true })
    expect(quiet.arrows.map((a) => [a.kind, a.sendT, a.endT])).toEqual([['delivered', 11, 13]])
  })

  it('ends a dropped message with a cross halfway, and does not also draw its send', () => {
    const drop: MessageEvent = { t: 20, node: 'A', kind: 'drop', from: 'A', to: 'C', type: 'AppendEntries', reason: 'loss' }
    const layout = layoutSequence([send(20, 'A', 'C'), drop], nodes, { from: 0, to: 100 }, size)
    expect(layout.arrows).toHaveLength(1)
    expect(layout.arrows[0]).toMatchObject({ kind: 'dropped', reason: 'loss', from: 'A', to: 'C' })
    expect(layout.arrows[0].x2).toBeCloseTo(50 + (350 - 50) * 0.55)
  })

  it('draws a message sent before the window from its top edge, and leaves unanswered sends open', () => {
    const layout = layoutSequence([send(-30, 'C', 'A', 'Vote'), recv(5, 'A', 'C', 'Vote'), send(90, 'A', 'B')], nodes, { from: 0, to: 100 }, size)
    const early = layout.arrows.find((a) => a.type === 'Vote')
    expect(early).toMatchObject({ clippedStart: true, y1: size.top })
    expect(layout.arrows.find((a) => a.kind === 'open')).toMatchObject({ from: 'A', to: 'B', y2: size.height - size.bottom })
  })

  it('draws at most arrowsMax arrows and says how many it left out', () => {
    const events: MessageEvent[] = []
    for (let i = 0; i < 1000; i += 1) events.push(send(i / 10, 'A', 'B'), recv(i / 10 + 0.05, 'B', 'A'))
    const layout = layoutSequence(events, nodes, { from: 0, to: 100 }, size, 300)
    expect(layout.arrows).toHaveLength(300)
    expect(layout.truncated).toBe(700)
  })

  it('under load, bundles the arrows of one channel, type and fate sent in one band of pixels into one arrow with their count', () => {
    // 200 sends A→B in 5 ms of a 1 s window (115–120 ms: y 51 to 52.4, one 6 px band), all delivered; 1 to C far later.
    const events: MessageEvent[] = []
    for (let i = 0; i < 200; i += 1) events.push({ ...send(115 + i * 0.025, 'A', 'B'), id: i })
    for (let i = 0; i < 200; i += 1) events.push({ ...recv(125 + i * 0.025, 'B', 'A'), id: i })
    events.push({ ...send(800, 'A', 'C'), id: 500 }, { ...recv(801, 'C', 'A'), id: 500 })
    events.sort((a, b) => a.t - b.t)
    const layout = layoutSequence(events, nodes, { from: 0, to: 1000 }, size, 400, { bundle: { arrowsAbove: 100, bandPx: 6 } })
    expect(layout.arrows.map((arrow) => [arrow.from, arrow.to, arrow.kind, arrow.count ?? 1])).toEqual([
      ['A', 'B', 'delivered', 200],
      ['A', 'C', 'delivered', 1],
    ])
    expect(layout.truncated).toBe(0)
    const groups = arrowGroups(layout.arrows)
    expect(groups.map((group) => [group.key, group.count, group.messages, group.bundled])).toEqual([
      ['delivered:AppendEntries:bundle', 1, 200, true],
      ['delivered:AppendEntries', 1, 1, false],
    ])
  })

  it('does not bundle below the density, nor across fates, channels or bands', () => {
    const events: MessageEvent[] = [
      { ...send(100, 'A', 'B'), id: 1 }, { ...recv(101, 'B', 'A'), id: 1 },
      { ...send(100.1, 'A', 'B'), id: 2 }, { t: 100.2, node: 'A', kind: 'drop', from: 'A', to: 'B', type: 'AppendEntries', reason: 'partition', id: 2 },
      { ...send(100.2, 'B', 'A'), id: 3 }, { ...recv(101, 'A', 'B'), id: 3 },
      { ...send(500, 'A', 'B'), id: 4 }, { ...recv(501, 'B', 'A'), id: 4 },
    ]
    events.sort((a, b) => a.t - b.t)
    const plain = layoutSequence(events, nodes, { from: 0, to: 1000 }, size, 400, { bundle: { arrowsAbove: 100, bandPx: 6 } })
    expect(plain.arrows.every((arrow) => arrow.count === undefined)).toBe(true)
    expect(bundleArrows(plain.arrows, 6)).toHaveLength(4)
  })

  it('marks the followed operation\'s messages (by sender and id, receipt or drop alike), keeps them out of bundles, and draws them past the cap', () => {
    // 200 busy A→B sends in one band, among them A's message 7 carrying index 42; and B's ack 900 of it, dropped.
    const events: MessageEvent[] = []
    for (let i = 0; i < 200; i += 1) events.push({ ...send(115 + i * 0.025, 'A', 'B'), id: i, ...(i === 7 ? { range: [42, 42] as [number, number] } : {}) })
    for (let i = 0; i < 200; i += 1) events.push({ ...recv(125 + i * 0.025, 'B', 'A'), id: i })
    events.push({ ...send(130, 'B', 'A', 'AppendEntriesResponse'), id: 900, range: [42, 42] })
    events.push({ t: 131, node: 'B', kind: 'drop', from: 'B', to: 'A', type: 'AppendEntriesResponse', reason: 'loss', id: 900 })
    // The same id from another sender is another message.
    events.push({ ...send(140, 'C', 'A'), id: 7 }, { ...recv(141, 'A', 'C'), id: 7 })
    events.sort((a, b) => a.t - b.t)
    const highlight = new Set(['A:7', 'B:900'])
    const layout = layoutSequence(events, nodes, { from: 0, to: 1000 }, size, 1, { bundle: { arrowsAbove: 100, bandPx: 6 }, highlight })
    const marked = layout.arrows.filter((arrow) => arrow.highlight)
    expect(marked.map((arrow) => [arrow.from, arrow.to, arrow.kind, arrow.id, arrow.range, arrow.count ?? 1])).toEqual([
      ['A', 'B', 'delivered', 7, [42, 42], 1],
      ['B', 'A', 'dropped', 900, [42, 42], 1],
    ])
    // The cap of one arrow left out the rest, never the followed ones.
    expect(layout.arrows).toHaveLength(3)
    const groups = arrowGroups(layout.arrows)
    expect(groups.map((group) => [group.key, group.highlight])).toEqual([
      ['delivered:AppendEntries:bundle', false],
      ['delivered:AppendEntries:highlight', true],
      ['dropped:AppendEntriesResponse:highlight', true],
    ])
  })
})
