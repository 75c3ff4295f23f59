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
import { englishGridLabels, koreanGridLabels, logGridHtml, slotGridHtml } from './grids.js'

/** The section's words, per locale (the grid's own labels are grids.ts's). */
const sectionWords = {
  en: {
    bounded: (why: string) => `The stored trace is bounded (${why}); log events are kept before messages.`,
    slots: "Each replica's slots at the end of the run: PP pre-prepared, P prepared, C committed, E executed, with the view below. Orange ring: re-proposed in a later view; red ring: conflicting messages; blue bar: a stable checkpoint; faded: at or below the low water mark. Hover a cell for its digest.",
    log: "Each node's log at the end of the run: one cell per index, coloured and labelled by term; solid border: committed at that node, dashed: not committed there; the green bar is its commit index. Struck through in red: entries the node dropped because they conflicted with a newer leader's log (hover for when and for whom; the command is on each cell's hover).",
    group: (group: number) => `Group ${group}`,
    dropped: (node: string, index: number, term: number, op: string | undefined, atS: string, leader: string | undefined, leaderTerm: number) =>
      `${node} dropped index ${index} (term ${term}${op ? `, ${op}` : ''}) at ${atS} s, conflicting with ${leader ?? 'the leader'}'s log (term ${leaderTerm})`,
    more: (count: number) => `… and ${count} more`,
    labels: englishGridLabels,
  },
  ko: {
    bounded: (why: string) => `저장된 트레이스는 크기가 제한되어 있습니다(${why}). 로그 이벤트를 메시지보다 먼저 남깁니다.`,
    slots: '실행이 끝났을 때 각 복제본의 슬롯: PP pre-prepared, P prepared, C committed, E executed, 아래 숫자는 view. 주황 테두리: 다음 view에서 다시 제안됨, 빨간 테두리: 모순된 메시지, 파란 막대: 안정된 체크포인트, 흐리게: 낮은 워터마크 이하. 칸에 마우스를 올리면 다이제스트가 보입니다.',
    log: '실행이 끝났을 때 각 노드의 로그: 인덱스마다 한 칸이며 term별 색과 숫자로 표시합니다. 실선 테두리: 그 노드에서 커밋됨, 점선: 아직 아님, 초록 막대: 그 노드의 커밋 인덱스. 빨간 취소선: 새 리더의 로그와 충돌해 노드가 버린 엔트리(언제, 누구 때문인지와 명령은 칸에 마우스를 올려 보세요).',
    group: (group: number) => `그룹 ${group}`,
    dropped: (node: string, index: number, term: number, op: string | undefined, atS: string, leader: string | undefined, leaderTerm: number) =>
      `${node}이(가) ${atS}초에 인덱스 ${index}(term ${term}${op ? `, ${op}` : ''})을 버림: ${leader ?? '리더'}의 로그(term ${leaderTerm})와 충돌`,
    more: (count: number) => `… 그리고 ${count}개 더`,
    labels: koreanGridLabels,
  },
}
type SectionWords = (typeof sectionWords)['en']

/** The section's HTML, or undefined when the run is not about its log (or its trace holds none). */
export function logSectionHtml(record: RunRecord, locale: 'en' | 'ko' = 'en'): string | undefined {
  const w: SectionWords = sectionWords[locale]
  const events = record.trace?.events ?? []
  const originMs = record.workloadStartMs ?? record.summary.workloadStartMs ?? 0
  const scripted = (record.experiment.workload.script?.length ?? 0) > 0
  const nodes = record.summary.nodeNames
  // Experiment time, as every other time in the report.
  const shifted = (kinds: readonly string[]): TraceEvent[] => events.filter((event) => kinds.includes(event.kind)).map((event) => ({ ...event, t: event.t - originMs }))
  const omitted = record.trace && record.trace.omitted > 0 ? `<p class="note">${esc(w.bounded(record.trace.note ?? `${record.trace.omitted} events left out`))}</p>` : ''
  if (record.summary.protocol === 'pbft') {
    const slotEvents = shifted(['slot', 'checkpoint', 'conflict', 'role'])
    const eventful = slotEvents.some((event) => event.kind === 'conflict' || (event.kind === 'role' && event.term > 0))
    if (!slotEvents.some((event) => event.kind === 'slot') || !(scripted || eventful)) return undefined
    return `<p>${esc(w.slots)}</p>\n${slotGridHtml(buildSlotGrid(nodes, slotEvents), w.labels)}\n${omitted}`
  }
  const logEvents = shifted(logGridKinds)
  const truncated = logEvents.some((event) => event.kind === 'truncate')
  if (!logEvents.some((event) => event.kind === 'append') || !(scripted || truncated)) return undefined
  const groups = Math.max(1, record.summary.groups?.length ?? 1)
  const grids = Array.from({ length: groups }, (_, group) => {
    const grid = buildLogGrid(nodes, logEvents, Infinity, group)
    const html = `${logGridHtml(grid, w.labels)}\n${droppedList(grid, w)}`
    return groups > 1 ? `<h3>${esc(w.group(group))}</h3>\n${html}` : html
  })
  return `<p>${esc(w.log)}</p>\n${grids.join('\n')}\n${omitted}`
}

/** Dropped entries a report lists in words (a printed page has no hover); the rest are counted. */
export const reportDroppedListedMax = 20

function droppedList(grid: LogGridModel, w: SectionWords): string {
  const dropped = grid.nodes.flatMap((node) => grid.logs[node]!.dropped.map((entry) => ({ node, ...entry }))).sort((a, b) => a.atMs - b.atMs || a.index - b.index)
  if (dropped.length === 0) return ''
  const items = dropped
    .slice(0, reportDroppedListedMax)
    .map((entry) => `<li>${esc(w.dropped(entry.node, entry.index, entry.term, entry.op, (entry.atMs / 1000).toFixed(2), entry.leader, entry.leaderTerm))}</li>`)
  const more = dropped.length > reportDroppedListedMax ? `<li>${esc(w.more(dropped.length - reportDroppedListedMax))}</li>` : ''
  return `<ul class="dropped-entries">${items.join('')}${more}</ul>`
}
