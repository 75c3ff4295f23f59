/**
 * Who led when, from the trace: leader tenures, leader changes, the highest term, and the intervals
 * in which no running node acted as leader (or primary). A crashed or paused leader stops leading at
 * that moment, whatever it believes; a deposed leader stops when it reports its new role.
 */
import type { TraceEvent } from '../api/trace.js'

export const leaderRoleNames: readonly string[] = ['leader', 'primary']

export interface Tenure {
  node: string
  term: number
  fromMs: number
  toMs: number
}

export interface Leadership {
  tenures: Tenure[]
  /** Elections won after the first leader of the run. */
  leaderChanges: number
  maxTerm: number
  /** Distinct terms (or views) in which some node led. */
  leaderTerms: number
  leaderlessIntervals: { fromMs: number; toMs: number }[]
  unavailableMs: number
}

/**
 * `events` in any order; the window bounds the unavailability measurement. `group` picks one
 * MultiRaft group's leadership (undefined: the events that belong to no group).
 */
export function computeLeadership(events: readonly TraceEvent[], windowFromMs: number, windowToMs: number, group?: number): Leadership {
  const relevant = events.filter(
    (event) => event.kind === 'process' || ((event.kind === 'role' || event.kind === 'term') && event.group === group),
  )
  relevant.sort((a, b) => a.t - b.t)
  const open = new Map<string, { term: number; fromMs: number }>()
  const tenures: Tenure[] = []
  let maxTerm = 0
  const close = (node: string, atMs: number) => {
    const tenure = open.get(node)
    if (!tenure) return
    open.delete(node)
    tenures.push({ node, term: tenure.term, fromMs: tenure.fromMs, toMs: atMs })
  }
  for (const event of relevant) {
    if (event.kind === 'term') {
      maxTerm = Math.max(maxTerm, event.term)
    } else if (event.kind === 'role') {
      maxTerm = Math.max(maxTerm, event.term)
      const leading = leaderRoleNames.includes(event.role)
      // The same node announcing the same leadership again (a restated role) continues its tenure.
      if (leading && open.get(event.node)?.term === event.term) continue
      close(event.node, event.t)
      if (leading) open.set(event.node, { term: event.term, fromMs: event.t })
    } else if (event.kind === 'process' && event.state !== 'up' && event.state !== 'resumed') {
      close(event.node, event.t)
    }
  }
  for (const node of [...open.keys()]) close(node, Math.max(windowToMs, open.get(node)!.fromMs))
  tenures.sort((a, b) => a.fromMs - b.fromMs)
  const leaderlessIntervals = gaps(tenures, windowFromMs, windowToMs)
  return {
    tenures,
    leaderChanges: Math.max(0, tenures.length - 1),
    maxTerm,
    leaderTerms: new Set(tenures.map((tenure) => tenure.term)).size,
    leaderlessIntervals,
    unavailableMs: leaderlessIntervals.reduce((sum, gap) => sum + (gap.toMs - gap.fromMs), 0),
  }
}

/** The parts of [from, to] covered by no tenure. `tenures` sorted by start. */
function gaps(tenures: Tenure[], fromMs: number, toMs: number): { fromMs: number; toMs: number }[] {
  const result: { fromMs: number; toMs: number }[] = []
  let coveredUntil = fromMs
  for (const tenure of tenures) {
    if (tenure.toMs <= coveredUntil) continue
    if (tenure.fromMs > coveredUntil) result.push({ fromMs: coveredUntil, toMs: Math.min(tenure.fromMs, toMs) })
    coveredUntil = Math.max(coveredUntil, tenure.toMs)
    if (coveredUntil >= toMs) break
  }
  if (coveredUntil < toMs) result.push({ fromMs: coveredUntil, toMs })
  return result.filter((gap) => gap.toMs > gap.fromMs)
}

/** The node currently leading, by the latest role events seen (live view and fault targets). */
export class LeaderTracker {
  private readonly roles = new Map<string, { role: string; term: number }>()
  private readonly down = new Set<string>()

  /** Tracks group 0 under MultiRaft (the group a "crash: leader" fault aims at). */
  observe(event: TraceEvent): void {
    if (event.kind === 'role' && (event.group ?? 0) === 0) this.roles.set(event.node, { role: event.role, term: event.term })
    if (event.kind === 'process') {
      if (event.state === 'up' || event.state === 'resumed') this.down.delete(event.node)
      else this.down.add(event.node)
      if (event.state === 'crashed' || event.state === 'exited' || event.state === 'removed') this.roles.delete(event.node)
    }
  }

  /** The running node that claims leadership in the highest term, if any. */
  leader(): string | undefined {
    let best: { node: string; term: number } | undefined
    for (const [node, { role, term }] of this.roles) {
      if (this.down.has(node) || !leaderRoleNames.includes(role)) continue
      if (!best || term > best.term) best = { node, term }
    }
    return best?.node
  }

  roleOf(node: string): { role: string; term: number } | undefined {
    return this.roles.get(node)
  }
}
