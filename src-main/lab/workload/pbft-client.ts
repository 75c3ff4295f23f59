/**
 * A PBFT client (Castro & Liskov §4.1): it sends a request to the primary it believes in, and
 * accepts a result once f+1 replicas sent matching replies (one of them at least is honest), or
 * 2f+1 matching tentative replies of one view (TOCS §5.1.3; see ReplyQuorum). With
 * no result after retransmitMs it sends the same request to every replica (backups then forward it
 * and start the timers that replace a faulty primary), and again every retransmitMs until timeoutMs.
 *
 * A replica refuses a request it finds `invalid` at its client port (too large for the cluster, a
 * malformed command) by the request's id, without ordering it. That check depends only on the
 * request and the cluster's configuration, so every honest replica answers it alike; but one
 * refusal may be a Byzantine replica's lie. The client takes f+1 matching refusals (at least one
 * from an honest replica, so no honest replica orders the request) as a definite `fail` with the
 * reason, and on the first refusal asks every replica at once rather than waiting to retransmit.
 *
 * With read-only requests on (TOCS §5.1.3; the cluster's readOnlyRequests), a get or range goes to
 * every replica at once, each answers it from its own state without ordering it, and the client
 * takes 2f+1 matching read-only replies. Concurrent writes to the key can keep them from matching:
 * after retransmitMs the client sends the same request (same timestamp) to be ordered, to the
 * primary and then to everyone, as any request; whichever quorum completes first answers.
 *
 * Replies may be digests (TOCS §5.1.1, the cluster's digestReplies): the replica a request
 * designates sends the result, the others its SHA-256 digest, and ReplyQuorum accepts a result only
 * with enough matching digests and the result in full. Without the full one (a faulty designated
 * replica) the client's retransmission gets every replica's full reply from its reply cache.
 */
import { ReplyQuorum } from '../../protocols/pbft/index.js'
import type { Reply } from '../../protocols/pbft/index.js'
import type { Command } from '../../protocols/types.js'
import type { ClientResponse } from '../../replica/client-server.js'
import { sha256Digest } from '../../replica/node-crypto.js'
import type { ClientDriver, Outcome } from './client.js'
import type { ClusterConnections } from './connections.js'

/** Clients whose registration every replica got; beyond this the oldest are forgotten. */
const registeredMax = 100_000

interface Waiting {
  quorum: ReplyQuorum
  settle: (outcome: Outcome) => void
  /** Replicas that refused the request as invalid, by their reason. */
  refusals: Map<string, Set<string>>
  /** Sends the request to every replica. */
  everyone: () => void
}

export class PbftClient implements ClientDriver {
  private view = 0
  private readonly registered = new Set<string>()
  private readonly waiting = new Map<string, Waiting>()
  /** The same requests by the id their frames carry, which a refusal names. */
  private readonly waitingById = new Map<number, Waiting>()

  constructor(
    private readonly connections: ClusterConnections,
    private readonly f: number,
    private readonly retransmitMs: number,
    /** Gets and ranges go out as read-only requests first (TOCS §5.1.3). */
    private readonly readOnly = false,
  ) {
    connections.onPush = (node, frame) => this.onPush(node, frame)
  }

  execute(clientId: string, seq: number, command: Command, timeoutMs: number, via?: string): Promise<Outcome> {
    const nodes = this.connections.nodeIds
    this.register(clientId, nodes)
    const key = `${clientId}:${seq}`
    const id = this.connections.newRequestId()
    return new Promise<Outcome>((resolve) => {
      const readOnly = this.readOnly && (command.op === 'get' || command.op === 'range')
      const request = { id, clientId, seq, cmd: command, ...(readOnly ? { ordered: true as const } : {}) }
      const primary = () => nodes[this.view % nodes.length]!
      const everyone = () => nodes.forEach((node) => this.connections.send(node, request))
      let orderedSent = !readOnly
      const retransmit = setInterval(() => {
        if (orderedSent) return everyone()
        // No 2f+1 matching read-only replies in time (concurrent writes, a slow replica): have it ordered.
        orderedSent = true
        this.connections.send(primary(), request)
      }, this.retransmitMs)
      const deadline = setTimeout(() => settle({ type: 'info', error: `no f+1 matching replies within ${Math.round(timeoutMs)} ms` }), timeoutMs)
      const settle = (outcome: Outcome) => {
        clearInterval(retransmit)
        clearTimeout(deadline)
        this.waiting.delete(key)
        this.waitingById.delete(id)
        resolve(outcome)
      }
      const waiting: Waiting = { quorum: new ReplyQuorum(clientId, seq, this.f, sha256Digest), settle, refusals: new Map(), everyone }
      this.waiting.set(key, waiting)
      this.waitingById.set(id, waiting)
      if (readOnly) for (const node of nodes) this.connections.send(node, { id, clientId, seq, cmd: command })
      else this.connections.send(via ?? primary(), request)
    })
  }

  private register(clientId: string, nodes: string[]): void {
    if (this.registered.has(clientId)) return
    if (this.registered.size >= registeredMax) this.registered.delete(this.registered.values().next().value!)
    this.registered.add(clientId)
    for (const node of nodes) this.connections.send(node, { register: clientId })
  }

  private onPush(node: string, frame: ClientResponse): void {
    if (!frame.ok) return this.onRefusal(node, frame)
    if (!frame.pbft) return
    const reply = frame.pbft as Reply
    const waiting = this.waiting.get(`${reply.clientId}:${reply.timestamp}`)
    if (!waiting) return
    const accepted = waiting.quorum.add(reply)
    if (!accepted) return
    this.view = Math.max(this.view, accepted.view)
    const replicas = accepted.replicas.join(',')
    const result = accepted.result
    // The replicas in the order their replies came: the last one completed the f+1.
    const seq = reply.seq === undefined ? {} : { seq: reply.seq }
    if (result.ok) waiting.settle({ type: 'ok', node: replicas, value: result.value, entries: result.entries, revision: result.revision, ...seq })
    else if (result.error === 'cas-mismatch') waiting.settle({ type: 'fail', error: 'cas-mismatch', node: replicas, value: result.value })
    else waiting.settle({ type: 'fail', error: `invalid: ${result.message}`, node: replicas })
  }

  /**
   * A replica refused a request by its id. Only `invalid` is a refusal of the request itself: the
   * others (a replica too busy to take it) say nothing of whether the rest of the cluster orders it.
   * The replica is the one at the other end of the connection, whatever the frame claims.
   */
  private onRefusal(node: string, frame: Extract<ClientResponse, { ok: false }>): void {
    if (frame.error !== 'invalid') return
    const waiting = this.waitingById.get(frame.id)
    if (!waiting) return
    const reason = frame.message ?? 'invalid request'
    const refused = waiting.refusals.get(reason) ?? new Set<string>()
    refused.add(node)
    waiting.refusals.set(reason, refused)
    if (refused.size >= this.f + 1) return waiting.settle({ type: 'fail', error: `invalid: ${reason}`, node: [...refused].join(',') })
    // One refusal proves nothing yet: ask everyone now, so the honest ones answer for themselves.
    if (refused.size === 1 && waiting.refusals.size === 1) waiting.everyone()
  }
}
