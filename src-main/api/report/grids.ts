/**
 * The log grid and the slot grid as static HTML: the HTML report embeds it, and the app shows the
 * same markup (its words translated through `GridLabels`). Every text from the trace is escaped.
 */
import type { LogGridColumn, LogGridModel } from '../log-grid.js'
import { logGridColumns } from '../log-grid.js'
import type { SlotGridModel } from '../slot-grid.js'
import { slotGridColumns } from '../slot-grid.js'
import { escapeHtml as esc } from './format.js'

/** The words of the grids; English by default (the report), the app passes its locale's. */
export interface GridLabels {
  node: string
  gap: (count: number) => string
  commit: (index: number) => string
  entry: (index: number, term: number, op: string | undefined) => string
  dropped: (index: number, term: number, op: string | undefined, atS: string, leader: string | undefined, leaderTerm: number) => string
  empty: string
  view: (view: number) => string
  slot: (seq: number, phase: string, view: number, views: number[], digest: string | undefined) => string
  lowWaterMark: (seq: number) => string
  conflict: string
  phases: Record<string, string>
}

export const englishGridLabels: GridLabels = {
  node: 'node',
  gap: (count) => `… ${count.toLocaleString('en-US')} entries …`,
  commit: (index) => `commit ${index}`,
  entry: (index, term, op) => `index ${index} · term ${term}${op ? ` · ${op}` : ''}`,
  dropped: (index, term, op, atS, leader, leaderTerm) =>
    `index ${index} · term ${term}${op ? ` · ${op}` : ''}: dropped at ${atS} s, conflicting with ${leader ?? 'the leader'} (term ${leaderTerm})`,
  empty: 'No log entries yet.',
  view: (view) => `view ${view}`,
  slot: (seq, phase, view, views, digest) => `seq ${seq} · ${phase} in view ${view}${views.length > 1 ? ` · proposed in views ${views.join(', ')}` : ''}${digest ? ` · ${digest}` : ''}`,
  lowWaterMark: (seq) => `low water mark ${seq}`,
  conflict: 'conflicting messages',
  phases: { 'pre-prepared': 'PP', prepared: 'P', committed: 'C', executed: 'E' },
}

/** The same labels in Korean, as the app's Korean page says them (i18n ko.ts `grid`), for Korean reports. */
export const koreanGridLabels: GridLabels = {
  node: '노드',
  gap: (count) => `… 엔트리 ${count.toLocaleString('en-US')}개 …`,
  commit: (index) => `커밋 ${index}`,
  entry: (index, term, op) => `인덱스 ${index} · term ${term}${op ? ` · ${op}` : ''}`,
  dropped: (index, term, op, atS, leader, leaderTerm) => `인덱스 ${index} · term ${term}${op ? ` · ${op}` : ''}: ${atS}초에 버려짐, ${leader ?? '리더'}(term ${leaderTerm})의 로그와 충돌`,
  empty: '아직 로그 엔트리가 없습니다.',
  view: (view) => `뷰 ${view}`,
  slot: (seq, phase, view, views, digest) => `seq ${seq} · view ${view}에서 ${phase}${views.length > 1 ? ` · 제안된 view ${views.join(', ')}` : ''}${digest ? ` · ${digest}` : ''}`,
  lowWaterMark: (seq) => `낮은 워터마크 ${seq}`,
  conflict: '모순된 메시지',
  // PP / P / C / E: the protocol's own abbreviations, the same in every language.
  phases: englishGridLabels.phases,
}

/** Eight term colours, light enough for a dark label; term t takes colour t mod 8. */
export const termColors = ['#d0ebff', '#d3f9d8', '#ffe8cc', '#e5dbff', '#fff3bf', '#ffdeeb', '#c3fae8', '#e9ecef']

/**
 * A term's colour as a class, not a style attribute: the app's Content-Security-Policy refuses
 * inline styles in markup, and the same HTML is shown there.
 */
function termClass(term: number): string {
  return `lg-term-${term % termColors.length}`
}

function headerCells(columns: LogGridColumn[], labels: GridLabels): string {
  return columns
    .map((column) => (column.kind === 'index' ? `<th class="lg-index">${column.index}</th>` : `<th class="lg-gap" rowspan="1">${esc(labels.gap(column.count))}</th>`))
    .join('')
}

/** The term, and the command under it (a printed report has no hover). */
function cellText(term: number, op: string | undefined): string {
  return `<b>${term}</b>${op === undefined ? '' : `<small>${esc(op)}</small>`}`
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2)
}

