/** Where nodes sit on the canvas when nobody dragged them: evenly on a circle, the first at the top. */
import type { MemberRole } from '../../../../src-main/api/lab-api'

/** What the canvas shows of a live node. */
export interface NodeBadge {
  role: string
  process: 'starting' | 'up' | 'crashed' | 'paused' | 'exited'
  term: number
  leader: boolean
  /** Raft membership changes: its place in the configuration; absent while the membership is fixed. */
  member?: MemberRole
}

/** A node that is in the cluster but does not vote (a learner, or one joining): drawn hollow and dashed. */
export function isNonVoting(badge: NodeBadge | undefined): boolean {
  return badge?.member === 'learner' || badge?.member === 'joining'
}

export interface Point {
  x: number
  y: number
}

export const canvasSize = { width: 520, height: 340 } as const

export function circleLayout(nodes: readonly string[], width: number = canvasSize.width, height: number = canvasSize.height): Record<string, Point> {
  const radius = Math.min(width, height) / 2 - 48
  const center = { x: width / 2, y: height / 2 }
  const out: Record<string, Point> = {}
  nodes.forEach((node, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, nodes.length)
    out[node] = nodes.length === 1 ? center : { x: Math.round(center.x + radius * Math.cos(angle)), y: Math.round(center.y + radius * Math.sin(angle)) }
  })
  return out
}

/** Every unordered pair once: the links of a fully connected cluster. */
export function allLinks(nodes: readonly string[]): [string, string][] {
  const links: [string, string][] = []
  for (let i = 0; i < nodes.length; i += 1) for (let j = i + 1; j < nodes.length; j += 1) links.push([nodes[i], nodes[j]])
  return links
}

export function clampToCanvas(point: Point, margin = 28): Point {
  return {
    x: Math.round(Math.min(canvasSize.width - margin, Math.max(margin, point.x))),
    y: Math.round(Math.min(canvasSize.height - margin, Math.max(margin, point.y))),
  }
}
