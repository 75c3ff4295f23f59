/**
 * The words a report uses for a protocol's leadership, from its descriptor's vocabulary (Raft:
 * term and leader; PBFT: view and primary), so a PBFT report never speaks of terms and leaders.
 * A comparison of protocols that speak differently names both ("leader / primary").
 */
import type { RunRecord } from '../run-file.js'
import { vocabularyOf } from '../vocabulary.js'

export interface LeadershipWords {
  /** "leader", "primary", or "leader / primary" for a mixed comparison. */
  leader: string
  /** "term", "view", or "term / view". */
  term: string
  /** The Korean for the leader word: 리더, 프라이머리, or 리더 / 프라이머리. */
  leaderKo: string
}

const leaderKo = { leader: '리더', primary: '프라이머리' } as const

function joined(words: string[]): string {
  return [...new Set(words)].join(' / ')
}

/** The words for the runs of one report (one run, or all the runs of a comparison). */
export function leadershipWords(records: readonly RunRecord[]): LeadershipWords {
  const vocabularies = records.map((record) => vocabularyOf(record.summary.protocol))
  return {
    leader: joined(vocabularies.map((vocabulary) => vocabulary.leader)),
    term: joined(vocabularies.map((vocabulary) => vocabulary.term)),
    leaderKo: joined(vocabularies.map((vocabulary) => leaderKo[vocabulary.leader])),
  }
}
