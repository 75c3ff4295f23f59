/**
 * The message sequence (space-time) diagram of a time window: one vertical lane per node, time
 * flowing down, an arrow per message from its send to its receive, dropped messages ending in a
 * cross. Pure: events in, coordinates out; the component only draws them.
 *
 * A receive or a drop is paired with its send by the message id both carry (unique per sender). Older
 * traces have no ids: there a receive takes the oldest unpaired send on the same (from, to, type)
 * channel (TCP keeps each connection in order) and a drop the send just before it.
 */
import type { MessageEvent } from '../live/live-run'

export interface SequenceWindow {
  /** ms since the run's epoch */
  from: number
  to: number
}

export interface SequenceSize {
  width: number
  height: number
  /** Room above the first lane label row and below the last time. */
  top: number
  bottom: number
  side: number
}

export type ArrowKind = 'delivered' | 'dropped' | 'open'

export interface SequenceArrow {
  from: string
  to: string
  type: string
  kind: ArrowKind
  x1: number
  y1: number
  x2: number
  y2: number
  /** Sent before the window began: drawn from its top edge. */
  clippedStart: boolean
  sendT?: number
  endT: number
  reason?: string
  /** Messages this arrow stands for: more than one when bundled (same sender, receiver, type and fate, sent in one band of pixels). */
  count?: number
  /** The message's id at its sender, and the log indexes or sequence numbers it carried (from its send). */
  id?: number
  range?: [number, number]
  /** A message of the followed operation: drawn over the dimmed rest, never bundled. */
  highlight?: boolean
}

export interface SequenceLayout {
  window: SequenceWindow
  lanes: { node: string; x: number }[]
  arrows: SequenceArrow[]
  ticks: { y: number; t: number }[]
  /** Arrows of the window not drawn because of arrowsMax. */
  truncated: number
}

export const sequenceBounds = { arrowsMax: 400, eventsScannedMax: 20_000 } as const

export interface SequenceOptions {
  /** Leave out heartbeats (empty AppendEntries) and their receipts: the messages that carry something stand out. */
  hideHeartbeats?: boolean
  /**
   * Past `arrowsAbove` arrows in the window, arrows of the same sender, receiver, type and fate whose
   * sends fall in one band of `bandPx` pixels are drawn as one thicker arrow with their count.
   */
  bundle?: { arrowsAbove: number; bandPx: number }
  /** Messages to bring forward, "sender:id" (the followed operation's): marked, and never bundled. */
  highlight?: ReadonlySet<string>
}

/** Under load the window holds more arrows than a reader can tell apart: bundle past this many. */
export const sequenceBundling = { arrowsAbove: 120, bandPx: 6 } as const

/**
 * One arrow per (sender, receiver, type, fate, band of `bandPx` pixels at the send), standing for
 * every arrow in it: from their mean start to their mean end, with their count. In time order.
 */
export function bundleArrows(arrows: readonly SequenceArrow[], bandPx: number): SequenceArrow[] {
  const bundles = new Map<string, { arrows: SequenceArrow[] }>()
  const kept: SequenceArrow[] = []
  for (const arrow of arrows) {
    if (arrow.highlight) {
      kept.push(arrow)
      continue
    }
    const key = `${arrow.from}\u0000${arrow.to}\u0000${arrow.type}\u0000${arrow.kind}\u0000${Math.floor(arrow.y1 / bandPx)}`
    const bundle = bundles.get(key)
    if (bundle) bundle.arrows.push(arrow)
    else bundles.set(key, { arrows: [arrow] })
  }
  return [...kept, ...[...bundles.values()].map(({ arrows: members }) => {
    if (members.length === 1) return members[0]!
    const mean = (pick: (arrow: SequenceArrow) => number) => members.reduce((sum, arrow) => sum + pick(arrow), 0) / members.length
    const first = members[0]!
    const reasons = [...new Set(members.flatMap((arrow) => (arrow.reason ? [arrow.reason] : [])))]
    return {
      ...first,
      y1: mean((arrow) => arrow.y1),
      y2: mean((arrow) => arrow.y2),
      sendT: first.sendT,
      endT: Math.max(...members.map((arrow) => arrow.endT)),
      ...(reasons.length > 0 ? { reason: reasons.join(', ') } : {}),
      count: members.length,
    }
  })].sort((a, b) => (a.sendT ?? a.endT) - (b.sendT ?? b.endT))
}
/** A drop this close after a send on the same channel is that send's fate (sender-side loss). */
const dropMatchMs = 50
/** How far before the window to look for the sends of messages received inside it. */
export const sequenceLookbackMs = 2_000

interface PendingSend {
  t: number
  used: boolean
  id?: number
  range?: [number, number]
}

