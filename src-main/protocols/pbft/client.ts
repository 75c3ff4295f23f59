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

/** Collects replies for one outstanding request (clientId, timestamp). */
export class ReplyQuorum {
  /** Replies by what they agree on (the result's digest), then by kind (committed, tentative@view, read-only), then by replica. */
  private readonly byIdentity = new Map<string, Map<string, Map<NodeId, Reply>>>()
  /**
   * Full results by identity. A full reply only supplies the bytes behind a digest, so the one that
   * completes a count may be of another kind (the designated replica answered committed while the
   * others answered tentatively): it is the digests that must reach the count.
   */
  private readonly fullResults = new Map<string, CommandResult>()

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
   * is accepted only when one reply at least carried it in full: the digests say that enough
   * replicas agree, the full reply says on what.
   */
  add(reply: Reply): AcceptedReply | undefined {
    if (reply.clientId !== this.clientId || reply.timestamp !== this.timestamp) return undefined
    const identity = this.identityOf(reply)
    if (identity === undefined) return undefined
    // Read-only replies come from each replica's own committed state, at no agreed point: only 2f+1
    // matching ones say that an honest replica which saw every completed write agrees (core.ts onReadOnly).
    const kind = reply.readOnly === true ? 'read-only' : reply.tentative === true ? `tentative@${reply.view}` : 'committed'
    const kinds = this.byIdentity.get(identity) ?? new Map<string, Map<NodeId, Reply>>()
    this.byIdentity.set(identity, kinds)
    const replicas = kinds.get(kind) ?? new Map<NodeId, Reply>()
    kinds.set(kind, replicas)
    // Keyed by replica: a replica that answers twice still counts once.
    replicas.set(reply.replica, reply)
    if (reply.result !== undefined) this.fullResults.set(identity, reply.result)
    const result = this.fullResults.get(identity)
    if (result === undefined) return undefined
    // A full reply may complete a count of another kind; a digest reply only its own.
    for (const [countedKind, counted] of reply.result !== undefined ? kinds : [[kind, replicas] as const]) {
      const quorumOfKind = countedKind === 'committed' ? this.f + 1 : 2 * this.f + 1
      if (counted.size < quorumOfKind) continue
      const matching = [...counted.values()]
      const readOnly = countedKind === 'read-only'
      return { result, view: Math.max(...matching.map((r) => r.view)), replicas: matching.map((r) => r.replica), tentative: countedKind.startsWith('tentative'), readOnly }
    }
    return undefined
  }

  /** What matching replies agree on: the result's digest (full results are digested here), or the result itself without a digest function. */
  private identityOf(reply: Reply): string | undefined {
    if (reply.result !== undefined) return this.digest ? resultDigestOf(this.digest, reply.result) : stableJson(reply.result)
    return this.digest ? reply.resultDigest : undefined
  }
}
