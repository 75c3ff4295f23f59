/**
 * Peer transport over TCP on 127.0.0.1. Each node dials one outbound connection per peer and sends
 * only on it; it receives on the connections its peers dialled. Link faults (partition, delay,
 * jitter, loss, duplication, reordering) are applied here, by the replica to its own links:
 * outgoing rules on send, the incoming cut on receipt. Every drop is reported.
 */
import net from 'node:net'
import { encodeFrame, FrameDecoder } from './framing.js'
import { listenOnLoopback } from './loopback.js'
import type { NodeId, Random } from '../protocols/types.js'

export const wireVersion = 1
/** Messages queued for a peer whose connection is still being established. */
export const queuedWhileConnectingMax = 4096
/** Bytes buffered in a socket (e.g. towards a paused peer) before further messages are dropped. */
export const socketBufferedBytesMax = 8 * 1024 * 1024
const reconnectDelayMsMin = 20
const reconnectDelayMsMax = 1000

export interface PeerAddress {
  id: NodeId
  host: string
  port: number
}

export interface OutgoingRule {
  blocked: boolean
  delayMs: number
  jitterMs: number
  loss: number
  duplicate: number
  reorder: number
}

export interface LinkRules {
  /** Per destination peer. Missing peers get the default (no fault). */
  outgoing: Record<NodeId, Partial<OutgoingRule>>
  /** Peers whose messages this node discards on receipt (the receiving half of a cut). */
  incomingBlocked: NodeId[]
}

export const noLinkFaults: LinkRules = { outgoing: {}, incomingBlocked: [] }

export type TransportEvent =
  | { kind: 'send'; to: NodeId; type: string; bytes: number }
  | { kind: 'recv'; from: NodeId; type: string; bytes: number }
  | { kind: 'drop'; from: NodeId; to: NodeId; type: string; reason: string }
  | { kind: 'frame-error'; peer: string; reason: string }

export interface TransportOptions {
  self: NodeId
  port: number
  random: Random
  /** Returns false when the message is not a valid message of the protocol: the connection is closed. */
  onMessage: (from: NodeId, message: { type: string }) => boolean
  onEvent: (event: TransportEvent) => void
}

interface Envelope {
  v: number
  from: NodeId
  to: NodeId
  m: { type: string }
}

interface Outbound {
  address: PeerAddress
  socket?: net.Socket
  state: 'connecting' | 'open' | 'idle'
  queued: Buffer[]
  reconnectDelayMs: number
  reconnectTimer?: NodeJS.Timeout
  /** Due time of the last delayed batch, so delayed messages stay in order unless reordered. */
  lastDueMs: number
}

export class PeerTransport {
  private readonly server: net.Server
  private readonly outbound = new Map<NodeId, Outbound>()
  private readonly inbound = new Set<net.Socket>()
  private rules: LinkRules = noLinkFaults
  private closed = false
  /** Frames written per destination in the current flush, written as one buffer at flushWrites. */
  private readonly pendingWrites = new Map<NodeId, Buffer[]>()
  framesRejected = 0
  messagesSent = 0
  bytesSent = 0
  readonly sentByType: Record<string, number> = {}

  constructor(private readonly options: TransportOptions) {
    this.server = net.createServer((socket) => this.acceptInbound(socket))
    this.server.on('error', () => undefined)
  }

  listen(): Promise<number> {
    return listenOnLoopback(this.server, this.options.port)
  }

  setPeers(peers: PeerAddress[]): void {
    for (const address of peers) {
      if (address.id === this.options.self) continue
      const existing = this.outbound.get(address.id)
      if (existing && existing.address.port === address.port && existing.address.host === address.host) continue
      if (existing) this.dropOutbound(existing)
      const peer: Outbound = { address, state: 'idle', queued: [], reconnectDelayMs: reconnectDelayMsMin, lastDueMs: 0 }
      this.outbound.set(address.id, peer)
      this.connect(peer)
    }
  }

  setRules(rules: LinkRules): void {
    this.rules = rules
  }

  /** Queues a message; nothing is written before flushWrites (the driver persists first). */
  send(to: NodeId, message: { type: string }): void {
    const rule = this.rules.outgoing[to]
    const type = message.type
    if (rule?.blocked) return this.options.onEvent({ kind: 'drop', from: this.options.self, to, type, reason: 'partition' })
    if (rule?.loss && this.options.random() < rule.loss) {
      return this.options.onEvent({ kind: 'drop', from: this.options.self, to, type, reason: 'loss' })
    }
    const envelope: Envelope = { v: wireVersion, from: this.options.self, to, m: message }
    const frame = encodeFrame(envelope)
    this.messagesSent += 1
    this.bytesSent += frame.length
    this.sentByType[type] = (this.sentByType[type] ?? 0) + 1
    this.options.onEvent({ kind: 'send', to, type, bytes: frame.length })
    const copies = rule?.duplicate && this.options.random() < rule.duplicate ? 2 : 1
    const delayed = rule && (rule.delayMs || rule.jitterMs)
    for (let copy = 0; copy < copies; copy += 1) {
      if (delayed) this.sendLater(to, frame, rule)
      else this.enqueue(to, frame)
    }
  }

  /** Writes every frame queued since the last flush, one buffer per peer. */
  flushWrites(): void {
    for (const [to, frames] of this.pendingWrites) {
      this.write(to, frames.length === 1 ? frames[0]! : Buffer.concat(frames))
    }
    this.pendingWrites.clear()
  }

