/**
 * The client's side of PBFT replies (§4.1; TOCS §5.1.3 for tentative ones), pure, for the workload
 * client: a committed result counts once f+1 distinct replicas sent matching replies (same
 * clientId, timestamp and result), since at least one of them is honest. A tentative result counts
 * once 2f+1 distinct replicas sent matching tentative replies of the same view: at least f+1 honest
 * replicas then prepared the request and every one before it, so any view change keeps them all in
 * that order, and the request commits with that result. A read-only result counts once 2f+1
 * distinct replicas sent matching read-only replies (TOCS §5.1.3).
 */
import type { CommandResult, NodeId } from '../types.js'
import { stableJson } from './canonical.js'
import type { Reply } from './types.js'

export interface AcceptedReply {
  result: CommandResult
  /** The highest view among the matching replies: where the client should look for the primary. */
  view: number
  replicas: NodeId[]
  tentative: boolean
  /** Answered by 2f+1 replicas' read-only replies (TOCS §5.1.3), not ordered. */
  readOnly: boolean
}

/** Collects replies for one outstanding request (clientId, timestamp). */
export class ReplyQuorum {
  private readonly byResult = new Map<string, Map<NodeId, Reply>>()

  constructor(
    readonly clientId: string,
    readonly timestamp: number,
    private readonly f: number,
  ) {}

  /** Adds a reply; returns the accepted result once enough replicas agree, else undefined. */
  add(reply: Reply): AcceptedReply | undefined {
    if (reply.clientId !== this.clientId || reply.timestamp !== this.timestamp) return undefined
    const tentative = reply.tentative === true
    const readOnly = reply.readOnly === true
    // Read-only replies come from each replica's own committed state, at no agreed point: only 2f+1
    // matching ones say that an honest replica which saw every completed write agrees (core.ts onReadOnly).
    const kind = readOnly ? 'read-only' : tentative ? `tentative@${reply.view}` : 'committed'
    const key = `${kind}:${stableJson(reply.result)}`
    const replies = this.byResult.get(key) ?? new Map<NodeId, Reply>()
    // Keyed by replica: a replica that answers twice still counts once.
    replies.set(reply.replica, reply)
    this.byResult.set(key, replies)
    if (replies.size < (tentative || readOnly ? 2 * this.f + 1 : this.f + 1)) return undefined
    const matching = [...replies.values()]
    return { result: reply.result, view: Math.max(...matching.map((r) => r.view)), replicas: matching.map((r) => r.replica), tentative, readOnly }
  }
}