export function layoutSequence(
  events: readonly MessageEvent[],
  nodes: readonly string[],
  window: SequenceWindow,
  size: SequenceSize,
  arrowsMax: number = sequenceBounds.arrowsMax,
  options: SequenceOptions = {},
): SequenceLayout {
  const span = Math.max(1, window.to - window.from)
  const laneGap = nodes.length > 1 ? (size.width - 2 * size.side) / (nodes.length - 1) : 0
  const laneX = new Map(nodes.map((node, i) => [node, nodes.length > 1 ? size.side + i * laneGap : size.width / 2]))
  const y = (t: number) => size.top + ((Math.max(window.from, Math.min(window.to, t)) - window.from) / span) * (size.height - size.top - size.bottom)
  const channels = new Map<string, PendingSend[]>()
  const channel = (from: string, to: string, type: string) => {
    const key = `${from}\u0000${to}\u0000${type}`
    let queue = channels.get(key)
    if (queue === undefined) channels.set(key, (queue = []))
    return queue
  }
  /** Sends by sender and message id: their receipt or drop names the same id. */
  const byId = new Map<string, PendingSend>()
  const heartbeats = new Set<string>()
  const pairedSend = (from: string, to: string, type: string, id: number | undefined, fifo: () => PendingSend | undefined) => {
    if (id === undefined) return fifo()
    const send = byId.get(`${from}\u0000${id}`)
    return send && !send.used ? send : undefined
  }
  const arrows: SequenceArrow[] = []
  const arrow = (from: string, to: string, type: string, kind: ArrowKind, sendT: number | undefined, endT: number, reason: string | undefined, message: { id?: number; range?: [number, number] }) => {
    const x1 = laneX.get(from)
    const x2full = laneX.get(to)
    if (x1 === undefined || x2full === undefined) return
    const startT = sendT ?? window.from
    const x2 = kind === 'dropped' ? x1 + (x2full - x1) * 0.55 : x2full
    const highlight = message.id !== undefined && options.highlight?.has(`${from}:${message.id}`) === true
    arrows.push({
      from, to, type, kind, x1, y1: y(startT), x2, y2: y(endT), clippedStart: startT < window.from, sendT, endT, reason,
      ...(message.id !== undefined ? { id: message.id } : {}),
      ...(message.range ? { range: message.range } : {}),
      ...(highlight ? { highlight } : {}),
    })
  }

  for (const event of events.slice(0, sequenceBounds.eventsScannedMax)) {
    if (event.t > window.to) break
    if (event.kind === 'send') {
      if (options.hideHeartbeats && event.heartbeat) {
        if (event.id !== undefined) heartbeats.add(`${event.node}\u0000${event.id}`)
        continue
      }
      const pending: PendingSend = { t: event.t, used: false, ...(event.id !== undefined ? { id: event.id } : {}), ...(event.range ? { range: event.range } : {}) }
      channel(event.node, event.to, event.type).push(pending)
      if (event.id !== undefined) byId.set(`${event.node}\u0000${event.id}`, pending)
    } else if (event.kind === 'recv') {
      if (event.id !== undefined && heartbeats.has(`${event.from}\u0000${event.id}`)) continue
      const send = pairedSend(event.from, event.node, event.type, event.id, () => channel(event.from, event.node, event.type).find((pending) => !pending.used && pending.t <= event.t))
      if (send) send.used = true
      if (event.t >= window.from) arrow(event.from, event.node, event.type, 'delivered', send?.t, event.t, undefined, { id: event.id ?? send?.id, range: send?.range })
    } else if (event.kind === 'drop') {
      if (event.id !== undefined && heartbeats.has(`${event.from}\u0000${event.id}`)) continue
      const send = pairedSend(event.from, event.to, event.type, event.id, () => {
        const queue = channel(event.from, event.to, event.type)
        for (let i = queue.length - 1; i >= 0; i -= 1) {
          if (!queue[i].used && queue[i].t <= event.t && event.t - queue[i].t <= dropMatchMs) return queue[i]
        }
        return undefined
      })
      if (send) send.used = true
      if (event.t >= window.from) arrow(event.from, event.to, event.type, 'dropped', send?.t ?? event.t, event.t, event.reason, { id: event.id ?? send?.id, range: send?.range })
    }
  }
  for (const [key, queue] of channels) {
    const [from, to, type] = key.split('\u0000')
    for (const send of queue) if (!send.used && send.t >= window.from) arrow(from, to, type, 'open', send.t, window.to, undefined, send)
  }
  arrows.sort((a, b) => (a.sendT ?? a.endT) - (b.sendT ?? b.endT))
  const bundled = options.bundle && arrows.length > options.bundle.arrowsAbove ? bundleArrows(arrows, options.bundle.bandPx) : arrows
  // The followed operation's arrows are drawn whatever the cap leaves out.
  const shown = [...bundled.slice(0, arrowsMax), ...bundled.slice(arrowsMax).filter((arrow) => arrow.highlight)]
  const tickCount = 5
  const ticks = Array.from({ length: tickCount + 1 }, (_, i) => {
    const t = window.from + (span * i) / tickCount
    return { y: y(t), t }
  })
  return { window: { ...window }, lanes: nodes.map((node) => ({ node, x: laneX.get(node) as number })), arrows: shown, ticks, truncated: bundled.length - shown.length }
}

