/**
 * Where the person dragged each node of an experiment's topology, kept in IndexedDB beside the
 * runs (the settings table, one row per experiment name), so the designer and the run canvas of
 * that experiment open with the same picture. Not part of the experiment file: a layout is a view.
 */
import { nodesMax } from '../../../src-main/api/experiment'
import type { Point } from '../components/topology/layout'
import type { RunDatabase } from './schema'

/** Bounds on a stored layout: one position per node of the largest cluster, a name as long as a file's. */
export const layoutBounds = { nodesMax, nameCharsMax: 200, coordinateMax: 10_000 } as const

const keyPrefix = 'layout:'

export type Layout = Record<string, Point>

/** The positions of `value` that are sane (finite, in range), at most nodesMax; anything else is left out. */
export function saneLayout(value: unknown): Layout {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
  const layout: Layout = {}
  for (const [node, point] of Object.entries(value).slice(0, layoutBounds.nodesMax)) {
    const { x, y } = (point ?? {}) as Partial<Point>
    const inRange = (coordinate: unknown): coordinate is number => typeof coordinate === 'number' && Number.isFinite(coordinate) && Math.abs(coordinate) <= layoutBounds.coordinateMax
    if (node.length > 0 && inRange(x) && inRange(y)) layout[node] = { x, y }
  }
  return layout
}

export class LayoutRepository {
  constructor(readonly db: RunDatabase) {}

  /** The layout saved for the experiment `name`, empty when none (or when what is stored is not a layout). */
  async load(name: string): Promise<Layout> {
    const row = await this.db.settings.get(keyPrefix + name.slice(0, layoutBounds.nameCharsMax))
    if (row === undefined) return {}
    try {
      return saneLayout(JSON.parse(row.value))
    } catch {
      return {}
    }
  }

  async save(name: string, layout: Layout): Promise<void> {
    await this.db.settings.put({ key: keyPrefix + name.slice(0, layoutBounds.nameCharsMax), value: JSON.stringify(saneLayout(layout)) })
  }
}
