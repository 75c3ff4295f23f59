/** One line of the event log per trace event; an exhaustive switch, so a new kind fails to compile here. */
import type { TraceEvent } from '../../../src-main/api/trace'
import { describeFault, type Translate } from '../charts/common'

export const logKinds = ['role', 'term', 'vote', 'commit', 'apply', 'truncate', 'fault', 'process', 'drop', 'note', 'frame-error', 'stats'] as const

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
      return t('event.truncate', { fromIndex: event.fromIndex, term: event.term })
    case 'send':
      return t('event.send', { type: event.type, to: event.to, bytes: event.bytes })
    case 'recv':
      return t('event.recv', { type: event.type, from: event.from, bytes: event.bytes })
    case 'drop':
      return t('event.drop', { type: event.type, from: event.from, to: event.to, reason: event.reason })
    case 'fault':
      return t('event.fault', { fault: describeFault(event) })
    case 'process':
      return t('event.process', { state: event.state, detail: event.detail ?? '' })
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