export interface ArrowGroup {
  /** `${kind}:${type}`, with `:bundle` and `:highlight` when they apply */
  key: string
  kind: ArrowKind
  type: string
  /** Every arrow's shaft as one path. */
  lines: string
  /** Every arrowhead (or, for drops, every cross) as one path. */
  heads: string
  /** Arrows drawn, and the messages they stand for (more when some are bundles). */
  count: number
  messages: number
  /** Its arrows are bundles of several messages: drawn thicker. */
  bundled: boolean
  /** Its arrows are the followed operation's messages. */
  highlight: boolean
}

const headLengthPx = 7
const headHalfWidthPx = 3.2
const crossHalfPx = 4

const round1 = (value: number) => Math.round(value * 10) / 10

/**
 * Groups arrows into a few SVG paths, one per (kind, message type): hundreds of arrows then cost a
 * handful of DOM nodes instead of hundreds.
 */
export function arrowGroups(arrows: readonly SequenceArrow[]): ArrowGroup[] {
  const groups = new Map<string, { kind: ArrowKind; type: string; bundled: boolean; highlight: boolean; lines: string[]; heads: string[]; messages: number }>()
  for (const arrow of arrows) {
    const bundled = (arrow.count ?? 1) > 1
    const highlight = arrow.highlight === true
    const key = `${arrow.kind}:${arrow.type}${bundled ? ':bundle' : ''}${highlight ? ':highlight' : ''}`
    let group = groups.get(key)
    if (group === undefined) groups.set(key, (group = { kind: arrow.kind, type: arrow.type, bundled, highlight, lines: [], heads: [], messages: 0 }))
    group.messages += arrow.count ?? 1
    const { x1, y1, x2, y2 } = arrow
    group.lines.push(`M${round1(x1)} ${round1(y1)}L${round1(x2)} ${round1(y2)}`)
    if (arrow.kind === 'dropped') {
      group.heads.push(
        `M${round1(x2 - crossHalfPx)} ${round1(y2 - crossHalfPx)}L${round1(x2 + crossHalfPx)} ${round1(y2 + crossHalfPx)}` +
          `M${round1(x2 - crossHalfPx)} ${round1(y2 + crossHalfPx)}L${round1(x2 + crossHalfPx)} ${round1(y2 - crossHalfPx)}`,
      )
    } else if (arrow.kind === 'delivered') {
      const length = Math.hypot(x2 - x1, y2 - y1) || 1
      const ux = (x2 - x1) / length
      const uy = (y2 - y1) / length
      const bx = x2 - ux * headLengthPx
      const by = y2 - uy * headLengthPx
      group.heads.push(`M${round1(x2)} ${round1(y2)}L${round1(bx - uy * headHalfWidthPx)} ${round1(by + ux * headHalfWidthPx)}L${round1(bx + uy * headHalfWidthPx)} ${round1(by - ux * headHalfWidthPx)}Z`)
    }
  }
  // Highlighted groups last: SVG draws them over the dimmed rest.
  return [...groups.entries()]
    .map(([key, group]) => ({ key, kind: group.kind, type: group.type, bundled: group.bundled, highlight: group.highlight, lines: group.lines.join(''), heads: group.heads.join(''), count: group.lines.length, messages: group.messages }))
    .sort((a, b) => Number(a.highlight) - Number(b.highlight))
}

/** The arrow nearest to (x, y) within `maxDistancePx`, for the hover description. */
export function nearestArrow(arrows: readonly SequenceArrow[], x: number, y: number, maxDistancePx = 6): SequenceArrow | undefined {
  let best: SequenceArrow | undefined
  let bestDistance = maxDistancePx
  for (const arrow of arrows) {
    const dx = arrow.x2 - arrow.x1
    const dy = arrow.y2 - arrow.y1
    const lengthSquared = dx * dx + dy * dy || 1
    const along = Math.max(0, Math.min(1, ((x - arrow.x1) * dx + (y - arrow.y1) * dy) / lengthSquared))
    const distance = Math.hypot(x - (arrow.x1 + along * dx), y - (arrow.y1 + along * dy))
    if (distance <= bestDistance) {
      best = arrow
      bestDistance = distance
    }
  }
  return best
}
