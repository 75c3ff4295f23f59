/**
 * Screens say what the protocol says: PBFT has views and a primary, not terms and a leader. A
 * message that names the epoch or the leader has a sibling under `words.view.*` or
 * `words.primary.*`; `vocabularyKey` picks the one the run's protocol speaks.
 */
import { vocabularyOf } from '../../../src-main/api/vocabulary'

/** Messages naming the epoch (term) and their view siblings. */
export const viewKeys: Readonly<Record<string, string>> = {
  'chart.term': 'words.view.term',
  'chart.termChangesPerMinute': 'words.view.termChangesPerMinute',
  'timeline.roles': 'words.view.roles',
  'timeline.terms': 'words.view.terms',
}

/** Messages naming the leader and their primary siblings. */
export const primaryKeys: Readonly<Record<string, string>> = {
  'run.leader': 'words.primary.leader',
  'run.noLeader': 'words.primary.noLeader',
  'verdict.leaderChanges': 'words.primary.leaderChanges',
  'verdict.unavailable': 'words.primary.unavailable',
  'legend.leader': 'words.primary.legendLeader',
  'legend.leaderless': 'words.primary.leaderless',
  'chart.decorations': 'words.primary.decorations',
  'compare.faults.title': 'words.primary.faultsTitle',
  'compare.faults.leaderless': 'words.primary.unavailable',
  'compare.summary.note': 'words.primary.summaryNote',
}

/** Messages over runs of several protocols (Compare) that name the leader: one word for both. */
export const mixedKeys: Readonly<Record<string, string>> = {
  'verdict.leaderChanges': 'words.mixed.leaderChanges',
  'verdict.unavailable': 'words.mixed.unavailable',
  'compare.faults.title': 'words.mixed.faultsTitle',
  'compare.faults.leaderless': 'words.mixed.unavailable',
  'compare.summary.note': 'words.mixed.summaryNote',
}

export function vocabularyKey(key: string, protocol: string | undefined): string {
  const words = vocabularyOf(protocol)
  if (words.term === 'view' && viewKeys[key] !== undefined) return viewKeys[key]
  if (words.leader === 'primary' && primaryKeys[key] !== undefined) return primaryKeys[key]
  return key
}

/**
 * The key for a screen about several runs at once: their protocol's words when they all speak the
 * same ones (all PBFT: primary), words naming both when they do not (Raft beside PBFT).
 */
export function vocabularyKeyOfRuns(key: string, protocols: readonly string[]): string {
  const spoken = new Set(protocols.map((protocol) => vocabularyKey(key, protocol)))
  if (spoken.size <= 1) return [...spoken][0] ?? key
  return mixedKeys[key] ?? key
}

type Translate = (key: string, named?: Record<string, unknown>) => string

/** A translate function that speaks the protocol's words. */
export function withVocabulary(t: Translate, protocol: string | undefined): Translate {
  return (key, named) => t(vocabularyKey(key, protocol), named)
}
