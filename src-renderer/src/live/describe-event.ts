/** One line of the event log per trace event; an exhaustive switch, so a new kind fails to compile here. */
import type { TraceEvent } from '../../../src-main/api/trace'
import { describeFault, type Translate } from '../charts/common'

export const logKinds = ['role', 'term', 'vote', 'commit', 'apply', 'append', 'truncate', 'config', 'slot', 'checkpoint', 'conflict', 'fault', 'links', 'members', 'process', 'send', 'recv', 'drop', 'note', 'frame-error', 'stats'] as const

/** Term runs as text: "2" or "1, 2 from 5". */
function describeRuns(runs: readonly [number, number][]): string {
  return runs.map(([index, term], position) => (position === 0 ? String(term) : `${term} from ${index}`)).join(', ')
}

export function describeEvent(event: TraceEvent, t: Translate): string {
  switch (event.kind) {
    case 'role':
      return t('event.role', { role: event.role, term: event.term, leader: event.leader ?? '–' })
    case 'term':
      return t('event.term', { term: event.term })
    case 'vote':
      return t('event.vote', { term: event.term, votedFor: event.votedFor })
    case 'commit':
      return t('event.commit', { index: event.index })
    case 'apply':
      return t('event.apply', { index: event.index, term: event.term, hash: event.hash.slice(0, 10) })
    case 'truncate':
      if (event.toIndex === undefined || event.runs === undefined) return t('event.truncate', { fromIndex: event.fromIndex, term: event.term })
      return t('event.truncateRange', { fromIndex: event.fromIndex, toIndex: event.toIndex, terms: describeRuns(event.runs), leader: event.leader ?? '–', term: event.term })
    case 'append':
      return t('event.append', { fromIndex: event.fromIndex, toIndex: event.toIndex, terms: describeRuns(event.runs), ms: event.persistMs })
    case 'config': {
      const state = t(event.committed ? 'event.configCommitted' : 'event.configPending')
      return t('event.config', { index: event.index, state, voters: event.voters.join(', '), learners: event.learners.length === 0 ? '–' : event.learners.join(', ') })
    }
    case 'slot':
      return t('event.slot', { seq: event.seq, phase: event.phase, view: event.view })
    case 'checkpoint':
      return t('event.checkpoint', { seq: event.seq })
    case 'conflict':
      return t('event.conflict', { from: event.from, type: event.type, view: event.view, seq: event.seq })
    case 'links':
      return event.cut.length === 0 ? t('event.linksHealed') : t('event.links', { links: event.cut.map(([from, to]) => `${from}→${to}`).join(' ') })
    case 'members':
      return t('membership.event', {
        voters: event.voters.join(', '),
        learners: event.learners.length > 0 ? event.learners.join(', ') : t('membership.none'),
        state: t(event.committed ? 'membership.committed' : 'membership.pending'),
      })
    case 'send':
      return t('event.send', { type: event.type, to: event.to, bytes: event.bytes })
    case 'recv':
      return t('event.recv', { type: event.type, from: event.from, bytes: event.bytes })
    case 'drop':
      return t('event.drop', { type: event.type, from: event.from, to: event.to, reason: event.reason })
    case 'fault':
      return t('event.fault', { fault: describeFault(event) })
    case 'process':
      return t('event.process', { state: t(`process.${event.state}`), detail: event.detail ?? '' })
    case 'note':
      return event.text
    case 'frame-error':
      return t('event.frameError', { peer: event.peer, reason: event.reason })
    case 'stats':
      return t('event.stats', { bytes: event.bytesSent, dropped: event.messageEventsDropped })
    default: {
      const unknown: never = event
      return JSON.stringify(unknown)
    }
  }
}