  close(): void {
    this.closed = true
    for (const peer of this.outbound.values()) this.dropOutbound(peer)
    for (const socket of this.inbound) socket.destroy()
    this.server.close()
  }

  private enqueue(to: NodeId, frame: Buffer): void {
    const frames = this.pendingWrites.get(to)
    if (frames) frames.push(frame)
    else this.pendingWrites.set(to, [frame])
  }

  private sendLater(to: NodeId, frame: Buffer, rule: Partial<OutgoingRule>): void {
    const peer = this.outbound.get(to)
    const now = performance.now()
    const jitter = (rule.jitterMs ?? 0) * (this.options.random() * 2 - 1)
    let due = now + Math.max(0, (rule.delayMs ?? 0) + jitter)
    const reordered = rule.reorder !== undefined && this.options.random() < rule.reorder
    if (peer && !reordered) {
      due = Math.max(due, peer.lastDueMs)
      peer.lastDueMs = due
    }
    setTimeout(() => this.write(to, frame), Math.max(0, due - now))
  }

  private write(to: NodeId, data: Buffer): void {
    const peer = this.outbound.get(to)
    if (!peer) return this.reportUnsent(to, data, 'unknown-peer')
    if (peer.state === 'open' && peer.socket) {
      if (peer.socket.writableLength > socketBufferedBytesMax) return this.reportUnsent(to, data, 'backpressure')
      peer.socket.write(data)
      return
    }
    if (peer.queued.length >= queuedWhileConnectingMax) return this.reportUnsent(to, data, 'disconnected')
    peer.queued.push(data)
  }

  private reportUnsent(to: NodeId, _data: Buffer, reason: string): void {
    this.options.onEvent({ kind: 'drop', from: this.options.self, to, type: '*', reason })
  }

  private connect(peer: Outbound): void {
    if (this.closed) return
    peer.state = 'connecting'
    const socket = net.connect({ host: peer.address.host, port: peer.address.port })
    peer.socket = socket
    socket.setNoDelay(true)
    socket.on('connect', () => {
      peer.state = 'open'
      peer.reconnectDelayMs = reconnectDelayMsMin
      socket.write(encodeFrame({ v: wireVersion, hello: this.options.self }))
      const queued = peer.queued
      peer.queued = []
      if (queued.length > 0) socket.write(Buffer.concat(queued))
    })
    // Replies never come back on this connection; anything read is ignored.
    socket.on('data', () => undefined)
    socket.on('error', () => undefined)
    socket.on('close', () => {
      if (peer.socket !== socket) return
      peer.state = 'idle'
      peer.socket = undefined
      if (this.closed || this.outbound.get(peer.address.id) !== peer) return
      peer.reconnectTimer = setTimeout(() => this.connect(peer), peer.reconnectDelayMs)
      peer.reconnectDelayMs = Math.min(peer.reconnectDelayMs * 2, reconnectDelayMsMax)
    })
  }

  private dropOutbound(peer: Outbound): void {
    if (peer.reconnectTimer) clearTimeout(peer.reconnectTimer)
    const socket = peer.socket
    peer.socket = undefined
    peer.state = 'idle'
    socket?.destroy()
    this.outbound.delete(peer.address.id)
  }

  private acceptInbound(socket: net.Socket): void {
    if (this.closed) return void socket.destroy()
    this.inbound.add(socket)
    socket.setNoDelay(true)
    const decoder = new FrameDecoder()
    let peerId: NodeId | undefined
    const reject = (reason: string) => {
      this.framesRejected += 1
      this.options.onEvent({ kind: 'frame-error', peer: peerId ?? `${socket.remoteAddress}:${socket.remotePort}`, reason })
      socket.destroy()
    }
    socket.on('data', (chunk: Buffer) => {
      const { bodies, sizes, error } = decoder.push(chunk)
      for (let index = 0; index < bodies.length; index += 1) {
        const body = bodies[index] as Record<string, unknown> | null
        if (peerId === undefined) {
          if (!isHello(body)) return reject('expected a hello frame first')
          peerId = body.hello
          continue
        }
        if (!isEnvelope(body, peerId, this.options.self)) return reject('malformed envelope')
        if (this.rules.incomingBlocked.includes(peerId)) {
          this.options.onEvent({ kind: 'drop', from: peerId, to: this.options.self, type: body.m.type, reason: 'partition' })
          continue
        }
        this.options.onEvent({ kind: 'recv', from: peerId, type: body.m.type, bytes: sizes[index]! })
        if (!this.options.onMessage(peerId, body.m)) return reject(`invalid ${body.m.type} message`)
        if (socket.destroyed) return
      }
      if (error) reject(`${error.reason}: ${error.detail}`)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => this.inbound.delete(socket))
  }
}

function isHello(body: unknown): body is { v: number; hello: string } {
  const candidate = body as { v?: unknown; hello?: unknown } | null
  return typeof candidate === 'object' && candidate !== null && candidate.v === wireVersion && typeof candidate.hello === 'string'
}

function isEnvelope(body: unknown, from: NodeId, self: NodeId): body is Envelope {
  const candidate = body as Partial<Envelope> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.v === wireVersion &&
    candidate.from === from &&
    candidate.to === self &&
    typeof candidate.m === 'object' &&
    candidate.m !== null &&
    typeof candidate.m.type === 'string'
  )
}
