/**
 * The client's side of PBFT replies (§4.1), pure, for the workload client: a result counts once
 * f+1 distinct replicas sent matching replies (same clientId, timestamp and result), since at
 * least one of them is honest.
 */
import type { CommandResult, NodeId } from '../types.js'
import { stableJson } from './canonical.js'
import type { Reply } from './types.js'

export interface AcceptedReply {
  result: CommandResult
  /** The highest view among the matching replies: where the client should look for the primary. */
  view: number
  replicas: NodeId[]
}

/** Collects replies for one outstanding request (clientId, timestamp). */
export class ReplyQuorum {
  private readonly byResult = new Map<string, Map<NodeId, Reply>>()

  constructor(
    readonly clientId: string,
    readonly timestamp: number,
    private readonly f: number,
  ) {}

  /** Adds a reply; returns the accepted result once f+1 replicas agree, else undefined. */
  add(reply: Reply): AcceptedReply | undefined {
    if (reply.clientId !== this.clientId || reply.timestamp !== this.timestamp) return undefined
    const key = stableJson(reply.result)
    const replies = this.byResult.get(key) ?? new Map<NodeId, Reply>()
    // Keyed by replica: a replica that answers twice still counts once.
    replies.set(reply.replica, reply)
    this.byResult.set(key, replies)
    if (replies.size < this.f + 1) return undefined
    const matching = [...replies.values()]
    return { result: reply.result, view: Math.max(...matching.map((r) => r.view)), replicas: matching.map((r) => r.replica) }
  }
}