/** The log grid as an HTML table (one row per node). */
export function logGridHtml(model: LogGridModel, labels: GridLabels = englishGridLabels, columns: LogGridColumn[] = logGridColumns(model)): string {
  if (model.lastIndex === 0) return `<p class="lg-empty">${esc(labels.empty)}</p>`
  const rows = model.nodes.map((node) => {
    const log = model.logs[node]!
    const cells = columns.map((column) => {
      if (column.kind === 'gap') return '<td class="lg-gap"></td>'
      const entry = log.entries.get(column.index)
      const dropped = log.dropped.filter((item) => item.index === column.index)
      const classes = ['lg-cell', entry && column.index <= log.commitIndex ? 'lg-committed' : entry ? 'lg-uncommitted' : 'lg-none', column.index === log.commitIndex ? 'lg-commit-point' : '']
      const live = entry
        ? `<span class="lg-entry ${termClass(entry.term)}" title="${esc(labels.entry(column.index, entry.term, entry.op))}">${cellText(entry.term, entry.op)}</span>`
        : ''
      const struck = dropped
        .map(
          (item) =>
            `<s class="lg-dropped ${termClass(item.term)}" data-testid="dropped-${esc(node)}-${item.index}" title="${esc(labels.dropped(item.index, item.term, item.op, seconds(item.atMs), item.leader, item.leaderTerm))}">${cellText(item.term, item.op)}</s>`,
        )
        .join('')
      return `<td class="${classes.filter(Boolean).join(' ')}" data-index="${column.index}">${live}${struck}</td>`
    })
    return `<tr data-node="${esc(node)}"><th class="lg-node">${esc(node)} <span class="lg-commit">${esc(labels.commit(log.commitIndex))}</span></th>${cells.join('')}</tr>`
  })
  return `<table class="lg-table log-grid"><thead><tr><th class="lg-node">${esc(labels.node)}</th>${headerCells(columns, labels)}</tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/** The slot grid as an HTML table (one row per replica). */
export function slotGridHtml(model: SlotGridModel, labels: GridLabels = englishGridLabels, columns: LogGridColumn[] = slotGridColumns(model)): string {
  if (model.lastSeq === 0) return `<p class="lg-empty">${esc(labels.empty)}</p>`
  const rows = model.nodes.map((node) => {
    const replica = model.replicas[node]!
    const cells = columns.map((column) => {
      if (column.kind === 'gap') return '<td class="lg-gap"></td>'
      const seq = column.index
      const cell = replica.slots.get(seq)
      const below = seq <= replica.lowWaterMark
      const classes = ['lg-cell', below ? 'lg-below-water' : '', seq === replica.lowWaterMark ? 'lg-commit-point' : '', replica.checkpoints.includes(seq) ? 'lg-checkpoint' : '']
      if (cell === undefined) return `<td class="${classes.filter(Boolean).join(' ')} lg-none" data-seq="${seq}"></td>`
      if (cell.views.length > 1) classes.push('lg-reproposed')
      if (cell.conflicts.length > 0) classes.push('lg-conflict')
      // Executed once is executed for good: a re-proposal in a later view shows as the ring, not as a step back.
      const shownPhase = cell.executedView !== undefined ? 'executed' : cell.phase
      const executedEarlier = cell.executedView !== undefined && cell.phase !== 'executed' ? [labels.slot(seq, 'executed', cell.executedView, [], undefined)] : []
      const title = [labels.slot(seq, cell.phase, cell.view, cell.views, cell.digest), ...executedEarlier, ...(cell.conflicts.length > 0 ? [`${labels.conflict}: ${cell.conflicts.join('; ')}`] : []), ...(below ? [labels.lowWaterMark(replica.lowWaterMark)] : [])].join('\n')
      return `<td class="${classes.filter(Boolean).join(' ')}" data-seq="${seq}" data-phase="${esc(shownPhase)}"><span class="lg-entry lg-phase-${esc(shownPhase)} ${termClass(cell.view)}" title="${esc(title)}">${esc(labels.phases[shownPhase] ?? shownPhase)}<sub>${cell.view}</sub></span></td>`
    })
    const header = `${esc(node)} <span class="lg-commit">${esc(labels.view(replica.view))} · ${esc(labels.lowWaterMark(replica.lowWaterMark))}</span>`
    return `<tr data-node="${esc(node)}"><th class="lg-node">${header}</th>${cells.join('')}</tr>`
  })
  return `<table class="lg-table slot-grid"><thead><tr><th class="lg-node">${esc(labels.node)}</th>${headerCells(columns, labels)}</tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/** The grids' stylesheet (the report inlines it; the app loads it once). */
export const gridCss = `
.lg-table.lg-table { width: auto; border-collapse: separate; border-spacing: 2px; font: 12px/1.2 ui-monospace, SFMono-Regular, Menlo, monospace; }
.lg-table.lg-table th, .lg-table.lg-table td { font-weight: 600; color: #495057; text-align: center; padding: 0 2px; border: none; background: none; vertical-align: middle; }
.lg-table.lg-table th.lg-node { text-align: left; white-space: nowrap; padding-right: 8px; }
.lg-commit { font-weight: 400; color: #868e96; font-size: 11px; }
.lg-table.lg-table .lg-gap { color: #868e96; font-weight: 400; white-space: nowrap; font-style: italic; min-width: 4em; }
.lg-table.lg-table .lg-cell { min-width: 26px; height: 26px; border-right: 3px solid transparent; }
.lg-entry small, .lg-dropped small { display: block; font-size: 10px; font-weight: 400; max-width: 8em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.lg-entry, .lg-dropped { display: block; padding: 3px 2px; border: 1px solid #adb5bd; border-radius: 4px; color: #212529; cursor: default; }
.lg-uncommitted .lg-entry { border-style: dashed; opacity: 0.85; }
.lg-committed .lg-entry { border-color: #495057; font-weight: 700; }
.lg-table.lg-table .lg-commit-point { border-right-color: #2b8a3e; }
.lg-dropped { margin-top: 2px; color: #c92a2a; border-color: #e03131; text-decoration: line-through; text-decoration-thickness: 2px; opacity: 0.9; }
.lg-below-water .lg-entry { opacity: 0.45; }
.lg-table.lg-table .lg-checkpoint { border-right-color: #1c7ed6; }
.lg-reproposed .lg-entry { outline: 2px solid #f08c00; }
.lg-conflict .lg-entry { outline: 2px solid #e03131; }
.lg-phase-executed { font-weight: 700; }
.lg-empty { color: #868e96; font-size: 13px; }
${termColors.map((color, i) => `.lg-term-${i} { background: ${color}; }`).join('\n')}
`
