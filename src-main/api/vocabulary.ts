/**
 * How a protocol speaks of its epochs and its leader (Raft: term and leader; PBFT: view and
 * primary; primary-backup: term and primary), from its descriptor, for the screens and reports.
 */
import type { Vocabulary } from '../protocols/descriptor.js'
import { descriptorOf, protocolNames } from '../protocols/registry.js'

export type { Vocabulary }

const raftWords: Vocabulary = { term: 'term', leader: 'leader' }

/** An unknown protocol (an old run, a file from elsewhere) speaks Raft's words. */
export function vocabularyOf(protocol: string | undefined): Vocabulary {
  return protocol !== undefined && (protocolNames as readonly string[]).includes(protocol) ? descriptorOf(protocol).vocabulary : raftWords
}
