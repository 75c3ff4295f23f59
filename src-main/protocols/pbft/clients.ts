/**
 * Exactly-once per client (§4.1): a request runs only if its timestamp is newer than the last one
 * executed for that client, and the last reply is kept to answer a retransmission. A client has at
 * most one request outstanding, so one entry per client is enough.
 */
import type { RequestTag } from '../types.js'
import type { Reply } from './types.js'

/** 'new': not executed yet; 'last': the latest executed one (answer from the cache); 'stale': older. */
export type Freshness = 'new' | 'last' | 'stale'

interface ClientEntry {
  timestamp: number
  reply?: Reply
}

export function requestKey(tag: RequestTag): string {
  return `${tag.clientId}\u0000${tag.seq}`
}

export class ClientTable {
  /** Insertion order is recency of execution, so the first key is the one to evict. */
  private readonly entries = new Map<string, ClientEntry>()

  constructor(private readonly clientsMax: number) {}

  freshness(tag: RequestTag): Freshness {
    const entry = this.entries.get(tag.clientId)
    if (!entry || tag.seq > entry.timestamp) return 'new'
    return tag.seq === entry.timestamp ? 'last' : 'stale'
  }

  /**
   * Eviction depends only on the executed sequence, so every honest replica evicts alike; an evicted
   * client's very old retransmission would run again, which is why the bound is large.
   */
  markExecuted(tag: RequestTag): void {
    this.entries.delete(tag.clientId)
    this.entries.set(tag.clientId, { timestamp: tag.seq })
    while (this.entries.size > this.clientsMax) {
      const oldest = this.entries.keys().next().value as string
      this.entries.delete(oldest)
    }
  }

  recordReply(reply: Reply): void {
    const entry = this.entries.get(reply.clientId)
    if (entry && entry.timestamp === reply.timestamp) entry.reply = reply
  }

  cachedReply(tag: RequestTag): Reply | undefined {
    const entry = this.entries.get(tag.clientId)
    return entry && entry.timestamp === tag.seq ? entry.reply : undefined
  }
}
