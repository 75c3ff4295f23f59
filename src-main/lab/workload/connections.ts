/**
 * One pipelined connection per replica's client port, shared by every client of the workload.
 * Each request resolves exactly once: with the replica's response, or with `timeout`, `closed`
 * (the connection dropped after the request was written: it may have been executed) or
 * `unreachable` (it was never written: it certainly was not).
 */
import net from 'node:net'
import { encodeFrame, FrameDecoder } from '../../replica/framing.js'
import type { ClientRequest, ClientResponse } from '../../replica/client-server.js'
import type { NodeEndpoint } from './protocol.js'

export type Delivery =
  | { kind: 'response'; response: ClientResponse }
  | { kind: 'timeout' }
  | { kind: 'closed' }
  | { kind: 'unreachable'; reason: string }

interface Pending {
  resolve: (delivery: Delivery) => void
  timer: NodeJS.Timeout
  written: boolean
}

interface Connection {
  socket: net.Socket
  open: boolean
  pending: Map<number, Pending>
  /** Frames waiting for the connect to finish. */
  queued: Buffer[]
  corked: boolean
}

export class ClusterConnections {
  private readonly endpoints = new Map<string, NodeEndpoint>()
  private readonly connections = new Map<string, Connection>()
  private nextRequestId = 1
  private closed = false
  /** Frames no request waits for: PBFT replicas push their replies with id 0. */
  onPush: (node: string, frame: ClientResponse) => void = () => undefined

  constructor(nodes: NodeEndpoint[]) {
    this.setEndpoints(nodes)
  }

  get nodeIds(): string[] {
    return [...this.endpoints.keys()]
  }

  endpoint(id: string): NodeEndpoint | undefined {
    return this.endpoints.get(id)
  }

  setEndpoints(nodes: NodeEndpoint[]): void {
    for (const node of nodes) {
      const known = this.endpoints.get(node.id)
      this.endpoints.set(node.id, node)
      if (known && known.port !== node.port) this.connections.get(node.id)?.socket.destroy()
    }
  }

  request(node: string, body: Omit<ClientRequest, 'id'>, timeoutMs: number): Promise<Delivery> {
    if (this.closed) return Promise.resolve({ kind: 'unreachable', reason: 'workload stopping' })
    const connection = this.connectionTo(node)
    if (!connection) return Promise.resolve({ kind: 'unreachable', reason: `unknown node ${node}` })
    const id = this.nextRequestId++
    return new Promise<Delivery>((resolve) => {
      const pending: Pending = {
        resolve,
        written: connection.open,
        timer: setTimeout(() => {
          connection.pending.delete(id)
          resolve({ kind: 'timeout' })
        }, timeoutMs),
      }
      connection.pending.set(id, pending)
      const frame = encodeFrame({ ...body, id })
      if (!connection.open) return void connection.queued.push(frame)
      // Requests of one event-loop turn leave in one writev instead of one syscall each.
      if (!connection.corked) {
        connection.corked = true
        connection.socket.cork()
        process.nextTick(() => {
          connection.corked = false
          connection.socket.uncork()
        })
      }
      connection.socket.write(frame)
    })
  }

  /**
   * An id no request of this connection set uses, for a frame written with `send` whose refusal
   * should be told apart (a replica answers a refused request by its id, through onPush).
   */
  newRequestId(): number {
    return this.nextRequestId++
  }

  /** Writes a frame that gets no response of its own (a registration, a PBFT request); id 0 unless `body` has one. */
  send(node: string, body: Record<string, unknown>): boolean {
    if (this.closed) return false
    const connection = this.connectionTo(node)
    if (!connection) return false
    const frame = encodeFrame({ id: 0, ...body })
    if (!connection.open) connection.queued.push(frame)
    else connection.socket.write(frame)
    return true
  }

  close(): void {
    this.closed = true
    for (const connection of this.connections.values()) connection.socket.destroy()
  }

  private connectionTo(node: string): Connection | undefined {
    const existing = this.connections.get(node)
    if (existing && !existing.socket.destroyed) return existing
    const endpoint = this.endpoints.get(node)
    if (!endpoint) return undefined
    const socket = net.connect({ host: endpoint.host, port: endpoint.port })
    socket.setNoDelay(true)
    const connection: Connection = { socket, open: false, pending: new Map(), queued: [], corked: false }
    this.connections.set(node, connection)
    const decoder = new FrameDecoder()
    socket.on('connect', () => {
      connection.open = true
      for (const pending of connection.pending.values()) pending.written = true
      if (connection.queued.length > 0) socket.write(Buffer.concat(connection.queued))
      connection.queued = []
    })
    socket.on('data', (chunk: Buffer) => {
      const { bodies, error } = decoder.push(chunk)
      for (const body of bodies) {
        const response = body as ClientResponse
        const pending = connection.pending.get(response.id)
        if (!pending) {
          this.onPush(node, response)
          continue
        }
        connection.pending.delete(response.id)
        clearTimeout(pending.timer)
        pending.resolve({ kind: 'response', response })
      }
      if (error) socket.destroy()
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      if (this.connections.get(node) === connection) this.connections.delete(node)
      for (const pending of connection.pending.values()) {
        clearTimeout(pending.timer)
        pending.resolve(pending.written ? { kind: 'closed' } : { kind: 'unreachable', reason: 'connection refused' })
      }
      connection.pending.clear()
    })
    return connection
  }
}
