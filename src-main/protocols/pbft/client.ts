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
import { hashString } from '../common/random.js'
import { resultDigestOf, stableJson } from './canonical.js'
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

/**
 * The replica that answers a request in full when replies are digests (TOCS §5.1.1: the client
 * designates it; here by the request's tag, so every replica and the client agree without a field
 * on the wire). A client that knows the members in another order still completes: its retransmission
 * gets full replies from everyone.
 */
export function designatedReplier(members: readonly NodeId[], clientId: string, timestamp: number): NodeId {
  return members[hashString(`${clientId}#${timestamp}`) % members.length]!
}

interface Bucket {
  replicas: Map<NodeId, Reply>
  /** The full result behind the bucket's digest, once a replica sent it. */
  result?: CommandResult
}

/** Collects replies for one outstanding request (clientId, timestamp). */
export class ReplyQuorum {
  private readonly buckets = new Map<string, Bucket>()

  /**
   * `digest`: PbftCrypto's digest, with which digest replies (TOCS §5.1.1) are matched against a
   * full result. Without it a digest reply matches nothing.
   */
  constructor(
    readonly clientId: string,
    readonly timestamp: number,
    private readonly f: number,
    private readonly digest?: (bytes: Uint8Array) => string,
  ) {}

  /**
   * Adds a reply; returns the accepted result once enough replicas agree, else undefined. A result
   * is accepted only when one of the matching replies carried it in full: the digests say that
   * enough replicas agree, the full reply says on what.
   */
  add(reply: Reply): AcceptedReply | undefined {
    if (reply.clientId !== this.clientId || reply.timestamp !== this.timestamp) return undefined
    const tentative = reply.tentative === true
    const readOnly = reply.readOnly === true
    const identity = this.identityOf(reply)
    if (identity === undefined) return undefined
    // Read-only replies come from each replica's own committed state, at no agreed point: only 2f+1
    // matching ones say that an honest replica which saw every completed write agrees (core.ts onReadOnly).
    const kind = readOnly ? 'read-only' : tentative ? `tentative@${reply.view}` : 'committed'
    const key = `${kind}:${identity}`
    const bucket = this.buckets.get(key) ?? { replicas: new Map<NodeId, Reply>() }
    // Keyed by replica: a replica that answers twice still counts once.
    bucket.replicas.set(reply.replica, reply)
    if (reply.result !== undefined) bucket.result = reply.result
    this.buckets.set(key, bucket)
    if (bucket.replicas.size < (tentative || readOnly ? 2 * this.f + 1 : this.f + 1) || bucket.result === undefined) return undefined
    const matching = [...bucket.replicas.values()]
    return { result: bucket.result, view: Math.max(...matching.map((r) => r.view)), replicas: matching.map((r) => r.replica), tentative, readOnly }
  }

  /** What matching replies agree on: the result's digest (full results are digested here), or the result itself without a digest function. */
  private identityOf(reply: Reply): string | undefined {
    if (reply.result !== undefined) return this.digest ? resultDigestOf(this.digest, reply.result) : stableJson(reply.result)
    return this.digest ? reply.resultDigest : undefined
  }
}
