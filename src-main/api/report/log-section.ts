/**
 * The report's log section, for runs that are about the log: a Raft run whose trace shows an entry
 * dropped (truncated) or whose workload is a hand-written script (a log small enough to read, as in
 * scenario 5), and a PBFT run that changed view or caught conflicting messages. It shows the grid at
 * the end of the run, built from the trace stored with the record.
 */
import { buildLogGrid, logGridKinds, type LogGridModel } from '../log-grid.js'
import type { RunRecord } from '../run-file.js'
import { buildSlotGrid } from '../slot-grid.js'
import type { TraceEvent } from '../trace.js'
import { escapeHtml as esc } from './format.js'
import { logGridHtml, slotGridHtml } from './grids.js'

/** The section's HTML, or undefined when the run is not about its log (or its trace holds none). */
export function logSectionHtml(record: RunRecord): string | undefined {
  const events = record.trace?.events ?? []
  const originMs = record.workloadStartMs ?? record.summary.workloadStartMs ?? 0
  const scripted = (record.experiment.workload.script?.length ?? 0) > 0
  const nodes = record.summary.nodeNames
  // Experiment time, as every other time in the report.
  const shifted = (kinds: readonly string[]): TraceEvent[] => events.filter((event) => kinds.includes(event.kind)).map((event) => ({ ...event, t: event.t - originMs }))
  const omitted = record.trace && record.trace.omitted > 0 ? `<p class="note">The stored trace is bounded (${esc(record.trace.note ?? `${record.trace.omitted} events left out`)}); log events are kept before messages.</p>` : ''
  if (record.summary.protocol === 'pbft') {
    const slotEvents = shifted(['slot', 'checkpoint', 'conflict', 'role'])
    const eventful = slotEvents.some((event) => event.kind === 'conflict' || (event.kind === 'role' && event.term > 0))
    if (!slotEvents.some((event) => event.kind === 'slot') || !(scripted || eventful)) return undefined
    return `<p>Each replica's slots at the end of the run: PP pre-prepared, P prepared, C committed, E executed, with the view below. Orange ring: re-proposed in a later view; red ring: conflicting messages; blue bar: a stable checkpoint; faded: at or below the low water mark. Hover a cell for its digest.</p>\n${slotGridHtml(buildSlotGrid(nodes, slotEvents))}\n${omitted}`
  }
  const logEvents = shifted(logGridKinds)
  const truncated = logEvents.some((event) => event.kind === 'truncate')
  if (!logEvents.some((event) => event.kind === 'append') || !(scripted || truncated)) return undefined
  const groups = Math.max(1, record.summary.groups?.length ?? 1)
  const grids = Array.from({ length: groups }, (_, group) => {
    const grid = buildLogGrid(nodes, logEvents, Infinity, group)
    const html = `${logGridHtml(grid)}\n${droppedList(grid)}`
    return groups > 1 ? `<h3>Group ${group}</h3>\n${html}` : html
  })
  return `<p>Each node's log at the end of the run: one cell per index, coloured and labelled by term; solid border: committed at that node, dashed: not committed there; the green bar is its commit index. Struck through in red: entries the node dropped because they conflicted with a newer leader's log (hover for when and for whom; the command is on each cell's hover).</p>\n${grids.join('\n')}\n${omitted}`
}

/** Dropped entries a report lists in words (a printed page has no hover); the rest are counted. */
export const reportDroppedListedMax = 20

function droppedList(grid: LogGridModel): string {
  const dropped = grid.nodes.flatMap((node) => grid.logs[node]!.dropped.map((entry) => ({ node, ...entry }))).sort((a, b) => a.atMs - b.atMs || a.index - b.index)
  if (dropped.length === 0) return ''
  const items = dropped
    .slice(0, reportDroppedListedMax)
    .map((entry) => `<li>${esc(`${entry.node} dropped index ${entry.index} (term ${entry.term}${entry.op ? `, ${entry.op}` : ''}) at ${(entry.atMs / 1000).toFixed(2)} s, conflicting with ${entry.leader ?? 'the leader'}'s log (term ${entry.leaderTerm})`)}</li>`)
  const more = dropped.length > reportDroppedListedMax ? `<li>… and ${dropped.length - reportDroppedListedMax} more</li>` : ''
  return `<ul class="dropped-entries">${items.join('')}${more}</ul>`
}
