/**
 * Checkpoint messages above the last stable checkpoint (§4.3). A checkpoint becomes stable with
 * 2f+1 matching messages from distinct replicas; those messages are its proof.
 */
import type { NodeId } from '../types.js'
import type { Checkpoint } from './types.js'

export class CheckpointStore {
  /** Per replica, ascending by seq; a replica cannot evict another's messages by flooding. */
  private readonly byReplica = new Map<NodeId, Checkpoint[]>()

  constructor(private readonly perReplicaMax: number) {}

  /** Returns the already-stored message when the replica sent a different digest for this seq. */
  add(message: Checkpoint): { conflict?: Checkpoint } {
    const list = this.byReplica.get(message.replica) ?? []
    const existing = list.find((c) => c.seq === message.seq)
    if (existing) return existing.digest === message.digest ? {} : { conflict: existing }
    list.push(message)
    list.sort((a, b) => a.seq - b.seq)
    while (list.length > this.perReplicaMax) list.shift()
    this.byReplica.set(message.replica, list)
    return {}
  }

  /** Matching messages for (seq, digest), one per replica. */
  matching(seq: number, digest: string): Checkpoint[] {
    const found: Checkpoint[] = []
    for (const list of this.byReplica.values()) {
      const message = list.find((c) => c.seq === seq && c.digest === digest)
      if (message) found.push(message)
    }
    return found
  }

  discardUpTo(seq: number): void {
    for (const [replica, list] of this.byReplica) {
      const kept = list.filter((c) => c.seq > seq)
      if (kept.length === 0) this.byReplica.delete(replica)
      else this.byReplica.set(replica, kept)
    }
  }
}

/** A checkpoint proof: 2f+1 distinct replicas, each vouching for (seq, digest). `verify` checks the MAC. */
export function isCheckpointProof(
  proof: Checkpoint[],
  seq: number,
  digest: string,
  quorum: number,
  verify: (message: Checkpoint) => boolean,
): boolean {
  const replicas = new Set<NodeId>()
  for (const message of proof) {
    if (message.seq !== seq || message.digest !== digest) return false
    if (replicas.has(message.replica) || !verify(message)) return false
    replicas.add(message.replica)
  }
  return replicas.size >= quorum
}
