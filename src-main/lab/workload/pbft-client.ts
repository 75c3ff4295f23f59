/**
 * A PBFT client (Castro & Liskov §4.1): it sends a request to the primary it believes in, and
 * accepts a result once f+1 replicas sent matching replies (one of them at least is honest). With
 * no result after retransmitMs it sends the same request to every replica (backups then forward it
 * and start the timers that replace a faulty primary), and again every retransmitMs until timeoutMs.
 */
import { ReplyQuorum } from '../../protocols/pbft/index.js'
import type { Reply } from '../../protocols/pbft/index.js'
import type { Command } from '../../protocols/types.js'
import type { ClientResponse } from '../../replica/client-server.js'
import type { ClientDriver, Outcome } from './client.js'
import type { ClusterConnections } from './connections.js'

/** Clients whose registration every replica got; beyond this the oldest are forgotten. */
const registeredMax = 100_000

interface Waiting {
  quorum: ReplyQuorum
  settle: (outcome: Outcome) => void
}

export class PbftClient implements ClientDriver {
  private view = 0
  private readonly registered = new Set<string>()
  private readonly waiting = new Map<string, Waiting>()

  constructor(
    private readonly connections: ClusterConnections,
    private readonly f: number,
    private readonly retransmitMs: number,
  ) {
    connections.onPush = (_node, frame) => this.onPush(frame)
  }

  execute(clientId: string, seq: number, command: Command, timeoutMs: number, via?: string): Promise<Outcome> {
    const nodes = this.connections.nodeIds
    this.register(clientId, nodes)
    const key = `${clientId}:${seq}`
    return new Promise<Outcome>((resolve) => {
      const request = { clientId, seq, cmd: command }
      const everyone = () => nodes.forEach((node) => this.connections.send(node, request))
      const retransmit = setInterval(everyone, this.retransmitMs)
      const deadline = setTimeout(() => settle({ type: 'info', error: `no f+1 matching replies within ${timeoutMs} ms` }), timeoutMs)
      const settle = (outcome: Outcome) => {
        clearInterval(retransmit)
        clearTimeout(deadline)
        this.waiting.delete(key)
        resolve(outcome)
      }
      this.waiting.set(key, { quorum: new ReplyQuorum(clientId, seq, this.f), settle })
      this.connections.send(via ?? nodes[this.view % nodes.length]!, request)
    })
  }

  private register(clientId: string, nodes: string[]): void {
    if (this.registered.has(clientId)) return
    if (this.registered.size >= registeredMax) this.registered.delete(this.registered.values().next().value!)
    this.registered.add(clientId)
    for (const node of nodes) this.connections.send(node, { register: clientId })
  }

  private onPush(frame: ClientResponse): void {
    if (!frame.ok || !frame.pbft) return
    const reply = frame.pbft as Reply
    const waiting = this.waiting.get(`${reply.clientId}:${reply.timestamp}`)
    if (!waiting) return
    const accepted = waiting.quorum.add(reply)
    if (!accepted) return
    this.view = Math.max(this.view, accepted.view)
    // The replicas in the order their replies came: the last one completed the f+1.
    const node = accepted.replicas.join(',')
    const result = accepted.result
    const seq = reply.seq === undefined ? {} : { seq: reply.seq }
    if (result.ok) waiting.settle({ type: 'ok', node, value: result.value, entries: result.entries, revision: result.revision, ...seq })
    else if (result.error === 'cas-mismatch') waiting.settle({ type: 'fail', error: 'cas-mismatch', node, value: result.value })
    else waiting.settle({ type: 'fail', error: `invalid: ${result.message}`, node })
  }
}
